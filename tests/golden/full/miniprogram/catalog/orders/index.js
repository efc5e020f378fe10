// The customer's orders, from the backend (GET {api}orders with the session from the login hook, which
// logs in again when the backend answers 401).
const config = require('../../utils/commerce-config.js');
const session = require('../../utils/session.js');
const { yuan } = require('../../utils/money.js');

const STATES = {
  pending_payment: '待支付', unpaid: '待支付', paid: '已支付', shipped: '已发货', done: '已完成',
  cancelled: '已取消', closed: '已关闭', refunding: '退款中', refunded: '已退款'
};

Page({
  data: { loading: true, error: '', orders: [] },
  onLoad() {
    this.load();
  },
  load() {
    this.setData({ loading: true, error: '' });
    return session
      .call({ url: config.api + 'orders' })
      .then((answer) => {
        const orders = (answer && answer.orders) || [];
        this.setData({
          loading: false,
          orders: orders.map((o) => ({
            orderId: o.orderId,
            stateText: STATES[o.state] || o.state,
            summary: (o.items || []).map((i) => i.name + ' ×' + i.quantity).join('，'),
            totalText: yuan(o.totalFen)
          }))
        });
      })
      .catch(() => this.setData({ loading: false, error: '订单加载失败，请检查网络后重试' }));
  }
});

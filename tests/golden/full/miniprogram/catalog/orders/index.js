// The customer's orders, from the backend (GET {api}orders with the session from the login hook, which
// logs in again when the backend answers 401). An unpaid order can be paid now or cancelled.
const checkout = require('../utils/checkout.js');
const config = require('../../utils/commerce-config.js');
const session = require('../../utils/session.js');
const { yuan } = require('../../utils/money.js');

const STATES = {
  pending_payment: '待支付', unpaid: '待支付', paid: '已支付', shipped: '已发货', done: '已完成',
  cancelled: '已取消', closed: '已关闭', refunding: '退款中', refunded: '已退款'
};

function view(o) {
  return {
    orderId: o.orderId,
    stateText: STATES[o.state] || o.stateText || o.state,
    unpaid: checkout.isUnpaid(o.state),
    summary: (o.items || []).map((i) => i.name + ' ×' + i.quantity).join('，'),
    totalText: yuan(o.totalFen)
  };
}

Page({
  data: { loading: true, error: '', orders: [], busy: '' },
  onLoad() {
    this.load();
  },
  load() {
    this.setData({ loading: true, error: '' });
    return session
      .call({ url: config.api + 'orders' })
      .then((answer) => this.setData({ loading: false, orders: ((answer && answer.orders) || []).map(view) }))
      .catch(() => this.setData({ loading: false, error: '订单加载失败，请检查网络后重试' }));
  },
  // 去支付: a new payment for the unpaid order; the result page asks the backend what became of it.
  onPay(event) {
    const orderId = event.currentTarget.dataset.id;
    if (this.data.busy) return null;
    this.setData({ busy: orderId });
    wx.showLoading({ title: '正在支付', mask: true });
    return checkout.payLater(orderId).then((result) => {
      wx.hideLoading();
      this.setData({ busy: '' });
      if (result.state === 'paid') {
        wx.navigateTo({ url: '/catalog/result/index?order=' + encodeURIComponent(orderId) });
        return result;
      }
      wx.showToast({ title: result.message || (result.state === 'cancelled' ? '已取消支付' : '支付没有完成，请重试'), icon: 'none' });
      return this.load().then(() => result);
    });
  },
  onCancel(event) {
    const orderId = event.currentTarget.dataset.id;
    if (this.data.busy) return null;
    return new Promise((resolve) => {
      wx.showModal({
        title: '取消订单',
        content: '确定取消这笔订单吗？',
        confirmText: '取消订单',
        cancelText: '再想想',
        success: (res) => resolve(res && res.confirm),
        fail: () => resolve(false)
      });
    }).then((confirmed) => {
      if (!confirmed) return null;
      this.setData({ busy: orderId });
      return session
        .call({ url: config.api + 'orders/' + encodeURIComponent(orderId) + '/cancel', method: 'POST' })
        .then(() => wx.showToast({ title: '订单已取消', icon: 'none' }),
          () => wx.showToast({ title: '没有取消成功，请稍后重试', icon: 'none' }))
        .then(() => {
          this.setData({ busy: '' });
          return this.load();
        });
    });
  }
});

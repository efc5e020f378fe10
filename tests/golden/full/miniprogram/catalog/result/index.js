// After the payment sheet closes: the order's state as the backend says it (asked to check with WeChat Pay
// first), never the client's own "success". A payment still being confirmed is asked again a few times.
const checkout = require('../utils/checkout.js');
const config = require('../../utils/commerce-config.js');
const { yuan } = require('../../utils/money.js');
const { track } = require('../../utils/track.js');

const RETRY_MS = [1000, 2000, 3000]; // WeChat's notify can arrive a little after the sheet closes

const VIEWS = {
  checking: { icon: 'waiting', title: '正在确认支付结果…', detail: '' },
  paid: { icon: 'success', title: '支付成功', detail: '' },
  pending: { icon: 'info', title: '暂未确认到支付', detail: '如果已经付款，稍后可在“我的订单”查看；没有付款可以重新下单' },
  closed: { icon: 'warn', title: '订单已关闭', detail: '这笔订单没有支付，已经关闭' },
  error: { icon: 'info', title: '支付结果查询失败', detail: '网络不太好，请稍后在“我的订单”查看' }
};

function viewOf(kind, order) {
  return Object.assign({ kind, checking: kind === 'checking', totalText: order && typeof order.totalFen === 'number' ? yuan(order.totalFen) : '' },
    VIEWS[kind]);
}

// Built with Component() (as the cart and checkout pages) so tests can render it.
Component({
  options: { addGlobalClass: true },
  data: Object.assign({ orderId: '' }, viewOf('checking')),
  methods: {
    onLoad(query) {
      this.setData({ orderId: decodeURIComponent((query && query.order) || '') });
      return this.check();
    },
    // Asks the backend, again after each RETRY_MS while the order is still waiting for its payment.
    check() {
      this.setData(viewOf('checking'));
      const ask = (attempt) => checkout.queryOrder(this.data.orderId).then((order) => {
        const state = order && order.state;
        if (checkout.isPaid(state)) return this.paid(order);
        if (checkout.isClosed(state)) return this.setData(viewOf('closed', order));
        if (attempt >= RETRY_MS.length) return this.setData(viewOf('pending', order));
        return new Promise((resolve) => setTimeout(resolve, RETRY_MS[attempt])).then(() => ask(attempt + 1));
      });
      return ask(0).catch(() => this.setData(viewOf('error')));
    },
    paid(order) {
      this.setData(viewOf('paid', order));
      track('pay_success', { order_id: this.data.orderId, total_fen: order.totalFen });
    },
    onRefresh() {
      if (!this.data.checking) this.check();
    },
    onOrders() {
      wx.redirectTo({ url: '/catalog/orders/index' });
    },
    onHome() {
      wx.reLaunch({ url: '/' + config.home });
    }
  }
});

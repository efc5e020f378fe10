// Checkout: address, totals in fen, and one payment at a time. While the order is created and paid the
// button shows loading and is disabled, so a double tap can never create two orders.
const cart = require('../utils/cart.js');
const checkout = require('../utils/checkout.js');
const config = require('../../utils/commerce-config.js');
const session = require('../../utils/session.js');
const { request } = require('../../utils/request.js');
const mask = require('../../utils/mask.js');
const { yuan } = require('../../utils/money.js');
const { track } = require('../../utils/track.js');

const ADDRESS_FIELDS = ['userName', 'telNumber', 'postalCode', 'provinceName', 'cityName', 'countyName', 'detailInfo',
  'nationalCode'];

const MESSAGES = {
  cancelled: '已取消支付，订单已保留，可以重新支付',
  failed: '支付没有完成，请重试'
};

Component({
  options: { addGlobalClass: true },
  data: {
    lines: [], address: null, paying: false, state: '', message: '', only: '',
    coupons: [], couponNames: [], couponIndex: 0, discountText: ''
  },
  methods: {
    onLoad(query) {
      this.setData({ only: (query && query.line) || '' });
      this.refresh();
      const removed = cart.takeRemoved(); // lines this release no longer sells
      if (removed) wx.showToast({ title: '有 ' + removed + ' 种商品已下架或售罄，已从购物车移除', icon: 'none' });
      this.loadCoupons();
    },
    // The customer's usable coupons (GET coupons/mine); the first choice is always "不使用".
    loadCoupons() {
      return session
        .ensure()
        .then((s) => request({ url: config.api + 'coupons/mine', header: session.header(s) }))
        .then((answer) => {
          const coupons = (answer && answer.coupons) || [];
          this.setData({
            coupons,
            couponNames: ['不使用'].concat(coupons.map((c) => c.title + '（' + yuan(c.amountFen) + '）')),
            couponIndex: 0
          });
        })
        .catch(() => {});
    },
    chosenCoupon() {
      const coupon = this.data.coupons[this.data.couponIndex - 1];
      if (!coupon) return null;
      const subtotal = this.data.lines.reduce((sum, l) => sum + l.priceFen * l.quantity, 0);
      return subtotal >= (coupon.minSpendFen || 0) ? coupon : null;
    },
    onCoupon(event) {
      this.setData({ couponIndex: Number(event.detail.value) });
      if (this.data.couponIndex && !this.chosenCoupon()) wx.showToast({ title: '未达到使用门槛', icon: 'none' });
      this.refresh();
    },
    refresh() {
      const all = cart.load();
      const only = this.data.only;
      // the key arrives URL-encoded or already decoded, depending on the client
      const lines = only ? all.filter((l) => l.key === only || encodeURIComponent(l.key) === only) : all;
      const coupon = this.chosenCoupon ? this.chosenCoupon() : null;
      const sums = checkout.totals(lines, coupon ? coupon.amountFen : 0);
      this.setData({
        discountText: sums.discount ? yuan(sums.discount) : '',
        lines: lines.map((l) => Object.assign({}, l, { amountText: yuan(l.priceFen * l.quantity) })),
        subtotalText: yuan(sums.subtotal),
        shippingText: sums.shipping ? yuan(sums.shipping) : '免运费',
        totalText: yuan(sums.total)
      });
    },
    onAddress() {
      if (this.data.paying) return;
      wx.chooseAddress({
        success: (a) => {
          // only the address itself goes to the backend; the full name and phone stay out of page data
          this.rawAddress = ADDRESS_FIELDS.reduce((picked, key) => {
            if (a[key] !== undefined) picked[key] = a[key];
            return picked;
          }, {});
          this.setData({
            address: {
              nameMasked: mask.name(a.userName),
              phoneMasked: mask.phone(a.telNumber),
              text: [a.provinceName, a.cityName, a.countyName, a.detailInfo].join('')
            }
          });
        }
      });
    },
    onPay() {
      if (this.data.paying || !this.data.lines.length) return;
      if (!this.data.address) {
        wx.showToast({ title: '请先选择收货地址', icon: 'none' });
        this.onAddress();
        return;
      }
      this.setData({ paying: true, message: '', state: '' });
      wx.showLoading({ title: '正在支付', mask: true });
      const lines = this.data.lines;
      const order = {
        items: lines.map((l) => ({ productId: l.productId, options: l.options, quantity: l.quantity, priceFen: l.priceFen })),
        address: this.rawAddress,
        couponId: this.chosenCoupon() ? this.chosenCoupon().id : undefined,
        totalFen: checkout.totals(lines, this.chosenCoupon() ? this.chosenCoupon().amountFen : 0).total
      };
      track('checkout_start', { items: lines.length, total_fen: order.totalFen });
      return checkout.placeOrder(order, this.kept).then((result) => {
        // keep an unpaid order for "重新支付"; a paid one (or none) is done with
        this.kept = result.state === 'paid' || !result.orderId ? null : { orderId: result.orderId, payment: result.payment };
        wx.hideLoading();
        if (result.state === 'paid') {
          track('pay_success', { order_id: result.orderId, total_fen: order.totalFen });
          lines.forEach((l) => cart.remove(l.key));
          this.setData({ paying: false, state: 'paid' });
          wx.redirectTo({ url: '/catalog/result/index?order=' + encodeURIComponent(result.orderId) });
          return result;
        }
        this.setData({ paying: false, state: result.state, message: result.message || MESSAGES[result.state] });
        return result;
      });
    },
    onBack() {
      wx.navigateBack({ fail: () => wx.redirectTo({ url: '/catalog/cart/index' }) });
    }
  }
});

// Checkout: address, totals in fen, and one payment at a time. While the order is created and paid the
// button shows loading and is disabled, so a double tap can never create two orders; a retry sends the same
// idempotency key (utils/checkout.js), so a lost answer cannot either. A changed price is shown and confirmed.
const cart = require('../utils/cart.js');
const catalog = require('../utils/catalog.js');
const checkout = require('../utils/checkout.js');
const config = require('../../utils/commerce-config.js');
const session = require('../../utils/session.js');
const subscribe = require('../utils/subscribe.js');
const mask = require('../utils/mask.js');
const { yuan } = require('../../utils/money.js');
const { track } = require('../../utils/track.js');

// what the backend's Address takes (dist/commerce/openapi.json): no more personal data than the order needs
const ADDRESS_FIELDS = ['userName', 'telNumber', 'postalCode', 'provinceName', 'cityName', 'countyName', 'streetName',
  'detailInfo'];

const COUPON_PROBLEMS = {
  scope: '这张券不适用于所选商品',
  threshold: '未达到使用门槛'
};

// 20% off reads 8折, as a shop in China writes it; an amount reads ¥10.00.
function couponValue(coupon) {
  return coupon.percentOff ? String((100 - coupon.percentOff) / 10) + '折' : yuan(coupon.amountFen);
}

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
      this.noticeRemoved();
      this.loadCoupons();
      if (catalog.remote) cart.sync().then(() => { this.refresh(); this.noticeRemoved(); });
    },
    noticeRemoved() {
      const removed = cart.takeRemoved(); // lines this release (or the catalog's server) no longer sells
      if (removed) wx.showToast({ title: '有 ' + removed + ' 种商品已下架或售罄，已从购物车移除', icon: 'none' });
    },
    // The customer's usable coupons (GET coupons/mine); the first choice is always "不使用".
    loadCoupons() {
      return session
        .call({ url: config.api + 'coupons/mine' })
        .then((answer) => {
          const coupons = (answer && answer.coupons) || [];
          this.setData({
            coupons,
            couponNames: ['不使用'].concat(coupons.map((c) => c.title + '（' + couponValue(c) + '）')),
            couponIndex: 0
          });
        })
        .catch(() => {});
    },
    // The chosen coupon with what it takes off these lines ({coupon, fen}), or null (none, or not usable here).
    chosenCoupon(lines) {
      const coupon = this.data.coupons[this.data.couponIndex - 1];
      if (!coupon) return null;
      const applied = checkout.couponDiscount(lines, coupon);
      return applied.problem ? null : { coupon, fen: applied.fen };
    },
    onCoupon(event) {
      this.setData({ couponIndex: Number(event.detail.value) });
      const coupon = this.data.coupons[this.data.couponIndex - 1];
      const problem = coupon ? checkout.couponDiscount(this.data.lines, coupon).problem : '';
      if (problem) wx.showToast({ title: COUPON_PROBLEMS[problem], icon: 'none' });
      this.refresh();
    },
    refresh() {
      const all = cart.load();
      const only = this.data.only;
      // the key arrives URL-encoded or already decoded, depending on the client
      const lines = only ? all.filter((l) => l.key === only || encodeURIComponent(l.key) === only) : all;
      const chosen = this.chosenCoupon(lines);
      const sums = checkout.totals(lines, chosen ? chosen.fen : 0);
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
      const lines = this.data.lines;
      const chosen = this.chosenCoupon(lines);
      const order = {
        items: lines.map((l) => ({ productId: l.productId, options: l.options, quantity: l.quantity, priceFen: l.priceFen })),
        address: this.rawAddress,
        couponId: chosen ? chosen.coupon.id : undefined,
        totalFen: checkout.totals(lines, chosen ? chosen.fen : 0).total
      };
      track('checkout_start', { items: lines.length, total_fen: order.totalFen });
      if (this.asked) return this.submit(order);
      this.asked = true; // once per checkout: a retry after a cancelled payment does not ask again
      this.setData({ paying: true });
      return subscribe.ask().then(() => this.submit(order));
    },
    // One payment attempt; a price change asks the shopper and, confirmed, submits at the backend's prices.
    submit(order) {
      this.setData({ paying: true, message: '', state: '' });
      wx.showLoading({ title: '正在支付', mask: true });
      return checkout.placeOrder(order, this.kept).then((result) => {
        // keep an unpaid order for "重新支付"; a paid or closed one (or none) is done with
        this.kept = result.state === 'paid' || result.closed || !result.orderId ? null
          : { orderId: result.orderId, payment: result.payment };
        wx.hideLoading();
        if (result.state === 'paid') {
          order.items.forEach((item) => cart.remove(cart.lineKey(item.productId, item.options)));
          this.setData({ paying: false, state: 'paid' });
          // the result page asks the backend whether the order is paid: WeChat's "ok" here is not proof
          wx.redirectTo({ url: '/catalog/result/index?order=' + encodeURIComponent(result.orderId) });
          return result;
        }
        if (result.state === 'changed') return this.confirmPrices(order, result);
        this.setData({ paying: false, state: result.state, message: result.message || MESSAGES[result.state] });
        return result;
      });
    },
    // HTTP 409 with the backend's prices: show the new total and go on only if the shopper agrees.
    confirmPrices(order, changed) {
      const total = yuan(changed.totalFen);
      const shown = { paying: false, state: 'changed', totalText: total, message: '商品价格有变化，应付金额已更新为 ' + total };
      if (changed.items.length === this.data.lines.length) {
        shown.lines = this.data.lines.map((l, i) => (typeof changed.items[i].amountFen === 'number'
          ? Object.assign({}, l, { amountText: yuan(changed.items[i].amountFen) }) : l));
      }
      if (typeof changed.goodsFen === 'number') shown.subtotalText = yuan(changed.goodsFen);
      if (typeof changed.shippingFen === 'number') shown.shippingText = changed.shippingFen ? yuan(changed.shippingFen) : '免运费';
      this.setData(shown);
      return new Promise((resolve) => {
        wx.showModal({
          title: '价格有变化',
          content: '商品价格有变化，应付金额更新为 ' + total + '，是否继续支付？',
          confirmText: '继续支付',
          cancelText: '再看看',
          success: (res) => resolve(res && res.confirm),
          fail: () => resolve(false)
        });
      }).then((confirmed) => {
        if (!confirmed) return changed;
        // the backend's items answer the order's lines in order
        const items = order.items.map((item, i) => {
          const now = changed.items[i];
          return Object.assign({}, item, { priceFen: now && typeof now.unitFen === 'number' ? now.unitFen : item.priceFen });
        });
        return this.submit(Object.assign({}, order, { items, totalFen: changed.totalFen }));
      });
    },
    onBack() {
      wx.navigateBack({ fail: () => wx.redirectTo({ url: '/catalog/cart/index' }) });
    }
  }
});

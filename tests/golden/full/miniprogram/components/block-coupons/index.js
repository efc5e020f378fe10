// Coupons from the backend (GET coupons), claimed with one tap (POST coupons/{id}/claim).
const block = require('../../utils/block-behavior.js');
const config = require('../../utils/commerce-config.js');
const session = require('../../utils/session.js');
const { request } = require('../../utils/request.js');
const { track } = require('../../utils/track.js');
const { yuan } = require('../../utils/money.js');

// 20% off is 8折 (15% off: 8.5折), as a shop in China writes a percentage coupon.
function discountText(percentOff) {
  return String((100 - percentOff) / 10) + '折';
}

function view(coupon) {
  return Object.assign({}, coupon, {
    amountText: coupon.percentOff ? discountText(coupon.percentOff) : yuan(coupon.amountFen),
    ruleText: (coupon.minSpendFen ? '满' + yuan(coupon.minSpendFen) + '可用' : '无门槛') +
      (coupon.expires ? '，' + coupon.expires + ' 前有效' : '')
  });
}

Component({
  options: { addGlobalClass: true },
  behaviors: [block],
  data: { loading: true, error: '', coupons: [], claiming: '' },
  lifetimes: {
    attached() {
      this.load();
    }
  },
  methods: {
    load() {
      this.setData({ loading: true, error: '' });
      return session
        .ensure()
        .then((s) => request({ url: config.api + 'coupons', header: session.header(s) }))
        .then((answer) => this.setData({ loading: false, coupons: ((answer && answer.coupons) || []).map(view) }))
        .catch(() => this.setData({ loading: false, error: '优惠券加载失败' }));
    },
    onClaim(event) {
      const id = event.currentTarget.dataset.id;
      if (this.data.claiming) return null;
      this.setData({ claiming: id });
      return session
        .ensure()
        .then((s) => request({ url: config.api + 'coupons/' + encodeURIComponent(id) + '/claim', method: 'POST',
          header: session.header(s) }))
        .then(() => {
          track('coupon_claim', { coupon_id: id });
          const coupons = this.data.coupons.map((c) => (c.id === id ? Object.assign({}, c, { claimed: true }) : c));
          this.setData({ claiming: '', coupons });
          wx.showToast({ title: '领取成功', icon: 'success' });
        })
        .catch(() => {
          this.setData({ claiming: '' });
          wx.showToast({ title: '领取失败，请稍后重试', icon: 'none' });
        });
    }
  }
});

// Coupons from the backend (GET coupons), claimed with one tap (POST coupons/{id}/claim), and the shopper's
// own (GET coupons/mine): tapping one shows its code, large and as a QR code, for the shop's staff to redeem.
const block = require('../../utils/block-behavior.js');
const config = require('../../utils/commerce-config.js');
const session = require('../../utils/session.js');
const { request } = require('../../utils/request.js');
const { track } = require('../../utils/track.js');
const { yuan } = require('../../utils/money.js');

// utils/qr.js, included: the build copies only the utils generator/targets/miniprogram.py lists.
const qr = (function () {
  const module = { exports: {} };
[% include "utils/qr.js" %]
  return module.exports;
})();

// 20% off is 8折 (15% off: 8.5折), as a shop in China writes a percentage coupon.
function discountText(percentOff) {
  return String((100 - percentOff) / 10) + '折';
}

function amountText(coupon) {
  return coupon.percentOff ? discountText(coupon.percentOff) : yuan(coupon.amountFen);
}

function thresholdText(coupon) {
  return coupon.minSpendFen ? '满' + yuan(coupon.minSpendFen) + '可用' : '无门槛';
}

function view(coupon) {
  return Object.assign({}, coupon, {
    amountText: amountText(coupon),
    ruleText: thresholdText(coupon) + (coupon.expires ? '，' + coupon.expires + ' 前有效' : '')
  });
}

// ABCDEFGHIJKLMNOP -> ABCD EFGH IJKL MNOP: what staff read off the screen.
function grouped(code) {
  return String(code).replace(/(.{4})(?=.)/g, '$1 ');
}

function heldView(coupon) {
  return Object.assign({}, coupon, {
    amountText: amountText(coupon),
    ruleText: thresholdText(coupon),
    expiresText: '有效期至 ' + coupon.expires,
    codeText: grouped(coupon.id)
  });
}

function pixelRatio() {
  const info = wx.getWindowInfo ? wx.getWindowInfo() : wx.getSystemInfoSync();
  return (info && info.pixelRatio) || 2;
}

Component({
  options: { addGlobalClass: true },
  behaviors: [block],
  data: { loading: true, error: '', coupons: [], claiming: '', mine: [], mineError: '', shown: null },
  lifetimes: {
    attached() {
      this.load();
      this.loadMine();
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
    // The shopper's unused coupons valid now, soonest to expire first.
    loadMine() {
      this.setData({ mineError: '' });
      return session
        .call({ url: config.api + 'coupons/mine' })
        .then((answer) => this.setData({ mine: ((answer && answer.coupons) || []).map(heldView) }))
        .catch(() => this.setData({ mineError: '我的优惠券加载失败' }));
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
          this.loadMine();
        })
        .catch(() => {
          this.setData({ claiming: '' });
          wx.showToast({ title: '领取失败，请稍后重试', icon: 'none' });
        });
    },
    onShowCode(event) {
      const code = event.currentTarget.dataset.code;
      const shown = this.data.mine.filter((c) => c.id === code)[0];
      if (!shown) return;
      this.setData({ shown }, () => this.drawCode(shown.id));
    },
    onHideCode() {
      this.setData({ shown: null });
      return this.loadMine(); // a coupon staff just redeemed leaves the list
    },
    // The code as a QR code on the canvas 2D (base library 2.9+), in whole device pixels per module.
    drawCode(code) {
      this.createSelectorQuery()
        .select('.coupon-code-qr')
        .fields({ node: true, size: true })
        .exec((res) => {
          const found = res && res[0];
          if (!found || !found.node || !this.data.shown || this.data.shown.id !== code) return;
          const canvas = found.node;
          const width = Math.floor(found.width * pixelRatio());
          canvas.width = width;
          canvas.height = width;
          qr.draw(canvas.getContext('2d'), code, width);
        });
    },
    noop() {}
  }
});

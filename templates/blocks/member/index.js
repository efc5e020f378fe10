// The member card: level and points from the backend (GET member), what the next level needs, the coupons
// waiting (a claimed, rewarded or follower-gift coupon), and links to orders and cart.
const block = require('../../utils/block-behavior.js');
const config = require('../../utils/commerce-config.js');
const session = require('../../utils/session.js');
const { request } = require('../../utils/request.js');

Component({
  options: { addGlobalClass: true },
  behaviors: [block],
  data: { nickname: '微信用户', initial: '微', level: '', points: 0, nextText: '', coupons: 0 },
  lifetimes: {
    attached() {
      this.load();
    }
  },
  pageLifetimes: {
    show() {
      if (this.loaded) this.load(); // back from a check-in or an order: points may have moved
    }
  },
  methods: {
    load() {
      return session
        .ensure()
        .then((s) => request({ url: config.api + 'member', header: session.header(s) }))
        .then((member) => {
          if (!member) return;
          this.loaded = true;
          const next = member.nextLevel ? '再得 ' + member.pointsToNext + ' 积分升级为' + member.nextLevel : '';
          this.setData({
            level: member.level || '',
            points: member.points || 0,
            nextText: next,
            coupons: member.coupons || 0
          });
        })
        .catch(() => {});
    },
    onOrders() {
      wx.navigateTo({ url: '/catalog/orders/index' });
    },
    onCart() {
      wx.navigateTo({ url: '/catalog/cart/index' });
    }
  }
});

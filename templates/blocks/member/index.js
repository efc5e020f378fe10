// The member card: nickname, level and points from the backend (GET member), links to orders and cart.
const block = require('../../utils/block-behavior.js');
const config = require('../../utils/commerce-config.js');
const mask = require('../../utils/mask.js');
const session = require('../../utils/session.js');
const { request } = require('../../utils/request.js');

Component({
  options: { addGlobalClass: true },
  behaviors: [block],
  data: { nickname: '微信用户', initial: '微', level: '', points: 0 },
  lifetimes: {
    attached() {
      session
        .ensure()
        .then((s) => request({ url: config.api + 'member', header: session.header(s) }))
        .then((member) => {
          if (!member) return;
          const nickname = member.nickname || (member.phone ? mask.phone(member.phone) : '微信用户');
          this.setData({ nickname, initial: nickname.slice(0, 1), level: member.level || '', points: member.points || 0 });
        })
        .catch(() => {});
    }
  },
  methods: {
    onOrders() {
      wx.navigateTo({ url: '/catalog/orders/index' });
    },
    onCart() {
      wx.navigateTo({ url: '/catalog/cart/index' });
    }
  }
});

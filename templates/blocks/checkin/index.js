// Daily check-in: the backend keeps the streak (GET/POST checkin) and grants the declared reward (and the
// points of each check-in).
const block = require('../../utils/block-behavior.js');
const config = require('../../utils/commerce-config.js');
const session = require('../../utils/session.js');
const { request } = require('../../utils/request.js');
const { track } = require('../../utils/track.js');

// What the shopper is told after checking in: the reward (or that it ran out), else the points earned.
function toast(state) {
  if (state.rewarded && state.granted && state.granted.granted === false) {
    return { title: '签到成功，奖励已发完', icon: 'none' };
  }
  if (state.rewarded) return { title: '奖励已到账', icon: 'success' };
  if (state.pointsEarned) return { title: '签到成功 +' + state.pointsEarned + '积分', icon: 'success' };
  return { title: '签到成功', icon: 'success' };
}

Component({
  options: { addGlobalClass: true },
  behaviors: [block],
  data: { streak: 0, checkedIn: false, rewarded: false, busy: false, days: [] },
  lifetimes: {
    attached() {
      this.show({ streak: 0, checkedInToday: false });
      this.call('GET');
    }
  },
  methods: {
    show(state) {
      const total = this.data.block.rewardDays || 7;
      const streak = Math.max(0, Number(state.streak) || 0);
      const filled = streak % total === 0 && streak > 0 ? total : streak % total;
      this.setData({
        streak,
        checkedIn: Boolean(state.checkedInToday),
        rewarded: Boolean(state.rewarded),
        days: Array.from({ length: total }, (_, i) => i < filled)
      });
    },
    call(method) {
      return session
        .ensure()
        .then((s) => request({ url: config.api + 'checkin', method, header: session.header(s) }))
        .then((state) => {
          this.show(state || {});
          return state;
        });
    },
    onCheckin() {
      if (this.data.checkedIn || this.data.busy) return null;
      this.setData({ busy: true });
      return this.call('POST')
        .then((state) => {
          this.setData({ busy: false });
          track('checkin', { streak: (state && state.streak) || 0 });
          wx.showToast(toast(state || {}));
        })
        .catch(() => {
          this.setData({ busy: false });
          wx.showToast({ title: '签到失败，请稍后重试', icon: 'none' });
        });
    }
  }
});

// App entry: reports launches, opens and time shown (utils/track.js), and offers a restart when WeChat has
// downloaded a newer version of this mini-program.
const track = require('./utils/track.js');

App({
  onShow(options) {
    track.shown(options);
  },
  onHide() {
    track.hidden();
  },
  onLaunch(options) {
    track.launched(options);
    if (!wx.getUpdateManager) return;
    const updater = wx.getUpdateManager();
    updater.onUpdateReady(() => {
      wx.showModal({
        title: '发现新版本',
        content: '新版本已经准备好，是否重启应用？',
        success(res) {
          if (res.confirm) updater.applyUpdate();
        }
      });
    });
  }
});

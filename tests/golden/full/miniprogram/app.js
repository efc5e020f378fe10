// App entry: reports launches, opens and time shown (utils/track.js), and offers a restart when WeChat has
// downloaded a newer version of this mini-program.
const track = require('./utils/track.js');

// A friend's share link: remember who invited us; the login hook tells the backend (which counts it only
// if this login registers a new shopper).
function rememberInviter(options) {
  const inviter = options && options.query && options.query.inviter;
  if (inviter && !wx.getStorageSync('mpgen-inviter')) wx.setStorageSync('mpgen-inviter', inviter);
}

App({
  onShow(options) {
    rememberInviter(options); // also when the app was already running in the background
    track.shown(options);
  },
  onHide() {
    track.hidden();
  },
  onLaunch(options) {
    rememberInviter(options);
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

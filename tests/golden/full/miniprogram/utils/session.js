// Login hook: wx.login -> POST {api}session {code} -> {session, openid, unionid}; kept in storage.
const config = require('./commerce-config.js');
const { request } = require('./request.js');

const KEY = 'mpgen-session';

function current() {
  const saved = wx.getStorageSync(KEY);
  return saved && saved.session ? saved : null;
}

function ensure() {
  const saved = current();
  if (saved) return Promise.resolve(saved);
  return new Promise((resolve, reject) => {
    wx.login({
      success(res) {
        const inviter = wx.getStorageSync('mpgen-inviter') || undefined;
        request({ url: config.api + 'session', method: 'POST', data: { code: res.code, inviter } })
          .then((session) => {
            wx.setStorageSync(KEY, session);
            resolve(session);
          })
          .catch(reject);
      },
      fail: () => reject(new Error('wx.login failed'))
    });
  });
}

function header(session) {
  return session ? { Authorization: 'Bearer ' + session.session } : {};
}

module.exports = { ensure, current, header };

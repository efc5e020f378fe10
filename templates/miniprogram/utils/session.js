// Login hook: wx.login -> POST {api}session {code, inviter} -> {token, expiresIn}; the token is kept in
// storage until it expires or the server answers 401. Then every call that was refused shares one new login
// (request.js sends each of them again once with the new session), so a stale session never sticks.
const config = require('./commerce-config.js');
const { request, onUnauthorized } = require('./request.js');

const KEY = 'mpgen-session';
const EARLY_MS = 60000; // log in again a minute before the server's expiry rather than get a 401
let pending = null; // the login in flight, shared by everyone who needs a session meanwhile

function current() {
  const saved = wx.getStorageSync(KEY);
  if (!saved || !saved.session) return null;
  if (saved.expiresAt && saved.expiresAt - EARLY_MS <= Date.now()) return null;
  return saved;
}

function code() {
  return new Promise((resolve, reject) => {
    wx.login({
      success: (res) => resolve(res.code),
      fail: () => reject(new Error('wx.login failed'))
    });
  });
}

function login() {
  if (pending) return pending;
  const done = () => {
    pending = null;
  };
  pending = code()
    .then((loginCode) => {
      const inviter = wx.getStorageSync('mpgen-inviter') || undefined;
      return request({ url: config.api + 'session', method: 'POST', data: { code: loginCode, inviter } });
    })
    .then((answer) => {
      // `session` is what backends written to the first contract answer with
      const token = answer && (answer.token || answer.session);
      if (typeof token !== 'string' || !token) throw new Error('the login answer has no token');
      const saved = { session: token };
      if (answer.expiresIn > 0) saved.expiresAt = Date.now() + answer.expiresIn * 1000;
      wx.setStorageSync(KEY, saved);
      return saved;
    });
  pending.then(done, done);
  return pending;
}

function ensure() {
  const saved = current();
  return saved ? Promise.resolve(saved) : login();
}

function header(session) {
  return session ? { Authorization: 'Bearer ' + session.session } : {};
}

// request.js asks for this after a 401 to a call sent with `rejected` (its Authorization value).
function renew(rejected) {
  const saved = current();
  if (saved && header(saved).Authorization !== rejected) return Promise.resolve(header(saved)); // renewed meanwhile
  if (!pending) wx.removeStorageSync(KEY);
  return login().then(header);
}

onUnauthorized(renew);

// An authenticated call: the session from ensure(), renewed once on a 401 (see request.js).
function call(options) {
  return ensure().then((s) => request(Object.assign({}, options, { header: Object.assign({}, options.header, header(s)) })));
}

module.exports = { ensure, current, header, call };

// Login hook: wx.login -> POST {api}session {code, inviter} -> {session, expiresAt}; the session is kept in
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

// An ISO 8601 time (the backend's expiresAt, UTC when it names no zone) in ms, or null; parsed by hand
// because not every phone's Date.parse reads microseconds.
function timeOf(text) {
  const m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d+))?(Z|([+-])(\d\d):?(\d\d))?$/.exec(String(text || ''));
  if (!m) return null;
  const utc = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6], m[7] ? +(m[7] + '00').slice(0, 3) : 0);
  const offset = m[9] ? (m[9] === '-' ? -1 : 1) * (+m[10] * 60 + +m[11]) * 60000 : 0;
  return utc - offset;
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
      const token = answer && answer.session;
      if (typeof token !== 'string' || !token) throw new Error('the login answer has no session');
      const saved = { session: token };
      // the shopper's public handle (never the openid): what their share links carry as `inviter`
      if (typeof answer.ref === 'string' && answer.ref) saved.ref = answer.ref;
      const expires = timeOf(answer.expiresAt);
      // a phone whose clock runs past the expiry already would log in on every call: it waits for the 401
      if (expires !== null && expires - EARLY_MS > Date.now()) saved.expiresAt = expires;
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

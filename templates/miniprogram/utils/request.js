// The only way generated code talks to a server: https only, a bounded wait, JSON in and out. A call sent
// with a session (an Authorization header) that gets HTTP 401 asks the login hook (utils/session.js) for a
// new session once and is sent again once with it; a second 401 is an error, never another login.
const TIMEOUT_MS = 15000;
// Plain http only to this machine or a private network: what a development build (`gen build --api`,
// generator/dev_api.py) points the shop at. A release build holds https addresses only.
const LOCAL_HTTP = /^http:\/\/(localhost|127(\.\d{1,3}){3}|10(\.\d{1,3}){3}|192\.168(\.\d{1,3}){2}|172\.(1[6-9]|2\d|3[01])(\.\d{1,3}){2}|169\.254(\.\d{1,3}){2}|\[(::1|f[cd][0-9a-f:]*)\])(:\d+)?(\/|$)/i;

function allowed(url) {
  return typeof url === 'string' && (url.indexOf('https://') === 0 || LOCAL_HTTP.test(url));
}

let renewSession = null; // set by session.js: (rejected Authorization value) -> Promise of a new header

function onUnauthorized(renew) {
  renewSession = renew;
}

// A failed answer as an Error that keeps what the server said (a 409 carries the new prices).
function failure(res) {
  const err = new Error('HTTP ' + res.statusCode);
  err.statusCode = res.statusCode;
  err.data = res.data;
  return err;
}

function send(options) {
  return new Promise((resolve, reject) => {
    if (!allowed(options.url)) {
      reject(new Error('refused: only https addresses are allowed (' + options.url + ')'));
      return;
    }
    wx.request({
      url: options.url,
      method: options.method || 'GET',
      data: options.data,
      header: Object.assign({ 'content-type': 'application/json' }, options.header || {}),
      timeout: options.timeout || TIMEOUT_MS,
      success: resolve,
      fail(err) {
        reject(new Error((err && err.errMsg) || 'network error'));
      }
    });
  });
}

function request(options) {
  return send(options).then((res) => {
    if (res.statusCode >= 200 && res.statusCode < 300) return res.data;
    const rejected = options.header && options.header.Authorization;
    if (res.statusCode === 401 && rejected && renewSession && !options.renewed) {
      return renewSession(rejected).then((header) =>
        request(Object.assign({}, options, { header: Object.assign({}, options.header, header), renewed: true })));
    }
    throw failure(res);
  });
}

module.exports = { request, onUnauthorized, allowed, TIMEOUT_MS };

// The only way generated code talks to a server: https only, a bounded wait, JSON in and out. A call sent
// with a session (an Authorization header) that gets HTTP 401 asks the login hook (utils/session.js) for a
// new session once and is sent again once with it; a second 401 is an error, never another login.
const TIMEOUT_MS = 15000;
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
    if (typeof options.url !== 'string' || options.url.indexOf('https://') !== 0) {
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

module.exports = { request, onUnauthorized, TIMEOUT_MS };

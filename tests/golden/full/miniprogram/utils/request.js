// The only way generated code talks to a server: https only, a bounded wait, JSON in and out.
const TIMEOUT_MS = 15000;

function request(options) {
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
      success(res) {
        if (res.statusCode >= 200 && res.statusCode < 300) resolve(res.data);
        else reject(new Error('HTTP ' + res.statusCode));
      },
      fail(err) {
        reject(new Error((err && err.errMsg) || 'network error'));
      }
    });
  });
}

module.exports = { request, TIMEOUT_MS };

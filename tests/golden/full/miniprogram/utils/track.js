// Tracking of declared events only, with only their declared fields (so no personal data slips in).
// With an endpoint: batched JSON POSTs; without one: wx.reportEvent (events configured in WeChat's console).
const config = require('./analytics-config.js');
const { request } = require('./request.js');

const BATCH = 10;
const WAIT_MS = 5000;
let queue = [];
let timer = null;

function flush() {
  if (timer) {
    clearTimeout(timer);
    timer = null;
  }
  if (!queue.length) return;
  const events = queue;
  queue = [];
  request({ url: config.endpoint, method: 'POST', data: { events } }).catch(() => {});
}

function track(name, fields) {
  const allowed = config.events[name];
  if (!allowed) return;
  const data = {};
  allowed.forEach((field) => {
    if (fields && fields[field] !== undefined) data[field] = fields[field];
  });
  if (!config.endpoint) {
    if (wx.reportEvent) wx.reportEvent(name, data);
    return;
  }
  queue.push({ event: name, fields: data, at: Date.now() });
  if (queue.length >= BATCH) flush();
  else if (!timer) timer = setTimeout(flush, WAIT_MS);
}

module.exports = { track, flush };

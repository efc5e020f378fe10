// Tracking of declared events only, with only their declared fields (so no personal data slips in).
// With an endpoint (analytics.endpoint, or the shop's backend's POST events): batches POSTed with an envelope:
// this install's id (kept in storage), this session's id (one launch; a new one after 30 minutes away), the
// launch scene and the platform; a logged-in shopper's session goes as Authorization, never as a field.
// Without an endpoint: wx.reportEvent (events configured in WeChat's console; WeChat counts opens itself).
const config = require('./analytics-config.js');
const { request } = require('./request.js');

const BATCH = 10;
const WAIT_MS = 5000;
const INSTALL_KEY = 'mpgen-install';
const LOGIN_KEY = 'mpgen-session'; // where the login hook (utils/session.js) keeps the shopper's session
const NEW_SESSION_AFTER_MS = 30 * 60 * 1000;

let queue = [];
let timer = null;
let scene = null;
let shownAt = null;
let hiddenAt = null;

function randomId() {
  return 'm' + Date.now().toString(36) + Math.random().toString(36).slice(2, 10) + Math.random().toString(36).slice(2, 8);
}

let sessionId = randomId();

function installId() {
  let id = wx.getStorageSync(INSTALL_KEY);
  if (!id) {
    id = randomId();
    wx.setStorageSync(INSTALL_KEY, id);
  }
  return id;
}

function loginHeader() {
  const saved = wx.getStorageSync(LOGIN_KEY);
  return saved && saved.session ? { Authorization: 'Bearer ' + saved.session } : {};
}

function currentPage() {
  const pages = typeof getCurrentPages === 'function' ? getCurrentPages() : [];
  const top = pages[pages.length - 1];
  return (top && top.route) || '';
}

function flush() {
  if (timer) {
    clearTimeout(timer);
    timer = null;
  }
  if (!queue.length) return;
  const events = queue;
  queue = [];
  request({
    url: config.endpoint,
    method: 'POST',
    header: loginHeader(),
    data: { install: installId(), session: sessionId, platform: 'mp', scene, events }
  }).catch(() => {});
}

// extra: what the envelope of one event may carry besides its fields (app_hide's duration)
function track(name, fields, extra) {
  const allowed = config.events[name];
  if (!allowed) return;
  const data = {};
  allowed.forEach((field) => {
    if (fields && fields[field] !== undefined) data[field] = fields[field];
  });
  if (!config.endpoint) {
    if (wx.reportEvent && name.indexOf('app_') !== 0) wx.reportEvent(name, data);
    return;
  }
  queue.push(Object.assign({ event: name, fields: data, at: Date.now(), page: currentPage() }, extra));
  if (queue.length >= BATCH) flush();
  else if (!timer) timer = setTimeout(flush, WAIT_MS);
}

// The app's lifecycle (app.js): a launch, each show (one open) and each hide with the time shown. A hide
// sends at once: WeChat may end a mini-program in the background.
function launched(options) {
  scene = (options && options.scene) || null;
  track('app_launch');
}

function shown(options) {
  if (options && options.scene) scene = options.scene;
  if (hiddenAt !== null && Date.now() - hiddenAt > NEW_SESSION_AFTER_MS) sessionId = randomId();
  shownAt = Date.now();
  hiddenAt = null;
  track('app_show');
}

function hidden() {
  const now = Date.now();
  track('app_hide', {}, { duration: shownAt === null ? 0 : now - shownAt });
  shownAt = null;
  hiddenAt = now;
  flush();
}

module.exports = { track, flush, launched, shown, hidden };

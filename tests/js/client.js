#!/usr/bin/env node
// Runs the GENERATED mini-program's shop code (utils/session.js, request.js, cart.js, checkout.js and the
// checkout, result and orders pages) in plain node against a real backend over HTTP, and prints what
// happened as JSON on stdout. Used by tests/test_client_*.py; handy by hand against `gen serve`:
//
//   node client.js <miniprogram-dir> <base-url> <scenario> ['<options json>']
//
// No npm packages: Page() and Component() are captured and their methods called on a small instance
// whose setData writes `data` (no WXML is rendered; mpcheck and miniprogram-simulate cover the views).
// The `wx` mock: storage in memory (values JSON-copied as WeChat does); wx.login answers the code in
// options.code (one code is one shopper: WeChat gives the same user the same openid on every login);
// wx.request performs real HTTP, with the site's commerce.api (https, as release builds require) mapped to
// <base-url>, and answers like WeChat (statusCode, data parsed as JSON, fail on a network error);
// wx.requestPayment first has the backend's fake WeChat Pay take the money (POST <base-url>_fake/pay/{id},
// the order id from the last answer of POST orders or orders/{id}/pay) and then succeeds; options.payment = 'cancel' cancels
// without paying, 'paid-but-fail' pays and then reports a failure, 'success-unpaid' reports success without
// paying (the backend never hears of it). options.fastTimers: the generated code's waits (the result page's
// retries) last 10 ms at most. wx.chooseAddress answers a fixed
// address, wx.showModal answers options.confirm (default true), wx.requestSubscribeMessage answers
// options.subscribe for every template (default 'accept'); every other API is recorded and succeeds.
//
// Scenarios:
//   buy      options.items ([{productId, options, quantity}]) go into the cart; the checkout page loads,
//            picks the address and pays; then the result page it redirects to and the orders page load.
//            options.dropFirstOrder: the first POST orders reaches the server but its answer is lost (a
//            timeout), and the shopper taps pay again; options.tapAgain: the shopper taps pay twice;
//            options.reopen: then leaves and pays from a new checkout page (same cart and storage).
//            options.payments: the outcome of each wx.requestPayment in turn (then options.payment). options.staleSession: storage starts with a session
//            the server does not know; options.storage: more storage to start with (mpgen-inviter);
//            options.coupon: the n-th coupon of GET coupons/mine is chosen (1 = the first).
//            options.ordersAction ('pay' | 'cancel'): then, on the orders page, the first unpaid order is
//            paid (with options.ordersPayment as the payment's outcome) or cancelled. options.flushEvents:
//            at the end the tracked events are sent (as the app does when it goes to the background).
//   session  storage starts with a session the server does not know (or options.session, or what
//            options.storage says); options.calls authenticated GET orders calls run at once (default 2),
//            then the orders page loads.
//   coupons  storage starts with a stale session; the coupons block (a growth block calling request.js
//            itself) loads its list and claims the first coupon.
//   growth   the check-in, invite and member blocks and the share link (see growthScenario).
//   catalog  the category page to its last page, a product page and its add to cart, the cart page; with
//            options.buy, then the buy scenario (see catalogScenario). options.firstIndex: the first GET of
//            the catalog's index.json answers this (an earlier build's index) instead of the server.
//   urls     which of options.urls utils/request.js refuses to send (https only, plain http to this
//            machine or a private network for development builds); the others fail in the mock.

'use strict';

const path = require('path');

// stdout carries the JSON result only: what the generated code logs goes to stderr
for (const level of ['log', 'info', 'warn', 'error', 'debug']) {
  console[level] = (...args) => process.stderr.write(`[${level}] ${args.map(String).join(' ')}\n`);
}

const started = Date.now();
const log = []; // every wx call: {api, args}
const requests = []; // every HTTP exchange: {method, path, status, auth, idempotencyKey, body, answer}
const storage = new Map();
const errors = [];
let options = {};
let base = '';
let api = '';
let lastOrderId = null;
let droppedOrders = 0;

const copy = (value) => (value === undefined ? undefined : JSON.parse(JSON.stringify(value)));
const later = (fn) => setTimeout(fn, 0); // WeChat answers its APIs asynchronously

function callback(opts, outcome, result) {
  if (!opts) return;
  if (typeof opts[outcome] === 'function') opts[outcome](result);
  if (typeof opts.complete === 'function') opts.complete(result);
}

const ADDRESS = {
  userName: '张三丰',
  telNumber: '13812345678',
  postalCode: '510000',
  provinceName: '广东省',
  cityName: '广州市',
  countyName: '海珠区',
  detailInfo: '新港中路397号',
  nationalCode: '440105',
  errMsg: 'chooseAddress:ok',
};

function target(url) {
  if (typeof url !== 'string' || url.indexOf(api) !== 0) throw new Error(`a request outside commerce.api: ${url}`);
  if (url.indexOf(base) === 0) return url; // a development build already talks to the server
  return base + url.slice(api.length);
}

function query(data) {
  if (!data || typeof data !== 'object') return '';
  const pairs = Object.keys(data).filter((k) => data[k] !== undefined)
    .map((k) => `${encodeURIComponent(k)}=${encodeURIComponent(String(data[k]))}`);
  return pairs.length ? `?${pairs.join('&')}` : '';
}

async function http(opts) {
  const method = (opts.method || 'GET').toUpperCase();
  let url = target(opts.url);
  const headers = Object.assign({}, opts.header || {});
  let body;
  if (method === 'GET') url += query(opts.data);
  else if (opts.data !== undefined) body = typeof opts.data === 'string' ? opts.data : JSON.stringify(opts.data);
  const entry = {
    method,
    path: url.slice(base.length - 1),
    status: null,
    auth: headers.Authorization || null,
    idempotencyKey: headers['Idempotency-Key'] || null,
    body: body === undefined ? null : JSON.parse(body),
    answer: null,
    at: Date.now() - started,
  };
  requests.push(entry);
  if (options.firstIndex && /\/catalog\/index\.json$/.test(url)) {
    // an index from an earlier build, as a phone that loaded it before the new build would hold it
    const data = options.firstIndex;
    delete options.firstIndex;
    entry.status = 200;
    entry.answer = 'the earlier index';
    return { statusCode: 200, data, header: {}, errMsg: 'request:ok' };
  }
  const res = await fetch(url, { method, headers, body, signal: AbortSignal.timeout(opts.timeout || 15000) });
  const text = await res.text();
  let data = text;
  try {
    data = JSON.parse(text);
  } catch (err) {
    // WeChat hands over a body that is not JSON as a string
  }
  entry.status = res.status;
  entry.answer = data;
  // the order wx.requestPayment will pay: the last one created or asked to be paid
  if (method === 'POST' && /\/orders(\/[^/]+\/pay)?$/.test(entry.path.split('?')[0]) && data && data.orderId) {
    lastOrderId = data.orderId;
  }
  const lose = options.dropFirstOrder && method === 'POST' && /\/orders$/.test(entry.path) && droppedOrders === 0;
  if (lose) {
    droppedOrders += 1;
    entry.lost = true;
    return { lost: true };
  }
  return { statusCode: res.status, data, header: Object.fromEntries(res.headers.entries()), errMsg: 'request:ok' };
}

async function fakePay(orderId) {
  const res = await fetch(`${base}_fake/pay/${encodeURIComponent(orderId)}`, { method: 'POST' });
  requests.push({ method: 'POST', path: `/_fake/pay/${orderId}`, status: res.status, fake: true, at: Date.now() - started });
  if (res.status >= 300) throw new Error(`fake pay answered ${res.status}: ${await res.text()}`);
}

const stubs = {
  getStorageSync: (key) => (storage.has(key) ? copy(storage.get(key)) : ''),
  setStorageSync: (key, value) => storage.set(key, copy(value)),
  removeStorageSync: (key) => storage.delete(key),
  login(opts) {
    later(() => callback(opts, 'success', { code: options.code || 'shopper-1', errMsg: 'login:ok' }));
  },
  request(opts) {
    http(opts).then(
      (res) => {
        if (res.lost) callback(opts, 'fail', { errMsg: 'request:fail timeout' });
        else callback(opts, 'success', res);
      },
      (err) => callback(opts, 'fail', { errMsg: `request:fail ${err && err.message}` }),
    );
    return { abort() {}, onHeadersReceived() {}, offHeadersReceived() {} };
  },
  requestPayment(opts) {
    const mode = (options.payments && options.payments.length ? options.payments.shift() : options.payment) || 'success';
    const orderId = lastOrderId;
    const paid = mode === 'success' || mode === 'paid-but-fail' ? fakePay(orderId) : Promise.resolve();
    paid.then(
      () => {
        if (mode === 'success' || mode === 'success-unpaid') callback(opts, 'success', { errMsg: 'requestPayment:ok' });
        else if (mode === 'cancel') callback(opts, 'fail', { errMsg: 'requestPayment:fail cancel' });
        else callback(opts, 'fail', { errMsg: 'requestPayment:fail' });
      },
      (err) => {
        errors.push(String(err && err.stack));
        callback(opts, 'fail', { errMsg: 'requestPayment:fail' });
      },
    );
  },
  requestSubscribeMessage(opts) {
    // the shopper's answer to each template: options.subscribe ('accept' unless told otherwise)
    const answer = { errMsg: 'requestSubscribeMessage:ok' };
    for (const id of opts.tmplIds || []) answer[id] = options.subscribe || 'accept';
    later(() => callback(opts, 'success', answer));
  },
  chooseAddress(opts) {
    later(() => callback(opts, 'success', Object.assign({}, ADDRESS)));
  },
  showModal(opts) {
    const confirm = options.confirm !== false;
    later(() => callback(opts, 'success', { confirm, cancel: !confirm, errMsg: 'showModal:ok' }));
  },
};

const RECORDED = ['getStorageSync', 'setStorageSync', 'removeStorageSync'];
global.wx = new Proxy({}, {
  get(target, name) {
    if (typeof name !== 'string') return undefined;
    return (...args) => {
      if (RECORDED.indexOf(name) === -1) log.push({ api: name, args: copy(args.map((a) => (typeof a === 'function' ? '<fn>' : a))) });
      if (Object.prototype.hasOwnProperty.call(stubs, name)) return stubs[name](...args);
      const opts = args[0];
      if (opts && typeof opts === 'object') later(() => callback(opts, 'success', { errMsg: `${name}:ok` }));
      return undefined;
    };
  },
});

// --- Page() and Component() -----------------------------------------------------------------------------

let captured = null;
global.Page = (definition) => {
  captured = { definition, component: false };
};
global.Component = (definition) => {
  captured = { definition, component: true };
};
global.Behavior = (definition) => definition;
global.getApp = () => ({ globalData: {} });
global.getCurrentPages = () => [];

// setData's data paths as WeChat reads them: `a.b`, `items[3]`, `a.list[0].name`.
function setPath(data, key, value) {
  const parts = key.replace(/\[(\d+)\]/g, '.$1').split('.');
  let node = data;
  parts.slice(0, -1).forEach((part, i) => {
    if (!node[part] || typeof node[part] !== 'object') node[part] = /^\d+$/.test(parts[i + 1]) ? [] : {};
    node = node[part];
  });
  node[parts[parts.length - 1]] = value;
}

// A page or component instance: its data, setData, and its methods (Page: top level; Component: methods).
function mount(root, page) {
  captured = null;
  const file = require.resolve(path.join(root, page));
  delete require.cache[file]; // a page opened again defines itself again (its modules stay loaded)
  require(file);
  if (!captured) throw new Error(`${page} called neither Page() nor Component()`);
  const { definition, component } = captured;
  const instance = {
    route: page,
    data: copy(definition.data || {}),
    setData(patch, done) {
      for (const key of Object.keys(patch)) setPath(this.data, key, copy(patch[key]));
      if (typeof done === 'function') done();
    },
  };
  instance.lifetimes = component ? definition.lifetimes || {} : {};
  const methods = component ? definition.methods || {} : definition;
  for (const name of Object.keys(methods)) {
    if (typeof methods[name] === 'function') instance[name] = methods[name];
  }
  return instance;
}

// --- helpers ---------------------------------------------------------------------------------------------

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(what, predicate, ms = 10000) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (predicate()) return;
    await sleep(5);
  }
  throw new Error(`timed out waiting for ${what}`);
}

function calls(name) {
  return log.filter((c) => c.api === name).map((c) => c.args[0]);
}

function find(root, rel) {
  // commerce utils live in the main package or move into the catalog subpackage (render/placement.py)
  for (const candidate of [rel, `catalog/${rel}`]) {
    try {
      return require.resolve(path.join(root, candidate));
    } catch (err) {
      // not there
    }
  }
  throw new Error(`${rel} is not in ${root}`);
}

function queryOf(url) {
  const out = {};
  const q = url.split('?')[1] || '';
  for (const pair of q.split('&').filter(Boolean)) {
    const [k, v] = pair.split('=');
    out[k] = v; // still encoded, as WeChat hands a page its query
  }
  return out;
}

// --- scenarios -------------------------------------------------------------------------------------------

async function buyScenario(root) {
  const cart = require(find(root, 'utils/cart.js'));
  if (options.staleSession) storage.set('mpgen-session', { session: options.staleSession });
  for (const key of Object.keys(options.storage || {})) storage.set(key, options.storage[key]);
  for (const item of options.items || []) cart.add(item.productId, item.options || {}, item.quantity);
  const out = { cartBefore: copy(storage.get('mpgen-cart')) };

  const checkout = mount(root, 'catalog/checkout/index');
  checkout.onLoad({});
  await waitFor('the coupons call', () => requests.some((r) => /coupons\/mine/.test(r.path) && r.status !== null));
  if (options.coupon) {
    await waitFor('the coupons', () => checkout.data.coupons.length >= options.coupon);
    checkout.onCoupon({ detail: { value: String(options.coupon) } });
  }
  checkout.onAddress();
  await waitFor('the address', () => checkout.data.address);
  out.checkoutBefore = copy(checkout.data);
  await checkout.onPay();
  if (options.dropFirstOrder || options.tapAgain) {
    out.afterFirstTap = copy(checkout.data);
    await checkout.onPay(); // the shopper taps 重新支付
  }
  if (options.reopen) {
    // the shopper leaves and comes back to the checkout later: a new page, the same cart and storage
    out.afterFirstVisit = copy(checkout.data);
    const again = mount(root, 'catalog/checkout/index');
    again.onLoad({});
    again.onAddress();
    await waitFor('the address', () => again.data.address);
    await again.onPay();
    Object.assign(checkout.data, again.data);
  }
  out.checkout = copy(checkout.data);
  out.redirects = calls('redirectTo');
  const redirect = out.redirects.find((r) => r.url.indexOf('/catalog/result/index') === 0);
  if (redirect) {
    const result = mount(root, 'catalog/result/index');
    await result.onLoad(queryOf(redirect.url));
    out.result = copy(result.data);
  }
  const orders = mount(root, 'catalog/orders/index');
  await orders.load();
  out.orders = copy(orders.data);
  if (options.ordersAction) {
    // on the orders page, tap 去支付 or 取消订单 on the first unpaid order
    const unpaid = orders.data.orders.find((o) => o.unpaid);
    if (!unpaid) throw new Error('no unpaid order on the orders page');
    if (options.ordersPayment) options.payment = options.ordersPayment;
    const event = { currentTarget: { dataset: { id: unpaid.orderId } } };
    const navigations = calls('navigateTo').length;
    await (options.ordersAction === 'pay' ? orders.onPay(event) : orders.onCancel(event));
    out.ordersAfter = copy(orders.data);
    const opened = calls('navigateTo').slice(navigations).find((n) => n.url.indexOf('/catalog/result/index') === 0);
    if (opened) {
      const result = mount(root, 'catalog/result/index');
      await result.onLoad(queryOf(opened.url));
      out.resultFromOrders = copy(result.data);
    }
  }
  if (options.flushEvents) {
    // the checkout's and result page's events go out now (the app would send them when hidden)
    const before = requests.length;
    require(find(root, 'utils/track.js')).flush();
    await waitFor('the events batch', () => requests.length > before && requests.every((r) => r.status !== null));
  }
  return out;
}

async function sessionScenario(root) {
  const session = require(find(root, 'utils/session.js'));
  const config = require(path.join(root, 'utils/commerce-config.js'));
  storage.set('mpgen-session', { session: options.session || 'stale-session-token' });
  for (const key of Object.keys(options.storage || {})) storage.set(key, options.storage[key]);
  const n = options.calls || 2;
  const settled = await Promise.all(Array.from({ length: n }, () => session
    .call({ url: `${config.api}orders` })
    .then((answer) => ({ ok: true, orders: (answer && answer.orders) || [] }), (err) => ({ ok: false, error: String(err.message), status: err.statusCode || null }))));
  const orders = mount(root, 'catalog/orders/index');
  await orders.load();
  return { calls: settled, orders: copy(orders.data) };
}

// A growth block's calls go through the same renewal: the coupons block with a stale session loads and
// claims (options.session: the stale token).
async function couponsScenario(root) {
  storage.set('mpgen-session', { session: options.session || 'stale-session-token' });
  const block = mount(root, 'components/block-coupons/index');
  block.data.block = { type: 'coupons', title: '领券中心' };
  await block.load();
  const loaded = copy(block.data);
  const first = loaded.coupons[0];
  if (first) await block.onClaim({ currentTarget: { dataset: { id: first.id } } });
  return { loaded, claimed: copy(block.data) };
}

// Which addresses utils/request.js sends at all (options.urls): {url: 'sent' | 'refused'}.
async function urlsScenario(root) {
  const { request } = require(path.join(root, 'utils/request.js'));
  const out = {};
  for (const url of options.urls || []) {
    out[url] = await request({ url }).then(() => 'sent', (err) => (/^refused/.test(err.message) ? 'refused' : 'sent'));
  }
  return { urls: out };
}

// The growth blocks as a shopper uses them. options.launch: the app starts with this query (a friend's share
// link: {inviter}); then options.steps in turn: 'checkin' loads the check-in block and taps it, 'invite' and
// 'member' load those blocks, 'mine' lists GET coupons/mine, 'coupons' loads the coupons block (what it
// offers and what the shopper holds), 'share' asks the page options.page (default 'member') for its share,
// 'view' shows the page options.page (default 'home'), 'product' opens product options.product and adds it
// to the cart, 'hide' sends the app to the background (its events go out) and 'show' brings it back. Each step's data (and the toast it showed) is returned under its name.
async function growthScenario(root) {
  for (const key of Object.keys(options.storage || {})) storage.set(key, options.storage[key]);
  global.App = (definition) => {
    captured = { definition, component: false };
  };
  captured = null;
  require(path.join(root, 'app.js'));
  const app = captured.definition;
  stubs.getUpdateManager = () => ({ onUpdateReady() {} }); // no newer version is waiting
  const scene = options.scene || 1001;
  app.onLaunch({ query: options.launch || {}, scene });
  if (app.onShow) app.onShow({ query: options.launch || {}, scene });
  const shownPages = [];
  global.getCurrentPages = () => shownPages;
  const settled = () => requests.every((r) => r.status !== null);
  const out = {};
  for (const step of options.steps || []) {
    const toasts = calls('showToast').length;
    if (step === 'checkin') {
      const block = mount(root, 'components/block-checkin/index');
      block.data.block = options.checkin || { type: 'checkin', title: '每日签到', rewardDays: 7, reward: '' };
      await block.call('GET');
      await block.onCheckin();
      out.checkin = { data: copy(block.data), toast: calls('showToast').slice(toasts)[0] || null };
    } else if (step === 'invite' || step === 'member') {
      const block = mount(root, `components/block-${step}/index`);
      block.data.block = options[step] || { type: step, title: step, friends: 3, reward: '' };
      const before = requests.length;
      block.lifetimes.attached.call(block);
      await waitFor(`the ${step} block's call`, () => requests.length > before && settled());
      await sleep(20);
      out[step] = copy(block.data);
    } else if (step === 'coupons') {
      const block = mount(root, 'components/block-coupons/index');
      block.data.block = { type: 'coupons', title: '领券中心' };
      await Promise.all([block.load(), block.loadMine()]);
      out.coupons = copy(block.data);
    } else if (step === 'mine') {
      const session = require(find(root, 'utils/session.js'));
      const { request } = require(find(root, 'utils/request.js'));
      const s = await session.ensure();
      out.mine = await request({ url: `${api}coupons/mine`, header: session.header(s) });
    } else if (step === 'view') {
      const page = mount(root, `pages/${options.page || 'home'}/index`);
      shownPages.push(page);
      page.onShow();
    } else if (step === 'product') {
      const page = mount(root, 'catalog/product/index');
      shownPages.push(page);
      await page.onLoad({ id: options.product }); // the catalog answers a promise (package or server)
      page.onAddToCart();
    } else if (step === 'hide' || step === 'show') {
      const before = requests.length;
      if (step === 'hide') app.onHide();
      else app.onShow({ query: {}, scene });
      if (step === 'hide') await waitFor('the events batch', () => requests.length > before && settled());
    } else if (step === 'share') {
      await require(find(root, 'utils/session.js')).ensure();
      const page = mount(root, `pages/${options.page || 'member'}/index`);
      out.share = page.onShareAppMessage();
    } else {
      throw new Error(`no growth step ${step}`);
    }
  }
  return out;
}

// The category page lists a category a page at a time to its end, the product page shows
// options.product and puts it (with options.choose, one value per option) in the cart, a product the
// catalog lacks shows as gone; then the buy scenario pays for the cart. The catalog comes from wherever
// the build put it (this package, or JSON from the backend).
async function catalogScenario(root) {
  const out = {};
  const category = mount(root, 'catalog/category/index');
  await category.onLoad({ id: options.category || '' });
  out.firstPage = copy(category.data);
  while (category.data.more) await category.onReachBottom();
  out.category = copy(category.data);
  if (!options.product) return out;
  const product = mount(root, 'catalog/product/index');
  await product.onLoad({ id: options.product });
  (options.choose || []).forEach((value, i) => product.onChoose({ currentTarget: { dataset: { option: i, value } } }));
  out.product = copy(product.data);
  out.added = product.onAddToCart();
  const gone = mount(root, 'catalog/product/index');
  await gone.onLoad({ id: 'no-such-product' });
  out.gone = gone.data.state;
  const cartPage = mount(root, 'catalog/cart/index');
  await cartPage.refresh();
  out.cart = copy(cartPage.data);
  if (options.buy) Object.assign(out, await buyScenario(root));
  return out;
}

const SCENARIOS = {
  catalog: catalogScenario,
  buy: buyScenario,
  session: sessionScenario,
  coupons: couponsScenario,
  urls: urlsScenario,
  growth: growthScenario,
};

async function main() {
  const [rootArg, baseArg, scenario, optionsArg] = process.argv.slice(2);
  if (!rootArg || !baseArg || !SCENARIOS[scenario]) {
    process.stderr.write(`usage: node client.js <miniprogram-dir> <base-url> <${Object.keys(SCENARIOS).join('|')}> [options-json]\n`);
    process.exit(2);
  }
  options = optionsArg ? JSON.parse(optionsArg) : {};
  if (options.fastTimers) {
    const realSetTimeout = setTimeout;
    global.setTimeout = (fn, ms, ...args) => realSetTimeout(fn, Math.min(Number(ms) || 0, 10), ...args);
  }
  base = baseArg.endsWith('/') ? baseArg : `${baseArg}/`;
  const root = path.resolve(rootArg);
  api = require(path.join(root, 'utils/commerce-config.js')).api;
  process.on('unhandledRejection', (err) => errors.push(String(err && err.stack ? err.stack : err)));
  const result = await SCENARIOS[scenario](root);
  await sleep(20); // let stray callbacks land in the log
  result.scenario = scenario;
  result.requests = requests;
  result.wx = log;
  result.storage = Object.fromEntries(storage);
  result.errors = errors;
  // exit only once a long answer has reached the pipe (process.exit would cut it short)
  await new Promise((resolve) => process.stdout.write(`${JSON.stringify(result, null, 2)}\n`, resolve));
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${err && err.stack ? err.stack : err}\n`);
    process.stdout.write(`${JSON.stringify({ crashed: String(err && err.stack), requests, wx: log, errors })}\n`);
    process.exit(1);
  },
);

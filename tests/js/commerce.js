#!/usr/bin/env node
// Drives the cart and checkout of a built mini-program (a site with `commerce:`) with miniprogram-simulate
// and prints what happened as JSON on stdout. Used by tests/test_commerce_simulate.py; handy by hand too:
//
//   node commerce.js <miniprogram-dir> <scenario>
//
// Scenarios:
//   cart          catalog/utils/cart.js and catalog/utils/checkout.js totals called directly (add / merge / stock limit /
//                 setQuantity / remove / count / subtotal; shipping in fen), then the cart page rendered
//                 with two lines (tapping `.step-plus` at the stock limit, and below it), and the checkout
//                 page rendered with a cart worth free shipping.
//   pay-success   checkout page: cart in storage, onLoad, tap `.address`, tap `.pay-button`; while
//   pay-fail      wx.requestPayment is pending: snapshot and a second tap; then the payment is answered
//   pay-cancel    (success / fail / fail cancel) and the final state is reported. pay-cancel also taps
//                 重新支付 afterwards and pays that attempt.
//   order-error   the same, but POST orders is held (the pending snapshot) and then answers HTTP 500, so no
//                 payment is asked for.
//   stale-fill    with a storage file: a cart as the shopper leaves it (and one line in the previous release's
//   stale-cart    form); stale-cart then opens the cart page of the next build with that storage.
//   coupons, checkin  the growth blocks against the mocked backend.
//   result-paid   the result page (order O1) rendered while it asks the backend and after: the backend
//   result-closed answers paid / closed.
//
//   node commerce.js <miniprogram-dir> <scenario> [storage.json]   (storage read before, written after)
//
// The `wx` mock records every call in `wx` (api + arguments). Its storage lives in memory (values
// JSON-copied as WeChat does); wx.login answers {code: 'CODE1'}; wx.request answers asynchronously
// (session -> {session: 'S1'}; orders -> {orderId: 'O1', payment: {...}} or HTTP 500; orders/O1/query ->
// still unpaid); wx.chooseAddress
// answers a fixed address; wx.requestPayment stays pending until the scenario answers it. Errors thrown
// in component code (exparser reports them through console.error) land in `errors`.

'use strict';

const fs = require('fs');
const path = require('path');

const { callback, consoleLines, errors, installWx, safeJson } = require('./setup.js');

const simulate = require('miniprogram-simulate');


function copy(value) {
  return value === undefined ? undefined : JSON.parse(safeJson(value) || 'null');
}

// --- wx mock ---------------------------------------------------------------------------------------

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
const PAYMENT = {
  timeStamp: '1700000000',
  nonceStr: 'nonce-1',
  package: 'prepay_id=wx123',
  signType: 'RSA',
  paySign: 'signature==',
};

const wxLog = [];
const storage = new Map();
const requests = [];
const payments = []; // pending and answered wx.requestPayment calls
let ordersStatus = 200;
let holdOrders = false; // order-error: POST orders waits until release()
const held = [];
let orderSeq = 0;
let queryState = 'pending_payment'; // what POST orders/{id}/query answers

function record(api, args) {
  wxLog.push({ api, args: copy(args) });
}

const later = (fn) => setTimeout(fn, 0); // WeChat answers its APIs asynchronously

function answer(url) {
  if (/\/session$/.test(url)) return { statusCode: 200, data: { session: 'S1', expiresAt: '2099-01-01T00:00:00.000000Z', openid: 'OPENID', ref: 'R1' } };
  // the checkout asks the backend after a cancelled or failed payment: still unpaid
  const query = /\/orders\/([^/]+)\/query$/.exec(url);
  if (query) return { statusCode: 200, data: { orderId: query[1], state: queryState, totalFen: 8680 } };
  if (/\/orders$/.test(url)) {
    if (ordersStatus !== 200) return { statusCode: ordersStatus, data: { error: 'server error' } };
    orderSeq += 1;
    return { statusCode: 200, data: { orderId: `O${orderSeq}`, payment: Object.assign({}, PAYMENT) } };
  }
  if (/\/coupons$/.test(url)) {
    return { statusCode: 200, data: { coupons: [
      { id: 'C1', title: '新人券', amountFen: 1000, minSpendFen: 5000, expires: '2026-12-31' },
      { id: 'C2', title: '无门槛券', amountFen: 300, minSpendFen: 0, claimed: true },
      { id: 'C3', title: '八五折券', amountFen: 0, percentOff: 15, minSpendFen: 0 },
    ] } };
  }
  if (/\/coupons\/mine$/.test(url) && heldCoupons) return { statusCode: 200, data: { coupons: heldCoupons.slice() } };
  if (/\/coupons\/C1\/claim$/.test(url)) {
    if (heldCoupons) heldCoupons.push(CLAIMED);
    return { statusCode: 200, data: { claimed: true } };
  }
  if (/\/checkin$/.test(url)) return { statusCode: 200, data: checkinAnswer() };
  return { statusCode: 404, data: { error: 'not found' } };
}

// The shopper's coupons (GET coupons/mine): only the coupons scenario holds any (elsewhere it is a 404);
// claiming C1 adds CLAIMED.
let heldCoupons = null;
const HELD = { id: '0A1B2C3D4E5F6G7H', couponId: 'c2', title: '无门槛券', amountFen: 300, percentOff: null,
  minSpendFen: 0, validFrom: '2026-12-01', expires: '2026-12-08', productIds: [], categoryIds: [] };
const CLAIMED = { id: 'Z9Y8X7W6V5U4T3S2', couponId: 'c1', title: '新人券', amountFen: 1000, percentOff: null,
  minSpendFen: 5000, validFrom: '2026-12-02', expires: '2026-12-31', productIds: [], categoryIds: [] };

// The backend's check-in state: 6 days in a row so far; checking in today makes 7 (the reward).
let checkedToday = false;
function checkinAnswer() {
  const last = requests[requests.length - 1];
  if (last && last.method === 'POST') checkedToday = true;
  return checkedToday ? { streak: 7, checkedInToday: true, rewarded: true } : { streak: 6, checkedInToday: false };
}

const stubs = {
  getStorageSync(key) {
    record('getStorageSync', [key]);
    return storage.has(key) ? copy(storage.get(key)) : '';
  },
  setStorageSync(key, value) {
    record('setStorageSync', [key, value]);
    storage.set(key, copy(value));
  },
  removeStorageSync(key) {
    record('removeStorageSync', [key]);
    storage.delete(key);
  },
  clearStorageSync() {
    record('clearStorageSync', []);
    storage.clear();
  },
  login(options) {
    record('login', [options]);
    later(() => callback(options, 'success', { code: 'CODE1', errMsg: 'login:ok' }));
  },
  request(options) {
    record('request', [options]);
    const entry = {
      url: options.url,
      method: options.method || 'GET',
      data: copy(options.data),
      header: copy(options.header || {}),
      statusCode: null,
    };
    requests.push(entry);
    const respond = () => {
      const res = answer(options.url);
      entry.statusCode = res.statusCode;
      callback(options, 'success', { statusCode: res.statusCode, data: res.data, header: {}, errMsg: 'request:ok' });
    };
    if (holdOrders && /\/orders$/.test(options.url)) held.push(respond);
    else later(respond);
    return { abort() {}, onHeadersReceived() {}, offHeadersReceived() {} };
  },
  requestPayment(options) {
    record('requestPayment', [options]);
    payments.push({ options, outcome: null });
  },
  getWindowInfo() {
    record('getWindowInfo', []);
    return { pixelRatio: 2, windowWidth: 375, windowHeight: 667 };
  },
  chooseAddress(options) {
    record('chooseAddress', [options]);
    later(() => callback(options, 'success', Object.assign({}, ADDRESS)));
  },
};
for (const name of ['showToast', 'hideToast', 'showLoading', 'hideLoading', 'showModal', 'navigateTo', 'redirectTo',
  'switchTab', 'reLaunch', 'navigateBack', 'setNavigationBarTitle', 'requestSubscribeMessage', 'vibrateShort',
  'reportEvent']) {
  stubs[name] = (options) => {
    record(name, [options]);
    callback(options, 'success', { errMsg: `${name}:ok` });
  };
}

installWx(stubs, record);

function pay(outcome) {
  const open = payments.filter((p) => p.outcome === null);
  if (open.length !== 1) throw new Error(`expected one pending wx.requestPayment, found ${open.length}`);
  const p = open[0];
  p.outcome = outcome;
  if (outcome === 'success') callback(p.options, 'success', { errMsg: 'requestPayment:ok' });
  else if (outcome === 'fail') callback(p.options, 'fail', { errMsg: 'requestPayment:fail' });
  else if (outcome === 'cancel') callback(p.options, 'fail', { errMsg: 'requestPayment:fail cancel' });
  else throw new Error(`unknown payment outcome ${outcome}`);
}

function release() {
  const open = held.splice(0);
  open.forEach((respond) => respond());
  return open.length;
}

function calls(api) {
  return wxLog.filter((c) => c.api === api).map((c) => c.args[0]);
}

function ordersRequests() {
  return requests.filter((r) => /\/orders$/.test(r.url));
}

// --- helpers -----------------------------------------------------------------------------------------

const settle = async () => {
  // j-component delivers events in a microtask; mocked APIs answer after a timer; give both a few turns.
  for (let i = 0; i < 5; i++) await simulate.sleep(0);
};

async function waitFor(what, predicate) {
  for (let i = 0; i < 200; i++) {
    if (predicate()) return;
    await simulate.sleep(1);
  }
  throw new Error(`timed out waiting for ${what}`);
}

function describe(node) {
  const json = node.toJSON() || {};
  const attrs = {};
  let cls = '';
  for (const attr of json.attrs || []) {
    if (attr.name === 'class') cls = String(attr.value);
    else attrs[attr.name] = attr.value;
  }
  return { text: node.dom.textContent.trim(), class: cls, attrs: copy(attrs) };
}

function snapshot(comp, queries) {
  const result = { text: comp.dom.textContent, queries: {}, state: copy(comp.data) };
  for (const selector of queries) result.queries[selector] = comp.querySelectorAll(selector).map(describe);
  return result;
}

function mount(root, page, props) {
  const id = simulate.load(path.join(root, page), { rootPath: root, compiler: 'official' });
  const comp = simulate.render(id, props || {});
  const parent = document.createElement('parent-wrapper');
  document.body.appendChild(parent);
  comp.attach(parent);
  return comp;
}

async function tap(comp, selector, index = 0) {
  const nodes = comp.querySelectorAll(selector);
  if (!nodes[index]) throw new Error(`nothing to tap at ${selector}[${index}]`);
  nodes[index].dispatchEvent('tap');
  await settle();
}

function req(root, file) {
  return require(path.join(root, file));
}

// What the product page puts in the cart (see catalog/product/index.js chosenLine()); the cart takes name,
// price and stock from the catalog: tea 19.90 with 2 in stock, cake 39.00 (小份 29.00) untracked, and
// scone 33.00 (see the site in test_commerce_simulate.py).
const TEA = { productId: 'sample-1', options: {} };
const CAKE = { productId: 'sample-2', options: { 规格: '大份' } };
const SMALL_CAKE = { productId: 'sample-2', options: { 规格: '小份' } };
const SCONE = { productId: 'sample-3', options: {} };
const put = (cart, item, quantity) => cart.add(item.productId, item.options, quantity);

// --- scenarios ---------------------------------------------------------------------------------------

const CART_QUERIES = ['.cart-line', '.line-name', '.line-options', '.price', '.step-count', '.step-plus', '.cart-total',
  '.cart-checkout', '.empty'];

async function cartScenario(root) {
  const cart = req(root, 'catalog/utils/cart.js');
  const checkout = req(root, 'catalog/utils/checkout.js');
  const config = req(root, 'utils/commerce-config.js');
  const out = { config: copy(config), unit: {}, totals: {}, page: {}, checkoutFree: {} };
  const u = out.unit;
  const max = config.maxQuantity;
  const brief = (r) => ({
    lines: r.lines.map((l) => ({ key: l.key, quantity: l.quantity })),
    added: r.added,
    limited: r.limited,
  });

  u.emptyLoad = cart.load();
  u.keySorted = cart.lineKey('p', { b: '2', a: '1' }) === cart.lineKey('p', { a: '1', b: '2' });
  u.keyNoOptions = cart.lineKey('p', {});
  u.keyCake = cart.lineKey(CAKE.productId, CAKE.options);

  const cakeSmall = SMALL_CAKE;
  u.addCake = brief(put(cart, CAKE, 1));
  u.addCakeLine = cart.load()[0];
  u.addCakeStored = copy(storage.get('mpgen-cart'));
  u.addCakeAgain = brief(put(cart, CAKE, 2)); // same product and options: merges into one line
  u.addCakeSmall = brief(put(cart, cakeSmall, 1)); // other options: a line of its own
  u.addTea = brief(put(cart, TEA, 1)); // stock 2
  u.addTeaOverStock = brief(put(cart, TEA, 5)); // only 1 more fits
  u.addTeaAtStock = brief(put(cart, TEA, 1)); // nothing fits
  u.addUnknown = brief(cart.add('no-such-product', {}, 1));
  u.addUnknownOption = brief(cart.add('sample-2', { 规格: '特大份' }, 1));
  u.stored = copy(storage.get('mpgen-cart')).map((l) => ({ key: l.key, quantity: l.quantity }));
  u.count = cart.count(cart.load());
  u.subtotalFen = cart.subtotalFen(cart.load()); // 3 * 3900 + 2900 + 2 * 1990
  const teaKey = cart.lineKey(TEA.productId, TEA.options);
  const smallKey = cart.lineKey(cakeSmall.productId, cakeSmall.options);
  const brief2 = (r) => ({ lines: r.lines.map((l) => ({ key: l.key, quantity: l.quantity })), limited: r.limited });
  u.setTeaOverStock = brief2(cart.setQuantity(teaKey, 9)); // clamps to the stock
  u.setCakeOverCap = brief2(cart.setQuantity(u.keyCake, max + 50)); // clamps to maxQuantity (untracked stock)
  u.setTeaOne = brief2(cart.setQuantity(teaKey, 1));
  u.setTeaFraction = brief2(cart.setQuantity(teaKey, 1.7));
  u.setUnknown = brief2(cart.setQuantity('nope|', 3));
  u.setSmallZero = brief2(cart.setQuantity(smallKey, 0)); // 0 removes the line
  u.addCakeOverCap = brief(put(cart, CAKE, 1)); // already at the cap
  u.removedNotices = cart.takeRemoved(); // nothing was dropped
  u.remove = cart.remove(u.keyCake).map((l) => ({ key: l.key, quantity: l.quantity }));
  u.clear = cart.clear();
  u.storedAfterClear = copy(storage.get('mpgen-cart'));

  // Totals in integer fen: shipping unless the subtotal reaches free_shipping_over.
  const line = (priceFen, quantity) => ({ priceFen, quantity });
  out.totals = {
    empty: checkout.totals([], 0),
    below: checkout.totals([line(1990, 2), line(3900, 1)], 0), // 7880 + 800
    justBelow: checkout.totals([line(9899, 1)], 0),
    atThreshold: checkout.totals([line(3300, 3)], 0), // 9900: free
    above: checkout.totals([line(1990, 5), line(10, 1)], 0), // 9960: free
    floaty: checkout.totals([line(10, 3), line(20, 1)], 0), // 0.1*3 + 0.2 in yuan would be 0.5000000000000001
    discount: checkout.totals([line(1990, 2)], 500),
    discountOverSubtotal: checkout.totals([line(1990, 1)], 5000),
  };

  // The cart page with two lines: tea at its stock limit (2 of 2), cake below any limit.
  put(cart, TEA, 2);
  put(cart, CAKE, 1);
  const comp = mount(root, 'catalog/cart/index');
  comp.instance.onLoad({});
  await settle();
  const page = out.page;
  page.initial = snapshot(comp, CART_QUERIES);
  const toastsBefore = calls('showToast').length;
  await tap(comp, '.step-plus', 0); // tea at its stock: refused with a toast
  page.afterPlusAtLimit = snapshot(comp, CART_QUERIES);
  page.toastsAtLimit = calls('showToast').slice(toastsBefore);
  page.storedAtLimit = copy(storage.get('mpgen-cart')).map((l) => ({ key: l.key, quantity: l.quantity }));
  const toastsBefore2 = calls('showToast').length;
  await tap(comp, '.step-plus', 1); // cake: goes up
  page.afterPlusCake = snapshot(comp, CART_QUERIES);
  page.toastsCake = calls('showToast').slice(toastsBefore2);
  await tap(comp, '.step-minus', 0); // tea 2 -> 1
  page.afterMinusTea = snapshot(comp, CART_QUERIES);
  page.storedAfterSteps = copy(storage.get('mpgen-cart')).map((l) => ({ key: l.key, quantity: l.quantity }));
  await tap(comp, '.cart-checkout');
  page.navigate = calls('navigateTo');
  comp.detach();

  // The checkout page with a cart worth exactly free_shipping_over.
  cart.clear();
  put(cart, SCONE, 3);
  const co = mount(root, 'catalog/checkout/index');
  co.instance.onLoad({});
  await settle();
  out.checkoutFree = snapshot(co, ['.sum-row', '.total-price', '.line-price']);
  // Paying before an address is chosen: a hint and the address picker, no order.
  const toastsBeforePay = calls('showToast').length;
  await tap(co, '.pay-button');
  await waitFor('the address', () => co.data.address);
  out.payWithoutAddress = {
    toasts: calls('showToast').slice(toastsBeforePay),
    chooseAddress: calls('chooseAddress').length,
    requests: requests.slice(),
    payments: payments.length,
    paying: co.data.paying,
  };
  co.detach();
  return out;
}

const CHECKOUT_QUERIES = ['.address', '.address-who', '.address-where', '.address-empty', '.line', '.line-name',
  '.line-count', '.line-price', '.sum-row', '.total-price', '.pay-message', '.pay-button', '.back-button'];

async function checkoutScenario(root, outcome) {
  const cart = req(root, 'catalog/utils/cart.js');
  if (outcome === 'order-error') {
    ordersStatus = 500;
    holdOrders = true;
  }

  // The cart as the product page leaves it: tea x2 (19.90) and cake x1 (39.00) = 78.80 + 8.00 shipping.
  put(cart, TEA, 2);
  put(cart, CAKE, 1);
  const cartBefore = copy(storage.get('mpgen-cart'));

  const comp = mount(root, 'catalog/checkout/index');
  comp.instance.onLoad({});
  await settle();
  const out = { outcome, cartBefore, initial: snapshot(comp, CHECKOUT_QUERIES) };

  await tap(comp, '.address');
  await waitFor('the address', () => comp.data.address);
  out.afterAddress = snapshot(comp, CHECKOUT_QUERIES);

  await tap(comp, '.pay-button');
  if (outcome === 'order-error') {
    await waitFor('POST orders', () => held.length === 1);
  } else {
    await waitFor('wx.requestPayment', () => payments.length === 1);
  }
  await settle();
  // Pending (the payment sheet is open, or for order-error the order is being created): the button is
  // locked, and a second tap on it (or on the address) does nothing.
  out.pending = snapshot(comp, CHECKOUT_QUERIES);
  out.pendingCart = copy(storage.get('mpgen-cart'));
  const requestsBefore = requests.length;
  const addressBefore = calls('chooseAddress').length;
  await tap(comp, '.pay-button');
  await tap(comp, '.address');
  await settle();
  out.secondTap = {
    newRequests: requests.slice(requestsBefore),
    newChooseAddress: calls('chooseAddress').length - addressBefore,
    payments: payments.length,
  };
  if (outcome === 'order-error') release();
  else pay(outcome === 'pay-success' ? 'success' : outcome === 'pay-fail' ? 'fail' : 'cancel');
  await waitFor('the result', () => !comp.data.paying);
  await settle();
  out.final = snapshot(comp, CHECKOUT_QUERIES);
  out.cartAfter = copy(storage.has('mpgen-cart') ? storage.get('mpgen-cart') : null);
  out.session = copy(storage.get('mpgen-session') || null);
  out.requests = requests.slice();
  out.payments = payments.map((p) => ({ args: copy(p.options), outcome: p.outcome }));
  out.loading = { show: calls('showLoading'), hide: calls('hideLoading').length };
  out.redirects = calls('redirectTo');
  out.toasts = calls('showToast');

  if (outcome === 'pay-cancel') {
    // 重新支付: the button works again and that attempt can be paid.
    const requestsBefore = requests.length;
    await tap(comp, '.pay-button');
    await waitFor('the second wx.requestPayment', () => payments.length === 2);
    const retryRequests = requests.slice(requestsBefore);
    pay('success');
    await waitFor('the second payment result', () => !comp.data.paying);
    await settle();
    out.retry = {
      requests: retryRequests,
      payment: copy(payments[1].options),
      redirects: calls('redirectTo'),
      cartAfter: copy(storage.get('mpgen-cart')),
    };
  }
  comp.detach();
  return out;
}

const SCENARIOS = {
  cart: cartScenario,
  'pay-success': (root) => checkoutScenario(root, 'pay-success'),
  'pay-fail': (root) => checkoutScenario(root, 'pay-fail'),
  'pay-cancel': (root) => checkoutScenario(root, 'pay-cancel'),
  'order-error': (root) => checkoutScenario(root, 'order-error'),
};

// Coupons block: the list from the backend, money in yuan, claiming one (loading, then 已领取); the
// shopper's own coupons (GET coupons/mine, asked again after the claim); tapping one shows its code in
// groups of four and draws its QR code on the canvas (a recording 2D context: j-component has no canvas).
async function couponsScenario(root) {
  heldCoupons = [HELD];
  const comp = mount(root, 'components/block-coupons/index', { block: { type: 'coupons', title: '领券中心' } });
  await waitFor('coupons', () => comp.querySelectorAll('.coupon').length === 3 &&
    comp.querySelectorAll('.mine-coupon').length === 1);
  const queries = ['.coupon-amount', '.coupon-title', '.coupon-rule', '.coupon-claim', '.mine-amount', '.mine-title',
    '.mine-rule', '.mine-expires', '.mine-state'];
  const before = snapshot(comp, queries);
  await tap(comp, '.coupon-claim', 0);
  await waitFor('claim', () => !comp.data.claiming);
  await waitFor('the claimed coupon among mine', () => comp.querySelectorAll('.mine-coupon').length === 2);
  await settle();
  const after = snapshot(comp, queries);

  const drawn = [];
  const ctx = { fillStyle: '', fillRect(x, y, w, h) { drawn.push({ fill: this.fillStyle, x, y, w, h }); } };
  const canvas = { width: 0, height: 0, getContext: (kind) => (kind === '2d' ? ctx : null) };
  const selected = [];
  comp.instance.createSelectorQuery = () => {
    const query = {
      select(selector) { selected.push(selector); return query; },
      fields() { return query; },
      exec(cb) { later(() => cb([{ node: canvas, width: 200, height: 200 }])); return query; },
    };
    return query;
  };
  const codeQueries = ['.coupon-code-mask', '.coupon-code-title', '.coupon-code-hint', '.coupon-code-text',
    '.coupon-code-rule', '.coupon-code-qr'];
  await tap(comp, '.mine-coupon', 1);
  await waitFor('the QR code', () => drawn.length > 0);
  const code = snapshot(comp, codeQueries);
  await tap(comp, '.coupon-code-close');
  const closed = snapshot(comp, codeQueries);
  return { before, after, code, closed, canvas: { width: canvas.width, height: canvas.height, selected, drawn },
    requests: copy(requests), toasts: calls('showToast'), events: calls('reportEvent') };
}

// Check-in block: a 6-day streak shown, checking in makes 7 and reports the reward; a second tap does nothing.
async function checkinScenario(root) {
  const block = { type: 'checkin', title: '每日签到', rewardDays: 7, reward: '满50减10优惠券' };
  const comp = mount(root, 'components/block-checkin/index', { block });
  await waitFor('state', () => comp.data.streak === 6);
  const queries = ['.checkin-day', '.checkin-button', '.checkin-reward', '.checkin-rule'];
  const before = snapshot(comp, queries);
  await tap(comp, '.checkin-button');
  await waitFor('check-in', () => comp.data.checkedIn && !comp.data.busy);
  await settle();
  const posts = () => requests.filter((r) => /\/checkin$/.test(r.url) && r.method === 'POST').length;
  const postsAfterFirst = posts();
  await tap(comp, '.checkin-button');
  await settle();
  return { before, after: snapshot(comp, queries), postsAfterFirst, postsAfterSecond: posts(),
    toasts: calls('showToast'), events: calls('reportEvent') };
}

// The result page after the payment sheet closed: it shows what POST orders/O1/query answers.
async function resultScenario(root, state) {
  queryState = state;
  const comp = mount(root, 'catalog/result/index');
  const checking = snapshot(comp, ['.result-title']);
  await comp.instance.onLoad({ order: 'O1' });
  await settle();
  require(path.join(root, 'utils/track.js')).flush(); // what the app sends when it goes to the background
  await settle();
  const queries = ['.result-icon', '.result-title', '.result-total', '.result-detail', '.result-order', '.result-button'];
  return { checking, shown: snapshot(comp, queries), requests: copy(requests), events: calls('reportEvent'),
    subscribe: calls('requestSubscribeMessage') };
}

SCENARIOS['result-paid'] = (root) => resultScenario(root, 'paid');
SCENARIOS['result-closed'] = (root) => resultScenario(root, 'closed');
SCENARIOS.coupons = couponsScenario;
SCENARIOS.checkin = checkinScenario;

// A release later (run with the storage file of stale-fill): the cart as the shopper left it, before.
// stale-fill fills it with this build's cart, plus one line as the release before kept it (name, hashed
// image path and price in storage); stale-cart, on the next build, loads the cart page.
SCENARIOS['stale-fill'] = async (root) => {
  const cart = req(root, 'catalog/utils/cart.js');
  put(cart, TEA, 2);
  put(cart, CAKE, 1);
  put(cart, SCONE, 1);
  const lines = copy(storage.get('mpgen-cart'));
  lines.push({ key: 'sample-2|规格=小份', quantity: 1, productId: 'sample-2', name: '旧名字',
    image: '/catalog/img/old-0123456789.jpg', options: { 规格: '小份' }, priceFen: 9999, stock: -1 });
  storage.set('mpgen-cart', lines);
  return { stored: lines };
};

SCENARIOS['stale-cart'] = async (root) => {
  const before = copy(storage.get('mpgen-cart'));
  const comp = mount(root, 'catalog/cart/index');
  comp.instance.onLoad({});
  await settle();
  const page = snapshot(comp, CART_QUERIES.concat(['.cart-notice', '.line-image']));
  comp.detach();
  const reopened = mount(root, 'catalog/cart/index'); // opened again later: the notice was given once
  reopened.instance.onLoad({});
  await settle();
  const again = snapshot(reopened, ['.cart-notice', '.line-name']);
  reopened.detach();
  return { before, page, again, storedAfter: copy(storage.get('mpgen-cart')) };
};

async function main() {
  const [rootArg, scenario, storageFile] = process.argv.slice(2);
  if (!rootArg || !SCENARIOS[scenario]) {
    process.stderr.write(`usage: node commerce.js <miniprogram-dir> <${Object.keys(SCENARIOS).join('|')}> [storage.json]\n`);
    process.exit(2);
  }
  // storage.json: the wx storage to start from (when it exists) and to leave behind, like a phone keeps it
  if (storageFile && fs.existsSync(storageFile)) {
    for (const [key, value] of Object.entries(JSON.parse(fs.readFileSync(storageFile, 'utf8')))) storage.set(key, value);
  }
  const root = path.resolve(rootArg);
  const result = await SCENARIOS[scenario](root);
  if (storageFile) fs.writeFileSync(storageFile, JSON.stringify(Object.fromEntries(storage)));
  result.scenario = scenario;
  result.wx = wxLog.slice();
  result.console = consoleLines.slice();
  result.errors = errors.slice();
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${err && err.stack ? err.stack : err}\n`);
    process.exit(1);
  },
);

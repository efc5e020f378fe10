// Checkout: the backend creates the order and signs the payment; the client only asks WeChat to pay, and
// then asks the backend what became of the order: WeChat's answer to the client is never the order's state.
const config = require('./commerce-config.js');
const session = require('./session.js');

const ATTEMPT_KEY = 'mpgen-checkout-attempt';
const PAID = ['paid', 'shipped', 'done', 'refunding', 'refunded'];
const UNPAID = ['pending_payment', 'unpaid']; // unpaid: backends written to the first contract
const CLOSED = ['cancelled', 'closed'];

function shippingFen(subtotal) {
  if (config.freeShippingOverFen !== null && subtotal >= config.freeShippingOverFen) return 0;
  return subtotal > 0 ? config.shippingFen : 0;
}

function totals(lines, discountFen) {
  const subtotal = lines.reduce((sum, l) => sum + l.priceFen * l.quantity, 0);
  const shipping = shippingFen(subtotal);
  const discount = Math.min(discountFen || 0, subtotal);
  return { subtotal, shipping, discount, total: subtotal + shipping - discount };
}

// What a held coupon (GET coupons/mine) takes off these lines, computed as the backend does
// (generator/server/coupons.py discount): only the goods in its scope count (its productIds and
// categoryIds; neither: everything), they must reach minSpendFen, and an amount coupon takes amountFen, a
// percentage one percentOff of those goods (rounded down), never more than them. The backend decides; this
// shows the same total before the order. {fen, problem}: problem is '', 'scope' or 'threshold'.
function couponDiscount(lines, coupon) {
  const products = coupon.productIds || [];
  const categories = coupon.categoryIds || [];
  const open = !products.length && !categories.length;
  const eligible = lines.reduce((sum, l) => {
    const inScope = open || products.indexOf(l.productId) !== -1 || categories.indexOf(l.category) !== -1;
    return inScope ? sum + l.priceFen * l.quantity : sum;
  }, 0);
  if (eligible <= 0) return { fen: 0, problem: 'scope' };
  if (eligible < (coupon.minSpendFen || 0)) return { fen: 0, problem: 'threshold' };
  const off = coupon.percentOff ? Math.floor((eligible * coupon.percentOff) / 100) : coupon.amountFen || 0;
  return { fen: Math.min(off, eligible), problem: '' };
}

function newKey() {
  return 'ck' + Date.now().toString(36) + Math.random().toString(36).slice(2, 10) + Math.random().toString(36).slice(2, 10);
}

// A 53-bit hash (cyrb53) of a text: storage keeps this of the order, never the address itself.
function hash(text) {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36);
}

// The idempotency key of this order: the same for every retry of the same order (so a retry after a lost
// answer, even after a restart, gets the order already made), a new one when anything in it changed.
function attemptKey(order) {
  const fingerprint = hash(JSON.stringify(order));
  const saved = wx.getStorageSync(ATTEMPT_KEY);
  if (saved && saved.key && saved.fingerprint === fingerprint) return saved.key;
  const key = newKey();
  wx.setStorageSync(ATTEMPT_KEY, { key, fingerprint });
  return key;
}

// After a paid order the next checkout is a new attempt.
function endAttempt() {
  wx.removeStorageSync(ATTEMPT_KEY);
}

function requestPayment(payment) {
  return new Promise((resolve) => {
    wx.requestPayment({
      timeStamp: payment.timeStamp,
      nonceStr: payment.nonceStr,
      package: payment.package,
      signType: payment.signType,
      paySign: payment.paySign,
      success: () => resolve('paid'),
      fail: (err) => resolve(err && /cancel/.test(err.errMsg || '') ? 'cancelled' : 'failed')
    });
  });
}

// Each address is written out whole, the api base plus the path in quotes: tests/server/test_contract.py
// finds the calls in the built code that way.

// The order as the backend knows it now, asked to check with WeChat Pay first ({orderId, state, totalFen, ...}).
function queryOrder(orderId) {
  return session.call({ url: config.api + 'orders/' + encodeURIComponent(orderId) + '/query', method: 'POST' });
}

function isPaid(state) {
  return PAID.indexOf(state) !== -1;
}

function isUnpaid(state) {
  return UNPAID.indexOf(state) !== -1;
}

function isClosed(state) {
  return CLOSED.indexOf(state) !== -1;
}

// The signed wx.requestPayment parameters of an order: in the answer that created it, or asked for.
function paymentFor(answer) {
  if (answer.payment) return Promise.resolve(answer.payment);
  return session.call({ url: config.api + 'orders/' + encodeURIComponent(answer.orderId) + '/pay', method: 'POST' });
}

// The shopper's part of a backend message: "库存不足：绿茶 (not enough stock)" -> "库存不足：绿茶".
function shopperText(message) {
  return typeof message === 'string' ? message.replace(/\s*\([\x20-\x7e]*\)\s*$/, '') : '';
}

// What a refused order means to the shopper: {state: 'changed', totalFen, items} when the prices changed
// (409 price_changed with the backend's own prices: items[i].unitFen per line of the order, and totalFen),
// otherwise a message. The backend's message is shown only for a 409 (sold out and the like); other
// refusals speak to developers.
function refusal(err) {
  const status = err && err.statusCode;
  const data = (err && err.data) || {};
  if (status === 409 && data.error === 'price_changed' && typeof data.totalFen === 'number') {
    return { state: 'changed', totalFen: data.totalFen, goodsFen: data.goodsFen, shippingFen: data.shippingFen,
      items: data.items || [], message: '' };
  }
  if (status === 409) return { state: 'failed', message: shopperText(data.message) || '库存不足或商品有变化，请返回购物车查看' };
  if (status >= 400 && status < 500) return { state: 'failed', message: '下单没有成功，请返回购物车检查后重试' };
  return { state: 'failed', message: '网络不太好，订单没有提交成功，请重试' };
}

// Asks WeChat to pay a placed order ({orderId, payment}); resolves {state, orderId, payment, closed}. 'paid'
// is only what WeChat told the client (the result page asks the backend); a cancelled or failed payment is
// checked with the backend, since WeChat may have taken the money all the same, or closed the order
// meanwhile (closed: it cannot be paid again; the next tap makes a new order).
function pay(placed) {
  if (placed.paid) return Promise.resolve({ state: 'paid', orderId: placed.orderId });
  return requestPayment(placed.payment).then((state) => {
    const result = { state, orderId: placed.orderId, payment: placed.payment, closed: false };
    if (state === 'paid') {
      endAttempt();
      return result;
    }
    return queryOrder(placed.orderId).then((known) => {
      const now = known && known.state;
      if (isPaid(now) || isClosed(now)) endAttempt();
      if (isPaid(now)) return Object.assign(result, { state: 'paid' });
      if (isClosed(now)) return Object.assign(result, { closed: true, message: '订单已关闭，请重新下单' });
      return result;
    }, () => result);
  });
}

// POST orders with this attempt's key. The order a retry gets back may be paid already (its answer was lost
// after the payment) or closed (unpaid too long): a closed one is left behind for a new order, once.
function createOrder(order, fresh) {
  return session
    .call({ url: config.api + 'orders', method: 'POST', data: order, header: { 'Idempotency-Key': attemptKey(order) } })
    .then((answer) => {
      if (!answer || !answer.orderId) throw new Error('no order in the answer');
      if (isPaid(answer.state)) return { orderId: answer.orderId, paid: true };
      if (answer.state && !isUnpaid(answer.state) && !fresh) {
        endAttempt();
        return createOrder(order, true);
      }
      return paymentFor(answer).then((payment) => ({ orderId: answer.orderId, payment }));
    });
}

// Creates the order (or reuses `kept`, an order created earlier whose payment was cancelled or failed, so a
// retry never makes a second order) and pays it. Resolves {state: 'paid'|'cancelled'|'failed'|'changed',
// orderId, payment, closed, message}.
function placeOrder(order, kept) {
  const created = kept && kept.orderId && kept.payment ? Promise.resolve(kept) : createOrder(order, false);
  return created.then(pay, refusal);
}

// Pays an unpaid order later (the orders page): the backend signs a new payment for it.
function payLater(orderId) {
  return paymentFor({ orderId }).then((payment) => pay({ orderId, payment }), refusal);
}

module.exports = { totals, couponDiscount, placeOrder, payLater, shippingFen, queryOrder, isPaid, isUnpaid, isClosed, attemptKey };

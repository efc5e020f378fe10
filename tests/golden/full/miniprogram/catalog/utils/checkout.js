// Checkout: the backend creates the order and signs the payment; the client only asks WeChat to pay.
const config = require('../../utils/commerce-config.js');
const session = require('../../utils/session.js');
const { request } = require('../../utils/request.js');

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

// Creates the order and pays it: resolves {state: 'paid'|'cancelled'|'failed', orderId, payment, message}.
// `kept` is an order created earlier whose payment was cancelled or failed: paying again reuses it, so a
// retry never creates a second order.
function placeOrder(order, kept) {
  const created = kept && kept.orderId && kept.payment
    ? Promise.resolve(kept)
    : session
      .ensure()
      .then((s) => request({ url: config.api + 'orders', method: 'POST', data: order, header: session.header(s) }));
  return created
    .then((answer) => {
      if (!answer || !answer.orderId || !answer.payment) {
        return { state: 'failed', message: '下单失败，请稍后重试' };
      }
      return requestPayment(answer.payment).then((state) => ({ state, orderId: answer.orderId, payment: answer.payment }));
    })
    .catch(() => ({ state: 'failed', message: '网络不太好，订单没有提交成功，请重试' }));
}

module.exports = { totals, placeOrder, shippingFen };

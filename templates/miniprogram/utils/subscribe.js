// Subscribe messages (订阅消息): ask for the shop's order templates in the pay tap (WeChat shows the sheet only
// for a tap, and only then can the "paid" message be sent), and tell the backend which ones were accepted
// (POST subscriptions) before the order is paid. Never in the way: a refusal or a failure just goes on.
const config = require('./commerce-config.js');
const session = require('./session.js');

function tell(res) {
  const templateIds = config.orderTemplateIds.filter((id) => res && res[id] === 'accept');
  if (!templateIds.length) return Promise.resolve();
  return session
    .call({ url: config.api + 'subscriptions', method: 'POST', data: { templateIds } })
    .then(() => undefined, () => undefined);
}

// Call synchronously in the tap's handler; resolves once the shopper answered (and the backend heard).
function ask() {
  if (!config.orderTemplateIds.length || !wx.requestSubscribeMessage) return Promise.resolve();
  return new Promise((resolve) => {
    wx.requestSubscribeMessage({
      tmplIds: config.orderTemplateIds,
      success: (res) => tell(res).then(resolve),
      fail: () => resolve()
    });
  });
}

module.exports = { ask };

// Opens a link planned by the generator: {kind: 'tab' | 'page', url}.
function open(link) {
  if (!link || !link.url) return;
  if (link.kind === 'tab') {
    wx.switchTab({ url: link.url });
    return;
  }
  wx.navigateTo({
    url: link.url,
    // WeChat keeps at most 10 pages on the stack; replace the current page when it is full.
    fail() {
      wx.redirectTo({ url: link.url });
    }
  });
}

module.exports = { open };

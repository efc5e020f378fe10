// Shows an external https page; its domain must be a business domain of the mini-program.
Page({
  data: { url: '' },
  onLoad(query) {
    const url = decodeURIComponent(query.url || '');
    if (url.indexOf('https://') === 0) this.setData({ url });
  }
});

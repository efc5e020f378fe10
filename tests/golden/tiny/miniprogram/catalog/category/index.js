// Category listing: tabs for every category, the chosen category's products below, a page of them at a
// time (more as the shopper scrolls down), from utils/catalog.js (this package or the catalog's server).
const catalog = require('../utils/catalog.js');
const nav = require('../../utils/nav.js');

Page({
  data: { categories: [], current: '', category: null, items: [], more: false, loading: true, failed: false },

  onLoad(query) {
    this.wanted = (query && query.id) || '';
    return this.start();
  },

  start() {
    this.setData({ loading: true, failed: false });
    return catalog.categories().then((categories) => {
      this.setData({ categories });
      const category = categories.find((c) => c.id === this.wanted) || categories[0];
      return category ? this.show(category) : this.setData({ loading: false });
    }).catch(() => this.setData({ loading: false, failed: true }));
  },

  show(category) {
    wx.setNavigationBarTitle({ title: category.name });
    this.pages = 0;
    this.setData({ current: category.id, category, items: [], more: false, loading: true, failed: false });
    return this.loadMore();
  },

  // The next page of the current category, appended (only the new rows travel to the view).
  loadMore() {
    const id = this.data.current;
    const n = this.pages;
    return catalog.listPage(id, n).then((page) => {
      if (this.data.current !== id || this.pages !== n) return; // switched, or loaded meanwhile
      this.pages = n + 1;
      const update = { more: page.more, loading: false };
      const start = this.data.items.length;
      page.items.forEach((item, i) => { update['items[' + (start + i) + ']'] = item; });
      this.setData(update);
    }).catch(() => {
      if (this.data.current === id) this.setData({ loading: false, failed: true });
    });
  },

  onReachBottom() {
    if (!this.data.more || this.data.loading) return null;
    this.setData({ loading: true });
    return this.loadMore();
  },

  onRetry() {
    if (!this.data.category) return this.start();
    this.setData({ loading: true, failed: false });
    return this.loadMore();
  },

  onSwitch(event) {
    const category = this.data.categories.find((c) => c.id === event.currentTarget.dataset.id);
    return category ? this.show(category) : null;
  },

  onOpen(event) {
    const item = this.data.items.find((p) => p.id === event.currentTarget.dataset.id);
    if (item) nav.open(item.link);
  },

  onShareAppMessage() {
    const category = this.data.category;
    return { title: category ? category.name : '', path: '/catalog/category/index?id=' + this.data.current };
  }
});

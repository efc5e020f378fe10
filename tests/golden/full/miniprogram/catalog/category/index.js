// Category listing: tabs for every category, the chosen category's products below.
const catalog = require('../data.js');
const nav = require('../../utils/nav.js');

function categoryById(id) {
  return catalog.categories.find((category) => category.id === id) || catalog.categories[0];
}

Page({
  data: { categories: catalog.categories, current: '', category: null, items: [] },

  onLoad(query) {
    this.show(categoryById(query.id || ''));
  },

  show(category) {
    wx.setNavigationBarTitle({ title: category.name });
    this.setData({
      current: category.id,
      category,
      items: category.productIds.map((id) => catalog.products[id])
    });
  },

  onSwitch(event) {
    this.show(categoryById(event.currentTarget.dataset.id));
  },

  onOpen(event) {
    const product = catalog.products[event.currentTarget.dataset.id];
    if (product) nav.open(product.link);
  },

  onShareAppMessage() {
    return { title: this.data.category.name, path: '/catalog/category/index?id=' + this.data.current };
  }
});

// Product detail: gallery, price, options, description and stock, from utils/catalog.js (this package or
// the catalog's server).
const catalog = require('../utils/catalog.js');
const { track } = require('../../utils/track.js');

function matchingSku(product, selected) {
  if (selected.indexOf('') !== -1) return null;
  return product.skus.find((sku) => product.options.every((option, i) => sku.options[option.name] === selected[i])) || null;
}

Page({
  data: { product: null, selected: [], priceText: '', stockText: '', stockState: '', state: 'loading' },

  onLoad(query) {
    this.productId = (query && query.id) || '';
    return this.load();
  },

  load() {
    this.setData({ state: 'loading' });
    return catalog.product(this.productId).then((product) => {
      if (product) this.show(product);
      else this.setData({ state: 'gone' });
    }).catch(() => this.setData({ state: 'failed' }));
  },

  onRetry() {
    return this.load();
  },

  show(product) {
    wx.setNavigationBarTitle({ title: product.name });
    track('product_view', { product_id: product.id, category: product.category });
    this.setData({
      product,
      selected: product.options.map(() => ''),
      priceText: product.priceText,
      stockText: product.stockText,
      stockState: product.stockState,
      state: 'shown'
    });
  },

  onChoose(event) {
    const { option, value } = event.currentTarget.dataset;
    const product = this.data.product;
    const selected = this.data.selected.slice();
    selected[option] = selected[option] === value ? '' : value;
    const sku = matchingSku(product, selected);
    const update = { selected, priceText: product.priceText, stockText: product.stockText, stockState: product.stockState };
    if (sku) {
      update.priceText = sku.priceText;
      if (sku.stock === 0) {
        update.stockText = '该款已售罄';
        update.stockState = 'out';
      } else if (sku.stock > 0) {
        update.stockText = sku.stock <= 5 ? '仅剩 ' + sku.stock + ' 件' : '有货';
        update.stockState = sku.stock <= 5 ? 'low' : 'in';
      }
    }
    this.setData(update);
  },

  onShareAppMessage() {
    const product = this.data.product;
    if (!product) return {};
    track('share', { page: 'product/' + product.id });
    let path = '/catalog/product/index?id=' + product.id;
    return { title: product.name, path, imageUrl: product.image };
  }
});

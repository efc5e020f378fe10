// Product detail: gallery, price, options, description and stock, from utils/catalog.js (this package or
// the catalog's server).
const catalog = require('../../utils/catalog.js');
const { track } = require('../../utils/track.js');
[% if commerce %]
const cart = require('../../utils/cart.js');
const session = require('../../utils/session.js');
[% endif %]

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

[% if commerce %]
  onShow() {
    this.setData({ cartCount: cart.count(cart.load()) });
  },

  // The product and options to put in the cart (the cart takes name, price and stock from the catalog),
  // or null (with a hint) while an option is still unchosen.
  chosenLine() {
    const product = this.data.product;
    const missing = product.options.find((option, i) => !this.data.selected[i]);
    if (missing) {
      wx.showToast({ title: '请选择' + missing.name, icon: 'none' });
      return null;
    }
    const options = {};
    product.options.forEach((option, i) => { options[option.name] = this.data.selected[i]; });
    return { productId: product.id, options };
  },

  onAddToCart() {
    const line = this.chosenLine();
    if (!line) return null;
    const result = cart.add(line.productId, line.options, 1);
    if (result.added) track('add_to_cart', { product_id: line.productId, quantity: result.added });
    wx.showToast({ title: result.limited ? '库存不足' : '已加入购物车', icon: result.limited ? 'none' : 'success' });
    this.setData({ cartCount: cart.count(result.lines) });
    return result;
  },

  onBuyNow() {
    const line = this.chosenLine();
    if (!line) return;
    const result = cart.add(line.productId, line.options, 1);
    if (!result.added && result.limited && !result.lines.some((l) => l.key === cart.lineKey(line.productId, line.options))) {
      wx.showToast({ title: '库存不足', icon: 'none' });
      return;
    }
    wx.navigateTo({ url: '/catalog/checkout/index?line=' + encodeURIComponent(cart.lineKey(line.productId, line.options)) });
  },

  onCart() {
    wx.navigateTo({ url: '/catalog/cart/index' });
  },

[% endif %]
  onShareAppMessage() {
    const product = this.data.product;
    if (!product) return {};
    track('share', { page: 'product/' + product.id });
    let path = '/catalog/product/index?id=' + product.id;
[% if commerce %]
    const me = session.current();
    if (me && me.ref) path += '&inviter=' + encodeURIComponent(me.ref);
[% endif %]
    return { title: product.name, path, imageUrl: product.image };
  }
});

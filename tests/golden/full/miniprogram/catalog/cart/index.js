// The cart page (built with Component() so tests can render it): quantities within stock, totals in fen,
// names and prices from this release's catalog, and a notice when lines had to go (product removed,
// option no longer offered, sold out).
const cart = require('../utils/cart.js');
const config = require('../../utils/commerce-config.js');
const { yuan } = require('../../utils/money.js');

function view(lines) {
  return {
    lines: lines.map((line) => Object.assign({}, line, {
      priceText: yuan(line.priceFen),
      optionText: Object.keys(line.options || {}).map((k) => line.options[k]).join(' / '),
      atLimit: line.quantity >= cart.limitOf(line)
    })),
    subtotalText: yuan(cart.subtotalFen(lines)),
    count: cart.count(lines)
  };
}

Component({
  options: { addGlobalClass: true },
  data: { lines: [], subtotalText: '¥0.00', count: 0, notice: '' },
  methods: {
    onShow() {
      this.refresh();
    },
    onLoad() {
      this.refresh();
    },
    // What the cart holds as far as the catalog is known now, then once it has said what it holds today.
    refresh() {
      this.show(cart.load());
      return cart.sync().then((lines) => this.show(lines));
    },
    show(lines) {
      const update = view(lines);
      const removed = cart.takeRemoved();
      if (removed) update.notice = '有 ' + removed + ' 种商品已下架或售罄，已从购物车移除';
      this.setData(update);
    },
    onStep(event) {
      const { key, delta } = event.currentTarget.dataset;
      const line = this.data.lines.find((l) => l.key === key);
      if (!line) return;
      const result = cart.setQuantity(key, line.quantity + Number(delta));
      if (result.limited) wx.showToast({ title: '库存不足', icon: 'none' });
      this.setData(view(result.lines));
    },
    onCheckout() {
      wx.navigateTo({ url: '/catalog/checkout/index' });
    },
    onShop() {
      wx.navigateBack({ fail: () => wx.reLaunch({ url: '/' + config.home }) });
    }
  }
});

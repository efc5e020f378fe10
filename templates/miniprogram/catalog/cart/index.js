// The cart page (built with Component() so tests can render it): quantities within stock, totals in fen.
const cart = require('../../utils/cart.js');
const config = require('../../utils/commerce-config.js');
const { yuan } = require('../../utils/money.js');

function view(lines) {
  return {
    lines: lines.map((line) => Object.assign({}, line, {
      priceText: yuan(line.priceFen),
      optionText: Object.keys(line.options || {}).map((k) => line.options[k]).join(' / '),
      atLimit: line.quantity >= (line.stock >= 0 ? Math.min(line.stock, config.maxQuantity) : config.maxQuantity)
    })),
    subtotalText: yuan(cart.subtotalFen(lines)),
    count: cart.count(lines)
  };
}

Component({
  options: { addGlobalClass: true },
  data: { lines: [], subtotalText: '¥0.00', count: 0 },
  methods: {
    onShow() {
      this.setData(view(cart.load()));
    },
    onLoad() {
      this.setData(view(cart.load()));
    },
    onStep(event) {
      const { key, delta } = event.currentTarget.dataset;
      const line = this.data.lines.find((l) => l.key === key);
      if (!line) return;
      const result = cart.setQuantity(key, line.quantity + Number(delta), config.maxQuantity);
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

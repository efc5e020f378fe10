// After a successful payment: the order number, and the way to the order list or back to the shop.
const config = require('../../utils/commerce-config.js');

Page({
  data: { orderId: '' },
  onLoad(query) {
    this.setData({ orderId: decodeURIComponent(query.order || '') });
    if (config.orderTemplateIds.length && wx.requestSubscribeMessage) {
      wx.requestSubscribeMessage({ tmplIds: config.orderTemplateIds, fail() {} });
    }
  },
  onOrders() {
    wx.redirectTo({ url: '/catalog/orders/index' });
  },
  onHome() {
    wx.reLaunch({ url: '/' + config.home });
  }
});

// Page "home". Its text lives in `data` (JSON), shown through {{ }} bindings only.
const { track } = require('../../utils/track.js');

Page({
  data: {"blocks":[{"link":{"kind":"tab","url":"/pages/menu/index"},"text":"周一至周五 8:00 营业","type":"notice"},{"items":[{"id":"latte","image":"/assets/img/cup-b31e6a63b3.png","name":"拿铁","originalPriceText":"¥25.00","priceText":"¥19.90"},{"id":"americano","name":"美式","priceText":"¥15.00"}],"layout":"grid","more":{"kind":"page","url":"/catalog/category/index?id=coffee"},"title":"今日推荐","type":"products"},{"link":{"kind":"tab","url":"/pages/menu/index"},"style":"primary","text":"看看菜单","type":"button"}],"sharePath":"/pages/home/index","shareTitle":"小杯咖啡","title":"首页"},

  onShow() {
    track('page_view', { page: 'home' });
  },

  onShareAppMessage() {
    track('share', { page: 'home' });
    return { title: this.data.shareTitle, path: this.data.sharePath };
  }
});

// Page "menu". Its text lives in `data` (JSON), shown through {{ }} bindings only.
const { track } = require('../../utils/track.js');

Page({
  data: {"blocks":[{"items":[{"id":"coffee","image":"","initial":"咖","link":{"kind":"page","url":"/catalog/category/index?id=coffee"},"name":"咖啡"}],"layout":"grid","title":"","type":"categories"},{"link":{"kind":"page","url":"/pages/webview/index?url=https%3A%2F%2Fexample.com%2Fabout%3Fa%3D1%26b%3D2"},"style":"secondary","text":"官网","type":"button"},{"items":[{"link":{"kind":"page","url":"/more/feedback/index"},"title":"反馈"}],"type":"links"}],"sharePath":"/pages/menu/index","shareTitle":"菜单","title":"菜单"},

  onShow() {
    track('page_view', { page: 'menu' });
  },

  onShareAppMessage() {
    track('share', { page: 'menu' });
    return { title: this.data.shareTitle, path: this.data.sharePath };
  }
});

// What every content page does, in one place: its planned data, page_view on show, and sharing.
const { track } = require('./track.js');

module.exports = function contentPage(id, data) {
  const page = {
    data,
    onShow() {
      track('page_view', { page: id });
    }
  };
  if (data.sharePath) {
    page.onShareAppMessage = function () {
      track('share', { page: id });
      return { title: this.data.shareTitle, path: this.data.sharePath };
    };
  }
  return page;
};

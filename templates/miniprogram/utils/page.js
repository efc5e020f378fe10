// What every content page does, in one place: its planned data, page_view on show, and sharing.
const { track } = require('./track.js');
[% if commerce %]
const session = require('./session.js');
[% endif %]

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
[% if commerce %]
      // the inviter's id travels with the share, so friends who register through it count for the inviter
      const me = session.current();
      const path = this.data.sharePath + (me && me.ref ? '?inviter=' + encodeURIComponent(me.ref) : '');
      return { title: this.data.shareTitle, path };
[% else %]
      return { title: this.data.shareTitle, path: this.data.sharePath };
[% endif %]
    };
  }
  return page;
};

// Page "[[ page_id ]]". Its text lives in `data` (JSON), shown through {{ }} bindings only.
const { track } = require('../../utils/track.js');
[% if commerce %]
const session = require('../../utils/session.js');
[% endif %]

Page({
  data: [[ data | js ]],

  onShow() {
    track('page_view', { page: '[[ page_id ]]' });
  },

[% if share %]
  onShareAppMessage() {
    track('share', { page: '[[ page_id ]]' });
[% if commerce %]
    // the inviter's id travels with the share, so friends who register through it count for the inviter
    const me = session.current();
    const path = this.data.sharePath + (me && me.openid ? '?inviter=' + encodeURIComponent(me.openid) : '');
    return { title: this.data.shareTitle, path };
[% else %]
    return { title: this.data.shareTitle, path: this.data.sharePath };
[% endif %]
  }
[% endif %]
});

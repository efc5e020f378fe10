// Page "[[ page_id ]]". Its text lives in `data` (JSON), shown through {{ }} bindings only.
const { track } = require('../../utils/track.js');

Page({
  data: [[ data | js ]],

  onShow() {
    track('page_view', { page: '[[ page_id ]]' });
  },

[% if share %]
  onShareAppMessage() {
    track('share', { page: '[[ page_id ]]' });
    return { title: this.data.shareTitle, path: this.data.sharePath };
  }
[% endif %]
});

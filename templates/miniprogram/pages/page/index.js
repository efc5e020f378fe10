// Page "[[ page_id ]]". Its text lives in `data` (JSON), shown through {{ }} bindings only.
Page({
  data: [[ data | js ]],

[% if share %]
  onShareAppMessage() {
    return { title: this.data.shareTitle, path: this.data.sharePath };
  }
[% endif %]
});

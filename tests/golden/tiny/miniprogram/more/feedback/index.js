// Page "feedback". Its text lives in `data` (JSON), shown through {{ }} bindings only.
const { track } = require('../../utils/track.js');

Page({
  data: {"blocks":[{"endpoint":"https://example.com/api/feedback","errorMessage":"提交失败，请稍后重试","fields":[{"inputType":"number","label":"手机","maxLength":200,"name":"tel","options":[],"placeholder":"","required":true,"type":"tel"},{"inputType":"text","label":"类型","maxLength":200,"name":"kind","options":["建议","投诉"],"placeholder":"","required":false,"type":"select"}],"privacyLink":null,"privacyNotice":"","submitText":"提交","successMessage":"提交成功，我们会尽快联系您","title":"","type":"form"}],"sharePath":"/more/feedback/index","shareTitle":"反馈","title":"反馈"},

  onShow() {
    track('page_view', { page: 'feedback' });
  },

  onShareAppMessage() {
    track('share', { page: 'feedback' });
    return { title: this.data.shareTitle, path: this.data.sharePath };
  }
});

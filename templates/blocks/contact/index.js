const block = require('../../utils/block-behavior.js');

Component({
  options: { addGlobalClass: true },
  behaviors: [block],
  methods: {
    onWorkWeixin() {
      const { workWeixinCorpId, workWeixinUrl } = this.data.block;
      wx.openCustomerServiceChat({
        extInfo: { url: workWeixinUrl },
        corpId: workWeixinCorpId,
        fail() {
          wx.showToast({ title: '客服暂时无法打开，请稍后再试', icon: 'none' });
        }
      });
    },
    onCall() {
      wx.makePhoneCall({ phoneNumber: this.data.block.phone, fail() {} });
    }
  }
});

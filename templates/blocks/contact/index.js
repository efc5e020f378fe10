const block = require('../../utils/block-behavior.js');

Component({
  options: { addGlobalClass: true },
  behaviors: [block],
  methods: {
    onCall() {
      wx.makePhoneCall({ phoneNumber: this.data.block.phone, fail() {} });
    }
  }
});

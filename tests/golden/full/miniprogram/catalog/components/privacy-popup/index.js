// WeChat's privacy check (__usePrivacyCheck__): before a privacy API (wx.chooseAddress) runs, ask for
// consent with WeChat's agree button, and tell WeChat the answer.
Component({
  options: { addGlobalClass: true },
  data: { visible: false },
  lifetimes: {
    attached() {
      if (!wx.onNeedPrivacyAuthorization) return;
      wx.onNeedPrivacyAuthorization((resolve) => {
        this.resolve = resolve;
        this.setData({ visible: true });
      });
    }
  },
  methods: {
    onAgree() {
      if (this.resolve) this.resolve({ buttonId: 'agree-privacy', event: 'agree' });
      this.resolve = null;
      this.setData({ visible: false });
    },
    onDecline() {
      if (this.resolve) this.resolve({ event: 'disagree' });
      this.resolve = null;
      this.setData({ visible: false });
    },
    onContract() {
      if (wx.openPrivacyContract) wx.openPrivacyContract({ fail() {} });
    }
  }
});

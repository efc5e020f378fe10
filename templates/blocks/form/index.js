// A form block: checks the fields, shows loading while posting, then a clear success or error state.
const block = require('../../utils/block-behavior.js');
const nav = require('../../utils/nav.js');

const PHONE = /^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function fieldError(field, raw) {
  const value = (raw || '').trim();
  if (!value) return field.required ? '请填写' + field.label : '';
  if (value.length > field.maxLength) return field.label + '最多 ' + field.maxLength + ' 个字';
  if (field.type === 'tel' && !PHONE.test(value)) return '请输入正确的电话号码';
  if (field.type === 'email' && !EMAIL.test(value)) return '请输入正确的邮箱地址';
  if (field.type === 'number' && isNaN(Number(value))) return field.label + '需要是数字';
  return '';
}

Component({
  options: { addGlobalClass: true },
  behaviors: [block],
  data: { values: {}, errors: {}, submitting: false, status: '' },
  methods: {
    onInput(event) {
      const name = event.currentTarget.dataset.name;
      this.setData({ ['values.' + name]: event.detail.value, ['errors.' + name]: '', status: '' });
    },
    onPick(event) {
      const field = this.data.block.fields[event.currentTarget.dataset.index];
      const value = field.options[Number(event.detail.value)];
      this.setData({ ['values.' + field.name]: value, ['errors.' + field.name]: '', status: '' });
    },
    validate() {
      const errors = {};
      let first = '';
      this.data.block.fields.forEach((field) => {
        const message = fieldError(field, this.data.values[field.name]);
        if (message) {
          errors[field.name] = message;
          if (!first) first = message;
        }
      });
      this.setData({ errors });
      return first;
    },
    onSubmit() {
      if (this.data.submitting) return;
      const problem = this.validate();
      if (problem) {
        wx.showToast({ title: problem, icon: 'none' });
        return;
      }
      const payload = {};
      this.data.block.fields.forEach((field) => {
        payload[field.name] = (this.data.values[field.name] || '').trim();
      });
      this.setData({ submitting: true, status: '' });
      wx.request({
        url: this.data.block.endpoint,
        method: 'POST',
        data: payload,
        header: { 'content-type': 'application/json' },
        timeout: 15000,
        success: (res) => {
          const ok = res.statusCode >= 200 && res.statusCode < 300;
          this.finish(ok);
        },
        fail: () => this.finish(false)
      });
    },
    finish(ok) {
      this.setData({ submitting: false, status: ok ? 'success' : 'error' });
      wx.showToast({ title: ok ? '提交成功' : '提交失败', icon: ok ? 'success' : 'error' });
      this.triggerEvent(ok ? 'submitted' : 'failed');
    },
    onPrivacy() {
      nav.open(this.data.block.privacyLink);
    },
    onReset() {
      this.setData({ values: {}, errors: {}, status: '' });
    }
  }
});

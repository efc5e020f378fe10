// Invites: the page is shared with the inviter's id (see the page's onShareAppMessage); the backend counts
// friends who register through it (GET invites) and grants the reward. Sharing itself earns nothing.
const block = require('../../utils/block-behavior.js');
const config = require('../../utils/commerce-config.js');
const session = require('../../utils/session.js');
const { request } = require('../../utils/request.js');

Component({
  options: { addGlobalClass: true },
  behaviors: [block],
  data: { registered: 0 },
  lifetimes: {
    attached() {
      session
        .ensure()
        .then((s) => request({ url: config.api + 'invites', header: session.header(s) }))
        .then((answer) => this.setData({ registered: (answer && answer.registered) || 0 }))
        .catch(() => {});
    }
  }
});

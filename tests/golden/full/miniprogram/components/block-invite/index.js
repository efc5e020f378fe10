// Invites: the page is shared with the inviter's id (see the page's onShareAppMessage); the backend counts
// friends who register through it (GET invites) and grants the reward. Sharing itself earns nothing.
const block = require('../../utils/block-behavior.js');
const config = require('../../utils/commerce-config.js');
const session = require('../../utils/session.js');
const { request } = require('../../utils/request.js');

// What the count means: how many more friends the next reward needs, or that the rewards are all earned.
function progressText(answer) {
  const friends = answer.friends || 1;
  const earned = (answer.rewards || []).length;
  if (earned >= (answer.times || 1)) return '，奖励已全部发放';
  const more = friends - ((answer.registered || 0) % friends);
  return (earned ? '，已获得 ' + earned + ' 次奖励' : '') + '，再邀请 ' + more + ' 位可获得奖励';
}

Component({
  options: { addGlobalClass: true },
  behaviors: [block],
  data: { registered: 0, progress: '' },
  lifetimes: {
    attached() {
      session
        .ensure()
        .then((s) => request({ url: config.api + 'invites', header: session.header(s) }))
        .then((answer) => {
          if (!answer) return;
          this.setData({ registered: answer.registered || 0, progress: progressText(answer) });
        })
        .catch(() => {});
    }
  }
});

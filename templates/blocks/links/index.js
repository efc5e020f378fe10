const block = require('../../utils/block-behavior.js');

Component({
  options: { addGlobalClass: true },
  behaviors: [block]
});

// Product cards carry no link to their own product page: a tap opens it from the card's id.
const block = require('../../utils/block-behavior.js');
const nav = require('../../utils/nav.js');

Component({
  options: { addGlobalClass: true },
  behaviors: [block],
  methods: {
    onTap(event) {
      const item = this.data.block.items[event.currentTarget.dataset.index];
      if (item) nav.open(item.link || { kind: 'page', url: [[ product_url | js ]] + item.id });
    }
  }
});

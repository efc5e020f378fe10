// What every block component shares: the `block` property (planned data) and tap-to-open links.
const nav = require('./nav.js');

module.exports = Behavior({
  properties: { block: { type: Object, value: {} } },
  methods: {
    // A tap on an element with data-index opens that item's link, otherwise the block's own link.
    onTap(event) {
      const block = this.data.block;
      const index = event.currentTarget.dataset.index;
      const list = block.items || block.slides;
      if (index !== undefined && list) {
        const item = list[index];
        if (item) nav.open(item.link);
        return;
      }
      nav.open(block.link);
    },
    onMore() {
      nav.open(this.data.block.more);
    }
  }
});

// The cart, kept in storage so it survives restarts and new releases. Storage holds only what the shopper
// chose: product id, options and quantity. Name, image, price and stock come from this release's catalog
// on every load, so a new price or photo shows at once, and a line whose product or option is gone (or
// sold out) leaves the cart; the cart page tells the shopper how many (takeRemoved). A catalog fetched from
// a server (utils/catalog.js) remembers the cart's products, and sync() asks it for their news.
const catalog = require('./catalog.js');
const config = require('../../utils/commerce-config.js');

const KEY = 'mpgen-cart';
const REMOVED_KEY = 'mpgen-cart-removed';
const has = (object, key) => Object.prototype.hasOwnProperty.call(object, key);

function lineKey(productId, options) {
  return productId + '|' + Object.keys(options || {}).sort().map((k) => k + '=' + options[k]).join('&');
}

// Most units a line may hold: the stock when it is tracked (stock < 0: untracked), and the site's cap.
function limitOf(line) {
  return line.stock >= 0 ? Math.min(line.stock, config.maxQuantity) : config.maxQuantity;
}

// What the catalog says of a product with these options now (quantity 0), or null when the product is
// gone or the options are not exactly one current value of each of its options; undefined while a
// fetched catalog does not know the product yet.
function describe(productId, options) {
  const product = typeof productId === 'string' ? catalog.known(productId) : null;
  if (product === undefined) return undefined;
  if (!product || !options || typeof options !== 'object') return null;
  const chosen = Object.keys(options);
  const valid = chosen.length === product.options.length &&
    product.options.every((o) => has(options, o.name) && o.values.indexOf(options[o.name]) !== -1);
  if (!valid) return null;
  const sku = product.skus.find((s) => product.options.every((o) => s.options[o.name] === options[o.name]));
  const stock = sku ? sku.stock : product.stock;
  return {
    key: lineKey(productId, options),
    productId,
    options: Object.assign({}, options),
    quantity: 0,
    name: product.name,
    category: product.category,
    image: product.image,
    priceFen: sku ? sku.priceFen : product.priceFen,
    stock: typeof stock === 'number' ? stock : -1
  };
}

// What storage keeps of a line: the shopper's choice only.
function stored(l) {
  return { key: l.key, productId: l.productId, options: l.options, quantity: l.quantity };
}

// Stores the shown lines, and the lines loads had to keep without showing (see load).
function save(lines) {
  const saved = wx.getStorageSync(KEY);
  const pending = (Array.isArray(saved) ? saved : []).filter((entry) =>
    entry && describe(entry.productId, entry.options) === undefined && !lines.some((l) => l.key === entry.key));
  wx.setStorageSync(KEY, lines.map(stored).concat(pending));
  return lines;
}

// The cart as this release shows it. Lines it can no longer sell are dropped from storage and counted.
function load() {
  const saved = wx.getStorageSync(KEY);
  const entries = Array.isArray(saved) ? saved : [];
  const lines = [];
  const pending = []; // lines of products a fetched catalog has not told about yet: kept, not shown
  entries.forEach((entry) => {
    const line = entry && describe(entry.productId, entry.options);
    if (line === undefined) {
      pending.push(entry);
      return;
    }
    if (!line || lines.some((l) => l.key === line.key)) return;
    line.quantity = Math.min(limitOf(line), Math.floor(Number(entry.quantity) || 0));
    if (line.quantity > 0) lines.push(line);
  });
  const removed = entries.length - lines.length - pending.length;
  const keep = lines.map(stored).concat(pending);
  if (JSON.stringify(entries) !== JSON.stringify(keep)) wx.setStorageSync(KEY, keep); // dropped, clamped or older form
  if (removed) wx.setStorageSync(REMOVED_KEY, (Number(wx.getStorageSync(REMOVED_KEY)) || 0) + removed);
  return lines;
}

// How many lines loads dropped since the last call (for a notice), and forgets them.
function takeRemoved() {
  const removed = Number(wx.getStorageSync(REMOVED_KEY)) || 0;
  if (removed) wx.removeStorageSync(REMOVED_KEY);
  return removed;
}

// Adds `quantity` of a product with options; returns {lines, added, limited} (limited: the stock or cap
// stopped it).
function add(productId, options, quantity) {
  const lines = load();
  const fresh = describe(productId, options);
  if (!fresh) return { lines, added: 0, limited: false };
  let line = lines.find((l) => l.key === fresh.key);
  if (!line) {
    line = fresh;
    lines.push(line);
  }
  const before = line.quantity;
  line.quantity = Math.min(limitOf(line), before + quantity);
  const added = line.quantity - before;
  if (added) catalog.remember(productId);
  const kept = save(lines.filter((l) => l.quantity > 0));
  return { lines: kept, added, limited: added < quantity };
}

function setQuantity(key, quantity) {
  const lines = load();
  const line = lines.find((l) => l.key === key);
  if (!line) return { lines, limited: false };
  const limit = limitOf(line);
  line.quantity = Math.max(0, Math.min(limit, Math.floor(quantity)));
  const kept = save(lines.filter((l) => l.quantity > 0));
  return { lines: kept, limited: quantity > limit };
}

function remove(key) {
  return save(load().filter((l) => l.key !== key));
}

function clear() {
  return save([]);
}

function subtotalFen(lines) {
  return lines.reduce((sum, l) => sum + l.priceFen * l.quantity, 0);
}

function count(lines) {
  return lines.reduce((sum, l) => sum + l.quantity, 0);
}

// The cart once the catalog has said what it holds now (a fetched catalog is asked for the cart's products;
// the packaged one knows already): a Promise of load()'s lines. A failed fetch leaves what is known.
function sync() {
  const saved = wx.getStorageSync(KEY);
  const ids = (Array.isArray(saved) ? saved : []).map((e) => e && e.productId).filter((id) => typeof id === 'string');
  if (!catalog.remote || !ids.length) return Promise.resolve(load());
  return catalog.products(ids.filter((id, i) => ids.indexOf(id) === i)).then(load, load);
}

module.exports = { sync, load, add, setQuantity, remove, clear, subtotalFen, count, lineKey, limitOf, takeRemoved };

// The cart, kept in storage so it survives restarts. Lines are keyed by product and chosen options.
const KEY = 'mpgen-cart';

function load() {
  const saved = wx.getStorageSync(KEY);
  return Array.isArray(saved) ? saved : [];
}

function save(lines) {
  wx.setStorageSync(KEY, lines);
  return lines;
}

function lineKey(productId, options) {
  return productId + '|' + Object.keys(options || {}).sort().map((k) => k + '=' + options[k]).join('&');
}

// Most units a line may hold: the stock when it is tracked (stock < 0: untracked), and the site's cap.
function limitOf(line, maxQuantity) {
  return line.stock >= 0 ? Math.min(line.stock, maxQuantity) : maxQuantity;
}

// Adds `quantity` of an item; returns {lines, added, limited} (limited: the stock or cap stopped it).
function add(item, quantity, maxQuantity) {
  const lines = load();
  const key = lineKey(item.productId, item.options);
  let line = lines.find((l) => l.key === key);
  if (!line) {
    line = Object.assign({ key, quantity: 0 }, item);
    lines.push(line);
  }
  const limit = limitOf(line, maxQuantity);
  const before = line.quantity;
  line.quantity = Math.min(limit, before + quantity);
  const added = line.quantity - before;
  const kept = lines.filter((l) => l.quantity > 0);
  save(kept);
  return { lines: kept, added, limited: added < quantity };
}

function setQuantity(key, quantity, maxQuantity) {
  const lines = load();
  const line = lines.find((l) => l.key === key);
  if (!line) return { lines, limited: false };
  const limit = limitOf(line, maxQuantity);
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

module.exports = { load, add, setQuantity, remove, clear, subtotalFen, count, lineKey };

[% if remote %]
// The catalog, fetched as the shopper browses from [[ base ]] (JSON the build wrote; see the build's
// report for where it is served from). index.json (cached for a minute by the server) lists the
// categories and the content-hashed names of their listing pages and of the product buckets; a product's
// bucket follows from its id (FNV-1a, the same function the build used), so a product page needs
// one small file. A name that is gone (a newer build replaced it) makes the index load again, once.
// The products the cart holds are remembered in storage, so the cart shows them at once on the next
// launch; sync() brings them up to date.
const { request } = require('./request.js');

const BASE = [[ base | js ]];
const PRODUCT_URL = [[ product_url | js ]];
const KNOWN_KEY = 'mpgen-catalog-known';
const KEEP = 100; // products remembered for the cart
const has = (object, key) => Object.prototype.hasOwnProperty.call(object, key);

let indexLoad = null;
const fetched = {}; // id -> product (or null: not in the catalog), this launch
const buckets = {}; // bucket file name -> Promise of its products by id
const remembered = loadRemembered();

function loadRemembered() {
  const saved = wx.getStorageSync(KNOWN_KEY);
  return saved && typeof saved === 'object' && !Array.isArray(saved) ? saved : {};
}

function bucketOf(id, count) {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % count;
}

function unpack(packed) {
  const rows = (packed && packed.rows) || [];
  const fields = (packed && packed.fields) || [];
  return rows.map((row) => {
    const item = {};
    fields.forEach((field, i) => { item[field] = row[i]; });
    item.link = { kind: 'page', url: PRODUCT_URL + item.id };
    return item;
  });
}

function index(fresh) {
  if (!indexLoad || fresh) {
    indexLoad = request({ url: BASE + 'index.json' + (fresh ? '?t=' + Date.now() : '') }).then((answer) => {
      if (!answer || !Array.isArray(answer.categories) || !Array.isArray(answer.buckets)) {
        throw new Error('the catalog index is not one this release reads');
      }
      return answer;
    });
    indexLoad.catch(() => { indexLoad = null; }); // the next call tries again
  }
  return indexLoad;
}

// Fetches the file `nameOf(index)` names; when it is gone (404: a newer build), with a fresh index once.
function load(nameOf) {
  const attempt = (idx) => request({ url: BASE + nameOf(idx) });
  return index().then((idx) => attempt(idx).catch((err) => {
    if (err.statusCode !== 404) throw err;
    return index(true).then(attempt);
  }));
}

function categories() {
  return index().then((idx) => idx.categories);
}

// Page n (from 0) of a category's listing: {items, more}.
function listPage(categoryId, n) {
  return index().then((idx) => {
    const position = idx.categories.findIndex((c) => c.id === categoryId);
    const category = idx.categories[position];
    if (!category || n >= category.pages.length) return { items: [], more: false };
    return load((fresh) => {
      const i = fresh.categories.findIndex((c) => c.id === categoryId);
      return 'list/' + i + '-' + n + '.' + fresh.categories[i].pages[n] + '.json';
    }).then((packed) => ({ items: unpack(packed), more: n + 1 < category.pages.length }));
  });
}

function bucket(idx, id) {
  const b = bucketOf(id, idx.buckets.length);
  const name = 'product/' + b + '.' + idx.buckets[b] + '.json';
  if (!buckets[name]) {
    buckets[name] = load((fresh) => 'product/' + b + '.' + fresh.buckets[bucketOf(id, fresh.buckets.length)] + '.json')
      .then((packed) => {
        const byId = {};
        unpack(packed).forEach((p) => { byId[p.id] = p; });
        return byId;
      });
    buckets[name].catch(() => { delete buckets[name]; });
  }
  return buckets[name];
}

// The products with these ids: {id: product or null (not in the catalog)}; remembered ones are updated.
function products(ids) {
  return index().then((idx) => Promise.all(ids.map((id) => bucket(idx, id)))).then((found) => {
    const out = {};
    ids.forEach((id, i) => {
      const product = has(found[i], id) ? found[i][id] : null;
      fetched[id] = product;
      out[id] = product;
      if (has(remembered, id)) {
        if (product) remembered[id] = product;
        else delete remembered[id];
      }
    });
    wx.setStorageSync(KNOWN_KEY, remembered);
    return out;
  });
}

function product(id) {
  return products([id]).then((found) => found[id]);
}

// What is known of a product now, without waiting: the product, null when the catalog has no such
// product, undefined when it has not been fetched (nor remembered) yet.
function known(id) {
  if (has(fetched, id)) return fetched[id];
  return has(remembered, id) ? remembered[id] : undefined;
}

// Keeps a product in storage while the cart holds it (the oldest go first past KEEP).
function remember(id) {
  const current = known(id);
  if (!current) return;
  delete remembered[id];
  remembered[id] = current;
  const ids = Object.keys(remembered);
  ids.slice(0, Math.max(0, ids.length - KEEP)).forEach((old) => { delete remembered[old]; });
  wx.setStorageSync(KNOWN_KEY, remembered);
}

module.exports = { remote: true, categories, listPage, product, products, known, remember, bucketOf };
[% else %]
// The catalog from this package (catalog/data.js), behind the same calls as a catalog fetched from a
// server: categories(), listPage() and product() answer promises, known() answers at once.
const data = require('../catalog/data.js');

const PAGE_SIZE = [[ page_size ]];
const has = (object, key) => Object.prototype.hasOwnProperty.call(object, key);
const categoryList = data.categories.map((c) => ({
  id: c.id, name: c.name, description: c.description, count: c.productIds.length
}));

function categories() {
  return Promise.resolve(categoryList);
}

// Page n (from 0) of a category's listing: {items, more}.
function listPage(categoryId, n) {
  const category = data.categories.find((c) => c.id === categoryId);
  const ids = category ? category.productIds : [];
  const items = ids.slice(n * PAGE_SIZE, (n + 1) * PAGE_SIZE).map((id) => data.products[id]);
  return Promise.resolve({ items, more: (n + 1) * PAGE_SIZE < ids.length });
}

function known(id) {
  return typeof id === 'string' && has(data.products, id) ? data.products[id] : null;
}

function product(id) {
  return Promise.resolve(known(id));
}

function products(ids) {
  const out = {};
  ids.forEach((id) => { out[id] = known(id); });
  return Promise.resolve(out);
}

function remember() {}

module.exports = { remote: false, categories, listPage, product, products, known, remember };
[% endif %]

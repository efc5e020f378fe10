// The catalog from this package (catalog/data.js), behind the same calls as a catalog fetched from a
// server: categories(), listPage() and product() answer promises, known() answers at once.
const data = require('../data.js');

const PAGE_SIZE = 40;
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

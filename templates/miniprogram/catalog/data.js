// The catalog as data: categories and products. Generated from the site spec; do not edit.
// Products travel as rows under one list of field names (half the bytes), unpacked here on load.
var packed = [[ packed | js ]];
var idColumn = packed.fields.indexOf('id');
var products = {};
packed.rows.forEach(function (row) {
  var product = { link: { kind: 'page', url: [[ product_url | js ]] + row[idColumn] } };
  packed.fields.forEach(function (field, i) {
    product[field] = row[i];
  });
  products[product.id] = product;
});
module.exports = { categories: packed.categories, products: products };

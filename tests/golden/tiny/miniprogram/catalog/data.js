// The catalog as data: categories and products. Generated from the site spec; do not edit.
// Products travel as rows under one list of field names (half the bytes), unpacked here on load.
var packed = {"categories":[{"description":"","id":"coffee","image":"","initial":"咖","link":{"kind":"page","url":"/catalog/category/index?id=coffee"},"name":"咖啡","productIds":["latte","americano"]}],"fields":["category","categoryName","id","image","images","name","options","originalPriceText","paragraphs","priceFen","priceText","skus","soldOut","stock","stockState","stockText","tags"],"rows":[["coffee","咖啡","latte","/catalog/img/cup-b31e6a63b3.png",["/catalog/img/cup-b31e6a63b3.png"],"拿铁",[{"name":"温度","values":["热","冰"]}],"¥25.00",[],1990,"¥19.90",[{"options":{"温度":"热"},"priceFen":1990,"priceText":"¥19.90","stock":10},{"options":{"温度":"冰"},"priceFen":2100,"priceText":"¥21.00","stock":0}],false,-1,"in","有货",[]],["coffee","咖啡","americano","",[],"美式",[],"",[],1500,"¥15.00",[],false,3,"low","仅剩 3 件",[]]]};
var idColumn = packed.fields.indexOf('id');
var products = {};
packed.rows.forEach(function (row) {
  var product = { link: { kind: 'page', url: "/catalog/product/index?id=" + row[idColumn] } };
  packed.fields.forEach(function (field, i) {
    product[field] = row[i];
  });
  products[product.id] = product;
});
module.exports = { categories: packed.categories, products: products };

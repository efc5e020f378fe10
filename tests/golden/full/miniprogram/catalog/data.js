// The catalog as data: categories and products. Generated from the site spec; do not edit.
// Products travel as rows under one list of field names (half the bytes), unpacked here on load.
var packed = {"categories":[{"description":"现磨 \u0026 手冲","id":"coffee","image":"","initial":"咖","link":{"kind":"page","url":"/catalog/category/index?id=coffee"},"name":"咖啡","productIds":["latte","americano","beans"]},{"description":"杯子和豆子","id":"goods","image":"","initial":"周","link":{"kind":"page","url":"/catalog/category/index?id=goods"},"name":"周边","productIds":["mug"]}],"fields":["category","categoryName","id","image","images","name","options","originalPriceText","paragraphs","priceFen","priceText","skus","soldOut","stock","stockState","stockText","tags"],"rows":[["coffee","咖啡","latte","/catalog/img/cup-d515c8f564.png",["/catalog/img/cup-d515c8f564.png","/catalog/img/photo-126255f03c.jpg"],"拿铁",[{"name":"温度","values":["热","冰"]},{"name":"杯型","values":["中","大"]}],"¥25.00",["牛奶 \u0026 浓缩 {{ milk }} \u003c/script\u003e\u2028行分隔"],1990,"¥19.90",[{"options":{"杯型":"中","温度":"热"},"priceFen":1990,"priceText":"¥19.90","stock":10},{"options":{"杯型":"大","温度":"热"},"priceFen":2200,"priceText":"¥22.00","stock":5},{"options":{"杯型":"中","温度":"冰"},"priceFen":2100,"priceText":"¥21.00","stock":0},{"options":{"杯型":"大","温度":"冰"},"priceFen":2400,"priceText":"¥24.00","stock":2}],false,-1,"in","有货",["招牌"]],["coffee","咖啡","americano","/catalog/img/photo-126255f03c.jpg",["/catalog/img/photo-126255f03c.jpg"],"美式",[],"",[],1500,"¥15.00",[],false,3,"low","仅剩 3 件",[]],["goods","周边","mug","/catalog/img/cup-d515c8f564.png",["/catalog/img/cup-d515c8f564.png","/catalog/img/photo-126255f03c.jpg"],"马克杯 \"大号\" \u003c350ml\u003e \u0026 盖",[{"name":"颜色","values":["白","黑"]}],"¥49.00",["陶瓷杯身 {{ 不是模板 }}，\u003c/script\u003e 也只是文字。","第二段：可以微波炉加热。"],3900,"¥39.00",[],true,0,"out","已售罄",["新品","热卖"]],["coffee","咖啡","beans","/catalog/img/photo-126255f03c.jpg",["/catalog/img/photo-126255f03c.jpg"],"咖啡豆 250g",[],"",[],6800,"¥68.00",[],false,12,"in","有货",[]]]};
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

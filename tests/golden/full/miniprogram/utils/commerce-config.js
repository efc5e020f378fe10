// The site's commerce settings (from site.yaml `commerce:`). Generated; do not edit.
module.exports = {"api":"https://api.example.com/v1/","freeShippingOverFen":5900,"home":"pages/home/index","maxQuantity":20,"orderTemplateIds":["TEMPLATE_order_shipped_1"],"shippingFen":800};

// The catalog as data: categories and products. Generated from the site spec; do not edit.
module.exports = {
  "categories": [
    {
      "description": "",
      "id": "coffee",
      "image": "",
      "initial": "咖",
      "link": {
        "kind": "page",
        "url": "/catalog/category/index?id=coffee"
      },
      "name": "咖啡",
      "productIds": [
        "latte",
        "americano"
      ]
    }
  ],
  "products": {
    "americano": {
      "category": "coffee",
      "categoryName": "咖啡",
      "id": "americano",
      "image": "",
      "images": [],
      "link": {
        "kind": "page",
        "url": "/catalog/product/index?id=americano"
      },
      "name": "美式",
      "options": [],
      "originalPriceText": "",
      "paragraphs": [],
      "priceFen": 1500,
      "priceText": "¥15.00",
      "skus": [],
      "soldOut": false,
      "stock": 3,
      "stockState": "low",
      "stockText": "仅剩 3 件",
      "tags": []
    },
    "latte": {
      "category": "coffee",
      "categoryName": "咖啡",
      "id": "latte",
      "image": "/catalog/img/cup-9834bc8c04.png",
      "images": [
        "/catalog/img/cup-9834bc8c04.png"
      ],
      "link": {
        "kind": "page",
        "url": "/catalog/product/index?id=latte"
      },
      "name": "拿铁",
      "options": [
        {
          "name": "温度",
          "values": [
            "热",
            "冰"
          ]
        }
      ],
      "originalPriceText": "¥25.00",
      "paragraphs": [],
      "priceFen": 1990,
      "priceText": "¥19.90",
      "skus": [
        {
          "options": {
            "温度": "热"
          },
          "priceFen": 1990,
          "priceText": "¥19.90",
          "stock": 10
        },
        {
          "options": {
            "温度": "冰"
          },
          "priceFen": 2100,
          "priceText": "¥21.00",
          "stock": 0
        }
      ],
      "soldOut": false,
      "stock": -1,
      "stockState": "in",
      "stockText": "有货",
      "tags": []
    }
  }
};

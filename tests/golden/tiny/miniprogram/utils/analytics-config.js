// Declared tracking events and their only fields (site.yaml `analytics:`). Generated; do not edit.
module.exports = {
  "endpoint": null,
  "events": {
    "add_to_cart": [
      "product_id",
      "quantity"
    ],
    "checkin": [
      "streak"
    ],
    "checkout_start": [
      "items",
      "total_fen"
    ],
    "coupon_claim": [
      "coupon_id"
    ],
    "page_view": [
      "page",
      "target"
    ],
    "pay_success": [
      "order_id",
      "total_fen"
    ],
    "product_view": [
      "product_id",
      "category",
      "target"
    ],
    "share": [
      "page"
    ]
  }
};

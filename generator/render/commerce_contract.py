"""The backend contract of a selling site, as OpenAPI 3.1: what the generated checkout sends and expects."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from ..output import OutputFile, text_file
from ..plan import Site
from ..target import BatchTarget

ROOT = "commerce"

MONEY = {"type": "integer", "minimum": 0, "description": "An amount in fen (1 yuan = 100 fen); never a float."}
ADDRESS = {
    "type": "object",
    "description": "What wx.chooseAddress returned; personal data: keep it only as long as the order needs it.",
    "required": ["userName", "telNumber", "detailInfo"],
    "properties": {
        name: {"type": "string"}
        for name in ("userName", "telNumber", "provinceName", "cityName", "countyName", "detailInfo", "postalCode")
    },
}
BEARER: list[dict[str, list[str]]] = [{"session": []}]


def render_commerce_contract(site: Site) -> list[OutputFile]:
    commerce = site.spec.commerce
    if commerce is None:
        return []
    document = contract(commerce.api, site.spec.site.name, h5_origin(site.spec.site.base_url))
    text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    return [text_file(f"{ROOT}/openapi.json", text, "generator.render.commerce_contract")]


TARGET = BatchTarget("commerce-contract", ROOT, render_commerce_contract)


def h5_origin(base_url: str | None) -> str:
    """The origin the H5 site's forms post from: scheme and host of site.base_url."""
    if not base_url:
        return ""
    parts = urlsplit(base_url)
    return f"{parts.scheme}://{parts.netloc}"


def cors_headers(origin: str) -> dict[str, str]:
    """What an endpoint must answer the H5 site's preflight (OPTIONS) with; the answer to the POST itself needs
    Access-Control-Allow-Origin too. wx.request in the mini-program sends no preflight, so a backend tested only
    from the mini-program fails every H5 form."""
    return {
        "Access-Control-Allow-Origin": origin or "https://<the H5 site's host>",
        "Access-Control-Allow-Methods": "POST, OPTIONS",
        "Access-Control-Allow-Headers": "Content-Type",
        "Access-Control-Max-Age": "86400",
    }


def cors_text(origin: str) -> str:
    headers = "; ".join(f"{name}: {value}" for name, value in cors_headers(origin).items())
    return (
        "Forms: the H5 site (dist/h5) posts each form's values as JSON (Content-Type: application/json) to the "
        "form's endpoint from the H5 site's origin, so where that endpoint is on this backend the browser first "
        "sends a CORS preflight, an OPTIONS request that must get a 2xx answer with "
        f"{headers}; the POST's answer needs Access-Control-Allow-Origin too. The mini-program's wx.request "
        "sends no preflight, so a backend that answers only it makes every H5 form fail."
    )


def contract(api: str, shop: str, origin: str = "") -> dict[str, Any]:
    payment = {
        "type": "object",
        "description": "Parameters for wx.requestPayment, created and signed by the backend with the merchant key "
        "(JSAPI/mini-program payment, v3 API); the client never sees the key.",
        "required": ["timeStamp", "nonceStr", "package", "signType", "paySign"],
        "properties": {
            "timeStamp": {"type": "string"},
            "nonceStr": {"type": "string"},
            "package": {"type": "string", "examples": ["prepay_id=wx201410272009395522657a690389285100"]},
            "signType": {"type": "string", "enum": ["RSA", "MD5", "HMAC-SHA256"]},
            "paySign": {"type": "string"},
        },
    }
    item: dict[str, Any] = {
        "type": "object",
        "required": ["productId", "quantity", "priceFen"],
        "properties": {
            "productId": {"type": "string"},
            "options": {"type": "object", "additionalProperties": {"type": "string"}, "examples": [{"颜色": "粉色"}]},
            "quantity": {"type": "integer", "minimum": 1},
            "priceFen": {**MONEY, "description": "The price the customer saw; the backend must charge its own price."},
        },
    }
    created = _object(
        {
            **ORDER["properties"],
            "payment": {**payment, "description": "Optional: without it the client asks POST /orders/{id}/pay."},
        },
        ["orderId", "state", "totalFen"],
    )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": f"{shop}: order and payment backend",
            "version": "1",
            "description": "The generated mini-program calls these endpoints. Every call is https with a 15 s "
            "timeout; money is integer fen; the backend recomputes every amount from its own prices and stock "
            "and never trusts the client's. " + cors_text(origin),
        },
        "servers": [{"url": api}],
        "components": {
            "securitySchemes": {"session": {"type": "http", "scheme": "bearer", "description": "From POST /session."}}
        },
        "paths": {
            **growth_paths(),
            "/session": {
                "post": {
                    "summary": "Log in: exchange a wx.login code (code2Session) for a session of your own",
                    "requestBody": _json_body(
                        _object(
                            {
                                "code": {"type": "string", "description": "From wx.login."},
                                "inviter": {
                                    "type": "string",
                                    "description": "Who shared the link the shopper came from (an opaque user "
                                    "reference from the invite block), if any; recorded on first login only.",
                                },
                            },
                            ["code"],
                        )
                    ),
                    "responses": {
                        "200": _json_response(
                            "The session",
                            _object(
                                {
                                    "session": {
                                        "type": "string",
                                        "description": "Opaque; sent back as a bearer token. A 401 to any call "
                                        "makes the client log in again once and repeat the call once.",
                                    },
                                    "expiresAt": {
                                        "type": "string",
                                        "format": "date-time",
                                        "description": "When the session ends (ISO 8601, UTC); the client logs "
                                        "in again shortly before.",
                                    },
                                    "openid": {"type": "string"},
                                    "unionid": {
                                        "type": "string",
                                        "description": "Joins Official Account and mini-program users when both "
                                        "are bound to one open platform account.",
                                    },
                                    "ref": {
                                        "type": "string",
                                        "description": "The shopper's public handle, sent as `inviter` by the "
                                        "friends their share links bring.",
                                    },
                                },
                                ["session"],
                            ),
                        )
                    },
                }
            },
            "/orders": {
                "post": {
                    "summary": "Create an order (idempotent: the same Idempotency-Key answers the same order)",
                    "security": BEARER,
                    "parameters": [IDEMPOTENCY_KEY],
                    "requestBody": _json_body(
                        _object(
                            {
                                "items": {"type": "array", "minItems": 1, "items": item},
                                "address": ADDRESS,
                                "couponId": {"type": "string", "description": "A coupon from GET /coupons/mine."},
                                "totalFen": {
                                    **MONEY,
                                    "description": "The total the customer saw; only decides the 409 answer.",
                                },
                            },
                            ["items", "address", "totalFen"],
                        )
                    ),
                    "responses": {
                        "201": _json_response("Created", created),
                        "200": _json_response("The order this key made before (a retry)", created),
                        "409": _json_response(
                            "price_changed (the body has the backend's prices: the client shows the new total "
                            "and asks to confirm), or out_of_stock (the message is shown)",
                            PRICE_CHANGED,
                        ),
                    },
                },
                "get": {
                    "summary": "The customer's orders, newest first",
                    "security": BEARER,
                    "responses": {
                        "200": _json_response("Orders", _object({"orders": {"type": "array", "items": ORDER}}))
                    },
                },
            },
            "/orders/{id}/pay": {
                "post": {
                    "summary": "The signed wx.requestPayment parameters of the caller's unpaid order",
                    "security": BEARER,
                    "parameters": [ORDER_ID],
                    "responses": {"200": _json_response("Payment", payment), "404": {"description": NOT_YOURS}},
                }
            },
            "/orders/{id}/query": {
                "post": {
                    "summary": "The order's state after the backend asked WeChat Pay: what the result page shows "
                    "once the payment sheet closes (WeChat's answer to the client is not proof of payment)",
                    "security": BEARER,
                    "parameters": [ORDER_ID],
                    "responses": {"200": _json_response("The order", ORDER), "404": {"description": NOT_YOURS}},
                }
            },
            "/orders/{id}/cancel": {
                "post": {
                    "summary": "Cancel the caller's unpaid order (its stock is released)",
                    "security": BEARER,
                    "parameters": [ORDER_ID],
                    "responses": {
                        "200": _json_response("The cancelled order", ORDER),
                        "404": {"description": NOT_YOURS},
                        "409": {"description": "The order is no longer unpaid."},
                    },
                }
            },
        },
    }


def _object(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object"}
    if required:
        schema["required"] = required
    schema["properties"] = properties
    return schema


def _json_body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _json_response(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ORDER = _object(
    {
        "orderId": {"type": "string"},
        "state": {
            "type": "string",
            "enum": ["pending_payment", "paid", "shipped", "done", "cancelled", "closed", "refunding", "refunded"],
        },
        "totalFen": MONEY,
        "items": {
            "type": "array",
            "items": _object({"name": {"type": "string"}, "quantity": {"type": "integer"}}),
        },
    },
    ["orderId", "state", "totalFen"],
)


IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": True,
    "description": "One per checkout attempt: the client sends the same key when it retries the same order (a "
    "lost answer, a restart) and a new one once the order is paid or changed.",
    "schema": {"type": "string", "minLength": 8, "maxLength": 64, "pattern": "^[A-Za-z0-9_-]+$"},
}
ORDER_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
NOT_YOURS = "No such order of the caller (another shopper's order is not found either)."
PRICE_CHANGED = _object(
    {
        "error": {"type": "string", "enum": ["price_changed", "out_of_stock"]},
        "message": {
            "type": "string",
            "description": "For the shopper, with a note for developers in parentheses at the end, which the "
            "client leaves out.",
        },
        "items": {
            "type": "array",
            "description": "price_changed: the backend's price of each line of the order, in order.",
            "items": _object(
                {
                    "productId": {"type": "string"},
                    "options": {"type": "object", "additionalProperties": {"type": "string"}},
                    "quantity": {"type": "integer"},
                    "unitFen": MONEY,
                    "amountFen": MONEY,
                }
            ),
        },
        "goodsFen": MONEY,
        "shippingFen": MONEY,
        "totalFen": MONEY,
    },
    ["error", "message"],
)


def _get(summary: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "summary": summary,
        "security": BEARER,
        "responses": {"200": _json_response("OK", schema)},
    }


COUPON = {
    "type": "object",
    "required": ["id", "title", "amountFen"],
    "properties": {
        "id": {"type": "string"},
        "title": {"type": "string"},
        "amountFen": MONEY,
        "minSpendFen": MONEY,
        "expires": {"type": "string", "format": "date"},
        "claimed": {"type": "boolean"},
    },
}
CHECKIN = {
    "type": "object",
    "required": ["streak", "checkedInToday"],
    "properties": {
        "streak": {"type": "integer", "minimum": 0},
        "checkedInToday": {"type": "boolean"},
        "rewarded": {"type": "boolean", "description": "The streak just reached the declared number of days."},
    },
}


def growth_paths() -> dict[str, Any]:
    coupons = {"type": "object", "properties": {"coupons": {"type": "array", "items": COUPON}}}
    return {
        "/coupons": {"get": _get("Coupons the customer can claim", coupons)},
        "/coupons/mine": {"get": _get("The customer's unused coupons, for checkout", coupons)},
        "/coupons/{id}/claim": {
            "post": {
                "summary": "Claim a coupon",
                "security": BEARER,
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {"200": {"description": "Claimed"}, "409": {"description": "Already claimed or gone"}},
            }
        },
        "/checkin": {
            "get": _get("Today's check-in state", CHECKIN),
            "post": {
                **_get("Check in for today (idempotent within a day)", CHECKIN),
                "summary": "Check in for today (idempotent within a day)",
            },
        },
        "/invites": {
            "get": _get(
                "How many invited friends registered",
                {"type": "object", "properties": {"registered": {"type": "integer", "minimum": 0}}},
            )
        },
        "/member": {
            "get": _get(
                "The member card",
                {
                    "type": "object",
                    "properties": {
                        "nickname": {"type": "string"},
                        "level": {"type": "string"},
                        "points": {"type": "integer"},
                        "phone": {"type": "string", "description": "Shown masked (138****1234)."},
                    },
                },
            )
        },
    }

"""The generated client's session and checkout rules, run in node (tests/js/client.js) against a test double.

`ContractDouble` is a TEST DOUBLE of the backend contract (POST /session, POST /orders with an
Idempotency-Key, POST /orders/{id}/pay, /query and /cancel, GET /orders, POST /_fake/pay/{id}) that can
misbehave on purpose in ways the real `gen serve` rarely or never does: answer 401 to every session, close an
order at a chosen moment, count logins. The paid order end to end against the real server is
tests/test_client_e2e.py. What this file proves:

- a stale session is dropped on the first 401: one new login, the call is sent again once, and concurrent
  401s share that one login; a growth block calling request.js itself is renewed too; an expired one is
  renewed before calling; a server that keeps answering 401 gets one login and one retry per call, never a
  loop;
- a lost answer to POST /orders is retried with the same idempotency key (one order), and the next order
  gets a new key; storage keeps a hash of the order, not the address; an order closed meanwhile (found so
  after a cancel, or named by a retried key) is left behind for a new order;
- a 409 price_changed shows the backend's amounts and, confirmed, orders at the backend's prices; declined,
  nothing is ordered; out_of_stock shows the shopper's part of the message;
- after a cancelled payment the client asks the backend and keeps the order, which the orders page pays later
  or cancels; a payment that WeChat reported failed but the backend has as paid counts as paid; the result
  page shows the backend's state, not the client's;
- request.js sends https, and plain http only to this machine or a private network, so a development build
  (`gen build --api http://127.0.0.1:PORT/`) buys over plain http.
"""

from __future__ import annotations

import json
import secrets
import shutil
import subprocess
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from generator.build import build
from tests.conftest import MINIMAL_SITE, write_site

CLIENT_JS = Path(__file__).parent / "js" / "client.js"
API = "https://api.example.com/shop/"
# The starter's minimal site with a coupons block (a growth block: it calls request.js itself), a catalog and
# commerce.
HOME_BLOCKS = "      - type: text\n        body: 欢迎\n"
assert HOME_BLOCKS in MINIMAL_SITE
SHOP = (
    MINIMAL_SITE.replace(HOME_BLOCKS, HOME_BLOCKS + "      - {type: coupons}\n")
    + """
catalog:
  categories:
    - {id: tea, name: 茶}
  products:
    - {id: green, name: 绿茶, price: 19.9, category: tea, stock: 50}
    - id: cake
      name: 蛋糕
      price: 39
      category: tea
      options:
        - {name: 规格, values: [小份, 大份]}
      skus:
        - {options: {规格: 小份}, price: 29}
commerce:
  api: https://api.example.com/shop
  shipping_fee: 8
  free_shipping_over: 99
"""
)
# What the double charges (fen): the built catalog's prices unless a test changes one.
PRICES = {("green", ""): 1990, ("cake", "小份"): 2900, ("cake", "大份"): 3900}
GREEN_2 = [{"productId": "green", "options": {}, "quantity": 2}]


class ContractDouble:
    """A test double of the commerce contract, in a thread, on 127.0.0.1; records every request."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.tokens: dict[str, str] = {}  # token -> openid
        self.orders: dict[str, dict[str, Any]] = {}
        self.keys: dict[tuple[str, str], tuple[str, str]] = {}  # (openid, key) -> (body, order id)
        self.prices = dict(PRICES)
        self.always_401 = False
        self.sold_out: set[str] = set()
        self.close_on_query = False  # an unpaid order asked about is found closed (its time ran out)
        self.expire_on_replay = False  # an unpaid order a retried POST /orders names has closed meanwhile
        self.coupons: list[dict[str, Any]] = []
        self.inviters: dict[str, str] = {}  # openid -> who invited them
        self.expiries: list[datetime] = []
        self.log: list[tuple[str, str, int]] = []
        double = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

            def do_GET(self) -> None:  # noqa: N802
                self.answer(*double.handle("GET", self.path, self.headers, b""))

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.answer(*double.handle("POST", self.path, self.headers, body))

            def answer(self, status: int, data: Any) -> None:
                raw = json.dumps(data, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def count(self, method: str, path: str) -> int:
        return sum(1 for m, p, _ in self.log if (m, p) == (method, path))

    def handle(self, method: str, path: str, headers: Any, raw: bytes) -> tuple[int, Any]:
        with self.lock:
            status, data = self.route(method, path.split("?")[0], headers, json.loads(raw) if raw else None)
            self.log.append((method, path.split("?")[0], status))
            return status, data

    def route(self, method: str, path: str, headers: Any, body: Any) -> tuple[int, Any]:
        if (method, path) == ("POST", "/session"):
            token = secrets.token_urlsafe(16)
            self.tokens[token] = "openid-" + body["code"]
            if body.get("inviter"):
                self.inviters.setdefault(self.tokens[token], body["inviter"])
            expires = datetime.now(UTC) + timedelta(hours=1)
            self.expiries.append(expires)
            return 200, {"session": token, "expiresAt": expires.isoformat(), "openid": self.tokens[token], "ref": "r"}
        if method == "POST" and path.startswith("/_fake/pay/"):
            self.orders[path.rsplit("/", 1)[1]]["state"] = "paid"
            return 200, {"ok": True}
        auth = headers.get("Authorization") or ""
        user = self.tokens.get(auth.removeprefix("Bearer "))
        if user is None or self.always_401:
            return 401, {"error": "unauthorized", "message": "session expired"}
        parts = path.strip("/").split("/")
        if (method, path) in (("GET", "/coupons/mine"), ("GET", "/coupons")):
            return 200, {"coupons": self.coupons}
        if method == "POST" and parts[0] == "coupons" and parts[2:] == ["claim"]:
            return 200, {"claimed": True}
        if (method, path) == ("POST", "/orders"):
            return self.create(user, headers.get("Idempotency-Key"), body)
        if (method, path) == ("GET", "/orders"):
            mine = [o for o in self.orders.values() if o["user"] == user]
            return 200, {"orders": [{k: v for k, v in o.items() if k != "user"} for o in reversed(mine)]}
        order = self.orders.get(parts[1]) if len(parts) >= 2 and parts[0] == "orders" else None
        if order is None or order["user"] != user:
            return 404, {"error": "not found"}
        shown = {k: v for k, v in order.items() if k != "user"}
        if method == "POST" and parts[2:] == ["pay"]:
            if order["state"] != "pending_payment":
                return 409, {"error": "not_payable", "message": "订单已关闭 (not payable)"}
            prepay = "prepay_id=" + order["orderId"]
            signed = {"timeStamp": "1", "nonceStr": "n", "package": prepay, "signType": "RSA", "paySign": "sig"}
            return 200, {"orderId": order["orderId"], "totalFen": order["totalFen"], **signed}
        if method == "POST" and parts[2:] == ["query"] or method == "GET" and parts[2:] == []:
            if self.close_on_query and order["state"] == "pending_payment":
                order["state"] = shown["state"] = "closed"
            return 200, shown
        if method == "POST" and parts[2:] == ["cancel"]:
            if order["state"] != "pending_payment":
                return 409, {"error": "conflict", "message": "只有待支付的订单可以取消"}
            order["state"] = "cancelled"
            return 200, {k: v for k, v in order.items() if k != "user"}
        return 404, {"error": "not found"}

    def create(self, user: str, key: str | None, body: dict[str, Any]) -> tuple[int, Any]:
        if not key:
            return 400, {"message": "Idempotency-Key is required"}
        text = json.dumps(body, sort_keys=True)
        if (user, key) in self.keys:
            used, order_id = self.keys[(user, key)]
            if used != text:
                return 409, {"message": "idempotency key reused with another order"}
            if self.expire_on_replay and self.orders[order_id]["state"] == "pending_payment":
                self.orders[order_id]["state"] = "closed"
            return 200, {k: v for k, v in self.orders[order_id].items() if k != "user"}
        if self.sold_out and any(i["productId"] in self.sold_out for i in body["items"]):
            return 409, {"error": "out_of_stock", "message": "库存不足：绿茶 (not enough stock)", "items": []}
        lines = [
            {**item, "priceFen": self.prices[(item["productId"], "".join(item["options"].values()))]}
            for item in body["items"]
        ]
        subtotal = sum(line["priceFen"] * line["quantity"] for line in lines)
        coupon = next((c for c in self.coupons if c["id"] == body.get("couponId")), None)
        total = subtotal + (0 if subtotal >= 9900 else 800) - (coupon["amountFen"] if coupon else 0)
        changed = any(a["priceFen"] != b["priceFen"] for a, b in zip(lines, body["items"], strict=True))
        if total != body["totalFen"] or changed:
            items = [{**i, "unitFen": i["priceFen"], "amountFen": i["priceFen"] * i["quantity"]} for i in lines]
            return 409, {"error": "price_changed", "message": "价格有变化 (prices changed)", "items": items,
                         "goodsFen": subtotal, "shippingFen": total - subtotal, "totalFen": total}  # fmt: skip
        order_id = f"D{len(self.orders) + 1:04d}"
        items = [{"name": i["productId"], "quantity": i["quantity"]} for i in lines]
        self.orders[order_id] = {
            "orderId": order_id,
            "state": "pending_payment",
            "totalFen": total,
            "user": user,
            "items": items,
        }
        self.keys[(user, key)] = (text, order_id)
        return 200, {"orderId": order_id, "state": "pending_payment", "totalFen": total}


def node_or_skip() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed; the client tests run the generated code in node")
    return node


def run_client(root: Path, base_url: str, scenario: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """tests/js/client.js over the built mini-program `root` against the server at `base_url`."""
    command = [node_or_skip(), str(CLIENT_JS), str(root), base_url, scenario, json.dumps(options or {})]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=CLIENT_JS.parent)
    assert done.returncode == 0, f"client.js {scenario} failed ({done.returncode}):\n{done.stderr}\n{done.stdout}"
    result: dict[str, Any] = json.loads(done.stdout)
    assert result["errors"] == [], result["errors"]
    return result


def shop_calls(result: dict[str, Any]) -> list[tuple[str, str, int | None]]:
    """The requests the client made, without the coupon list the checkout loads beside the order."""
    return [(r["method"], r["path"], r["status"]) for r in result["requests"] if r["path"] != "/coupons/mine"]


@pytest.fixture(scope="module")
def miniprogram(tmp_path_factory: pytest.TempPathFactory) -> Path:
    node_or_skip()
    site = write_site(tmp_path_factory.mktemp("client") / "site", SHOP)
    build(site, site / "out")
    return site / "out" / "miniprogram"


@pytest.fixture
def double() -> Iterator[ContractDouble]:
    server = ContractDouble()
    yield server
    server.close()


def test_stale_session_logs_in_once_and_concurrent_401s_share_it(miniprogram: Path, double: ContractDouble) -> None:
    r = run_client(miniprogram, double.url, "session", {"calls": 3})
    assert [c["ok"] for c in r["calls"]] == [True, True, True]
    assert double.count("POST", "/session") == 1  # three 401s, one login
    assert double.count("GET", "/orders") == 3 + 3 + 1  # each call refused once, sent again once; then the page
    statuses = [s for m, p, s in double.log if (m, p) == ("GET", "/orders")]
    assert statuses[:3] == [401, 401, 401] and set(statuses[3:]) == {200}
    assert r["orders"]["error"] == "" and r["orders"]["loading"] is False
    stored = r["storage"]["mpgen-session"]
    assert stored["session"] in double.tokens
    assert stored["expiresAt"] == int(double.expiries[0].timestamp() * 1000)  # expiresAt read to the ms
    retried = [q for q in r["requests"] if q["path"] == "/orders" and q["status"] == 200]
    assert {q["auth"] for q in retried} == {"Bearer " + stored["session"]}


def test_an_expired_session_logs_in_before_calling(miniprogram: Path, double: ContractDouble) -> None:
    old = {"session": "old-token", "expiresAt": int((datetime.now(UTC) - timedelta(minutes=1)).timestamp() * 1000)}
    r = run_client(miniprogram, double.url, "session", {"calls": 2, "storage": {"mpgen-session": old}})
    assert [c["ok"] for c in r["calls"]] == [True, True]
    assert double.count("POST", "/session") == 1
    assert {s for m, p, s in double.log if (m, p) == ("GET", "/orders")} == {200}  # no 401 first
    assert "Bearer old-token" not in {q["auth"] for q in r["requests"]}


def test_a_growth_block_renews_a_stale_session_too(miniprogram: Path, double: ContractDouble) -> None:
    # the blocks call request.js with session.header() themselves: the renewal lives in request.js
    double.coupons = [{"id": "C1", "title": "新人券", "amountFen": 500, "minSpendFen": 0}]
    r = run_client(miniprogram, double.url, "coupons")
    assert r["loaded"]["error"] == "" and [c["id"] for c in r["loaded"]["coupons"]] == ["C1"]
    assert double.count("POST", "/session") == 1
    # the list refused, sent again; the claim; the shopper's own coupons, loaded again after the claim
    assert [s for m, p, s in double.log if p.startswith("/coupons")] == [401, 200, 200, 200]
    assert r["claimed"]["claiming"] == ""


def test_a_server_that_keeps_answering_401_gets_one_login_never_a_loop(
    miniprogram: Path, double: ContractDouble
) -> None:
    double.always_401 = True
    r = run_client(miniprogram, double.url, "session", {"calls": 2})
    assert [(c["ok"], c["status"]) for c in r["calls"]] == [(False, 401), (False, 401)]
    # the first two calls share one login and are retried once each; the orders page tries once more
    assert double.count("GET", "/orders") == 2 + 2 + 2
    assert double.count("POST", "/session") == 2  # one for the two concurrent calls, one for the page
    assert r["orders"]["error"] == "订单加载失败，请检查网络后重试"


def test_a_lost_order_answer_is_retried_with_the_same_key(miniprogram: Path, double: ContractDouble) -> None:
    r = run_client(miniprogram, double.url, "buy", {"items": GREEN_2, "dropFirstOrder": True})
    posts = [q for q in r["requests"] if (q["method"], q["path"]) == ("POST", "/orders")]
    assert len(posts) == 2 and posts[0].get("lost") and posts[0]["idempotencyKey"]
    assert posts[0]["idempotencyKey"] == posts[1]["idempotencyKey"]
    assert posts[0]["body"] == posts[1]["body"]
    assert r["afterFirstTap"]["message"] == "网络不太好，订单没有提交成功，请重试"
    assert len(double.orders) == 1  # the retry got the order the lost answer had made
    assert r["result"]["kind"] == "paid" and r["result"]["title"] == "支付成功"
    assert [o["stateText"] for o in r["orders"]["orders"]] == ["已支付"]
    assert "mpgen-checkout-attempt" not in r["storage"]  # paid: the next checkout is a new attempt

    # The next order (same cart, same shopper, same phone storage is gone): a new key, a second order.
    again = run_client(miniprogram, double.url, "buy", {"items": GREEN_2})
    (post,) = [q for q in again["requests"] if (q["method"], q["path"]) == ("POST", "/orders")]
    assert post["idempotencyKey"] != posts[0]["idempotencyKey"] and len(double.orders) == 2


def test_address_is_not_kept_in_storage_with_the_attempt(miniprogram: Path, double: ContractDouble) -> None:
    r = run_client(miniprogram, double.url, "buy", {"items": GREEN_2, "payment": "cancel"})
    attempt = r["storage"]["mpgen-checkout-attempt"]
    assert set(attempt) == {"key", "fingerprint"}
    assert "13812345678" not in json.dumps(r["storage"], ensure_ascii=False)


def test_price_changed_shows_the_new_total_and_orders_at_the_backend_price(
    miniprogram: Path, double: ContractDouble
) -> None:
    double.prices[("green", "")] = 1790
    r = run_client(miniprogram, double.url, "buy", {"items": GREEN_2})
    (modal,) = [c["args"][0] for c in r["wx"] if c["api"] == "showModal"]
    assert modal["title"] == "价格有变化" and "¥43.80" in modal["content"]  # 2 x 17.90 + 8.00
    posts = [q for q in r["requests"] if (q["method"], q["path"]) == ("POST", "/orders")]
    assert [q["status"] for q in posts] == [409, 200]
    assert posts[0]["idempotencyKey"] != posts[1]["idempotencyKey"]  # another order body, another attempt
    assert posts[1]["body"]["totalFen"] == 4380 and posts[1]["body"]["items"][0]["priceFen"] == 1790
    assert r["result"]["kind"] == "paid" and r["result"]["totalText"] == "¥43.80"


def test_sold_out_shows_the_shopper_part_of_the_message(miniprogram: Path, double: ContractDouble) -> None:
    double.sold_out = {"green"}
    r = run_client(miniprogram, double.url, "buy", {"items": GREEN_2})
    assert r["checkout"]["message"] == "库存不足：绿茶" and r["checkout"]["state"] == "failed"
    assert double.orders == {} and "result" not in r


def test_price_changed_declined_orders_nothing(miniprogram: Path, double: ContractDouble) -> None:
    double.prices[("green", "")] = 2190
    r = run_client(miniprogram, double.url, "buy", {"items": GREEN_2, "confirm": False})
    assert double.orders == {} and "result" not in r
    assert r["checkout"]["paying"] is False and r["checkout"]["totalText"] == "¥51.80"
    assert [line["amountText"] for line in r["checkout"]["lines"]] == ["¥43.80"]  # 2 x 21.90
    assert (r["checkout"]["subtotalText"], r["checkout"]["shippingText"]) == ("¥43.80", "¥8.00")
    assert r["checkout"]["message"] == "商品价格有变化，应付金额已更新为 ¥51.80"


def test_cancelled_payment_asks_the_backend_and_keeps_the_order(miniprogram: Path, double: ContractDouble) -> None:
    r = run_client(miniprogram, double.url, "buy", {"items": GREEN_2, "payment": "cancel"})
    (order_id,) = double.orders
    assert ("POST", f"/orders/{order_id}/query", 200) in shop_calls(r)
    assert r["checkout"]["state"] == "cancelled" and r["checkout"]["message"] == "已取消支付，订单已保留，可以重新支付"
    assert r["redirects"] == [] and r["storage"]["mpgen-cart"] != []
    assert [o["stateText"] for o in r["orders"]["orders"]] == ["待支付"]


def test_an_unpaid_order_is_paid_later_from_the_orders_page(miniprogram: Path, double: ContractDouble) -> None:
    r = run_client(miniprogram, double.url, "buy", {"items": GREEN_2, "payment": "cancel", "ordersAction": "pay",
                                                     "ordersPayment": "success"})  # fmt: skip
    (order_id,) = double.orders
    pays = [q for q in r["requests"] if q["path"] == f"/orders/{order_id}/pay"]
    assert len(pays) == 2  # the checkout's payment, then a new one from the orders page
    assert r["resultFromOrders"]["kind"] == "paid" and double.orders[order_id]["state"] == "paid"
    assert [o["stateText"] for o in r["ordersAfter"]["orders"]] == ["待支付"]  # it left for the result page


def test_an_unpaid_order_is_cancelled_from_the_orders_page(miniprogram: Path, double: ContractDouble) -> None:
    r = run_client(miniprogram, double.url, "buy", {"items": GREEN_2, "payment": "cancel", "ordersAction": "cancel"})
    (order_id,) = double.orders
    assert ("POST", f"/orders/{order_id}/cancel", 200) in shop_calls(r)
    assert [(o["stateText"], o["unpaid"]) for o in r["ordersAfter"]["orders"]] == [("已取消", False)]
    assert [c["args"][0]["title"] for c in r["wx"] if c["api"] == "showModal"] == ["取消订单"]


def test_an_order_closed_meanwhile_is_left_for_a_new_one(miniprogram: Path, double: ContractDouble) -> None:
    # cancelled, and by the time the client asks the order has closed: the next tap makes a new order
    double.close_on_query = True
    r = run_client(
        miniprogram, double.url, "buy", {"items": GREEN_2, "payments": ["cancel", "success"], "tapAgain": True}
    )
    assert r["afterFirstTap"]["message"] == "订单已关闭，请重新下单"
    posts = [q for q in r["requests"] if (q["method"], q["path"]) == ("POST", "/orders")]
    assert len(posts) == 2 and posts[0]["idempotencyKey"] != posts[1]["idempotencyKey"]
    assert [o["state"] for o in double.orders.values()] == ["closed", "paid"]
    assert r["result"]["kind"] == "paid"


def test_a_retry_that_gets_back_a_closed_order_makes_a_new_one(miniprogram: Path, double: ContractDouble) -> None:
    # the first visit's order is cancelled and left; the key stays in storage; the order closes later
    double.expire_on_replay = True
    r = run_client(
        miniprogram, double.url, "buy", {"items": GREEN_2, "payments": ["cancel", "success"], "reopen": True}
    )
    posts = [q for q in r["requests"] if (q["method"], q["path"]) == ("POST", "/orders")]
    assert [q["status"] for q in posts] == [200, 200, 200]
    assert posts[0]["idempotencyKey"] == posts[1]["idempotencyKey"] != posts[2]["idempotencyKey"]
    assert posts[1]["answer"]["state"] == "closed"
    assert [o["state"] for o in double.orders.values()] == ["closed", "paid"]
    assert r["result"]["kind"] == "paid"


def test_paid_order_that_wechat_reported_failed_counts_as_paid(miniprogram: Path, double: ContractDouble) -> None:
    r = run_client(miniprogram, double.url, "buy", {"items": GREEN_2, "payment": "paid-but-fail"})
    (order_id,) = double.orders
    assert r["redirects"] == [{"url": f"/catalog/result/index?order={order_id}"}]
    assert r["result"]["kind"] == "paid" and r["storage"]["mpgen-cart"] == []


def test_result_page_shows_the_server_state_not_the_client_success(miniprogram: Path, double: ContractDouble) -> None:
    # WeChat tells the client "ok" but the backend never hears of a payment (the fake pay is not run): the
    # result page asks, waits and says it cannot confirm the payment.
    r = run_client(miniprogram, double.url, "buy", {"items": GREEN_2, "payment": "success-unpaid", "fastTimers": True})
    (order_id,) = double.orders
    queries = [q for q in r["requests"] if q["path"] == f"/orders/{order_id}/query"]
    assert len(queries) == 4  # once, then after 1 s, 2 s and 3 s (10 ms each here)
    assert r["result"]["kind"] == "pending" and r["result"]["title"] == "暂未确认到支付"
    assert not [c for c in r["wx"] if c["api"] == "reportEvent" and c["args"][0] == "pay_success"]


URLS = {
    "https://api.example.com/shop/orders": "sent",
    "http://127.0.0.1:8081/orders": "sent",
    "http://localhost:8081/": "sent",
    "http://192.168.1.20:8081/shop/orders": "sent",
    "http://[::1]:8081/": "sent",
    "http://api.example.com/shop/orders": "refused",
    "http://8.8.8.8/": "refused",
    "http://127.0.0.1.example.com/": "refused",
    "http://10.0.0.1@example.com/": "refused",
    "ftp://127.0.0.1/": "refused",
}


def test_only_https_or_plain_http_to_this_machine_or_network_is_sent(miniprogram: Path, double: ContractDouble) -> None:
    assert run_client(miniprogram, double.url, "urls", {"urls": list(URLS)})["urls"] == URLS


def test_a_development_build_buys_over_plain_http(tmp_path: Path, double: ContractDouble) -> None:
    # `gen build --api http://127.0.0.1:PORT/` (generator/dev_api.py): the whole shop talks to that server
    site = write_site(tmp_path / "site", SHOP)
    build(site, site / "out", dev_api=double.url)
    r = run_client(site / "out" / "miniprogram", double.url, "buy", {"items": GREEN_2})
    assert r["result"]["kind"] == "paid" and len(double.orders) == 1
    assert double.count("POST", "/session") == 1

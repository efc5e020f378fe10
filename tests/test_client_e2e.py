"""End to end: the GENERATED mini-program code buys from the real backend, `gen serve --fake-wechat`.

The test shop of the backend tests (tests/server/sites/shop) is built, then served by `gen serve` in its own
process on SQLite and, when MPGEN_TEST_DATABASE_URL is set, on a throwaway PostgreSQL database
(DATABASE_URL). tests/js/client.js runs the built cart, checkout, result and orders code in node with a `wx`
mock whose wx.request reaches that server over HTTP and whose wx.requestPayment has the server's fake
WeChat Pay take the money (POST /_fake/pay/{id}: a signed notify goes through the server's own
verification). What this proves, on both databases:

- login -> cart -> checkout -> pay -> notify -> the result page shows the order paid because the SERVER says
  so, and the orders page and the server's own GET /orders/{id} agree;
- a stale session on the phone costs one new login, not an error;
- a lost answer to POST /orders retried with the same idempotency key makes one order, not two;
- a cancelled payment leaves an unpaid order that the orders page pays later;
- an item the server has sold out is refused with the server's words, and no order is made;
- a price that changed between the build and the server is shown and, confirmed, charged (SQLite only: it
  needs a second server on a changed site).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from generator.build import build
from tests.server.conftest import postgres_database
from tests.test_client_session import node_or_skip, run_client

SHOP = Path(__file__).parent / "server" / "sites" / "shop"
# One of each per order: the shop has 10 green and 5 small oolong, and each server takes four such orders.
CART = [
    {"productId": "green", "options": {}, "quantity": 1},
    {"productId": "oolong", "options": {"规格": "小罐"}, "quantity": 1},
]
# 12.50 + 30.00 = 42.50, below free_shipping_over (99): + 8.00 shipping
TOTAL_FEN, TOTAL_TEXT = 5050, "¥50.50"
BIG_OOLONG = [{"productId": "oolong", "options": {"规格": "大罐"}, "quantity": 2}]  # all there is
START_TIMEOUT_S = 60


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Served:
    """`gen serve SITE --fake-wechat` in a subprocess on a free port; stopped with SIGTERM."""

    def __init__(self, site: Path, data: Path, database_url: str | None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        if database_url:
            env["DATABASE_URL"] = database_url
        command = [sys.executable, "-m", "generator", "serve", str(site), "--fake-wechat", "--port", str(self.port)]
        command += ["--data", str(data)]
        self.log = data.parent / f"serve-{self.port}.log"
        self.log_file = self.log.open("w")
        self.proc = subprocess.Popen(command, stdout=self.log_file, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if self.proc.poll() is not None:
                raise AssertionError(f"gen serve exited {self.proc.returncode}:\n{self.log.read_text()}")
            try:
                if httpx.get(self.url + "health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise AssertionError(f"gen serve did not answer /health:\n{self.log.read_text()}")
            time.sleep(0.1)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log_file.close()

    def as_shopper(self, code: str) -> httpx.Client:
        """An HTTP client logged in as the shopper whose wx.login code is `code` (the fake: same code, same user)."""
        answer = httpx.post(self.url + "session", json={"code": code}, timeout=10)
        answer.raise_for_status()
        token = answer.json()["session"]
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {token}"}, timeout=10)


def copy_shop(folder: Path) -> Path:
    site = shutil.copytree(SHOP, folder, ignore=shutil.ignore_patterns(".mpgen-data", ".mpgen-cache", "dist"))
    return Path(site)


@pytest.fixture(scope="module")
def miniprogram(tmp_path_factory: pytest.TempPathFactory) -> Path:
    node_or_skip()
    site = copy_shop(tmp_path_factory.mktemp("e2e-build") / "shop")
    build(site, site / "out")
    return site / "out" / "miniprogram"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp(f"e2e-{request.param}")
    site = copy_shop(folder / "shop")
    if request.param == "sqlite":
        served = Served(site, folder / "data", None)
        yield served
        served.stop()
        return
    with postgres_database() as url:
        served = Served(site, folder / "data", url)
        yield served
        served.stop()


def orders_of(server: Served, code: str) -> list[dict[str, Any]]:
    with server.as_shopper(code) as shopper:
        answer = shopper.get("orders")
        answer.raise_for_status()
        orders: list[dict[str, Any]] = answer.json()["orders"]
        return orders


def test_a_paid_order_is_declared_paid_by_the_server(miniprogram: Path, server: Served) -> None:
    r = run_client(miniprogram, server.url, "buy", {"items": CART, "code": "e2e-paid"})
    assert r["checkout"]["totalText"] == TOTAL_TEXT and r["checkout"]["message"] == ""
    (redirect,) = r["redirects"]
    order_id = redirect["url"].split("order=")[1]
    # The result page asked the server and shows its answer.
    assert r["result"]["kind"] == "paid" and r["result"]["title"] == "支付成功"
    assert r["result"]["orderId"] == order_id and r["result"]["totalText"] == TOTAL_TEXT
    assert any(q["path"] == f"/orders/{order_id}/query" and q["answer"]["state"] == "paid" for q in r["requests"])
    assert [o["stateText"] for o in r["orders"]["orders"]] == ["已支付"]
    assert r["storage"]["mpgen-cart"] == []
    with server.as_shopper("e2e-paid") as shopper:
        order = shopper.get(f"orders/{order_id}").json()
    assert order["state"] == "paid" and order["totalFen"] == TOTAL_FEN


def test_a_stale_session_costs_one_login(miniprogram: Path, server: Served) -> None:
    r = run_client(miniprogram, server.url, "buy", {"items": CART, "code": "e2e-stale", "staleSession": "x" * 43})
    logins = [q for q in r["requests"] if q["path"] == "/session"]
    # the first call the server checks (the checkout's GET coupons/mine) is refused, then sent again once
    # with the new session
    stale = [q for q in r["requests"] if q.get("auth") == "Bearer " + "x" * 43]
    assert len(logins) == 1 and [q["status"] for q in stale] == [401]
    (refused,) = stale
    again = [q for q in r["requests"] if (q["method"], q["path"]) == (refused["method"], refused["path"])]
    assert [q["status"] for q in again][:2] == [401, 201 if refused["path"] == "/orders" else 200]
    assert r["result"]["kind"] == "paid"


def test_a_lost_order_answer_makes_one_order(miniprogram: Path, server: Served) -> None:
    r = run_client(miniprogram, server.url, "buy", {"items": CART, "code": "e2e-lost", "dropFirstOrder": True})
    posts = [q for q in r["requests"] if (q["method"], q["path"]) == ("POST", "/orders")]
    assert len(posts) == 2 and posts[0]["idempotencyKey"] == posts[1]["idempotencyKey"]
    assert [q["status"] for q in posts] == [201, 200]  # created (the answer lost), then the same order again
    assert posts[0]["answer"]["orderId"] == posts[1]["answer"]["orderId"]
    assert r["result"]["kind"] == "paid"
    assert len(orders_of(server, "e2e-lost")) == 1


def test_a_cancelled_payment_is_paid_later_from_the_orders_page(miniprogram: Path, server: Served) -> None:
    options = {"items": CART, "code": "e2e-later", "payment": "cancel", "ordersAction": "pay",
               "ordersPayment": "success"}  # fmt: skip
    r = run_client(miniprogram, server.url, "buy", options)
    assert r["checkout"]["state"] == "cancelled" and r["redirects"] == []
    assert [o["stateText"] for o in r["orders"]["orders"]] == ["待支付"]
    assert r["resultFromOrders"]["kind"] == "paid"
    assert [o["state"] for o in orders_of(server, "e2e-later")] == ["paid"]


def test_sold_out_on_the_server_is_said_to_the_shopper(miniprogram: Path, server: Served) -> None:
    first = run_client(miniprogram, server.url, "buy", {"items": BIG_OOLONG, "code": "e2e-first"})
    assert first["result"]["kind"] == "paid"
    # the next shopper's catalog (this release's) still says 2 in stock: the server says none are left
    late = run_client(miniprogram, server.url, "buy", {"items": BIG_OOLONG, "code": "e2e-late"})
    (post,) = [q for q in late["requests"] if (q["method"], q["path"]) == ("POST", "/orders")]
    assert post["status"] == 409 and post["answer"]["error"] == "out_of_stock"
    assert late["checkout"]["message"] == "库存不足：乌龙茶" and "result" not in late
    assert orders_of(server, "e2e-late") == []


def test_a_changed_price_is_confirmed_and_charged(miniprogram: Path, tmp_path: Path) -> None:
    site = copy_shop(tmp_path / "shop")
    text = (site / "site.yaml").read_text(encoding="utf-8")
    assert "price: 12.5" in text
    (site / "site.yaml").write_text(text.replace("price: 12.5", "price: 13.5"), encoding="utf-8")
    served = Served(site, tmp_path / "data", None)
    try:
        r = run_client(miniprogram, served.url, "buy", {"items": CART, "code": "e2e-price"})
        (modal,) = [c["args"][0] for c in r["wx"] if c["api"] == "showModal"]
        assert "¥51.50" in modal["content"]  # 13.50 + 30.00 + 8.00
        posts = [q for q in r["requests"] if (q["method"], q["path"]) == ("POST", "/orders")]
        assert [q["status"] for q in posts] == [409, 201]
        assert r["result"]["kind"] == "paid" and r["result"]["totalText"] == "¥51.50"
        assert [o["totalFen"] for o in orders_of(served, "e2e-price")] == [5150]
    finally:
        served.stop()

"""The console against a real `gen serve --fake-wechat` process (SQLite), in real Chromium.

What it proves: an operator added with `gen admin add-user` logs in through the login page, finds a paid
order, ships it and refunds part of it with the confirmation steps, on a phone-sized screen; behind a
proxy that sends X-Forwarded-Proto: https (uvicorn's proxy headers) the session cookie is Secure.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.test_client_e2e import Served, copy_shop

from .conftest import add_operator

PASSWORD = "correct horse battery"
GREEN_1 = {
    "items": [{"productId": "green", "quantity": 1, "priceFen": 1250, "options": {}}],
    "address": {"userName": "张三", "telNumber": "13800001234", "detailInfo": "科技园 1 号"},
    "totalFen": 2050,
}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("admin-e2e")
    site = copy_shop(folder / "shop")
    data = folder / "data"
    add_operator(site, data, "boss", PASSWORD)
    server = Served(site, data, None)
    yield server
    server.stop()


def paid_order(served: Served) -> str:
    with served.as_shopper("code-e2e-admin") as shopper:
        answer = shopper.post("orders", json=GREEN_1, headers={"Idempotency-Key": uuid.uuid4().hex})
        assert answer.status_code == 201, answer.text
        number: str = answer.json()["orderId"]
        assert shopper.post(f"_fake/pay/{number}").json()["state"] == "paid"
    return number


def test_the_session_cookie_is_secure_behind_an_https_proxy(served: Served) -> None:
    with httpx.Client(base_url=served.url, timeout=10, headers={"X-Forwarded-Proto": "https"}) as proxy:
        form = proxy.get("admin/login")
        token = form.text.split('name="login_token" value="', 1)[1].split('"', 1)[0]
        login_cookie = form.headers["set-cookie"]
        assert "Secure" in login_cookie
        proxy.cookies.clear()  # the client keeps Secure cookies for https; the proxy's hop is http
        answer = proxy.post(
            "admin/login",
            data={"username": "boss", "password": PASSWORD, "login_token": token, "next": "/admin"},
            headers={"Cookie": f"mpgen_admin_login={token}"},
        )
    assert answer.status_code == 303
    cookie = next(value for value in answer.headers.get_list("set-cookie") if value.startswith("mpgen_admin="))
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie


def test_log_in_ship_and_refund_in_chromium(served: Served, page: object, tmp_path: Path) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    number = paid_order(served)
    page.goto(served.url + f"admin/orders/{number}")
    expect(page).to_have_url(f"{served.url}admin/login?next=/admin/orders/{number}")
    page.fill("input[name=username]", "boss")
    page.fill("input[name=password]", PASSWORD)
    page.click("button:has-text('登录')")
    expect(page.locator("#state")).to_have_text("已支付")
    page.fill("input[name=carrier]", "顺丰")
    page.fill("input[name=tracking_no]", "SF1234567890")
    page.click("button:has-text('发货')")
    expect(page.locator("h1")).to_have_text("确认发货")
    page.click("button:has-text('确认')")
    expect(page.locator(".notice")).to_contain_text("已发货")
    expect(page.locator("#state")).to_have_text("已发货")
    page.fill("input[name=amount]", "5")
    page.fill("input[name=reason]", "少发一件")
    page.click("button:has-text('退款')")
    expect(page.locator("h1")).to_have_text("确认退款")
    expect(page.locator("dl.facts")).to_contain_text("¥5.00")
    page.click("button:has-text('确认')")
    expect(page.locator(".notice")).to_contain_text("退款")
    page.screenshot(path=str(tmp_path / "order.png"), full_page=True)

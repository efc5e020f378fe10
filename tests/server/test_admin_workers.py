"""The console on PostgreSQL behind the real `gen serve --workers 2`, driven in Chromium.

What it proves: an owner added with `gen admin add-user` (into the PostgreSQL database) logs in, ships a
paid order and refunds part of it with the confirmation steps, and sees both in 操作记录; an operator's
refund is held to the limit there too; and a session and its CSRF token work on whichever worker a request
lands (each httpx request below is a new connection, which either worker may accept): sessions, CSRF
tokens and the login's rate limit live in the database, not in a worker.

WeChat Pay: the fake that `--fake-wechat` starts lives inside each worker (its transactions in that
worker's memory), so a refund landing on the other worker would find no payment. The server therefore
runs with its real WeChat Pay settings (throwaway merchant keys) against one fake platform served by this
test, which both workers reach over HTTP; the only seam is WeChat Pay's address, set by SHIM (a
sitecustomize module on the server's PYTHONPATH, so uvicorn's spawned workers load it too). Shoppers log in
through a loopback jscode2session stand-in (MPGEN_WECHAT_API, as the settings allow). Skipped without
MPGEN_TEST_DATABASE_URL or without Chromium, with the reason.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from click.testing import CliRunner

from generator.cli import main
from generator.server.fake_wechat import fake_openid
from generator.server.fake_wechatpay import FakeMerchant, FakeWeChatPay, FakeWeChatPayServer, private_pem, public_pem

from .conftest import SHOP, postgres_database
from .test_serve_cli import REPO, clean_env, free_port

PASSWORD = "correct horse battery"
APPID = "wx0123456789abcdef"  # the test shop's
GATEWAY_ENV = "MPGEN_TEST_WECHATPAY_GATEWAY"
SHIM = f'''"""Test seam of test_admin_workers: WeChat Pay's address is the test's fake platform."""
import dataclasses
import os

from generator.server import wechatpay_config

_load = wechatpay_config.load_merchant_config


def _pointed(*args, **kwargs):
    return dataclasses.replace(_load(*args, **kwargs), gateway=os.environ["{GATEWAY_ENV}"])


wechatpay_config.load_merchant_config = _pointed
'''
GREEN_1 = {
    "items": [{"productId": "green", "quantity": 1, "priceFen": 1250, "options": {}}],
    "address": {"userName": "张三丰", "telNumber": "13812345678", "detailInfo": "科技园 1 号"},
    "totalFen": 2050,
}


class _Jscode2session(BaseHTTPRequestHandler):
    """WeChat's login API on loopback: any code is the shopper fake_openid(code); anything else errs."""

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path == "/sns/jscode2session":
            code = parse_qs(parts.query).get("js_code", [""])[0]
            answer: dict[str, Any] = {"openid": fake_openid(code), "session_key": "fake-session-key"}
        else:
            answer = {"errcode": 40001, "errmsg": "not in this stand-in"}
        body = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        return None


@dataclass
class Shop:
    url: str
    database_url: str
    platform: FakeWeChatPay
    process: subprocess.Popen[str]

    def output(self) -> str:
        self.process.terminate()
        out, _ = self.process.communicate(timeout=15)
        return out


def _env(
    folder: Path, database_url: str, platform: FakeWeChatPay, pay: FakeWeChatPayServer, api: str
) -> dict[str, str]:
    merchant = platform.merchant
    shim = folder / "shim"
    shim.mkdir()
    (shim / "sitecustomize.py").write_text(SHIM, encoding="utf-8")
    private = folder / "apiclient_key.pem"
    private.write_text(private_pem(merchant.private_key), encoding="utf-8")
    public = folder / "pub_key.pem"
    public.write_text(public_pem(platform.platform_key.public_key()), encoding="utf-8")
    return clean_env(
        DATABASE_URL=database_url,
        PYTHONPATH=os.pathsep.join([str(shim), str(REPO)]),
        WECHAT_APPSECRET="app-secret-for-the-stand-in",
        MPGEN_WECHAT_API=api,
        WECHATPAY_MCHID=merchant.mchid,
        WECHATPAY_SERIAL_NO=merchant.serial_no,
        WECHATPAY_PRIVATE_KEY_FILE=str(private),
        WECHATPAY_APIV3_KEY=merchant.apiv3_key,
        WECHATPAY_PUBLIC_KEY_FILE=str(public),
        WECHATPAY_PUBLIC_KEY_ID=platform.public_key_id,
        PUBLIC_URL="https://shop.example.com",
        MPGEN_ADMIN_REFUND_LIMIT_FEN="500",
        **{GATEWAY_ENV: pay.url},
    )


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory, chromium_path: str) -> Iterator[Shop]:
    # chromium_path first: without Chromium the test skips before a server starts
    folder = tmp_path_factory.mktemp("admin-workers")
    platform = FakeWeChatPay(FakeMerchant.create(), APPID)
    login_api = ThreadingHTTPServer(("127.0.0.1", 0), _Jscode2session)
    threading.Thread(target=login_api.serve_forever, daemon=True).start()
    with postgres_database() as database_url, FakeWeChatPayServer(platform) as pay:
        env = _env(folder, database_url, platform, pay, f"http://127.0.0.1:{login_api.server_address[1]}")
        for username, role in (("boss", "owner"), ("clerk", "operator")):
            added = CliRunner().invoke(
                main,
                ["admin", "add-user", str(SHOP), username, "--role", role, "--password-stdin", "--data", str(folder)],
                input=PASSWORD + "\n",
                env={"DATABASE_URL": database_url},
            )
            assert added.exit_code == 0, added.output
        port = free_port()
        command = [sys.executable, "-m", "generator", "serve", str(SHOP), "--workers", "2", "--port", str(port)]
        process = subprocess.Popen(
            [*command, "--data", str(folder)], cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True,
        )  # fmt: skip
        served = Shop(f"http://127.0.0.1:{port}/", database_url, platform, process)
        try:
            deadline = time.monotonic() + 60
            while True:
                assert process.poll() is None, process.stdout.read() if process.stdout else ""
                try:
                    if httpx.get(served.url + "health", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, "gen serve --workers 2 did not answer /health within 60 s"
                time.sleep(0.2)
            yield served
        finally:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
    login_api.shutdown()


def fresh(shop: Shop, **options: Any) -> httpx.Client:
    """A client whose every request is a new connection, so either worker may take it."""
    headers = {"Connection": "close", **options.pop("headers", {})}
    return httpx.Client(base_url=shop.url, timeout=15, headers=headers, **options)


def paid_order(shop: Shop, code: str) -> str:
    with fresh(shop) as client:
        token = client.post("session", json={"code": code}).json()["session"]
        auth = {"Authorization": f"Bearer {token}"}
        made = client.post("orders", json=GREEN_1, headers={**auth, "Idempotency-Key": uuid.uuid4().hex})
        assert made.status_code == 201, made.text
        number: str = made.json()["orderId"]
        assert client.post(f"orders/{number}/pay", headers=auth).status_code == 200
        notify = shop.platform.pay(number)  # the shopper pays; WeChat notifies the shop
        delivered = client.post("pay/notify", headers=dict(notify.headers), content=notify.body)
        assert delivered.status_code == 200, delivered.text
        assert client.get(f"orders/{number}", headers=auth).json()["state"] == "paid"
    return number


def log_in(page: Any, shop: Shop, path: str, username: str) -> None:
    from playwright.sync_api import expect

    page.goto(shop.url + path.lstrip("/"))
    expect(page).to_have_url(f"{shop.url}admin/login?next={path}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button:has-text('登录')")


def test_ship_refund_and_audit_in_chromium_on_two_workers(shop: Shop, page: object, tmp_path: Path) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    number = paid_order(shop, "code-workers-owner")
    log_in(page, shop, f"/admin/orders/{number}", "boss")
    expect(page.locator("#state")).to_have_text("已支付")
    page.fill("input[name=carrier]", "顺丰")
    page.fill("input[name=tracking_no]", "SF1234567890")
    page.click("button:has-text('发货')")
    expect(page.locator("h1")).to_have_text("确认发货")
    page.click("button:has-text('确认')")
    expect(page.locator(".notice")).to_contain_text("已发货")
    page.fill("input[name=amount]", "5")
    page.fill("input[name=reason]", "少发一件")
    page.click("button:has-text('退款')")
    expect(page.locator("h1")).to_have_text("确认退款")
    page.click("button:has-text('确认')")
    expect(page.locator(".notice")).to_contain_text("退款")
    (refund,) = [r for r in shop.platform.refunds.values() if r.order_no == number]
    assert refund.refund_fen == 500
    notify = shop.platform.complete_refund(refund.refund_no)  # the money reaches the shopper
    with fresh(shop) as wechat:
        assert wechat.post("pay/refund-notify", headers=dict(notify.headers), content=notify.body).status_code == 200

    page.click("nav a:has-text('操作记录')")
    expect(page.locator("h1")).to_contain_text("操作记录")
    rows = page.locator("#audit li")
    expect(rows.nth(0)).to_contain_text("退款")
    expect(rows.nth(0)).to_contain_text("¥5.00")
    expect(rows.nth(1)).to_contain_text("发货")
    expect(rows.nth(1)).to_contain_text("顺丰")
    page.select_option("select[name=action]", "ship")
    page.click("button:has-text('筛选')")
    expect(rows).to_have_count(1)
    rows.nth(0).locator("a:has-text('查看订单')").click()
    expect(page.locator("#state")).to_have_text("已发货")
    page.screenshot(path=str(tmp_path / "audit.png"), full_page=True)

    # the browser's session cookie and CSRF token, on new connections: every one is accepted
    cookie = next(c for c in page.context.cookies() if c["name"] == "mpgen_admin")
    with fresh(shop, cookies={"mpgen_admin": cookie["value"]}) as owner:
        pages = [owner.get(f"admin/orders/{number}") for _ in range(12)]
        assert [p.status_code for p in pages] == [200] * 12
        tokens = set()
        for answer in pages:
            found = re.search(r'name="csrf" value="([^"]+)"', answer.text)
            assert found is not None
            tokens.add(found.group(1))
        (csrf,) = tokens  # the same token whichever worker rendered the page
        bad = owner.post(f"admin/orders/{number}/refund", data={"csrf": "x", "amount": "1", "reason": "r"})
        assert bad.status_code == 403
        form = {"csrf": csrf, "amount": "1", "reason": "再退"}
        asked = [owner.post(f"admin/orders/{number}/refund", data=form) for _ in range(8)]
        assert [a.status_code for a in asked] == [200] * 8 and all("确认退款" in a.text for a in asked)


def test_an_operator_is_held_to_the_limit_on_either_worker(shop: Shop, page: object) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    number = paid_order(shop, "code-workers-clerk")
    log_in(page, shop, f"/admin/orders/{number}", "clerk")
    expect(page.locator("#allowance")).to_contain_text("还可退 ¥5.00")
    page.fill("input[name=amount]", "3")
    page.fill("input[name=reason]", "少发一件")
    page.click("button:has-text('退款')")
    page.click("button:has-text('确认')")
    expect(page.locator(".notice")).to_contain_text("退款")
    expect(page.locator("#allowance")).to_contain_text("还可退 ¥2.00")
    page.fill("input[name=amount]", "2.01")
    page.fill("input[name=reason]", "再退")
    page.click("button:has-text('退款')")
    expect(page.locator("main")).to_contain_text("累计不能超过 ¥5.00")
    expect(page.locator("main")).to_contain_text("还可退 ¥2.00")
    assert page.goto(shop.url + "admin/audit").status == 403  # type: ignore[union-attr]
    expect(page.locator("main")).to_contain_text("操作记录只有店主可以查看")
    page.goto(shop.url + "admin")
    expect(page.locator("nav")).to_contain_text("订单")
    expect(page.locator("nav")).not_to_contain_text("操作记录")
    assert [r.refund_fen for r in shop.platform.refunds.values() if r.order_no == number] == [300]

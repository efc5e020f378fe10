"""End to end: the Official Account's follower gift across the two servers, as they run for a shop.

`gen oa serve --fake-wechat` and `gen serve --fake-wechat` run as separate processes on one database (the
SQLite file of one data folder, or one PostgreSQL database through DATABASE_URL). A new follower's signed
subscribe event gets the reply that links into the mini-program; then the GENERATED coupons block (run by
tests/js/client.js in node) logs in as the same person (in the fakes, follower "alice" and login code
"alice" share a UnionID) and shows the welcome coupon waiting among the shopper's coupons, never among the
ones anyone may claim. WeChat's retry of the event gives the same reply and no second gift, and the gift
survives an unfollow.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from generator.build import build
from generator.oa.server import signature
from tests.server.conftest import postgres_database
from tests.test_client_e2e import Served, free_port
from tests.test_client_session import node_or_skip, run_client

SITE = Path(__file__).parent / "server" / "sites" / "follower"
TOKEN = "e2e-follower-token"
START_TIMEOUT_S = 30


class OaServed:
    """`gen oa serve SITE --fake-wechat` in a subprocess on a free port, on the shop's database."""

    def __init__(self, site: Path, data: Path, database_url: str | None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "WECHAT_AES_KEY")}
        env["WECHAT_TOKEN"] = TOKEN
        if database_url:
            env["DATABASE_URL"] = database_url
        command = [sys.executable, "-m", "generator", "oa", "serve", str(site), "--fake-wechat"]
        command += ["--port", str(self.port), "--data", str(data)]
        self.log = data.parent / f"oa-serve-{self.port}.log"
        self.log_file = self.log.open("w")
        self.proc = subprocess.Popen(command, stdout=self.log_file, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self._verifies():
            if self.proc.poll() is not None:
                raise AssertionError(f"gen oa serve exited {self.proc.returncode}:\n{self.log.read_text()}")
            if time.monotonic() > deadline:
                self.stop()
                raise AssertionError(f"gen oa serve did not answer:\n{self.log.read_text()}")
            time.sleep(0.1)

    def _verifies(self) -> bool:
        """WeChat's server verification (GET with echostr) answers: the server is up."""
        timestamp, nonce = str(int(time.time())), secrets.token_hex(6)
        params = {"timestamp": timestamp, "nonce": nonce, "signature": signature(TOKEN, timestamp, nonce)}
        try:
            answer = httpx.get(self.url, params={**params, "echostr": "up"}, timeout=1)
        except httpx.HTTPError:
            return False
        return answer.status_code == 200 and answer.text == "up"

    def event(self, openid: str, event: str, created: int) -> httpx.Response:
        """A signed event message from WeChat, as the follower `openid` did it at `created`."""
        timestamp, nonce = str(int(time.time())), secrets.token_hex(6)
        body = (
            f"<xml><ToUserName><![CDATA[gh_shop]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{created}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
            f"<Event><![CDATA[{event}]]></Event></xml>"
        )
        params = {"timestamp": timestamp, "nonce": nonce, "signature": signature(TOKEN, timestamp, nonce)}
        return httpx.post(self.url, params=params, content=body.encode(), timeout=10)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log_file.close()


def copy_site(folder: Path) -> Path:
    return Path(shutil.copytree(SITE, folder, ignore=shutil.ignore_patterns(".mpgen-data", ".mpgen-cache", "dist")))


@pytest.fixture(scope="module")
def miniprogram(tmp_path_factory: pytest.TempPathFactory) -> Path:
    node_or_skip()
    site = copy_site(tmp_path_factory.mktemp("follower-build") / "shop")
    build(site, site / "out")
    return site / "out" / "miniprogram"


@pytest.fixture(params=["sqlite", "postgresql"])
def servers(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[OaServed, Served]]:
    site = copy_site(tmp_path / "shop")
    data = tmp_path / "data"

    def run(url: str | None) -> Iterator[tuple[OaServed, Served]]:
        shop = Served(site, data, url)
        try:
            account = OaServed(site, data, url)
        except BaseException:
            shop.stop()
            raise
        yield account, shop
        account.stop()
        shop.stop()

    if request.param == "sqlite":
        yield from run(None)
        return
    with postgres_database() as url:
        yield from run(url)


def coupons_block(miniprogram: Path, shop: Served, code: str) -> dict[str, Any]:
    """The coupons block's data after it loaded, for the shopper whose wx.login code is `code`."""
    result = run_client(miniprogram, shop.url, "growth", {"code": code, "steps": ["coupons"]})
    block: dict[str, Any] = result["coupons"]
    return block


def test_a_new_follower_finds_the_welcome_coupon_in_the_mini_program(
    miniprogram: Path, servers: tuple[OaServed, Served]
) -> None:
    account, shop = servers
    created = int(time.time())
    reply = account.event("alice", "subscribe", created)
    assert reply.status_code == 200
    content = ET.fromstring(reply.text).findtext("Content") or ""
    assert content.startswith("欢迎关注！") and 'data-miniprogram-path="pages/coupons/index"' in content
    assert account.event("alice", "subscribe", created).text == reply.text  # WeChat's retry: the same reply

    block = coupons_block(miniprogram, shop, "alice")
    assert [(c["couponId"], c["title"]) for c in block["mine"]] == [("welcome", "关注礼满30减5")]
    assert block["mine"][0]["ruleText"] == "满¥30.00可用" and block["mineError"] == ""
    assert [c["id"] for c in block["coupons"]] == ["spring"]  # the gift is never claimable by anyone

    # An unfollow is answered and the gift stays; following again gives nothing more.
    assert account.event("alice", "unsubscribe", created + 1).text == "success"
    assert account.event("alice", "subscribe", created + 2).status_code == 200
    again = coupons_block(miniprogram, shop, "alice")
    assert [c["couponId"] for c in again["mine"]] == ["welcome"]

    # Someone who never followed has no gift.
    assert coupons_block(miniprogram, shop, "bob")["mine"] == []

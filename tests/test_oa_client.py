"""`gen oa push` and `gen oa menu` against a fake WeChat API on 127.0.0.1: token flow, exact body, errors."""

from __future__ import annotations

import http.server
import json
import re
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import main
from generator.errors import GenError
from generator.oa_client import Client, Credentials, check_menu_body

from .conftest import MINIMAL_SITE

APPID, SECRET, TOKEN = "wx0123456789abcdef", "s3cr3t-value", "TOKEN-123"
SITE = MINIMAL_SITE.replace("  name: 小店", f"  name: 小店\n  appid: {APPID}\n  base_url: https://m.example.com/") + (
    "  - id: contact\n    title: 联系\n    blocks: [{type: contact, phone: '400-000-0000'}]\n"
    "official_account:\n  menu:\n    - {name: 首页, page: home}\n    - {name: 关于, page: about}\n"
    "    - name: 服务\n      items:\n        - {name: 联系我们, contact: true}\n"
)


class FakeWeChat:
    """Answers like api.weixin.qq.com: checks the token flow and the menu body, can be told to fail."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, bytes]] = []
        self.menu: dict | None = None
        self.failures: list[int] = []  # errcodes to answer to the next menu calls, in order
        self.delay = 0.0
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def answer(self, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:  # noqa: N802
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                fake.calls.append((self.path, raw))
                time.sleep(fake.delay)
                if self.path == "/cgi-bin/stable_token":
                    body = json.loads(raw)
                    if body != {"grant_type": "client_credential", "appid": APPID, "secret": SECRET}:
                        return self.answer({"errcode": 40125, "errmsg": "invalid appsecret"})
                    return self.answer({"access_token": TOKEN, "expires_in": 7200})
                if self.path == f"/cgi-bin/menu/create?access_token={TOKEN}":
                    if fake.failures:
                        code = fake.failures.pop(0)
                        return self.answer({"errcode": code, "errmsg": "simulated"})
                    if b"\\u" in raw:
                        return self.answer({"errcode": 40033, "errmsg": "invalid charset"})
                    menu = json.loads(raw.decode("utf-8"))
                    if check_menu_body(menu):
                        return self.answer({"errcode": 40018, "errmsg": "invalid button name size"})
                    fake.menu = menu
                    return self.answer({"errcode": 0, "errmsg": "ok"})
                self.answer({"errcode": 40001, "errmsg": "invalid credential"})

            def do_GET(self) -> None:  # noqa: N802
                fake.calls.append((self.path, b""))
                if self.path != f"/cgi-bin/menu/get?access_token={TOKEN}":
                    return self.answer({"errcode": 40001, "errmsg": "invalid credential"})
                if fake.menu is None:
                    return self.answer({"errcode": 46003, "errmsg": "menu no exist"})
                buttons = [{**b, "sub_button": b.get("sub_button", [])} for b in fake.menu["button"]]
                self.answer({"menu": {"button": buttons, "menuid": 1}})

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def wechat():
    fake = FakeWeChat()
    yield fake
    fake.close()


@pytest.fixture
def credentials(monkeypatch) -> None:
    monkeypatch.setenv("WECHAT_APPID", APPID)
    monkeypatch.setenv("WECHAT_SECRET", SECRET)


def oa(*args: object):
    result = CliRunner().invoke(main, ["oa", *[str(a) for a in args]])
    assert "Traceback" not in result.output
    return result


def test_push_gets_a_stable_token_then_creates_the_exact_menu(make_site, wechat, credentials) -> None:
    site = make_site(SITE)
    result = oa("push", site, "--api-base", wechat.url)
    assert result.exit_code == 0, result.output
    assert [path for path, _ in wechat.calls] == ["/cgi-bin/stable_token", f"/cgi-bin/menu/create?access_token={TOKEN}"]
    sent = wechat.calls[1][1]
    assert sent.decode("utf-8") == json.dumps(wechat.menu, ensure_ascii=False)
    assert "首页".encode() in sent
    assert SECRET not in result.output


def test_menu_shows_the_remote_menu_and_the_diff(make_site, wechat, credentials) -> None:
    site = make_site(SITE)
    first = oa("menu", site, "--api-base", wechat.url)
    assert first.exit_code == 0 and "has no menu yet" in first.output and "+++ menu.json (local)" in first.output
    assert oa("push", site, "--api-base", wechat.url).exit_code == 0
    same = oa("menu", site, "--api-base", wechat.url)
    assert "the local menu is the same" in same.output
    (site / "site.yaml").write_text(
        SITE.replace("{name: 关于, page: about}", "{name: 关于我们, page: about}"), encoding="utf-8"
    )
    changed = oa("menu", site, "--api-base", wechat.url)
    assert re.search(r'^-\s+"name": "关于",$', changed.output, re.M)
    assert re.search(r'^\+\s+"name": "关于我们",$', changed.output, re.M)


def test_dry_run_sends_nothing_and_needs_no_credentials(make_site, wechat) -> None:
    result = oa("push", make_site(SITE), "--api-base", wechat.url, "--dry-run")
    assert result.exit_code == 0 and '"pagepath": "pages/home/index"' in result.output
    assert wechat.calls == []


def test_missing_credentials_are_a_clear_error(make_site, monkeypatch) -> None:
    monkeypatch.delenv("WECHAT_APPID", raising=False)
    monkeypatch.delenv("WECHAT_SECRET", raising=False)
    result = oa("push", make_site(SITE))
    assert result.exit_code == 2 and "WECHAT_APPID and WECHAT_SECRET not set" in result.output


def test_wrong_secret_is_explained(make_site, wechat, monkeypatch) -> None:
    monkeypatch.setenv("WECHAT_APPID", APPID)
    monkeypatch.setenv("WECHAT_SECRET", "wrong")
    result = oa("push", make_site(SITE), "--api-base", wechat.url)
    assert result.exit_code == 1
    assert "errcode 40125" in result.output and "check WECHAT_SECRET" in result.output
    assert "wrong" not in result.output


def test_ip_whitelist_error_says_where_to_fix_it(make_site, wechat, credentials) -> None:
    wechat.failures = [40164]
    result = oa("push", make_site(SITE), "--api-base", wechat.url)
    assert result.exit_code == 1 and "IP whitelist" in result.output and "IP白名单" in result.output


def test_system_busy_is_retried_with_backoff() -> None:
    fake = FakeWeChat()
    try:
        fake.failures = [-1, -1]
        pauses: list[float] = []
        client = Client(Credentials(APPID, SECRET), fake.url, sleep=pauses.append)
        client.create_menu(json.dumps({"button": [{"type": "click", "name": "a", "key": "A"}]}).encode())
        assert pauses == [0.5, 1.0]
        assert fake.menu is not None
        fake.failures = [-1] * 10
        with pytest.raises(GenError, match="errcode -1"):
            client.create_menu(b'{"button": []}')
    finally:
        fake.close()


def test_timeouts_are_bounded(wechat) -> None:
    wechat.delay = 2.0
    client = Client(Credentials(APPID, SECRET), wechat.url, timeout=0.3)
    started = time.monotonic()
    with pytest.raises(GenError, match="did not answer within 0.3 s"):
        client.token()
    assert time.monotonic() - started < 1.5


def test_unreachable_api_is_a_clear_error(tmp_path: Path) -> None:
    client = Client(Credentials(APPID, SECRET), "http://127.0.0.1:9", timeout=1)
    with pytest.raises(GenError, match="cannot reach"):
        client.token()


def test_credentials_never_show_the_secret() -> None:
    assert SECRET not in repr(Credentials(APPID, SECRET))

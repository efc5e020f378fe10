"""`gen oa push` and `gen oa menu` against a fake WeChat API on 127.0.0.1: token flow, exact body, errors,
malformed answers, token refresh, https only."""

from __future__ import annotations

import http.server
import json
import logging
import re
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import main
from generator.errors import GenError
from generator.oa.client import TOKEN_REFUSED_TWICE, Client, Credentials, check_menu_body

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
        self.raw: dict[str, bytes] = {}  # path (without the query) -> the exact body to answer
        self.token = TOKEN  # the one valid access token; stable_token hands it out
        self.delay = 0.0
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def answer(self, body: dict) -> None:
                data = fake.raw.get(self.path.split("?")[0]) or json.dumps(body).encode()
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
                    return self.answer({"access_token": fake.token, "expires_in": 7200})
                if self.path == f"/cgi-bin/menu/create?access_token={fake.token}":
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
                if self.path != f"/cgi-bin/menu/get?access_token={fake.token}":
                    return self.answer({"errcode": 40001, "errmsg": "invalid credential"})
                if fake.menu is None:
                    return self.answer({"errcode": 46003, "errmsg": "menu no exist"})
                buttons = [{**b, "sub_button": b.get("sub_button", [])} for b in fake.menu["button"]]
                self.answer({"menu": {"button": buttons, "menuid": 1}})

        class Server(http.server.ThreadingHTTPServer):
            def handle_error(self, request, client_address) -> None:
                # A handler still sleeping for a timeout test writes to a closed socket later, while
                # another test captures stderr: that is expected, anything else is reported.
                if not isinstance(sys.exc_info()[1], ConnectionError):
                    super().handle_error(request, client_address)

        self.httpd = Server(("127.0.0.1", 0), Handler)
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
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
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


CREATE = f"/cgi-bin/menu/create?access_token={TOKEN}"


@pytest.mark.parametrize(
    "answer", [b'{"expires_in": 7200}', b'{"access_token": ""}', b'{"access_token": 12345}', b'{"errcode": 0}']
)
def test_a_token_answer_without_an_access_token_is_a_clear_error(make_site, wechat, credentials, answer) -> None:
    wechat.raw["/cgi-bin/stable_token"] = answer
    result = oa("push", make_site(SITE), "--api-base", wechat.url)
    assert result.exit_code == 1
    assert "WeChat's answer while trying to issue an access token had no access_token" in result.output


@pytest.mark.parametrize(
    "path,answer,kind",
    [
        ("/cgi-bin/stable_token", b"[]", "a list"),
        ("/cgi-bin/menu/create", b'[{"errcode": 0}]', "a list"),
        ("/cgi-bin/menu/create", b'"ok"', "a string"),
        ("/cgi-bin/menu/create", b"null", "null"),
        ("/cgi-bin/menu/create", b"42", "a number"),
    ],
)
def test_an_answer_that_is_not_a_json_object_is_a_clear_error(
    make_site, wechat, credentials, path, answer, kind
) -> None:
    wechat.raw[path] = answer
    result = oa("push", make_site(SITE), "--api-base", wechat.url)
    assert result.exit_code == 1 and f"was {kind}, not a JSON object" in result.output


@pytest.mark.parametrize("errcode", ['"abc"', "1.5", "[40001]", "true", '{"a": 1}', '"9999999999999"'])
def test_a_non_numeric_errcode_is_a_clear_error(make_site, wechat, credentials, errcode: str) -> None:
    wechat.raw["/cgi-bin/menu/create"] = f'{{"errcode": {errcode}, "errmsg": "odd"}}'.encode()
    result = oa("push", make_site(SITE), "--api-base", wechat.url)
    assert result.exit_code == 1 and "had an errcode that is not a number" in result.output


def test_a_numeric_string_errcode_is_read_as_a_number(make_site, wechat, credentials) -> None:
    wechat.raw["/cgi-bin/menu/create"] = b'{"errcode": "40164", "errmsg": "invalid ip"}'
    result = oa("push", make_site(SITE), "--api-base", wechat.url)
    assert result.exit_code == 1 and "IP白名单" in result.output


def test_menu_get_with_an_odd_shape_is_a_clear_error(make_site, wechat, credentials) -> None:
    wechat.raw["/cgi-bin/menu/get"] = b'{"menu": {"button": "none"}}'
    result = oa("menu", make_site(SITE), "--api-base", wechat.url)
    assert result.exit_code == 1 and "had no menu.button list" in result.output


def test_system_busy_after_every_retry_is_explained() -> None:
    fake = FakeWeChat()
    try:
        fake.failures = [-1] * 4
        pauses: list[float] = []
        client = Client(Credentials(APPID, SECRET), fake.url, sleep=pauses.append)
        with pytest.raises(GenError) as caught:
            client.create_menu(json.dumps({"button": [{"type": "click", "name": "a", "key": "A"}]}).encode())
        assert pauses == [0.5, 1.0, 2.0] and fake.failures == []
        assert caught.value.exit_code == 1
        assert "errcode -1 (simulated): WeChat's system is busy; try again in a minute" in caught.value.message
    finally:
        fake.close()


@pytest.mark.parametrize("code", [40001, 42001])
def test_a_refused_token_during_menu_create_is_fetched_again_once(make_site, wechat, credentials, code) -> None:
    wechat.failures = [code]
    result = oa("push", make_site(SITE), "--api-base", wechat.url)
    assert result.exit_code == 0, result.output
    assert [path for path, _ in wechat.calls] == ["/cgi-bin/stable_token", CREATE, "/cgi-bin/stable_token", CREATE]
    assert wechat.menu is not None


def test_a_token_invalidated_by_another_system_is_replaced(wechat) -> None:
    client = Client(Credentials(APPID, SECRET), wechat.url)
    assert client.token() == TOKEN
    wechat.token = "TOKEN-456"  # someone called stable_token with force_refresh: ours is invalid now
    client.create_menu(json.dumps({"button": [{"type": "click", "name": "a", "key": "A"}]}).encode())
    assert wechat.menu is not None
    assert [path for path, _ in wechat.calls][-2:] == [
        "/cgi-bin/stable_token",
        "/cgi-bin/menu/create?access_token=TOKEN-456",
    ]
    sent = [json.loads(body) for path, body in wechat.calls if path == "/cgi-bin/stable_token"]
    assert all("force_refresh" not in body for body in sent)  # a forced refresh would break the other system


@pytest.mark.parametrize("code", [40001, 42001])
def test_a_token_refused_twice_is_not_blamed_on_the_secret(make_site, wechat, credentials, code) -> None:
    wechat.failures = [code, code, 0]
    result = oa("push", make_site(SITE), "--api-base", wechat.url)
    assert result.exit_code == 1 and f"errcode {code}" in result.output
    assert TOKEN_REFUSED_TWICE.split(";")[0] in " ".join(result.output.split())
    assert "check WECHAT_SECRET" not in result.output
    assert len(wechat.calls) == 4  # one refresh, not a loop


def test_a_wrong_secret_is_still_blamed_on_the_secret_after_no_refresh(make_site, wechat, monkeypatch) -> None:
    monkeypatch.setenv("WECHAT_APPID", APPID)
    monkeypatch.setenv("WECHAT_SECRET", "wrong")
    wechat.raw["/cgi-bin/stable_token"] = b'{"errcode": 40001, "errmsg": "invalid credential"}'
    result = oa("push", make_site(SITE), "--api-base", wechat.url)
    assert result.exit_code == 1 and "check WECHAT_SECRET" in result.output and len(wechat.calls) == 1


@pytest.mark.parametrize(
    "api_base",
    [
        "http://example.com",
        "http://api.weixin.qq.com",
        "http://10.0.0.1:8080",
        "ftp://example.com",
        "api.weixin.qq.com",
    ],
)
@pytest.mark.parametrize("command", ["push", "menu"])
def test_an_api_base_that_is_not_https_is_refused(make_site, credentials, api_base: str, command: str) -> None:
    result = oa(command, make_site(SITE), "--api-base", api_base)
    assert result.exit_code == 2 and "is not https" in result.output and SECRET not in result.output


def test_an_api_base_with_a_password_or_a_bad_port_is_refused(make_site, credentials) -> None:
    assert oa("push", make_site(SITE), "--api-base", "https://u:p@example.com").exit_code == 2
    assert "invalid port" in oa("push", make_site(SITE), "--api-base", "http://127.0.0.1:abc").output


def test_http_to_loopback_is_allowed(make_site, wechat, credentials) -> None:
    port = wechat.url.rsplit(":", 1)[1]
    for base in (wechat.url, f"http://localhost:{port}"):
        wechat.menu = None
        assert oa("push", make_site(SITE, name=base.split(":")[1].strip("/")), "--api-base", base).exit_code == 0
        assert wechat.menu is not None
    assert Client(Credentials(APPID, SECRET), "http://[::1]:9").api_base == "http://[::1]:9"
    assert Client(Credentials(APPID, SECRET), "https://api.weixin.qq.com/").api_base == "https://api.weixin.qq.com"


def test_logs_name_the_calls_but_never_the_secret_or_the_token(make_site, wechat, credentials, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    wechat.failures = [-1, 40001]
    site = make_site(SITE)
    assert oa("push", site, "--api-base", wechat.url).exit_code == 0
    assert oa("menu", site, "--api-base", wechat.url).exit_code == 0
    logged = caplog.text
    assert "POST /cgi-bin/menu/create" in logged and "GET /cgi-bin/menu/get" in logged
    for secret in (SECRET, TOKEN, "access_token="):
        assert secret not in logged


def test_an_http_api_base_is_refused_before_the_build_even_for_a_dry_run(make_site) -> None:
    result = oa("push", make_site(SITE), "--api-base", "http://example.com", "--dry-run")
    assert result.exit_code == 2 and "is not https" in result.output and "POST" not in result.output

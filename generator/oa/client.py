"""The WeChat Official Account API as `gen oa` uses it: a stable token, the menu, a follower's UnionID, and
readable errors.

Whatever WeChat (or something posing as it) answers becomes a result or a GenError, never a
traceback. The AppSecret and access token only travel over https (plain http only to loopback, for
a local fake) and are never logged: the log names API paths without their query.
"""

from __future__ import annotations

import difflib
import ipaddress
import json
import logging
import os
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..errors import GenError
from ..spec.official_account import KEY_BYTES, MENU_NAME_BYTES, SUB_NAME_BYTES, URL_BYTES

DEFAULT_API_BASE = "https://api.weixin.qq.com"
TIMEOUT_SECONDS = 10
BUSY_RETRIES = 3
BUSY_BACKOFF_SECONDS = 0.5  # doubled after each "system busy" answer
BUSY = -1
# The access token was refused: invalid (40001, 40014) or expired (42001). Another system calling
# stable_token with force_refresh invalidates ours, so the token is fetched again, once.
TOKEN_REFUSED = (40001, 40014, 42001)
TOKEN_REFUSED_TWICE = (
    "WeChat refused an access token it had just issued, twice; another system may be refreshing this "
    "account's token (stable_token with force_refresh). Wait a minute and run the command again"
)

UNIONID = re.compile(r"[A-Za-z0-9_-]{1,64}")  # 28 characters today; the database keeps 64

JSON_KINDS: dict[type, str] = {list: "a list", str: "a string", bool: "a boolean", type(None): "null"}

log = logging.getLogger(__name__)

# WeChat's error codes -> what they mean for the person running `gen oa`, and what to do.
ERRORS = {
    BUSY: "WeChat's system is busy; try again in a minute",
    40001: "the access token or the AppSecret is invalid; check WECHAT_SECRET (reset it in 设置与开发 > 基本配置)",
    40002: "invalid grant type (an mpgen bug; please report it)",
    40003: "the openid is not a follower of this Official Account (or belongs to another AppID)",
    40014: "the access token is invalid; run the command again",
    40013: "the AppID is invalid; check WECHAT_APPID (the Official Account's AppID, starting with wx)",
    40125: "the AppSecret is invalid; check WECHAT_SECRET (reset it in 设置与开发 > 基本配置)",
    40164: "this machine's IP address is not on the Official Account's IP whitelist; add it under "
    "设置与开发 > 基本配置 > IP白名单",
    40016: "the menu has a wrong number of buttons (1 to 3 menus, 1 to 5 entries each)",
    40017: "a menu button has an invalid type",
    40018: "a menu name is too long (16 bytes for a menu, 60 for an entry; a Chinese character is 3 bytes)",
    40019: "a menu key is too long (at most 128 bytes)",
    40023: "a sub-menu has a wrong number of entries (1 to 5)",
    40025: "a sub-menu name is too long (at most 60 bytes)",
    40027: "a menu URL is too long (at most 1024 bytes)",
    40033: "the request has \\u-escaped text; send the menu as plain UTF-8 (an mpgen bug; please report it)",
    40054: "a menu URL's domain is not allowed",
    40055: "a menu URL is invalid",
    40165: "a mini-program page path in the menu does not exist in the published mini-program",
    40166: "the mini-program is not linked to this Official Account; link it under 广告与服务 > 小程序管理",
    41001: "the access token is missing (an mpgen bug; please report it)",
    42001: "the access token expired; run the command again",
    45009: "the daily API quota is used up; try again tomorrow or reset the quota in the console",
    46003: "the Official Account has no custom menu yet",
    48001: "this Official Account may not use the menu API (it must be verified, 认证)",
    65303: "there is no menu to read (the account uses personalised menus only)",
}


@dataclass(frozen=True)
class Credentials:
    appid: str
    secret: str

    def __repr__(self) -> str:  # never show the secret, even in a traceback
        return f"Credentials(appid={self.appid!r}, secret='***')"


def credentials_from_env() -> Credentials:
    appid, secret = os.environ.get("WECHAT_APPID", ""), os.environ.get("WECHAT_SECRET", "")
    missing = [name for name, value in (("WECHAT_APPID", appid), ("WECHAT_SECRET", secret)) if not value]
    if missing:
        raise GenError(
            f"{' and '.join(missing)} not set; export the Official Account's AppID and AppSecret "
            "(设置与开发 > 基本配置) in the environment. They are never read from site.yaml or written anywhere."
        )
    return Credentials(appid, secret)


def check_api_base(url: str) -> str:
    """`url` when the API may be called there: https, or http to a loopback address; else a GenError (exit 2)."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    try:
        parts.port  # noqa: B018 (raises ValueError for a port that is not a number)
    except ValueError:
        raise GenError(f"--api-base {url!r} has an invalid port") from None
    if parts.username or parts.password:
        raise GenError("--api-base must not contain a user name or password")
    if parts.scheme == "https" and host:
        return url
    if parts.scheme == "http" and _loopback(host):
        return url
    shown = f"{parts.scheme}://{host}" if parts.scheme else repr(url)
    raise GenError(
        f"--api-base {shown} is not https: the AppSecret and the access token would cross the network "
        "readable by anyone on the way. Use https:// (http:// is allowed only for 127.0.0.1, ::1 or "
        "localhost, e.g. a local fake of the API)"
    )


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _errcode(answer: dict[str, Any], what: str) -> int:
    """WeChat's errcode as an int (0 when absent); a GenError when it is not a whole number."""
    code = answer.get("errcode")
    if code is None:
        return 0
    if isinstance(code, int) and not isinstance(code, bool):
        return code
    if isinstance(code, str) and re.fullmatch(r"-?\d{1,9}", code.strip()):
        return int(code)
    shown = repr(code)[:40]
    raise GenError(f"WeChat's answer while trying to {what} had an errcode that is not a number ({shown})", 1)


class WeChatError(GenError):
    def __init__(self, code: int, message: str, what: str, explanation: str | None = None) -> None:
        if explanation is None:
            explanation = ERRORS.get(
                code, "see https://developers.weixin.qq.com/doc/offiaccount/Getting_Started/Global_Return_Code.html"
            )
        super().__init__(f"WeChat refused to {what}: errcode {code} ({message}): {explanation}", exit_code=1)
        self.code = code
        self.errmsg = message


class Client:
    """Calls the API with bounded timeouts, retries "system busy" with backoff, and keeps the token in memory."""

    def __init__(
        self,
        credentials: Credentials,
        api_base: str = DEFAULT_API_BASE,
        timeout: float = TIMEOUT_SECONDS,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.credentials = credentials
        self.api_base = check_api_base(api_base).rstrip("/")
        self.timeout = timeout
        self.sleep = sleep
        self._token: str | None = None

    def _call(
        self, path: str, what: str, body: bytes | None = None, query: dict[str, str] | None = None
    ) -> dict[str, Any]:
        """POST `body` (GET without one); retries "system busy" with backoff; WeChat's errors become GenErrors."""
        url = f"{self.api_base}{path}"
        if query:
            url += "?" + urllib.parse.urlencode(query)
        method = "POST" if body is not None else "GET"
        delay = BUSY_BACKOFF_SECONDS
        for attempt in range(BUSY_RETRIES + 1):
            headers = {"Content-Type": "application/json; charset=utf-8"} if body is not None else {}
            request = urllib.request.Request(url, data=body, method=method, headers=headers)
            log.debug("WeChat API: %s %s (attempt %d)", method, path, attempt + 1)  # no query: it holds the token
            answer = self._send(request, what)
            code = _errcode(answer, what)
            if code == BUSY and attempt < BUSY_RETRIES:
                log.info("WeChat is busy (errcode -1); asking again in %g s", delay)
                self.sleep(delay)
                delay *= 2
                continue
            if code:
                raise WeChatError(code, str(answer.get("errmsg", ""))[:200], what)
            return answer
        raise AssertionError("unreachable")

    def _with_token(
        self, path: str, what: str, body: bytes | None = None, query: dict[str, str] | None = None
    ) -> dict[str, Any]:
        """A call with the access token; a refused token is fetched again and the call repeated, once."""
        token = self.token()  # its own errors (a wrong secret, ...) are not a refused token
        try:
            return self._call(path, what, body, {**(query or {}), "access_token": token})
        except WeChatError as exc:
            if exc.code not in TOKEN_REFUSED:
                raise
            log.info("WeChat refused the access token (errcode %d); fetching it again", exc.code)
            self._token = None
        token = self.token()
        try:
            return self._call(path, what, body, {**(query or {}), "access_token": token})
        except WeChatError as exc:
            if exc.code not in TOKEN_REFUSED:
                raise
            raise WeChatError(exc.code, exc.errmsg, what, TOKEN_REFUSED_TWICE) from None

    def _send(self, request: urllib.request.Request, what: str) -> dict[str, Any]:
        late = f"WeChat did not answer within {self.timeout:g} s while trying to {what}; check the network and retry"
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                answer = json.loads(response.read().decode("utf-8"))
        except TimeoutError:
            raise GenError(late, exit_code=1) from None
        except urllib.error.HTTPError as exc:
            raise GenError(f"WeChat answered HTTP {exc.code} while trying to {what}", exit_code=1) from None
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError):
                raise GenError(late, exit_code=1) from None
            raise GenError(
                f"cannot reach {self.api_base} to {what} ({exc.reason}); check the network", exit_code=1
            ) from None
        except ValueError:  # also UnicodeDecodeError
            raise GenError(f"WeChat's answer while trying to {what} was not JSON", exit_code=1) from None
        if not isinstance(answer, dict):
            kind = JSON_KINDS.get(type(answer), "a number")
            raise GenError(f"WeChat's answer while trying to {what} was {kind}, not a JSON object", exit_code=1)
        return answer

    def token(self) -> str:
        if self._token is None:
            what = "issue an access token"
            body = json.dumps(
                {"grant_type": "client_credential", "appid": self.credentials.appid, "secret": self.credentials.secret}
            ).encode()
            token = self._call("/cgi-bin/stable_token", what, body).get("access_token")
            if not isinstance(token, str) or not token:
                raise GenError(f"WeChat's answer while trying to {what} had no access_token", exit_code=1)
            self._token = token
        return self._token

    def create_menu(self, menu_json: bytes) -> None:
        self._with_token("/cgi-bin/menu/create", "create the menu", menu_json)

    def get_menu(self) -> dict[str, Any] | None:
        """The current menu as a create body, or None when the account has no menu."""
        what = "read the current menu"
        try:
            answer = self._with_token("/cgi-bin/menu/get", what)
        except WeChatError as exc:
            if exc.code == 46003:
                return None
            raise
        menu = answer.get("menu", {})
        buttons = menu.get("button", []) if isinstance(menu, dict) else None
        if not isinstance(buttons, list) or not all(isinstance(b, dict) for b in buttons):
            raise GenError(f"WeChat's answer while trying to {what} had no menu.button list", exit_code=1)
        return {"button": [{k: v for k, v in b.items() if not (k == "sub_button" and v == [])} for b in buttons]}

    def user_read(self, begin_date: str, end_date: str) -> list[dict[str, Any]]:
        """datacube/getuserread (图文统计数据) for begin_date..end_date (YYYY-MM-DD, at most 3 days, up to
        yesterday): the answer's `list`, one entry per day and reader source (user_source)."""
        what = "read the article statistics (datacube/getuserread)"
        body = json.dumps({"begin_date": begin_date, "end_date": end_date}).encode()
        entries = self._with_token("/datacube/getuserread", what, body).get("list", [])
        if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries):
            raise GenError(f"WeChat's answer while trying to {what} had no list of entries", exit_code=1)
        return entries

    def unionid(self, openid: str) -> str | None:
        """A follower's UnionID (user/info), or None when the account is bound to no Open Platform account."""
        answer = self._with_token(
            "/cgi-bin/user/info", "read a follower's UnionID", query={"openid": openid, "lang": "zh_CN"}
        )
        value = answer.get("unionid")
        if value is None:
            return None
        if not isinstance(value, str) or not UNIONID.fullmatch(value):
            raise GenError("WeChat's answer while trying to read a follower's UnionID had a malformed unionid", 1)
        return value


def check_menu_body(body: dict[str, Any]) -> list[str]:
    """Problems of a menu/create body against WeChat's limits (bytes in UTF-8); [] when it is fine."""
    problems = []

    def size(text: str) -> int:
        return len(text.encode("utf-8"))

    buttons = body.get("button", [])
    if not 1 <= len(buttons) <= 3:
        problems.append(f"{len(buttons)} menus; WeChat allows 1 to 3")
    for i, button in enumerate(buttons):
        if size(button.get("name", "")) > MENU_NAME_BYTES:
            problems.append(f"button[{i}].name is over {MENU_NAME_BYTES} bytes")
        subs = button.get("sub_button")
        entries = (
            [(f"button[{i}]", button, MENU_NAME_BYTES)]
            if subs is None
            else [(f"button[{i}].sub_button[{j}]", sub, SUB_NAME_BYTES) for j, sub in enumerate(subs)]
        )
        if subs is not None and not 1 <= len(subs) <= 5:
            problems.append(f"button[{i}] has {len(subs)} entries; WeChat allows 1 to 5")
        for where, entry, name_limit in entries:
            if size(entry.get("name", "")) > name_limit:
                problems.append(f"{where}.name is over {name_limit} bytes")
            kind = entry.get("type")
            if kind == "click" and not 0 < size(entry.get("key", "")) <= KEY_BYTES:
                problems.append(f"{where}.key must be 1 to {KEY_BYTES} bytes")
            if kind in ("view", "miniprogram"):
                url = entry.get("url", "")
                if not url.startswith("https://") or size(url) > URL_BYTES:
                    problems.append(f"{where}.url must be an https URL of at most {URL_BYTES} bytes")
            if kind == "miniprogram" and not (entry.get("appid") and entry.get("pagepath")):
                problems.append(f"{where} needs appid and pagepath")
            if kind not in ("click", "view", "miniprogram"):
                problems.append(f"{where}.type {kind!r} is not one mpgen writes")
    return problems


def menu_diff(remote: dict[str, Any] | None, local: dict[str, Any]) -> str:
    """A unified diff of the menus as readable JSON; '' when they are the same."""

    def lines(menu: dict[str, Any] | None) -> list[str]:
        return [] if menu is None else json.dumps(menu, ensure_ascii=False, indent=2, sort_keys=True).splitlines()

    diff = difflib.unified_diff(lines(remote), lines(local), "WeChat (now)", "menu.json (local)", lineterm="")
    return "\n".join(diff)

"""WeChat's jscode2session: a `wx.login` code in, the shopper's openid (and unionid) out.

`HttpCodeExchange` is the real call (httpx, bounded timeout, AppID from the spec, AppSecret from the
settings); `fake_wechat.FakeCodeExchange` answers the same way in-process. WeChat's errors (errcode != 0,
e.g. 40029 for an invalid or used code) become `WeChatLoginError` with WeChat's code and a message that
names no secret; the session_key WeChat returns is dropped (nothing here needs it).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from .settings import Secret

TIMEOUT_SECONDS = 5.0
PATH = "/sns/jscode2session"
KNOWN_ERRORS = {
    40029: "the login code is invalid",
    40163: "the login code was already used",
    45011: "too many logins from this shopper; try again in a minute",
    40226: "WeChat blocked this shopper's login (high-risk user)",
    -1: "WeChat is busy; try again",
}

log = logging.getLogger("generator.server")


@dataclass(frozen=True)
class WeChatIdentity:
    openid: str
    unionid: str | None


class WeChatLoginError(Exception):
    """jscode2session refused the code (`errcode` from WeChat) or could not be reached (`errcode` None)."""

    def __init__(self, message: str, errcode: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.errcode = errcode


class CodeExchange(Protocol):
    def exchange(self, code: str) -> WeChatIdentity: ...

    def close(self) -> None: ...


def identity_from_answer(answer: Any) -> WeChatIdentity:
    """Read jscode2session's JSON: an errcode other than 0 is an error; else openid (and unionid)."""
    if not isinstance(answer, dict):
        raise WeChatLoginError("WeChat's login answer was not a JSON object", None)
    errcode = answer.get("errcode", 0)
    if errcode not in (0, None):
        code = int(errcode) if isinstance(errcode, int) else None
        reason = KNOWN_ERRORS.get(code, "WeChat refused the login") if code is not None else "WeChat refused the login"
        raise WeChatLoginError(f"{reason} (errcode {errcode})", code)
    openid = answer.get("openid")
    if not isinstance(openid, str) or not openid:
        raise WeChatLoginError("WeChat's login answer has no openid", None)
    unionid = answer.get("unionid")
    return WeChatIdentity(openid, unionid if isinstance(unionid, str) and unionid else None)


class HttpCodeExchange:
    """The real jscode2session over https (or a loopback fake in tests, through `api`)."""

    def __init__(self, api: str, appid: str, secret: Secret, transport: httpx.BaseTransport | None = None) -> None:
        self._appid = appid
        self._secret = secret
        self._client = httpx.Client(base_url=api.rstrip("/"), timeout=TIMEOUT_SECONDS, transport=transport)

    def exchange(self, code: str) -> WeChatIdentity:
        params = {
            "appid": self._appid,
            "secret": self._secret.reveal(),
            "js_code": code,
            "grant_type": "authorization_code",
        }
        try:
            response = self._client.get(PATH, params=params)
        except httpx.HTTPError as exc:
            # The exception's text can carry the URL and with it the secret: log only its class.
            log.warning("jscode2session unreachable: %s", type(exc).__name__)
            raise WeChatLoginError("WeChat could not be reached; try again", None) from None
        if response.status_code != 200:
            log.warning("jscode2session answered HTTP %s", response.status_code)
            raise WeChatLoginError(f"WeChat answered HTTP {response.status_code}; try again", None)
        try:
            answer = response.json()
        except ValueError:
            raise WeChatLoginError("WeChat's login answer was not JSON", None) from None
        return identity_from_answer(answer)

    def close(self) -> None:
        self._client.close()

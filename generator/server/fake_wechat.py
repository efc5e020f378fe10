"""A stand-in for WeChat's jscode2session, for `gen serve --fake-wechat` and the tests.

Any code logs in as a stable test shopper: openid "fake-openid-" + a digest of the code (unionid likewise),
so the same code is the same shopper. Codes starting with "invalid" are refused with WeChat's errcode 40029,
so the error path can be tried offline too. `FakeCodeExchange` answers in-process; `transport()` answers
HTTP like api.weixin.qq.com does, so tests drive the real client (`login.HttpCodeExchange`) against it.
"""

from __future__ import annotations

import hashlib
import json

import httpx

from .login import PATH, WeChatIdentity, identity_from_answer

INVALID_PREFIX = "invalid"


def fake_openid(code: str) -> str:
    return "fake-openid-" + hashlib.sha256(code.encode("utf-8")).hexdigest()[:16]


def fake_unionid(code: str) -> str:
    return "fake-unionid-" + hashlib.sha256(b"union:" + code.encode("utf-8")).hexdigest()[:16]


def answer(code: str) -> dict[str, object]:
    """What jscode2session would answer for `code`."""
    if not code or code.startswith(INVALID_PREFIX):
        return {"errcode": 40029, "errmsg": "invalid code"}
    return {"openid": fake_openid(code), "unionid": fake_unionid(code), "session_key": "fake-session-key"}


class FakeCodeExchange:
    def exchange(self, code: str) -> WeChatIdentity:
        return identity_from_answer(answer(code))

    def close(self) -> None:
        return None


def transport(appid: str, secret: str) -> httpx.MockTransport:
    """An httpx transport answering GET /sns/jscode2session for this AppID and AppSecret (40013/40125 when
    either is wrong, as WeChat does)."""

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path != PATH:
            return httpx.Response(404)
        params = request.url.params
        if params.get("appid") != appid:
            body: dict[str, object] = {"errcode": 40013, "errmsg": "invalid appid"}
        elif params.get("secret") != secret:
            body = {"errcode": 40125, "errmsg": "invalid appsecret"}
        elif params.get("grant_type") != "authorization_code":
            body = {"errcode": 40002, "errmsg": "invalid grant_type"}
        else:
            body = answer(params.get("js_code", ""))
        return httpx.Response(200, content=json.dumps(body).encode(), headers={"Content-Type": "text/plain"})

    return httpx.MockTransport(handle)

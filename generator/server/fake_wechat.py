"""A stand-in for WeChat's jscode2session, for `gen serve --fake-wechat` and the tests.

Any code logs in as a stable test shopper: openid "fake-openid-" + a digest of the code (unionid likewise),
so the same code is the same shopper. Codes starting with "invalid" are refused with WeChat's errcode 40029,
so the error path can be tried offline too. `FakeCodeExchange` answers in-process; `transport()` answers
HTTP like api.weixin.qq.com does, so tests drive the real client (`login.HttpCodeExchange`) against it.
`FakeWeChatApi` answers stable_token and subscribeMessage.send and records what was sent; `FakeApiClient` is
the real API client (`wechat_token.MiniProgramClient`) answered by it.
"""

from __future__ import annotations

import hashlib
import json
import threading
import urllib.parse
import urllib.request
from typing import Any

import httpx
from sqlalchemy.orm import Session, sessionmaker

from ..oa.client import Credentials
from .login import PATH, WeChatIdentity, identity_from_answer
from .wechat_token import MiniProgramClient

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


# stable_token and subscribeMessage.send (for the subscribe messages, `subscribe.py`)


class FakeWeChatApi:
    """WeChat's stable_token and subscribeMessage.send in memory: `sent` records every message accepted
    (its body with touser), `failures` lists errcodes the next sends answer (one each), and `refuse_token`
    makes tokens issued so far invalid (the next call with one answers 40001)."""

    def __init__(self, appid: str, secret: str) -> None:
        self.appid, self.secret = appid, secret
        self.sent: list[dict[str, Any]] = []
        self.failures: list[int] = []
        self.tokens_issued = 0
        self._valid: set[str] = set()
        self._lock = threading.Lock()

    def refuse_token(self) -> None:
        with self._lock:
            self._valid.clear()

    def handle(self, path: str, query: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            if path == "/cgi-bin/stable_token":
                if body.get("appid") != self.appid:
                    return {"errcode": 40013, "errmsg": "invalid appid"}
                if body.get("secret") != self.secret:
                    return {"errcode": 40125, "errmsg": "invalid appsecret"}
                self.tokens_issued += 1
                token = f"fake-token-{self.tokens_issued}"
                self._valid.add(token)
                return {"access_token": token, "expires_in": 7200}
            if path != "/cgi-bin/message/subscribe/send":
                return {"errcode": 404, "errmsg": "unknown path"}
            if query.get("access_token") not in self._valid:
                return {"errcode": 40001, "errmsg": "invalid credential"}
            if self.failures:
                return {"errcode": self.failures.pop(0), "errmsg": "fake failure"}
            if not body.get("touser") or not body.get("template_id") or not isinstance(body.get("data"), dict):
                return {"errcode": 47003, "errmsg": "argument invalid"}
            self.sent.append(body)
            return {"errcode": 0, "errmsg": "ok"}


class FakeApiClient(MiniProgramClient):
    """The real client (token cache in the database, refresh on 40001) answered by a `FakeWeChatApi`."""

    def __init__(self, fake: FakeWeChatApi, sessions: sessionmaker[Session]) -> None:
        super().__init__(Credentials(fake.appid, fake.secret), sessions, "http://127.0.0.1")
        self.fake = fake

    def _send(self, request: urllib.request.Request, what: str) -> dict[str, Any]:
        parts = urllib.parse.urlsplit(request.full_url)
        query = dict(urllib.parse.parse_qsl(parts.query))
        data = request.data if isinstance(request.data, bytes) else b"{}"
        return self.fake.handle(parts.path, query, json.loads(data.decode("utf-8")))

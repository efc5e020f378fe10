"""A stand-in for the Official Account's API as `gen oa serve --fake-wechat` and the tests use it.

`FakeOfficialAccountApi` answers stable_token and user/info in memory; `FakeOaClient` is the real client
(`oa.client.Client`: token, retries, errors) answered by it, so no AppID or AppSecret is needed. A follower's
UnionID is `fake_wechat.fake_unionid(openid)`, the very one the fake jscode2session gives the code
`openid`: in the fakes one name is one person, so an Official Account follower with openid "alice" and a
mini-program login with code "alice" are the same person, and the follower gift reaches that shopper.
Openids starting with "invalid" are answered with WeChat's errcode 40003 (not a follower), and `unbound`
makes the account one bound to no Open Platform account (no unionid), so both paths can be tried offline.
"""

from __future__ import annotations

import json
import threading
import urllib.parse
import urllib.request
from typing import Any

from ..server.fake_wechat import INVALID_PREFIX, fake_unionid
from .client import Client, Credentials

FAKE_APPID = "wxfakeofficialacct"
FAKE_SECRET = "fake-official-account-secret"


class FakeOfficialAccountApi:
    """stable_token and user/info; `lookups` counts the user/info calls answered."""

    def __init__(self, appid: str = FAKE_APPID, secret: str = FAKE_SECRET, unbound: bool = False) -> None:
        self.appid, self.secret, self.unbound = appid, secret, unbound
        self.lookups = 0
        self._tokens: set[str] = set()
        self._lock = threading.Lock()

    def handle(self, path: str, query: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            if path == "/cgi-bin/stable_token":
                if body.get("appid") != self.appid:
                    return {"errcode": 40013, "errmsg": "invalid appid"}
                if body.get("secret") != self.secret:
                    return {"errcode": 40125, "errmsg": "invalid appsecret"}
                token = f"fake-oa-token-{len(self._tokens) + 1}"
                self._tokens.add(token)
                return {"access_token": token, "expires_in": 7200}
            if path != "/cgi-bin/user/info":
                return {"errcode": 404, "errmsg": "unknown path"}
            if query.get("access_token") not in self._tokens:
                return {"errcode": 40001, "errmsg": "invalid credential"}
            openid = query.get("openid", "")
            if not openid or openid.startswith(INVALID_PREFIX):
                return {"errcode": 40003, "errmsg": "invalid openid"}
            self.lookups += 1
            answer: dict[str, Any] = {"subscribe": 1, "openid": openid, "language": query.get("lang", "zh_CN")}
            if not self.unbound:
                answer["unionid"] = fake_unionid(openid)
            return answer


class FakeOaClient(Client):
    """The real Official Account client, answered in-process by a `FakeOfficialAccountApi`."""

    def __init__(self, fake: FakeOfficialAccountApi | None = None) -> None:
        self.fake = fake or FakeOfficialAccountApi()
        super().__init__(Credentials(self.fake.appid, self.fake.secret), "http://127.0.0.1")

    def _send(self, request: urllib.request.Request, what: str) -> dict[str, Any]:
        parts = urllib.parse.urlsplit(request.full_url)
        query = dict(urllib.parse.parse_qsl(parts.query))
        data = request.data if isinstance(request.data, bytes) else b"{}"
        return self.fake.handle(parts.path, query, json.loads(data.decode("utf-8")))

"""A stand-in for the Official Account's API as `gen oa serve --fake-wechat` and the tests use it.

`FakeOfficialAccountApi` answers stable_token and user/info in memory; `FakeOaClient` is the real client
(`oa.client.Client`: token, retries, errors) answered by it, so no AppID or AppSecret is needed. A follower's
UnionID is `fake_wechat.fake_unionid(openid)`, the very one the fake jscode2session gives the code
`openid`: in the fakes one name is one person, so an Official Account follower with openid "alice" and a
mini-program login with code "alice" are the same person, and the follower gift reaches that shopper.
Openids starting with "invalid" are answered with WeChat's errcode 40003 (not a follower), and `unbound`
makes the account one bound to no Open Platform account (no unionid), so both paths can be tried offline.

datacube/getuserread answers each day of begin_date..end_date (at most 3, else errcode 61501) with the
figures `fake_user_read(day)` gives (one entry per reader source plus the 99999999 total, as WeChat does);
`datacube_calls` records the windows asked for, and `datacube_error` makes every such call fail with it.
"""

from __future__ import annotations

import hashlib
import json
import threading
import urllib.parse
import urllib.request
from datetime import date, timedelta
from typing import Any

from ..server.fake_wechat import INVALID_PREFIX, fake_unionid
from .client import Client, Credentials

FAKE_APPID = "wxfakeofficialacct"
FAKE_SECRET = "fake-official-account-secret"
ALL_SOURCES = 99999999
"""getuserread's user_source of the entry that totals every source."""
READ_SOURCES = (0, 1, 2)  # 会话, 好友转发, 朋友圈
DATACUBE_MAX_DAYS = 3


def fake_user_read(day: str) -> tuple[int, int, int]:
    """The fake's (int_page_read_count, int_page_read_user, share_count) of a day: fixed by the date."""
    seed = int.from_bytes(hashlib.sha256(day.encode()).digest()[:4], "big")
    reads = 300 + seed % 700
    return reads, reads * 3 // 5, reads // 12


def _split(total: int, parts: int) -> list[int]:
    """`total` in `parts` whole shares that add up to it."""
    return [total // parts + (1 if n < total % parts else 0) for n in range(parts)]


def _user_read(begin: str, end: str) -> dict[str, Any]:
    try:
        first, last = date.fromisoformat(begin), date.fromisoformat(end)
    except ValueError:
        return {"errcode": 61500, "errmsg": "date format error"}
    if last < first or (last - first).days >= DATACUBE_MAX_DAYS:
        return {"errcode": 61501, "errmsg": "date range error"}
    entries: list[dict[str, Any]] = []
    for n in range((last - first).days + 1):
        day = (first + timedelta(days=n)).isoformat()
        reads, readers, shares = fake_user_read(day)
        parts = len(READ_SOURCES)
        split = zip(_split(reads, parts), _split(readers, parts), _split(shares, parts), strict=True)
        figures = [(reads, readers, shares), *split]
        for source, (count, users, shared) in zip((ALL_SOURCES, *READ_SOURCES), figures, strict=True):
            entries.append(
                {
                    "ref_date": day,
                    "user_source": source,
                    "int_page_read_user": users,
                    "int_page_read_count": count,
                    "ori_page_read_user": 0,
                    "ori_page_read_count": 0,
                    "share_user": shared,
                    "share_count": shared,
                    "add_to_fav_user": 0,
                    "add_to_fav_count": 0,
                }
            )
    return {"list": entries}


class FakeOfficialAccountApi:
    """stable_token, user/info and datacube/getuserread; `lookups` counts the user/info calls answered."""

    def __init__(self, appid: str = FAKE_APPID, secret: str = FAKE_SECRET, unbound: bool = False) -> None:
        self.appid, self.secret, self.unbound = appid, secret, unbound
        self.lookups = 0
        self.datacube_calls: list[tuple[str, str]] = []
        self.datacube_error: tuple[int, str] | None = None
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
            if path not in ("/cgi-bin/user/info", "/datacube/getuserread"):
                return {"errcode": 404, "errmsg": "unknown path"}
            if query.get("access_token") not in self._tokens:
                return {"errcode": 40001, "errmsg": "invalid credential"}
            if path == "/datacube/getuserread":
                begin, end = str(body.get("begin_date", "")), str(body.get("end_date", ""))
                self.datacube_calls.append((begin, end))
                if self.datacube_error is not None:
                    code, message = self.datacube_error
                    return {"errcode": code, "errmsg": message}
                return _user_read(begin, end)
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

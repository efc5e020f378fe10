"""What `gen oa serve` does with follow and unfollow events: `FollowerBook` records them in the shop's own
database (the one `gen serve` uses) and opens the follower gift.

`gen oa serve` answers WeChat first and records afterwards, in a worker thread (the reply's background
task), so the database never makes a reply late or fails it: WeChat waits 5 s. The database calls have short
timeouts (connect, statements, locks, SQLite's busy wait), and any error is logged (its kind, never the
openid or the rows) and dropped. The migrations run at start (`start`); when the database does not
answer then, the server starts anyway and an event RETRY_SECONDS later tries again. A follower's UnionID
comes from the account's user/info (`oa.client.Client.unionid`, credentials WECHAT_APPID and
WECHAT_SECRET, or the in-process fake of `oa.fake` with --fake-wechat); without credentials, or when the
call fails, the follow is recorded without one and the gift waits under the account's openid.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from ..errors import GenError
from ..server.coupons import sync_coupons
from ..server.db import is_sqlite, make_engine, make_sessionmaker
from ..server.followers import record_follow, record_unfollow
from ..server.migrate import upgrade
from ..server.settings import database_url_for, default_data_dir
from ..spec.coupons import CouponSpec
from ..spec.site import Commerce
from .client import Client, Credentials

DB_TIMEOUT_SECONDS = 5
RETRY_SECONDS = 30
WECHAT_TIMEOUT_SECONDS = 3
ENV_APPID, ENV_SECRET = "WECHAT_APPID", "WECHAT_SECRET"

log = logging.getLogger(__name__)


def _connect_options(url: str) -> dict[str, Any]:
    return {} if is_sqlite(url) else {"connect_args": {"connect_timeout": DB_TIMEOUT_SECONDS}}


def _short_engine(url: str) -> Engine:
    """An engine whose every wait is bounded by DB_TIMEOUT_SECONDS."""
    ms = DB_TIMEOUT_SECONDS * 1000
    if not is_sqlite(url):
        options = f"-c statement_timeout={ms} -c lock_timeout={ms}"
        return make_engine(
            url,
            pool_timeout=DB_TIMEOUT_SECONDS,
            connect_args={"connect_timeout": DB_TIMEOUT_SECONDS, "options": options},
        )
    engine = make_engine(url)

    @event.listens_for(engine, "connect")
    def _short_busy_wait(dbapi_connection: Any, _record: Any) -> None:  # after make_engine's own pragmas
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={ms}")
        cursor.close()

    return engine


class NotReady(Exception):
    """The database did not answer the migration a moment ago."""


def describe(exc: Exception) -> str:
    """What went wrong, for the log: the kind, and a database's first line only when it names no rows."""
    if isinstance(exc, GenError | NotReady):
        return str(exc)  # the client's messages name the API call, never the openid or the token
    if isinstance(exc, OperationalError) and exc.orig is not None:
        lines = str(exc.orig).strip().splitlines()
        return f"{type(exc).__name__}: {lines[0] if lines else type(exc.orig).__name__}"
    return type(exc).__name__


class FollowerBook:
    """Records follows and unfollows in the database at `database_url`; thread-safe."""

    def __init__(self, database_url: str, gift: CouponSpec | None, client: Client | None) -> None:
        self.database_url = database_url
        self.gift = gift
        self.client = client
        self.engine = _short_engine(database_url)
        self.sessions: sessionmaker[Session] = make_sessionmaker(self.engine)
        self._ready = False
        self._retry_at = 0.0
        self.clock: Callable[[], float] = time.monotonic
        self._lock = threading.Lock()

    def prepare(self) -> None:
        """Migrate the database to head and count the gift's coupon, once; raises when it does not answer
        (and, for RETRY_SECONDS after a failure, at once: events do not queue up behind a dead database)."""
        with self._lock:
            if self._ready:
                return
            if self.clock() < self._retry_at:
                raise NotReady(f"the database did not answer; trying again within {RETRY_SECONDS} s")
            try:
                self._migrate()
            except Exception:
                self._retry_at = self.clock() + RETRY_SECONDS
                raise
            self._ready = True

    def _migrate(self) -> None:
        migrating = make_engine(self.database_url, **_connect_options(self.database_url))
        try:  # no statement timeout: a migration of a big table may take its time
            upgrade(migrating)
        finally:
            migrating.dispose()
        if self.gift is not None:
            with self.sessions() as session:
                sync_coupons(session, [self.gift])
                session.commit()

    def start(self) -> str | None:
        """`prepare` at start: None when ready, else why not (the server answers anyway; events retry)."""
        try:
            self.prepare()
        except Exception as exc:  # noqa: BLE001 (whatever the database says, the replies go on)
            reason = describe(exc)
            log.error("the database does not answer (%s); follows are recorded once it does", reason)
            return reason
        return None

    def _unionid(self, openid: str) -> str | None:
        if self.client is None:
            return None
        try:
            return self.client.unionid(openid)
        except Exception as exc:  # noqa: BLE001 (a follow without a UnionID is still a follow)
            log.warning(
                "no UnionID for a new follower (%s); their gift waits under the account's openid", describe(exc)
            )
            return None

    def followed(self, openid: str, at: datetime) -> str | None:
        """Record a follow; the gift's new state (granted, sold_out, waiting), or None (none opened, or an error,
        logged)."""
        unionid = self._unionid(openid)
        try:
            self.prepare()
            with self.sessions() as session:
                state = record_follow(session, openid, unionid, self.gift, at)
                session.commit()
        except Exception as exc:  # noqa: BLE001 (logged; WeChat has its reply already)
            log.error("could not record a follow (%s)", describe(exc))
            return None
        if state is not None:
            log.info("a new follower's gift: %s", state)
        return state

    def unfollowed(self, openid: str, at: datetime) -> None:
        try:
            self.prepare()
            with self.sessions() as session:
                record_unfollow(session, openid, at)
                session.commit()
        except Exception as exc:  # noqa: BLE001 (logged; WeChat has its reply already)
            log.error("could not record an unfollow (%s)", describe(exc))

    def close(self) -> None:
        self.engine.dispose()


def gift_coupon(commerce: Commerce) -> CouponSpec | None:
    """The coupon `commerce.follower_gift` names (the spec checks it is declared)."""
    if commerce.follower_gift is None:
        return None
    return next((c for c in commerce.coupons if c.id == commerce.follower_gift.coupon), None)


def account_client(fake_wechat: bool, environ: Mapping[str, str]) -> Client | None:
    """The client that reads UnionIDs: the fake, the real one with WECHAT_APPID and WECHAT_SECRET, or None."""
    if fake_wechat:
        from .fake import FakeOaClient

        return FakeOaClient()
    appid, secret = environ.get(ENV_APPID, "").strip(), environ.get(ENV_SECRET, "").strip()
    if not (appid and secret):
        return None
    return Client(Credentials(appid, secret), timeout=WECHAT_TIMEOUT_SECONDS)


def open_book(
    site_dir: Path,
    commerce: Commerce,
    fake_wechat: bool = False,
    environ: Mapping[str, str] | None = None,
    data_dir: Path | None = None,
) -> FollowerBook:
    """The book of SITE's shop: DATABASE_URL, else the SQLite file in the data folder (default
    SITE/.mpgen-data), as `gen serve` finds it."""
    env = os.environ if environ is None else environ
    url = database_url_for(site_dir, data_dir, env)
    if is_sqlite(url):
        (data_dir or default_data_dir(site_dir)).resolve().mkdir(mode=0o700, parents=True, exist_ok=True)
    return FollowerBook(url, gift_coupon(commerce), account_client(fake_wechat, env))

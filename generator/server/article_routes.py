"""The article-reads job of `gen serve`: FIRST_DELAY_SECONDS after start, then every PULL_SECONDS, each worker pulls the
Official Account's missing article figures (`datacube.pull`) into `article_reads`. Mounted only when the
Official Account's credentials are set (WECHAT_APPID and WECHAT_SECRET, as `gen oa` reads them) or with
--fake-wechat (the in-memory fake Official Account answers). Rows are upserted, so several workers pulling
the same days store each once. No endpoints.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from anyio import to_thread
from fastapi import APIRouter, FastAPI
from sqlalchemy.orm import Session, sessionmaker

from ..oa.client import Client, credentials_from_env
from ..oa.fake import FakeOaClient
from .background import every
from .datacube import pull
from .metrics_days import today_in_shanghai
from .settings import Settings

PULL_SECONDS = 24 * 3600.0
FIRST_DELAY_SECONDS = 60.0
"""After start: the workers are up and serving first (and a short-lived app, a test's, never pulls)."""
OA_CREDENTIALS = ("WECHAT_APPID", "WECHAT_SECRET")
log = logging.getLogger("generator.server")


def enabled(settings: Settings) -> bool:
    return settings.fake_wechat or all(os.environ.get(name) for name in OA_CREDENTIALS)


def official_account(settings: Settings) -> Client:
    if settings.fake_wechat:
        return FakeOaClient()
    return Client(credentials_from_env(), settings.wechat_api)


def run_once(sessions: sessionmaker[Session], client: Client) -> int:
    """Pull what is missing up to yesterday; how many days were stored."""
    return len(pull(sessions, client, today_in_shanghai()).stored)


async def _first_round(sessions: sessionmaker[Session], client: Client, delay: float) -> None:
    await asyncio.sleep(delay)
    try:
        await to_thread.run_sync(run_once, sessions, client, abandon_on_cancel=True)
    except Exception as exc:  # the database may not answer yet; the daily round tries again
        log.error("article reads failed (%s)", type(exc).__name__)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    sessions: sessionmaker[Session] = app.state.sessionmaker
    client = official_account(app.state.settings)
    first = asyncio.create_task(_first_round(sessions, client, FIRST_DELAY_SECONDS))
    try:
        async with every(PULL_SECONDS, "article reads", lambda: run_once(sessions, client)):
            yield
    finally:
        first.cancel()
        with suppress(asyncio.CancelledError):
            await first


router = APIRouter(tags=["article reads"], lifespan=lifespan)

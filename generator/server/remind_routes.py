"""The reminder job of `gen serve`: when the site declares `commerce.remind`, every worker queues the due
reminders (`remind.queue`) every REMIND_SECONDS; the unique key per absence makes several workers queue each
once, and the subscribe-message sweep (subscription_routes) sends them. No endpoints.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from sqlalchemy.orm import Session, sessionmaker

from ..spec.site import Commerce, SiteSpec
from .background import every
from .db import utcnow
from .remind import home_page, queue

REMIND_SECONDS = 3600.0
log = logging.getLogger("generator.server")


def run_once(sessions: sessionmaker[Session], commerce: Commerce, shop_name: str, home: str) -> int:
    """Queue what is due now; how many were queued (failures are logged by `remind.queue`)."""
    with sessions() as db:
        report = queue(db, commerce, shop_name, home, utcnow())
    if report.reminded or report.failed:
        log.info("reminders: %d queued, %d failed", len(report.reminded), report.failed)
    return len(report.reminded)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    spec: SiteSpec = app.state.spec
    commerce = spec.commerce
    if commerce is None or commerce.remind is None:
        yield
        return
    sessions: sessionmaker[Session] = app.state.sessionmaker
    shop_name, home = spec.site.name, home_page(spec)
    async with every(REMIND_SECONDS, "reminder job", lambda: run_once(sessions, commerce, shop_name, home)):
        yield


router = APIRouter(tags=["reminders"], lifespan=lifespan)

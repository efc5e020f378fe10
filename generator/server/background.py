"""Periodic jobs of a worker (the order sweep, the subscribe-message sweep): each worker runs its own, and
every job is safe to run in several workers at once (conditional UPDATEs), so nothing is coordinated here."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress

from anyio import to_thread

log = logging.getLogger("generator.server")


async def _forever(seconds: float, name: str, job: Callable[[], object]) -> None:
    while True:
        await asyncio.sleep(seconds)
        try:
            await to_thread.run_sync(job)
        except Exception as exc:  # the database may be down for a while; the next round tries again
            log.error("%s failed (%s)", name, type(exc).__name__)


@asynccontextmanager
async def every(seconds: float, name: str, job: Callable[[], object]) -> AsyncIterator[None]:
    """Run `job` in a worker thread every `seconds` while the block runs (a lifespan's `yield`); a failed
    round is logged by `name` and its error's type only (no values: they may be shoppers' data)."""
    task = asyncio.create_task(_forever(seconds, name, job))
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task

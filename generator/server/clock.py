"""The server's clock for the shop's rules (orders' pay window, coupons' validity, check-in days).

`now` is a FastAPI dependency, so tests override it; with --fake-wechat, `POST /_fake/clock` moves it
forward (`app.state.clock_offset`) to try a 7-day check-in in a minute. Sessions keep real time.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import Depends, Request

from .db import utcnow


def now(request: Request) -> datetime:
    """Now, plus the fake clock's offset when one was set."""
    offset: timedelta | None = getattr(request.app.state, "clock_offset", None)
    return utcnow() + offset if offset else utcnow()


Now = Annotated[datetime, Depends(now)]

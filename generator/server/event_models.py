"""The tables of what shoppers do: tracked events, the visitors they come from, the days each visitor was
seen, and the Official Account's article reads (from WeChat's datacube).

`events` keeps every declared event a client sent (POST /events), with its envelope: the install it came
from (a random id the client keeps), the client's session (one launch of the mini-program, one visit of
the H5 site), the logged-in user when there is one, the platform (`mp`, `h5`), the launch scene, the page,
the client's and the server's time, and `day`, the Asia/Shanghai day of the server's time, so per-day
figures are the same on SQLite and PostgreSQL without date functions. `duration_ms` is set on `app_hide`
(time since the matching show). Only declared fields are stored (`fields`).

`visitors` (one row per install: first day, platform, the user it last logged in as) and `visitor_days`
(one row per install and day it was seen) are written with the events, so opens, retention cohorts and
"visiting users" are counted over small tables instead of scanning every event.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from . import models as _models  # noqa: F401  (users, whom events may belong to)
from .db import Base, UtcDateTime, utcnow

EVENT_NAME_LENGTH = 32
CLIENT_ID_LENGTH = 40
"""Install and session ids: the clients make 20-36 characters of [0-9a-z-]."""
PAGE_LENGTH = 128
DAY_LENGTH = 10  # YYYY-MM-DD, Asia/Shanghai
PLATFORMS = ("mp", "h5")

# SQLite only auto-increments an INTEGER PRIMARY KEY (the rowid); PostgreSQL gets a bigint.
EventId = BigInteger().with_variant(Integer(), "sqlite")


class Event(Base):
    """One tracked event as the server received it."""

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_day_name", "day", "name"),
        Index("ix_events_install_id_day", "install_id", "day"),
        # The metrics (metrics_queries) read events by name and day range only, from this index alone.
        Index("ix_events_name_day_metrics", "name", "day", "platform", "install_id", "session_id", "duration_ms"),
    )

    id: Mapped[int] = mapped_column(EventId, primary_key=True)
    name: Mapped[str] = mapped_column(String(EVENT_NAME_LENGTH))
    platform: Mapped[str] = mapped_column(String(4))
    install_id: Mapped[str] = mapped_column(String(CLIENT_ID_LENGTH))
    session_id: Mapped[str] = mapped_column(String(CLIENT_ID_LENGTH))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    scene: Mapped[int | None] = mapped_column(Integer())
    """The mini-program's launch scene (1001, 1007, ...); None on H5."""
    page: Mapped[str] = mapped_column(String(PAGE_LENGTH), default="")
    duration_ms: Mapped[int | None] = mapped_column(BigInteger())
    """app_hide: how long the mini-program was shown since the matching show."""
    fields: Mapped[dict[str, Any]] = mapped_column(JSON)
    client_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    server_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    day: Mapped[str] = mapped_column(String(DAY_LENGTH))


class Visitor(Base):
    """An install of the mini-program (or a browser of the H5 site), from its first event on."""

    __tablename__ = "visitors"

    install_id: Mapped[str] = mapped_column(String(CLIENT_ID_LENGTH), primary_key=True)
    platform: Mapped[str] = mapped_column(String(4))
    first_day: Mapped[str] = mapped_column(String(DAY_LENGTH), index=True)
    first_scene: Mapped[int | None] = mapped_column(Integer())
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    """The user it last sent events as; None until a login."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class VisitorDay(Base):
    """A day (Asia/Shanghai) on which an install sent at least one event."""

    __tablename__ = "visitor_days"

    install_id: Mapped[str] = mapped_column(
        String(CLIENT_ID_LENGTH), ForeignKey("visitors.install_id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[str] = mapped_column(String(DAY_LENGTH), primary_key=True, index=True)
    platform: Mapped[str] = mapped_column(String(4))


class ArticleReads(Base):
    """The Official Account's article figures of one day, as WeChat's datacube reports them."""

    __tablename__ = "article_reads"

    day: Mapped[str] = mapped_column(String(DAY_LENGTH), primary_key=True)
    reads: Mapped[int] = mapped_column(Integer(), default=0)
    """int_page_read_count: article page reads that day."""
    readers: Mapped[int] = mapped_column(Integer(), default=0)
    """int_page_read_user: people who read."""
    shares: Mapped[int] = mapped_column(Integer(), default=0)
    """share_count."""
    fetched_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

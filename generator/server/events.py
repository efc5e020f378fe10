"""Event ingestion as a service: a client's batch (`Batch`) checked against the site's declared events and
written in one short transaction (`record`).

A batch carries the envelope once (install, session, platform, launch scene) and up to MAX_EVENTS events.
An event the site does not declare is dropped, and so is a field it does not declare for that event or a
value that is not a short scalar: what is stored is exactly what `dist/analytics/events.json` documents,
so no personal data slips in through a client of its own. The user is the session's, when the batch came
with a valid one (never taken from the body).

The write (Core statements built once per dialect) is one multi-row INSERT of the events, an INSERT ..
ON CONFLICT DO NOTHING of the visitor and of its day (so opens, visitors and retention cohorts are counted
over small tables), and for a logged-in batch one UPDATE of the visitor's user (a no-op unless it changed):
at most four statements per batch whatever its size. `day` is the Asia/Shanghai day of the server's
time, so a figure per day is the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Annotated, Any, Literal, cast

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy import Executable, Table, bindparam, insert, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from .event_models import EVENT_NAME_LENGTH, PAGE_LENGTH, Event, Visitor, VisitorDay
from .metrics_days import shanghai_day

MAX_EVENTS = 50
MAX_VALUE_LENGTH = 200
MAX_DURATION_MS = 24 * 3600 * 1000
CLIENT_CLOCK_SLACK = timedelta(days=1)
"""A client time further than this from the server's is a wrong phone clock: stored as unknown."""
EARLIEST_CLIENT_TIME = datetime(2020, 1, 1, tzinfo=UTC)

ClientId = Annotated[str, StringConstraints(pattern=r"^[0-9A-Za-z_-]{8,40}$")]
Scalar = str | int | float | bool | None


class ClientEvent(BaseModel):
    """One event as the client sends it."""

    model_config = ConfigDict(extra="ignore")

    event: Annotated[str, StringConstraints(min_length=1, max_length=EVENT_NAME_LENGTH)]
    fields: dict[str, Any] = Field(default_factory=dict, description="The event's declared fields; others are dropped.")
    at: int | None = Field(default=None, description="The client's time, ms since 1970 (Date.now()).")
    page: Annotated[str, StringConstraints(max_length=PAGE_LENGTH)] = Field(
        default="", description="The page it happened on (mini-program route or H5 file)."
    )
    duration: int | None = Field(
        default=None, ge=0, le=MAX_DURATION_MS, description="app_hide: ms the mini-program was shown."
    )


class Batch(BaseModel):
    """What the generated clients POST to /events (the H5 site as a beacon, in text/plain)."""

    model_config = ConfigDict(extra="ignore")

    install: ClientId = Field(description="A random id the client keeps (storage / localStorage).")
    session: ClientId = Field(description="One launch of the mini-program, one visit of the H5 site.")
    platform: Literal["mp", "h5"]
    scene: int | None = Field(default=None, ge=1000, le=9999, description="The mini-program's launch scene.")
    events: list[ClientEvent] = Field(min_length=1, max_length=MAX_EVENTS)


@dataclass(frozen=True)
class Recorded:
    accepted: int
    dropped: int


def _client_time(at: int | None, now: datetime) -> datetime | None:
    if at is None:
        return None
    try:
        moment = datetime.fromtimestamp(at / 1000, UTC)
    except (OverflowError, OSError, ValueError):
        return None
    if moment < EARLIEST_CLIENT_TIME or abs(moment - now) > CLIENT_CLOCK_SLACK:
        return None
    return moment


def _kept_fields(fields: Mapping[str, Any], declared: Sequence[str]) -> dict[str, Scalar]:
    kept: dict[str, Scalar] = {}
    for name in declared:
        value = fields.get(name)
        if value is None or not isinstance(value, str | int | float | bool):
            continue
        if isinstance(value, str) and len(value) > MAX_VALUE_LENGTH:
            continue
        kept[name] = value
    return kept


def rows_of(
    batch: Batch, declared: Mapping[str, Sequence[str]], user_id: int | None, now: datetime
) -> list[dict[str, Any]]:
    """The events of `batch` to store, as rows: declared events with their declared fields only."""
    day = shanghai_day(now)
    rows = []
    for item in batch.events:
        fields = declared.get(item.event)
        if fields is None:
            continue
        rows.append(
            {
                "name": item.event,
                "platform": batch.platform,
                "install_id": batch.install,
                "session_id": batch.session,
                "user_id": user_id,
                "scene": batch.scene,
                "page": item.page,
                "duration_ms": item.duration if item.event == "app_hide" else None,
                "fields": _kept_fields(item.fields, fields),
                "client_at": _client_time(item.at, now),
                "server_at": now,
                "day": day,
            }
        )
    return rows


@cache
def _statements(dialect: str) -> tuple[Executable, Executable, Executable, Executable]:
    """The four statements of a batch, built once per dialect and run with each batch's values (Core, so the
    compiled form is cached and no ORM unit of work runs on this hot path)."""
    upsert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    events_table, table, days_table = (cast(Table, model.__table__) for model in (Event, Visitor, VisitorDay))
    events = insert(events_table)
    visitor = upsert(table).on_conflict_do_nothing(index_elements=["install_id"])
    seen = upsert(days_table).on_conflict_do_nothing(index_elements=["install_id", "day"])
    logged_in = (
        update(table)
        .where(
            table.c.install_id == bindparam("install"),
            or_(table.c.user_id.is_(None), table.c.user_id != bindparam("user")),
        )
        .values(user_id=bindparam("user"))
    )
    return events, visitor, seen, logged_in


def record(
    db: Session, batch: Batch, declared: Mapping[str, Sequence[str]], user_id: int | None, now: datetime
) -> Recorded:
    """Store the batch's declared events and mark the visitor seen today (the caller commits)."""
    rows = rows_of(batch, declared, user_id, now)
    if not rows:
        return Recorded(0, len(batch.events))
    events, visitor, seen, logged_in = _statements(db.get_bind().dialect.name)
    day = rows[0]["day"]
    connection = db.connection()
    connection.execute(events, rows)
    connection.execute(
        visitor,
        {
            "install_id": batch.install,
            "platform": batch.platform,
            "first_day": day,
            "first_scene": batch.scene,
            "user_id": user_id,
            "created_at": now,
        },
    )
    connection.execute(seen, {"install_id": batch.install, "day": day, "platform": batch.platform})
    if user_id is not None:
        connection.execute(logged_in, {"install": batch.install, "user": user_id})
    return Recorded(len(rows), len(batch.events) - len(rows))

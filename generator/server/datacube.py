"""The Official Account's article reads (图文统计数据, datacube/getuserread) into `article_reads`.

`pull(sessions, client, today)` finds the days from yesterday (Shanghai; WeChat reports up to yesterday)
back LOOKBACK_DAYS that have no row, asks WeChat for them in windows of at most 3 consecutive days (the
API's limit) and upserts one row per day: the reads, readers and shares of the entry that totals every
reader source (user_source 99999999), or the sum of the day's entries when there is no total. A day of an
answered window that WeChat did not list had no reads: it is stored with zeros, so it is not asked again.
A day already stored is never asked again. A failing call (WeChat's error, the network) is logged by what
failed, without the token or any follower's data, and ends the round; the next round asks again. Rows are
upserted (INSERT ... ON CONFLICT DO UPDATE on both SQLite and PostgreSQL), so several workers pulling at
once store each day once.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from ..errors import GenError
from .db import utcnow
from .event_models import ArticleReads
from .metrics_days import days_between, parse_day, shift

LOOKBACK_DAYS = 30
WINDOW_DAYS = 3
ALL_SOURCES = 99999999
FIGURES = {"reads": "int_page_read_count", "readers": "int_page_read_user", "shares": "share_count"}

log = logging.getLogger("generator.server")


class UserReadApi(Protocol):
    def user_read(self, begin_date: str, end_date: str) -> list[dict[str, Any]]: ...


@dataclass
class PullReport:
    stored: list[str] = field(default_factory=list)
    """The days written this round."""
    windows: list[tuple[str, str]] = field(default_factory=list)
    """The (begin, end) windows WeChat answered."""
    failed: bool = False


def missing_days(session: Session, today: str, lookback: int = LOOKBACK_DAYS) -> list[str]:
    """Yesterday and the lookback-1 days before it that have no `article_reads` row, oldest first."""
    last = shift(today, -1)
    wanted = days_between(shift(last, 1 - lookback), last)
    stored = set(session.scalars(select(ArticleReads.day).where(ArticleReads.day.between(wanted[0], last))))
    return [day for day in wanted if day not in stored]


def windows(days: Iterable[str], size: int = WINDOW_DAYS) -> list[tuple[str, str]]:
    """Consecutive runs of `days` (sorted) cut into (begin, end) windows of at most `size` days."""
    runs: list[list[str]] = []
    for day in sorted(days):
        run = runs[-1] if runs else None
        if run is not None and len(run) < size and shift(run[-1], 1) == day:
            run.append(day)
        else:
            runs.append([day])
    return [(run[0], run[-1]) for run in runs]


def _count(entry: dict[str, Any], key: str) -> int:
    value = entry.get(key, 0)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise GenError(f"WeChat's getuserread answer had {key} = {str(value)[:20]!r}, not a count", exit_code=1)
    return value


def figures_by_day(entries: list[dict[str, Any]], begin: str, end: str) -> dict[str, dict[str, int]]:
    """{day: {reads, readers, shares}} for every day of begin..end (zeros for a day not listed)."""
    days = days_between(begin, end)
    totals: dict[str, dict[str, int]] = {}
    sums: dict[str, dict[str, int]] = {day: dict.fromkeys(FIGURES, 0) for day in days}
    for entry in entries:
        day = str(entry.get("ref_date", ""))
        if day not in sums:
            continue  # outside the window asked for: not ours to store
        figures = {name: _count(entry, key) for name, key in FIGURES.items()}
        if entry.get("user_source") == ALL_SOURCES:
            totals[day] = figures
        else:
            sums[day] = {name: sums[day][name] + figures[name] for name in FIGURES}
    return {day: totals.get(day, sums[day]) for day in days}


def store(session: Session, figures: dict[str, dict[str, int]]) -> None:
    """Upsert the days' rows (the caller commits)."""
    if not figures:
        return
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    now = utcnow()
    rows = [{"day": day, **values, "fetched_at": now} for day, values in figures.items()]
    statement = insert(ArticleReads).values(rows)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[ArticleReads.day],
            set_={name: statement.excluded[name] for name in (*FIGURES, "fetched_at")},
        )
    )


def pull(sessions: sessionmaker[Session], client: UserReadApi, today: str, lookback: int = LOOKBACK_DAYS) -> PullReport:
    """Fetch and store the missing days (see the module); never raises for WeChat's or the network's errors."""
    parse_day(today)
    report = PullReport()
    with sessions() as session:
        missing = missing_days(session, today, lookback)
    for begin, end in windows(missing):
        try:
            figures = figures_by_day(client.user_read(begin, end), begin, end)
        except GenError as exc:
            log.error("article reads: %s..%s not fetched: %s", begin, end, exc.format_message())
            report.failed = True
            break
        with sessions() as session:
            store(session, figures)
            session.commit()
        report.windows.append((begin, end))
        report.stored.extend(figures)
    if report.stored:
        log.info("article reads: %d day(s) stored", len(report.stored))
    return report

"""Asia/Shanghai days for the metrics: checking YYYY-MM-DD strings, walking a range, a day's UTC bounds, and
the Shanghai day of a stored UTC time as portable SQL (a CASE over the days' bounds, no date functions).

Shanghai is UTC+8 all year (no daylight saving), so a day is exactly [00:00+08:00, next 00:00+08:00).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

from sqlalchemy import ColumnElement, case

SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")
ONE_DAY = timedelta(days=1)


def parse_day(text: str) -> date:
    """A YYYY-MM-DD day; ValueError for anything else (2026-2-3, 2026-02-30, ...)."""
    if len(text) != 10:
        raise ValueError(f"{text!r} is not a YYYY-MM-DD day")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a YYYY-MM-DD day") from None


def shift(day: str, days: int) -> str:
    return (parse_day(day) + timedelta(days=days)).isoformat()


def days_between(start_day: str, end_day: str) -> list[str]:
    """Every day from start_day to end_day, both included."""
    first, last = parse_day(start_day), parse_day(end_day)
    return [(first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]


def day_start_utc(day: str) -> datetime:
    """00:00 of `day` in Shanghai, in UTC."""
    return datetime.combine(parse_day(day), time(), SHANGHAI).astimezone(UTC)


def utc_bounds(start_day: str, end_day: str) -> tuple[datetime, datetime]:
    """[start, end) in UTC of the Shanghai days start_day..end_day."""
    return day_start_utc(start_day), day_start_utc(end_day) + ONE_DAY


def shanghai_day(moment: datetime) -> str:
    return moment.astimezone(SHANGHAI).date().isoformat()


def today_in_shanghai(now: datetime | None = None) -> str:
    return shanghai_day(now or datetime.now(UTC))


def day_of(column: Any, days: list[str]) -> ColumnElement[str]:
    """The Shanghai day (of `days`) a UTC time column falls on, as SQL; NULL outside them. `column` must
    already be limited to the days' bounds for the first branch to be right."""
    branches: Iterator[tuple[ColumnElement[bool], str]] = ((column < day_start_utc(day) + ONE_DAY, day) for day in days)
    return case(*branches, else_=None)

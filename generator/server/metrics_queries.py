"""The SQL behind the shop's metrics (`metrics.compute`): each function counts one thing over a day range on
the shop's database with SQLAlchemy Core and bound parameters, the same on SQLite and PostgreSQL.

Event days are the stored `day` strings (Shanghai); order, coupon and follower days come from their UTC
times compared with the Shanghai days' UTC bounds (`metrics_days`). Everything is read; nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, distinct, exists, func, literal, select, union_all
from sqlalchemy.orm import Session

from .coupon_models import UserCoupon
from .event_models import ArticleReads, Event, Visitor, VisitorDay
from .growth_models import Follower
from .metrics_days import day_of, days_between, shift, utc_bounds
from .models import User
from .order_models import Order

MINI_PROGRAM = "mp"
H5 = "h5"
FUNNEL_EVENTS = ("product_view", "add_to_cart", "checkout_start")
SHARE_EVENT = "share"
VIEW_EVENTS = ("page_view", "product_view")
RETENTION_DAYS = (1, 7, 30)


@dataclass(frozen=True)
class DayRange:
    """The days start..end (Shanghai, inclusive) and the platforms (events' `platform`) counted."""

    start: str
    end: str
    platforms: tuple[str, ...]

    @property
    def days(self) -> list[str]:
        return days_between(self.start, self.end)

    @property
    def with_orders(self) -> bool:
        """Orders and coupons are the mini-program's: an H5-only range has none."""
        return MINI_PROGRAM in self.platforms


def opens_by_day(session: Session, span: DayRange) -> dict[str, int]:
    """Mini-program opens (app_show events) plus H5 opens (sessions with a page_view), per day."""
    opens: dict[str, int] = {}
    if MINI_PROGRAM in span.platforms:
        shows = (
            select(Event.day, func.count())
            .where(Event.name == "app_show", Event.platform == MINI_PROGRAM, Event.day.between(span.start, span.end))
            .group_by(Event.day)
        )
        for day, count in session.execute(shows):
            opens[day] = opens.get(day, 0) + count
    if H5 in span.platforms:
        visits = (
            select(Event.day, Event.session_id)
            .distinct()
            .where(Event.name == "page_view", Event.platform == H5, Event.day.between(span.start, span.end))
            .subquery()
        )
        for day, count in session.execute(select(visits.c.day, func.count()).group_by(visits.c.day)):
            opens[day] = opens.get(day, 0) + count
    return opens


def stay(session: Session, span: DayRange) -> tuple[int, int]:
    """(total duration_ms, number of app_hide events with one) on the range's days."""
    total, count = session.execute(
        select(func.coalesce(func.sum(Event.duration_ms), 0), func.count(Event.duration_ms)).where(
            Event.name == "app_hide", Event.platform.in_(span.platforms), Event.day.between(span.start, span.end)
        )
    ).one()
    return int(total or 0), int(count)


def visitors(session: Session, span: DayRange) -> int:
    return int(
        session.scalar(
            select(func.count(distinct(VisitorDay.install_id))).where(
                VisitorDay.day.between(span.start, span.end), VisitorDay.platform.in_(span.platforms)
            )
        )
        or 0
    )


def visitors_by_day(session: Session, span: DayRange) -> dict[str, int]:
    rows = session.execute(
        select(VisitorDay.day, func.count())
        .where(VisitorDay.day.between(span.start, span.end), VisitorDay.platform.in_(span.platforms))
        .group_by(VisitorDay.day)
    )
    return {day: count for day, count in rows}


def event_visitors(session: Session, span: DayRange, names: tuple[str, ...]) -> dict[str, int]:
    """Distinct installs that sent each of `names` on the range's days (one DISTINCT per name, in one
    statement: smaller sets to deduplicate than one DISTINCT over every name, on both databases)."""
    counts = [
        select(literal(name), func.count()).select_from(
            select(Event.install_id)
            .distinct()
            .where(Event.name == name, Event.platform.in_(span.platforms), Event.day.between(span.start, span.end))
            .subquery()
        )
        for name in names
    ]
    found = {name: int(count) for name, count in session.execute(union_all(*counts))}
    return {name: found.get(name, 0) for name in names}


def event_counts(session: Session, span: DayRange, names: tuple[str, ...]) -> dict[str, int]:
    """How many events of each of `names` the range's days hold (read off the (name, day, platform) index)."""
    rows = session.execute(
        select(Event.name, func.count())
        .where(Event.name.in_(names), Event.platform.in_(span.platforms), Event.day.between(span.start, span.end))
        .group_by(Event.name)
    )
    found = {name: int(count) for name, count in rows}
    return {name: found.get(name, 0) for name in names}


def _paid_in(span: DayRange) -> Select[Any]:
    low, high = utc_bounds(span.start, span.end)
    return select(Order.user_id).where(Order.paid_at >= low, Order.paid_at < high)


def paying_visitors(session: Session, span: DayRange) -> int:
    """Installs seen in the range whose user (visitors.user_id) has an order paid in it."""
    if not span.with_orders:
        return 0
    seen = exists().where(
        VisitorDay.install_id == Visitor.install_id,
        VisitorDay.day.between(span.start, span.end),
        VisitorDay.platform.in_(span.platforms),
    )
    statement = select(func.count()).select_from(Visitor).where(Visitor.user_id.in_(_paid_in(span)), seen)
    return int(session.scalar(statement) or 0)


@dataclass(frozen=True)
class OrderFigures:
    orders: int
    net_fen: int
    paying_users: int
    repeat_buyers: int


def order_figures(session: Session, span: DayRange) -> OrderFigures:
    """Orders paid in the range: how many, paid minus refunded, by how many users, of whom 2+ orders."""
    if not span.with_orders:
        return OrderFigures(0, 0, 0, 0)
    low, high = utc_bounds(span.start, span.end)
    net = func.coalesce(Order.paid_fen, Order.total_fen) - Order.refunded_fen
    per_user = (
        select(Order.user_id, func.count().label("paid"), func.sum(net).label("net"))
        .where(Order.paid_at >= low, Order.paid_at < high)
        .group_by(Order.user_id)
        .subquery()
    )
    orders, net_fen, users, repeat = session.execute(
        select(
            func.coalesce(func.sum(per_user.c.paid), 0),
            func.coalesce(func.sum(per_user.c.net), 0),
            func.count(),
            func.coalesce(func.sum(_one_if(per_user.c.paid >= 2)), 0),
        )
    ).one()
    return OrderFigures(int(orders), int(net_fen), int(users), int(repeat))


def orders_by_day(session: Session, span: DayRange) -> dict[str, tuple[int, int]]:
    """(paid orders, paid minus refunded fen) per Shanghai day of paid_at."""
    if not span.with_orders:
        return {}
    low, high = utc_bounds(span.start, span.end)
    net = func.coalesce(Order.paid_fen, Order.total_fen) - Order.refunded_fen
    paid = (
        select(day_of(Order.paid_at, span.days).label("day"), net.label("net"))
        .where(Order.paid_at >= low, Order.paid_at < high)
        .subquery()
    )
    rows = session.execute(select(paid.c.day, func.count(), func.sum(paid.c.net)).group_by(paid.c.day))
    return {day: (int(count), int(total)) for day, count, total in rows}


def coupon_claims(session: Session, span: DayRange) -> tuple[int, int]:
    """(coupons claimed in the range, of which used now: in an order that stands or in store)."""
    if not span.with_orders:
        return 0, 0
    low, high = utc_bounds(span.start, span.end)
    claimed, used = session.execute(
        select(func.count(), func.count(UserCoupon.used_at)).where(
            UserCoupon.claimed_at >= low, UserCoupon.claimed_at < high
        )
    ).one()
    return int(claimed), int(used)


def _one_if(condition: ColumnElement[bool]) -> ColumnElement[Any]:
    return case((condition, 1), else_=0)


def _later_days(span: DayRange, after: int, before_day: str) -> dict[str, str]:
    """Each day D of the range whose day D+after has ended (is before before_day) -> D+after."""
    later = {day: shift(day, after) for day in span.days}
    return {day: target for day, target in later.items() if target < before_day}


Retention = dict[int, tuple[int, int]]
"""N -> (cohort, retained)."""


def retention(session: Session, span: DayRange, afters: tuple[int, ...], before_day: str) -> dict[str, Retention]:
    """Per platform of the span, for each N of `afters`: (cohort, retained), the installs first seen on a day
    D of the range whose day D+N has ended, and those of them seen again on D+N exactly. SQL counts the
    cohort per first day and the returns per (first day, later day) over the later days wanted; the pairs
    that are D and D+N are added here."""
    later = {after: _later_days(span, after, before_day) for after in afters}
    targets = sorted({target for days in later.values() for target in days.values()})
    cohort_filter = and_(Visitor.first_day.between(span.start, span.end), Visitor.platform.in_(span.platforms))
    firsts = {
        (platform, first): count
        for platform, first, count in session.execute(
            select(Visitor.platform, Visitor.first_day, func.count())
            .where(cohort_filter)
            .group_by(Visitor.platform, Visitor.first_day)
        )
    }
    returns: dict[tuple[str, str, str], int] = {}
    if targets:
        rows = session.execute(
            select(Visitor.platform, Visitor.first_day, VisitorDay.day, func.count())
            .join(VisitorDay, VisitorDay.install_id == Visitor.install_id)
            .where(
                cohort_filter,
                VisitorDay.day > Visitor.first_day,  # lets SQLite read each install's later days off the key
                VisitorDay.day.in_(targets),
            )
            .group_by(Visitor.platform, Visitor.first_day, VisitorDay.day)
        )
        returns = {(platform, first, day): count for platform, first, day, count in rows}
    return {
        platform: {
            after: (
                sum(firsts.get((platform, day), 0) for day in days),
                sum(returns.get((platform, day, target), 0) for day, target in days.items()),
            )
            for after, days in later.items()
        }
        for platform in span.platforms
    }


@dataclass(frozen=True)
class FollowerRetention:
    cohort: int
    retained: int
    without_unionid: int


def follower_retention(session: Session, span: DayRange, before_day: str) -> FollowerRetention:
    """Followers whose (latest) follow is on a day D of the range with D+1 ended (before before_day): those
    with a unionid, those of them whose mini-program user was seen in the mini-program on D+1, and those
    without a unionid. SQL counts the followers per follow day and the (follower, follow day, later day)
    returns over the later days wanted; the pairs that are D and D+1 are added here."""
    later = _later_days(span, 1, before_day)
    if not later:
        return FollowerRetention(0, 0, 0)
    days = list(later)
    low, high = utc_bounds(days[0], days[-1])
    followed = (
        select(Follower.openid, Follower.unionid, day_of(Follower.subscribed_at, days).label("day"))
        .where(Follower.subscribed_at >= low, Follower.subscribed_at < high)
        .subquery()
    )
    per_day = session.execute(
        select(followed.c.day, func.count(followed.c.unionid), func.count()).group_by(followed.c.day)
    ).all()
    returned = (
        select(followed.c.openid, followed.c.day, VisitorDay.day.label("back"))
        .distinct()
        .join(User, User.unionid == followed.c.unionid)
        .join(Visitor, Visitor.user_id == User.id)
        .join(VisitorDay, VisitorDay.install_id == Visitor.install_id)
        .where(VisitorDay.day.in_(list(later.values())), VisitorDay.platform == MINI_PROGRAM)
        .subquery()
    )
    pairs = session.execute(
        select(returned.c.day, returned.c.back, func.count()).group_by(returned.c.day, returned.c.back)
    )
    back = sum(count for day, later_day, count in pairs if later.get(day) == later_day)
    with_unionid = sum(int(count) for _day, count, _all in per_day)
    everyone = sum(int(count) for _day, _with, count in per_day)
    return FollowerRetention(with_unionid, back, everyone - with_unionid)


@dataclass(frozen=True)
class ArticleFigures:
    reads: int
    readers: int
    shares: int
    days: int


def article_figures(session: Session, span: DayRange) -> ArticleFigures:
    """The Official Account's article reads (datacube) summed over the range's days that have a row."""
    reads, readers, shares, days = session.execute(
        select(
            func.coalesce(func.sum(ArticleReads.reads), 0),
            func.coalesce(func.sum(ArticleReads.readers), 0),
            func.coalesce(func.sum(ArticleReads.shares), 0),
            func.count(),
        ).where(ArticleReads.day.between(span.start, span.end))
    ).one()
    return ArticleFigures(int(reads), int(readers), int(shares), int(days))

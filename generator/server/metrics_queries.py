"""The SQL behind the shop's metrics (`metrics.compute`): each function counts one thing over a day range on
the shop's database with SQLAlchemy Core and bound parameters, the same on SQLite and PostgreSQL.

Event days are the stored `day` strings (Shanghai); order, coupon and follower days come from their UTC
times compared with the Shanghai days' UTC bounds (`metrics_days`). Everything is read; nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Exists, Select, and_, case, distinct, exists, func, select
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
            select(Event.day, func.count(distinct(Event.session_id)))
            .where(Event.name == "page_view", Event.platform == H5, Event.day.between(span.start, span.end))
            .group_by(Event.day)
        )
        for day, count in session.execute(visits):
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
    """Distinct installs that sent each of `names` on the range's days."""
    rows = session.execute(
        select(Event.name, func.count(distinct(Event.install_id)))
        .where(Event.name.in_(names), Event.platform.in_(span.platforms), Event.day.between(span.start, span.end))
        .group_by(Event.name)
    )
    found = {name: count for name, count in rows}
    return {name: found.get(name, 0) for name in names}


def _paid_in(span: DayRange) -> Select[Any]:
    low, high = utc_bounds(span.start, span.end)
    return select(Order.user_id).where(Order.paid_at >= low, Order.paid_at < high)


def paying_visitors(session: Session, span: DayRange) -> int:
    """Installs seen in the range whose user (visitors.user_id) has an order paid in it."""
    if not span.with_orders:
        return 0
    statement = (
        select(func.count(distinct(VisitorDay.install_id)))
        .join(Visitor, Visitor.install_id == VisitorDay.install_id)
        .where(
            VisitorDay.day.between(span.start, span.end),
            VisitorDay.platform.in_(span.platforms),
            Visitor.user_id.in_(_paid_in(span)),
        )
    )
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
    in_range = and_(Order.paid_at >= low, Order.paid_at < high)
    net = func.coalesce(Order.paid_fen, Order.total_fen) - Order.refunded_fen
    orders, net_fen = session.execute(select(func.count(), func.coalesce(func.sum(net), 0)).where(in_range)).one()
    per_user = select(Order.user_id, func.count().label("paid")).where(in_range).group_by(Order.user_id).subquery()
    users, repeat = session.execute(
        select(func.count(), func.coalesce(func.sum(_one_if(per_user.c.paid >= 2)), 0))
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


def _seen_on(day: str, platforms: tuple[str, ...]) -> Exists:
    return exists().where(
        VisitorDay.install_id == Visitor.install_id, VisitorDay.day == day, VisitorDay.platform.in_(platforms)
    )


def retention(session: Session, span: DayRange, after: int, before_day: str) -> tuple[int, int]:
    """(cohort, retained): installs first seen in the range on a day D with D+after < before_day, and those
    of them seen again on D+after."""
    cohort = retained = 0
    for day in span.days:
        target = shift(day, after)
        if target >= before_day:
            break
        size, back = session.execute(
            select(func.count(), func.coalesce(func.sum(_one_if(_seen_on(target, span.platforms))), 0))
            .select_from(Visitor)
            .where(Visitor.first_day == day, Visitor.platform.in_(span.platforms))
        ).one()
        cohort += int(size)
        retained += int(back)
    return cohort, retained


@dataclass(frozen=True)
class FollowerRetention:
    cohort: int
    retained: int
    without_unionid: int


def follower_retention(session: Session, span: DayRange, before_day: str) -> FollowerRetention:
    """Followers whose (latest) follow is on a day D of the range with D+1 < before_day: those with a
    unionid, those of them whose mini-program user was seen in the mini-program on D+1, and those without."""
    cohort = retained = without = 0
    for day in span.days:
        target = shift(day, 1)
        if target >= before_day:
            break
        low, high = utc_bounds(day, day)
        came_back = exists().where(
            User.unionid == Follower.unionid,
            Visitor.user_id == User.id,
            VisitorDay.install_id == Visitor.install_id,
            VisitorDay.day == target,
            VisitorDay.platform == MINI_PROGRAM,
        )
        followed = and_(Follower.subscribed_at >= low, Follower.subscribed_at < high)
        size, back, missing = session.execute(
            select(
                func.count(Follower.unionid),
                func.coalesce(func.sum(_one_if(and_(Follower.unionid.is_not(None), came_back))), 0),
                func.count() - func.count(Follower.unionid),
            ).where(followed)
        ).one()
        cohort += int(size)
        retained += int(back)
        without += int(missing)
    return FollowerRetention(cohort, retained, without)


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

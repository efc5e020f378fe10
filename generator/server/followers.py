"""The Official Account's followers in the shop's database: `record_follow` and `record_unfollow`.

`gen oa serve` calls them (through `oa.followers.FollowerBook`) for WeChat's subscribe and unsubscribe
events. A follower is keyed by the account's openid; `at` is when the event happened, and an event older
than what the row already holds changes nothing, so two events of one follower handled out of order (two
requests at once) leave the newer one standing. A follow opens the person's follower gift once
(`follower_gifts.open_gift`); an unfollow keeps it. The functions never commit.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, and_, insert, or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..spec.coupons import CouponSpec
from .follower_gifts import open_gift
from .growth_models import Follower


def _rowcount(result: Any) -> int:
    return cast(CursorResult[Any], result).rowcount


def _not_newer_than(at: datetime) -> ColumnElement[bool]:
    """The row's latest follow and unfollow are not after `at`."""
    return and_(Follower.subscribed_at <= at, or_(Follower.unsubscribed_at.is_(None), Follower.unsubscribed_at <= at))


def _follow(session: Session, openid: str, unionid: str | None, at: datetime) -> None:
    values: dict[str, Any] = {"subscribed": True, "subscribed_at": at, "unsubscribed_at": None}
    if unionid:
        values["unionid"] = unionid

    def refresh() -> int:
        statement = update(Follower).where(Follower.openid == openid, _not_newer_than(at)).values(values)
        return _rowcount(session.execute(statement.execution_options(synchronize_session=False)))

    if refresh():
        return
    try:
        with session.begin_nested():
            session.execute(insert(Follower).values({"unionid": unionid, **values, "openid": openid}))
    except IntegrityError:  # the row exists: a newer event holds it, or a parallel follow inserted it
        refresh()


def record_follow(
    session: Session, openid: str, unionid: str | None, gift: CouponSpec | None, at: datetime
) -> str | None:
    """A follow: the follower is subscribed since `at`; with a gift declared, the person's gift is opened.
    The gift's new state (granted, sold_out, waiting), or None when none was opened now."""
    _follow(session, openid, unionid, at)
    if gift is None:
        return None
    return open_gift(session, openid, unionid, gift, at)


def record_unfollow(session: Session, openid: str, at: datetime) -> bool:
    """An unfollow: not subscribed since `at`. False when nothing changed (an unknown follower, whose follow
    came before this server recorded any, or a newer follow)."""
    statement = (
        update(Follower)
        .where(Follower.openid == openid, _not_newer_than(at))
        .values(subscribed=False, unsubscribed_at=at)
        .execution_options(synchronize_session=False)
    )
    return _rowcount(session.execute(statement)) == 1

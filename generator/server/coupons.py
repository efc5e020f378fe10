"""Coupons as service functions over a SQLAlchemy Session: keep the counts, claim, list, apply, give back.

Counting: `coupon_stock` holds what is left of each declared coupon (`sync_coupons` at start, from the
spec's `total`; a raised total adds the difference). A claim, in one savepoint, inserts the shopper's held
coupon numbered `seq` = how many they hold + 1 (unique per shopper and coupon, so two parallel claims of one
shopper cannot both take the same number, and no number above `per_user` is ever written), then takes one
with `UPDATE coupon_stock SET remaining = remaining - 1 WHERE remaining > 0`: both limits hold under any
number of workers, with no in-process lock.

Use: POST /orders names a held coupon by its code; `discount` checks it is the caller's, unused, valid now,
and that the goods it applies to reach its threshold, and computes the discount in fen (never more than
those goods); `use` marks it used by the new order with a conditional UPDATE in the order's own savepoint
(a coupon two orders race for goes to one). `give_back` clears it when the order is cancelled or closed, and
`give_back_refunded` once it is fully refunded: unused again, usable while still valid. Dates are days in
Asia/Shanghai (UTC+8, no DST). The functions never commit.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, cast

from sqlalchemy import CursorResult, case, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..spec.coupons import CouponSpec
from ..textdata import price_fen
from .admin_models import CouponPause
from .coupon_models import CouponStock, UserCoupon
from .models import User
from .order_models import Order, OrderState
from .pricing import PriceBook, Quote

SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")
CODE_ALPHABET = string.digits + string.ascii_uppercase
CODE_RANDOM = 16
"""16 characters of [0-9A-Z]: 82 bits, not guessable; what a shop's staff reads off the shopper's screen."""


class CouponError(Exception):
    """A claim or a use the coupon rules refuse: HTTP status, a stable code and a message for the shopper."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def _rowcount(result: Any) -> int:
    return cast(CursorResult[Any], result).rowcount


def day_start(day: str) -> datetime:
    """00:00 of a YYYY-MM-DD day in Asia/Shanghai, as an aware datetime."""
    return datetime.combine(date.fromisoformat(day), time(), SHANGHAI)


def shown_day(moment: datetime) -> str:
    """The Asia/Shanghai day a coupon valid until `moment` (exclusive) is last valid on."""
    return (moment - timedelta(microseconds=1)).astimezone(SHANGHAI).date().isoformat()


def validity(spec: CouponSpec, claimed_at: datetime) -> tuple[datetime, datetime]:
    """When a coupon claimed at `claimed_at` can be used: [from, until)."""
    if spec.ends is not None:
        start = day_start(spec.starts) if spec.starts is not None else claimed_at
        return start, day_start(spec.ends) + timedelta(days=1)
    return claimed_at, claimed_at + timedelta(days=spec.days or 0)


def claim_state(spec: CouponSpec, now: datetime) -> str | None:
    """Why the coupon cannot be claimed at `now` (`not_started`, `ended`), or None when it can."""
    if spec.starts is not None and now < day_start(spec.starts):
        return "not_started"
    if spec.ends is not None and now >= day_start(spec.ends) + timedelta(days=1):
        return "ended"
    return None


# --- counts ------------------------------------------------------------------------------------------------


def sync_coupons(session: Session, coupons: Sequence[CouponSpec]) -> None:
    """Bring `coupon_stock` in line with the spec: a new coupon starts with its `total` left; a changed total
    adds the difference (never below 0), once, as a compare-and-set on the remembered total."""
    rows: dict[str, int] = {
        cid: total for cid, total in session.execute(select(CouponStock.coupon_id, CouponStock.total))
    }
    for spec in coupons:
        old = rows.get(spec.id)
        if old is None:
            try:
                with session.begin_nested():
                    session.add(CouponStock(coupon_id=spec.id, remaining=spec.total, total=spec.total))
            except IntegrityError:  # another worker starting at once inserted it
                pass
        elif old != spec.total:
            moved = CouponStock.remaining + (spec.total - old)
            session.execute(
                update(CouponStock)
                .where(CouponStock.coupon_id == spec.id, CouponStock.total == old)
                .values(remaining=case((moved < 0, 0), else_=moved), total=spec.total)
            )


def remaining(session: Session, coupon_ids: Sequence[str]) -> dict[str, int]:
    rows = session.execute(
        select(CouponStock.coupon_id, CouponStock.remaining).where(CouponStock.coupon_id.in_(coupon_ids))
    )
    return {key: value for key, value in rows}


def held_counts(session: Session, user: User) -> dict[str, int]:
    """How many of each coupon the shopper ever claimed (used or not)."""
    rows = session.execute(
        select(UserCoupon.coupon_id, func.count()).where(UserCoupon.user_id == user.id).group_by(UserCoupon.coupon_id)
    )
    return {key: value for key, value in rows}


# --- claiming ----------------------------------------------------------------------------------------------


class _SoldOut(Exception):
    pass


def _values(spec: CouponSpec, user: User, seq: int, now: datetime) -> dict[str, Any]:
    valid_from, valid_until = validity(spec, now)
    return {
        "code": "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_RANDOM)),
        "user_id": user.id,
        "coupon_id": spec.id,
        "seq": seq,
        "claimed_at": now,
        "valid_from": valid_from,
        "valid_until": valid_until,
    }


def _hold(session: Session, values: dict[str, Any]) -> None:
    """Insert the held coupon and take one of the stock, in one savepoint: _SoldOut when none is left,
    IntegrityError when a parallel claim of this shopper took the same `seq`."""
    with session.begin_nested():
        session.execute(insert(UserCoupon).values(values))
        taken = session.execute(
            update(CouponStock)
            .where(CouponStock.coupon_id == values["coupon_id"], CouponStock.remaining > 0)
            .values(remaining=CouponStock.remaining - 1)
            .execution_options(synchronize_session=False)
        )
        if _rowcount(taken) != 1:
            raise _SoldOut


def paused_ids(session: Session) -> set[str]:
    """The coupons the merchant console paused: not claimable until resumed."""
    return set(session.execute(select(CouponPause.coupon_id)).scalars())


def claim(session: Session, spec: CouponSpec, user: User, now: datetime) -> UserCoupon:
    """Give the shopper one of `spec`, or CouponError 409: paused, not_started, ended, limit_reached,
    sold_out."""
    if spec.id in paused_ids(session):
        raise CouponError(409, "paused", f"{spec.title}暂停领取 (claiming is paused)")
    reason = claim_state(spec, now)
    if reason == "not_started":
        raise CouponError(409, reason, f"{spec.title}将于 {spec.starts} 开始领取 (not claimable before {spec.starts})")
    if reason == "ended":
        raise CouponError(409, reason, f"{spec.title}已过期 (ended {spec.ends})")
    for _attempt in range(spec.per_user + 1):
        held = held_counts(session, user).get(spec.id, 0)
        if held >= spec.per_user:
            raise CouponError(
                409, "limit_reached", f"每人限领 {spec.per_user} 张 (at most {spec.per_user} per shopper)"
            )
        values = _values(spec, user, held + 1, now)
        try:
            _hold(session, values)
        except _SoldOut:
            raise CouponError(409, "sold_out", f"{spec.title}已领完 (none left)") from None
        except IntegrityError:
            continue  # a parallel claim of this shopper took this number: count again
        return UserCoupon(**values)
    raise CouponError(409, "limit_reached", f"每人限领 {spec.per_user} 张 (at most {spec.per_user} per shopper)")


GRANT_ATTEMPTS = 8


def grant(session: Session, spec: CouponSpec, user: User, now: datetime) -> UserCoupon | None:
    """Give the shopper one of `spec` as a rule's reward: no per-shopper limit (the rule is the limit), the
    total still holds. None when none is left or its window has ended."""
    if claim_state(spec, now) == "ended":
        return None
    for _attempt in range(GRANT_ATTEMPTS):
        values = _values(spec, user, held_counts(session, user).get(spec.id, 0) + 1, now)
        try:
            _hold(session, values)
        except _SoldOut:
            return None
        except IntegrityError:
            continue  # a parallel grant or claim took this number: count again
        return UserCoupon(**values)
    raise RuntimeError(f"could not number a held coupon {spec.id} in {GRANT_ATTEMPTS} attempts")


# --- holding -----------------------------------------------------------------------------------------------


def mine(session: Session, user: User, coupons: Mapping[str, CouponSpec], now: datetime) -> list[UserCoupon]:
    """The shopper's unused coupons valid now (of coupons the spec still declares), soonest to expire first."""
    rows = session.execute(
        select(UserCoupon)
        .where(
            UserCoupon.user_id == user.id,
            UserCoupon.order_id.is_(None),
            UserCoupon.used_at.is_(None),
            UserCoupon.valid_from <= now,
            UserCoupon.valid_until > now,
        )
        .order_by(UserCoupon.valid_until, UserCoupon.id)
    ).scalars()
    return [row for row in rows if row.coupon_id in coupons]


@dataclass(frozen=True)
class Applied:
    code: str
    discount_fen: int


def _unusable(why: str) -> CouponError:
    return CouponError(409, "coupon_unusable", f"这张优惠券不能使用：{why}")


def discount(session: Session, book: PriceBook, user: User, code: str, quote: Quote, now: datetime) -> Applied:
    """What the held coupon `code` takes off this quote, or CouponError 409 `coupon_unusable` (not the
    caller's, used, not valid now, no product of the order in its scope) or `coupon_threshold`."""
    held = session.execute(
        select(UserCoupon).where(UserCoupon.code == code, UserCoupon.user_id == user.id)
    ).scalar_one_or_none()
    spec = book.coupons.get(held.coupon_id) if held is not None else None
    if held is None or spec is None:
        raise _unusable("没有这张券 (no such coupon of yours)")
    if held.order_id is not None or held.used_at is not None:
        raise _unusable("已使用 (already used)")
    if not held.valid_from <= now < held.valid_until:
        raise _unusable("不在有效期内 (not valid now)")
    eligible = sum(
        line.line_fen
        for line in quote.lines
        if spec.in_scope(line.item.product_id, book.products[line.item.product_id].category)
    )
    if eligible <= 0:
        raise _unusable("订单中没有适用的商品 (no item of the order is in its scope)")
    threshold = price_fen(spec.min_spend)
    if eligible < threshold:
        raise CouponError(
            409,
            "coupon_threshold",
            f"未达到使用门槛：满 {spec.min_spend} 元可用 (the goods must reach {threshold} fen)",
        )
    off = price_fen(spec.amount) if spec.amount is not None else eligible * (spec.percent_off or 0) // 100
    return Applied(code, min(off, eligible))


def use(session: Session, user: User, code: str, order_id: int, now: datetime) -> None:
    """Mark the held coupon used by the order; CouponError 409 when another order took it meanwhile."""
    result = session.execute(
        update(UserCoupon)
        .where(
            UserCoupon.code == code,
            UserCoupon.user_id == user.id,
            UserCoupon.order_id.is_(None),
            UserCoupon.used_at.is_(None),
        )
        .values(order_id=order_id, used_at=now)
        .execution_options(synchronize_session=False)
    )
    if _rowcount(result) != 1:
        raise _unusable("已使用 (already used)")


def give_back(session: Session, order_id: int) -> int:
    """The coupon an ended (cancelled, closed, refunded) order used is unused again; how many were."""
    result = session.execute(
        update(UserCoupon)
        .where(UserCoupon.order_id == order_id)
        .values(order_id=None, used_at=None)
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result)


def give_back_refunded(session: Session, order_no: str) -> int:
    """The coupon of an order now fully refunded is unused again (the refund settling calls it); how many."""
    refunded = select(Order.id).where(Order.order_no == order_no, Order.state == OrderState.REFUNDED.value)
    result = session.execute(
        update(UserCoupon)
        .where(UserCoupon.order_id.in_(refunded))
        .values(order_id=None, used_at=None)
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result)

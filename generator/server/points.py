"""Members' points as service functions: add, take back, and the points of an order paid or refunded.

The balance is `users.points` and every change is one `points_entries` row keyed by (user, reason, ref):
writing the row first, in a savepoint, makes a retried or replayed event a no-op, and only then is the
balance moved, under the user's row lock (FOR UPDATE on PostgreSQL; SQLite writes one at a time). A take-back
never takes more than the balance: points spent or taken already are not taken twice, and the balance never
goes below 0 (the CHECK on users.points holds it too). The functions never commit.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..spec.growth import MemberRules
from .growth_models import PointsEntry
from .models import User
from .order_models import Order

FEN_PER_YUAN = 100


def balance(session: Session, user_id: int) -> int:
    return int(session.execute(select(User.points).where(User.id == user_id)).scalar_one())


def _locked_balance(session: Session, user_id: int) -> int:
    return int(session.execute(select(User.points).where(User.id == user_id).with_for_update()).scalar_one())


def change(session: Session, user_id: int, delta: int, reason: str, ref: str, now: datetime) -> int | None:
    """Add `delta` points (or take back -delta, at most the balance) once for (reason, ref); the change
    made, or None when this (reason, ref) was already counted."""
    current = _locked_balance(session, user_id)
    applied = delta if delta >= 0 else -min(current, -delta)
    try:
        with session.begin_nested():
            session.execute(
                insert(PointsEntry).values(user_id=user_id, delta=applied, reason=reason, ref=ref, created_at=now)
            )
            if applied:
                session.execute(
                    update(User)
                    .where(User.id == user_id)
                    .values(points=User.points + applied)
                    .execution_options(synchronize_session=False)
                )
    except IntegrityError:
        return None
    return applied


def order_points(rules: MemberRules, paid_fen: int) -> int:
    """Points an order paying `paid_fen` earns: points_per_yuan for every whole yuan."""
    return paid_fen // FEN_PER_YUAN * rules.points_per_yuan


def order_paid(session: Session, rules: MemberRules, order_no: str, now: datetime) -> int | None:
    """The points of a paid order, once (the notify and the query may both report it)."""
    order = session.execute(select(Order).where(Order.order_no == order_no)).scalar_one_or_none()
    if order is None or order.paid_fen is None:
        return None
    earned = order_points(rules, order.paid_fen)
    if earned <= 0:
        return None
    return change(session, order.user_id, earned, "order", order_no, now)


def order_refunded(session: Session, rules: MemberRules, order_no: str, refunded_fen: int, now: datetime) -> int:
    """Take back the points the refunded part of an order earned (refunds add up: after refunding all of it,
    all its points are taken back); how many were taken now."""
    order = session.execute(select(Order).where(Order.order_no == order_no)).scalar_one_or_none()
    if order is None or order.paid_fen is None or refunded_fen <= 0:
        return 0
    earned = session.execute(
        select(func.coalesce(func.sum(PointsEntry.delta), 0)).where(
            PointsEntry.user_id == order.user_id, PointsEntry.reason == "order", PointsEntry.ref == order_no
        )
    ).scalar_one()
    if not earned:
        return 0
    kept = order_points(rules, max(order.paid_fen - refunded_fen, 0))
    wanted = max(int(earned) - kept, 0)
    taken = -int(
        session.execute(
            select(func.coalesce(func.sum(PointsEntry.delta), 0)).where(
                PointsEntry.user_id == order.user_id,
                PointsEntry.reason == "refund",
                PointsEntry.ref.like(f"{order_no}:%"),
            )
        ).scalar_one()
    )
    if wanted <= taken:
        return 0
    # The ref names how much of the order was refunded: each refund stage takes back once.
    done = change(session, order.user_id, -(wanted - taken), "refund", f"{order_no}:{refunded_fen}", now)
    return -(done or 0)

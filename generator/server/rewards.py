"""A growth rule's reward given once: points or one of the declared coupons, recorded in `rewards`.

`give` writes the reward row (unique per user, rule and ref) in a savepoint before granting, so a retry,
a double tap or a second worker finds it there and grants nothing; a coupon with none left is recorded as
`sold_out` (the rule was met; the shop's budget was spent). The functions never commit.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..spec.coupons import CouponSpec
from ..spec.growth import Reward
from . import coupons, points
from .growth_models import RewardGrant
from .models import User


def give(
    session: Session,
    reward: Reward,
    user: User,
    rule: str,
    ref: str,
    declared: Mapping[str, CouponSpec],
    now: datetime,
) -> RewardGrant | None:
    """Grant `reward` to the user for (rule, ref) once; the reward row, or None when it was granted before."""
    values = {
        "user_id": user.id,
        "rule": rule,
        "ref": ref,
        "coupon_id": reward.coupon,
        "points": reward.points,
        "state": "granted",
        "created_at": now,
    }
    try:
        with session.begin_nested():
            row_id = session.execute(insert(RewardGrant).values(values).returning(RewardGrant.id)).scalar_one()
    except IntegrityError:
        return None
    if reward.points is not None:
        points.change(session, user.id, reward.points, "reward", f"{rule}:{ref}", now)
    else:
        spec = declared.get(reward.coupon or "")
        held = coupons.grant(session, spec, user, now) if spec is not None else None
        state = {"state": "granted", "coupon_code": held.code} if held is not None else {"state": "sold_out"}
        session.execute(
            update(RewardGrant)
            .where(RewardGrant.id == row_id)
            .values(state)
            .execution_options(synchronize_session=False)
        )
        values.update(state)
    return RewardGrant(id=row_id, **values)


def granted(session: Session, user: User, rule: str) -> list[RewardGrant]:
    """The user's rewards of one rule, oldest first."""
    rows = session.execute(
        select(RewardGrant).where(RewardGrant.user_id == user.id, RewardGrant.rule == rule).order_by(RewardGrant.id)
    )
    return list(rows.scalars())

"""The Official Account's follower gift (`commerce.follower_gift`): one coupon per person, ever.

A person is `unionid:<unionid>` when WeChat gave the follower's UnionID, else `openid:<the account's
openid>` (such a gift can never reach the mini-program: nothing joins the two openids). `open_gift` writes
the person's `follower_gifts` row once (its primary key makes a replayed event, a re-follow or two workers a
no-op) and grants the coupon at once when a mini-program user of that UnionID exists; otherwise the row
waits and `deliver_waiting` grants it at that person's mini-program login. Each grant claims its row with a
conditional UPDATE ... WHERE state = 'waiting' first, so two logins at once grant once; the coupon comes
from `coupons.grant` (the total holds; none left or the window ended: `sold_out`) and is recorded in
`rewards` too (rule `follower`, ref the person). The functions never commit.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..spec.coupons import CouponSpec
from ..spec.site import Commerce
from . import coupons
from .growth_models import REF_LENGTH, FollowerGiftRow, RewardGrant
from .models import User

WAITING, GRANTED, SOLD_OUT = "waiting", "granted", "sold_out"
RULE = "follower"


def person_key(openid: str, unionid: str | None) -> str:
    return f"unionid:{unionid}" if unionid else f"openid:{openid}"


def _rowcount(result: Any) -> int:
    return cast(CursorResult[Any], result).rowcount


def _user_of(session: Session, unionid: str) -> User | None:
    return session.execute(select(User).where(User.unionid == unionid).order_by(User.id).limit(1)).scalar_one_or_none()


def _give(session: Session, person: str, spec: CouponSpec, user: User, now: datetime) -> bool:
    """Grant the claimed gift row's coupon to `user` and record what happened; True when a coupon was given."""
    held = coupons.grant(session, spec, user, now)
    session.execute(
        update(FollowerGiftRow)
        .where(FollowerGiftRow.person == person)
        .values(
            state=GRANTED if held is not None else SOLD_OUT,
            user_id=user.id,
            coupon_id=spec.id,
            granted_at=now if held is not None else None,
        )
        .execution_options(synchronize_session=False)
    )
    try:
        with session.begin_nested():
            session.execute(
                insert(RewardGrant).values(
                    user_id=user.id,
                    rule=RULE,
                    ref=person[:REF_LENGTH],
                    coupon_id=spec.id,
                    coupon_code=held.code if held is not None else None,
                    state=GRANTED if held is not None else SOLD_OUT,
                    created_at=now,
                )
            )
    except IntegrityError:  # this user's follower reward is recorded already (a second person key)
        pass
    return held is not None


def open_gift(session: Session, openid: str, unionid: str | None, spec: CouponSpec, now: datetime) -> str | None:
    """The gift of a new follower: its state (granted, sold_out, waiting), or None when this person had one
    already."""
    person = person_key(openid, unionid)
    try:
        with session.begin_nested():
            session.execute(
                insert(FollowerGiftRow).values(
                    person=person, openid=openid, unionid=unionid, coupon_id=spec.id, state=WAITING, created_at=now
                )
            )
    except IntegrityError:
        return None
    user = _user_of(session, unionid) if unionid else None
    if user is None:
        return WAITING
    return GRANTED if _give(session, person, spec, user, now) else SOLD_OUT


def deliver_waiting(session: Session, user: User, commerce: Commerce, now: datetime) -> int:
    """Grant the follower gifts waiting for this shopper (their UnionID followed the Official Account); how
    many coupons were given. A gift whose coupon the spec no longer declares gets the current gift's coupon;
    with neither, it keeps waiting."""
    if not user.unionid:
        return 0
    declared = {coupon.id: coupon for coupon in commerce.coupons}
    current = declared.get(commerce.follower_gift.coupon) if commerce.follower_gift is not None else None
    waiting = session.execute(
        select(FollowerGiftRow.person, FollowerGiftRow.coupon_id).where(
            FollowerGiftRow.unionid == user.unionid, FollowerGiftRow.state == WAITING
        )
    ).all()
    given = 0
    for person, coupon_id in waiting:
        spec = declared.get(coupon_id) or current
        if spec is None:
            continue
        claimed = session.execute(
            update(FollowerGiftRow)
            .where(FollowerGiftRow.person == person, FollowerGiftRow.state == WAITING)
            .values(state=GRANTED, user_id=user.id, granted_at=now)
            .execution_options(synchronize_session=False)
        )
        if _rowcount(claimed) == 1 and _give(session, person, spec, user, now):
            given += 1
    return given

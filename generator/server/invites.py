"""Invites as service functions: a registration attributed to its inviter once, and the inviter's reward.

Only a registration counts — the first login of a new shopper whose share link named an inviter (never a
share by itself: 诱导分享 is against WeChat's rules). `invites` has one row per invited user (its primary
key), so a shopper is attributed at most once, and a self-invite is ignored. Each time the inviter's count
reaches a multiple of `friends`, up to `times` times, the reward is granted once (keyed by which multiple).
The functions never commit.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..spec.coupons import CouponSpec
from ..spec.growth import InviteRule
from . import rewards
from .growth_models import Invite
from .models import User


def registered(session: Session, inviter: User) -> int:
    """How many registrations are attributed to the inviter."""
    return int(session.execute(select(func.count()).where(Invite.inviter_id == inviter.id)).scalar_one())


def attribute(
    session: Session,
    invitee: User,
    inviter_ref: str | None,
    rule: InviteRule | None,
    declared: Mapping[str, CouponSpec],
    now: datetime,
) -> bool:
    """Count the new shopper's registration for the inviter `inviter_ref` (once), and grant the inviter's
    reward when it completes a group of `friends`; whether it was counted."""
    if not inviter_ref:
        return False
    # The inviter's row lock orders parallel registrations for one inviter, so each count is exact.
    inviter = session.execute(select(User).where(User.ref == inviter_ref).with_for_update()).scalar_one_or_none()
    if inviter is None or inviter.id == invitee.id:
        return False
    if invitee.unionid is not None and inviter.unionid == invitee.unionid:
        return False  # one person with two accounts
    try:
        with session.begin_nested():
            session.execute(insert(Invite).values(invitee_id=invitee.id, inviter_id=inviter.id, created_at=now))
    except IntegrityError:
        return False
    if rule is not None:
        count = registered(session, inviter)
        group, rest = divmod(count, rule.friends)
        if rest == 0 and group <= rule.times:
            rewards.give(session, rule.reward, inviter, "invite", str(group), declared, now)
    return True

"""The daily check-in as service functions: one per Asia/Shanghai calendar day, the streak, its reward.

A check-in is the row (user, day) — its primary key makes a double tap, a retry or two workers one
check-in. Its streak is yesterday's streak + 1, or 1 after a missed day (yesterday's row never changes, so
this needs no lock). The rule's points come with every check-in; the reward comes each time the streak
reaches a multiple of `reward_days`, keyed by the day, so it is granted once per streak target. The
functions never commit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..spec.coupons import CouponSpec
from ..spec.growth import CheckinRule
from . import points, rewards
from .coupons import SHANGHAI
from .growth_models import Checkin, RewardGrant
from .models import User


def shanghai_day(moment: datetime, days_before: int = 0) -> str:
    return (moment.astimezone(SHANGHAI).date() - timedelta(days=days_before)).isoformat()


@dataclass(frozen=True)
class CheckinState:
    streak: int
    """Days in a row up to today (or yesterday, while today is still open); 0 once a day was missed."""
    checked_in_today: bool
    rewarded: RewardGrant | None = None
    """The reward today's check-in earned (only in the answer of that check-in)."""
    points: int = 0
    """Points today's check-in earned (only in the answer of that check-in)."""


def state(session: Session, user: User, now: datetime) -> CheckinState:
    today, yesterday = shanghai_day(now), shanghai_day(now, 1)
    rows = session.execute(
        select(Checkin.day, Checkin.streak).where(Checkin.user_id == user.id, Checkin.day.in_((today, yesterday)))
    ).all()
    by_day = {day: streak for day, streak in rows}
    if today in by_day:
        return CheckinState(by_day[today], True)
    return CheckinState(by_day.get(yesterday, 0), False)


def check_in(
    session: Session, user: User, rule: CheckinRule, declared: Mapping[str, CouponSpec], now: datetime
) -> CheckinState:
    """Check the user in for today (once); the state, with what this check-in earned."""
    today = shanghai_day(now)
    before = state(session, user, now)
    if before.checked_in_today:
        return before
    streak = before.streak + 1
    try:
        with session.begin_nested():
            session.execute(insert(Checkin).values(user_id=user.id, day=today, streak=streak, created_at=now))
    except IntegrityError:  # a parallel tap checked in first
        return state(session, user, now)
    earned = 0
    if rule.points:
        earned = points.change(session, user.id, rule.points, "checkin", today, now) or 0
    grant = None
    if streak % rule.reward_days == 0:
        grant = rewards.give(session, rule.reward, user, "checkin", today, declared, now)
    return CheckinState(streak, True, grant, earned)

"""The growth tables: the points ledger, check-ins, invites, rewards granted by a rule, the Official
Account's followers and their gift, and the reminders sent to inactive shoppers.

Every table that grants something carries a unique key of what it is granted for, so a double tap, a
retry, a replayed WeChat event or two workers at once write it once: `points_entries` (user, reason, ref),
`checkins` (user, day), `invites` (the invited user), `rewards` (user, rule, ref), `follower_gifts` (the
person: unionid, else the account's openid), `reminders` (user, the absence it is for). A user's points
balance is `users.points` (never below 0, by a CHECK), moved only together with a ledger row.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from . import models as _models  # noqa: F401  (users, whom these rows belong to)
from .coupon_models import CODE_LENGTH, COUPON_ID_LENGTH
from .db import Base, UtcDateTime, utcnow
from .models import OPENID_LENGTH

REF_LENGTH = 64
DAY_LENGTH = 10  # YYYY-MM-DD


class PointsEntry(Base):
    """One change of a user's points: + for an order paid, a check-in or a reward, - for a refund."""

    __tablename__ = "points_entries"
    __table_args__ = (UniqueConstraint("user_id", "reason", "ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    delta: Mapped[int] = mapped_column(Integer())
    reason: Mapped[str] = mapped_column(String(16))
    """order, refund, checkin or reward."""
    ref: Mapped[str] = mapped_column(String(REF_LENGTH))
    """What it is for: the order number, the refund stage, the check-in day, the reward's key."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class Checkin(Base):
    """A user's check-in on one Asia/Shanghai day, with the streak it made."""

    __tablename__ = "checkins"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[str] = mapped_column(String(DAY_LENGTH), primary_key=True)
    streak: Mapped[int] = mapped_column(Integer())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class Invite(Base):
    """A registration attributed to the inviter: one row per invited user, ever."""

    __tablename__ = "invites"

    invitee_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    inviter_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class RewardGrant(Base):
    """A rule's reward given to a user (or not: `state` sold_out when its coupon had none left)."""

    __tablename__ = "rewards"
    __table_args__ = (UniqueConstraint("user_id", "rule", "ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    rule: Mapped[str] = mapped_column(String(16))
    """checkin, invite or follower."""
    ref: Mapped[str] = mapped_column(String(REF_LENGTH))
    """Which time the rule was met: the check-in day, the invite count, the follower's person key."""
    coupon_id: Mapped[str | None] = mapped_column(String(COUPON_ID_LENGTH))
    coupon_code: Mapped[str | None] = mapped_column(String(CODE_LENGTH))
    """The held coupon it gave (user_coupons.code)."""
    points: Mapped[int | None] = mapped_column(Integer())
    state: Mapped[str] = mapped_column(String(16))
    """granted or sold_out."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class Follower(Base):
    """A follower of the Official Account, by the account's openid (not the mini-program's)."""

    __tablename__ = "followers"

    openid: Mapped[str] = mapped_column(String(OPENID_LENGTH), primary_key=True)
    unionid: Mapped[str | None] = mapped_column(String(OPENID_LENGTH), index=True)
    subscribed: Mapped[bool] = mapped_column(Boolean())
    subscribed_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    """The latest follow."""
    unsubscribed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    """The latest unfollow (None: never, or followed again since)."""


class FollowerGiftRow(Base):
    """The follower gift of one person: waiting for their mini-program login, granted, or sold out."""

    __tablename__ = "follower_gifts"

    person: Mapped[str] = mapped_column(String(80), primary_key=True)
    """`unionid:<unionid>` when WeChat gave one, else `openid:<the account's openid>`."""
    openid: Mapped[str] = mapped_column(String(OPENID_LENGTH))
    unionid: Mapped[str | None] = mapped_column(String(OPENID_LENGTH), index=True)
    coupon_id: Mapped[str] = mapped_column(String(COUPON_ID_LENGTH))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    """The mini-program user it went to (None while waiting)."""
    state: Mapped[str] = mapped_column(String(16))
    """waiting, granted or sold_out."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    granted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class Reminder(Base):
    """A re-engagement message queued for one absence of a user (`inactive_since`: their last activity)."""

    __tablename__ = "reminders"
    __table_args__ = (UniqueConstraint("user_id", "inactive_since"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    inactive_since: Mapped[datetime] = mapped_column(UtcDateTime())
    template_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

"""The core tables: shoppers (users), their login sessions and stored form submissions.

A user is known by the openid WeChat gives for this mini-program (and the unionid when the account is bound
to an Open Platform account); `ref` is the random, public handle other shoppers pass as `inviter`, so no
openid travels in share links. Session tokens are kept only as SHA-256 hashes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .db import Base, UtcDateTime, utcnow

REF_LENGTH = 22  # secrets.token_urlsafe(16)
OPENID_LENGTH = 64  # WeChat's openids and unionids are 28 characters today


class User(Base):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint("points >= 0", name="points_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(REF_LENGTH), unique=True)
    openid: Mapped[str] = mapped_column(String(OPENID_LENGTH), unique=True)
    unionid: Mapped[str | None] = mapped_column(String(OPENID_LENGTH), index=True)
    inviter: Mapped[str | None] = mapped_column(String(64))
    """What the shopper's first login named as inviter (another user's ref), as sent."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    points: Mapped[int] = mapped_column(Integer(), default=0, server_default="0")
    """The points balance (growth_models.PointsEntry is its ledger)."""
    last_active_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), index=True)
    """The latest login or use of the mini-program (at most an hour old), for re-engagement."""


class LoginSession(Base):
    __tablename__ = "sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


class FormSubmission(Base):
    __tablename__ = "form_submissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[str] = mapped_column(String(80), index=True)
    values: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)
    handled_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    """When an operator marked it handled in the console; None while it waits."""

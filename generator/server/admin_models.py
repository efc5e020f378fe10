"""The merchant console's tables: operators, their sessions, failed logins, the audit log, paused coupons.

An operator (`admin_operators`) logs in with a username and an Argon2id password hash; `role` is owner
(everything) or operator (limited refunds, no personal data). A session (`admin_sessions`) is kept only as
the SHA-256 of its cookie token, with an absolute expiry and the last time it was used (the idle timeout).
`admin_login_failures` holds recent failed logins by username and by a hash of the client's address, for
the rate limit and the lockout; it never holds a password. `admin_audit` records every change an operator
makes (refund, ship, stock, coupon, form): who, what, on what, and a JSON detail without personal data.
A row in `coupon_pauses` stops shoppers claiming that coupon until an operator resumes it.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from .coupon_models import COUPON_ID_LENGTH
from .db import Base, UtcDateTime, utcnow

USERNAME_LENGTH = 40
ADDRESS_HASH_LENGTH = 64
ACTION_LENGTH = 32
TARGET_LENGTH = 80


class Role(StrEnum):
    OWNER = "owner"
    OPERATOR = "operator"


class Operator(Base):
    __tablename__ = "admin_operators"
    __table_args__ = (CheckConstraint("role IN ('owner', 'operator')", name="role_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(USERNAME_LENGTH), unique=True)
    """Lower case, as `admin_users.clean_username` makes it."""
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    disabled_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    """Set by `gen admin disable`: the operator can no longer log in and their sessions are gone."""


class AdminSession(Base):
    __tablename__ = "admin_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("admin_operators.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


class LoginFailure(Base):
    __tablename__ = "admin_login_failures"
    __table_args__ = (
        Index("ix_admin_login_failures_username_at", "username", "at"),
        Index("ix_admin_login_failures_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(USERNAME_LENGTH))
    """As typed (lower case, cut to the column): unknown usernames are counted too."""
    address: Mapped[str] = mapped_column(String(ADDRESS_HASH_LENGTH))
    """SHA-256 of the client's address: enough to count, not to know who it was."""
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class AuditEntry(Base):
    __tablename__ = "admin_audit"
    __table_args__ = (
        # the console's 操作记录 page: newest first, by action or by operator; an order's refunds
        Index("ix_admin_audit_action_id", "action", "id"),
        Index("ix_admin_audit_username_id", "username", "id"),
        Index("ix_admin_audit_target_action", "target", "action"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("admin_operators.id", ondelete="SET NULL"), index=True)
    username: Mapped[str] = mapped_column(String(USERNAME_LENGTH))
    """Who, kept as written then (the operator row may be gone later)."""
    action: Mapped[str] = mapped_column(String(ACTION_LENGTH))
    """refund, ship, stock_set, coupon_pause, coupon_resume, coupon_issue, coupon_redeem, form_handled,
    form_export, login, logout."""
    target: Mapped[str] = mapped_column(String(TARGET_LENGTH))
    """An order number, a stock key, a coupon id, a form id: never a shopper's personal data."""
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)
    """An operator's refund is written before WeChat Pay is asked (`admin_refund_limit`: its status is
    pending until the answer), so concurrent refunds see each other."""
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)


class CouponPause(Base):
    """A declared coupon shoppers cannot claim for now (the console's 暂停领取)."""

    __tablename__ = "coupon_pauses"

    coupon_id: Mapped[str] = mapped_column(String(COUPON_ID_LENGTH), primary_key=True)
    paused_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("admin_operators.id", ondelete="SET NULL"))

"""The coupon tables: how many of each declared coupon are left, and the coupons shoppers hold.

`coupon_stock.remaining` only moves by `UPDATE ... SET remaining = remaining - 1 WHERE remaining > 0` (and
the CHECK keeps it from going negative); `user_coupons` has one row per claimed coupon, numbered per shopper
and coupon (`seq` 1..per_user) under a unique constraint, so parallel claims of one shopper never pass the
per-user limit. A held coupon is used by one order (`order_id`) and given back by clearing it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from . import models as _models  # noqa: F401  (users, which held coupons belong to)
from . import order_models as _order_models  # noqa: F401  (orders, which use them)
from .db import Base, UtcDateTime, utcnow

COUPON_ID_LENGTH = 40
CODE_LENGTH = 20
"""A held coupon's public id: what GET /coupons/mine lists, POST /orders names and a shop's staff reads."""


class CouponStock(Base):
    __tablename__ = "coupon_stock"
    __table_args__ = (CheckConstraint("remaining >= 0", name="remaining_not_negative"),)

    coupon_id: Mapped[str] = mapped_column(String(COUPON_ID_LENGTH), primary_key=True)
    remaining: Mapped[int] = mapped_column(Integer())
    total: Mapped[int] = mapped_column(Integer())
    """The spec's `total` when it was last applied (a raised total adds the difference to `remaining`)."""


class UserCoupon(Base):
    __tablename__ = "user_coupons"
    __table_args__ = (
        UniqueConstraint("user_id", "coupon_id", "seq"),
        Index("ix_user_coupons_user_id_used", "user_id", "order_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(CODE_LENGTH), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    coupon_id: Mapped[str] = mapped_column(String(COUPON_ID_LENGTH))
    seq: Mapped[int] = mapped_column(Integer())
    """1 for the shopper's first of this coupon, 2 for the second, ... up to its per_user."""
    claimed_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    valid_from: Mapped[datetime] = mapped_column(UtcDateTime())
    valid_until: Mapped[datetime] = mapped_column(UtcDateTime())
    """Usable while valid_from <= now < valid_until."""
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"), index=True)
    """The order it is used in; None while unused (and again once that order is cancelled, closed or refunded)."""
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

"""The order tables: orders, their lines, stock levels, idempotency keys and payment notices.

Money is integer fen in BIGINT columns (a 1,000,000-yuan item times 999 does not fit 32 bits). `orders.state`
moves only by conditional UPDATEs in `orders.py` (`... WHERE state = 'pending_payment'`), so two workers or
two notifies can never both move one order. `stock.available` is what can still be sold of one tracked item
(`pricing.stock_key`); the CHECK keeps it from going negative even if a statement were wrong. The address
(wx.chooseAddress, personal data) is kept in clear only while the order may still ship: an order that ends
unpaid keeps a masked copy.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from . import models as _models  # noqa: F401  (users, which orders refer to)
from .db import Base, UtcDateTime, utcnow

ORDER_NO_LENGTH = 32
"""WeChat Pay's out_trade_no: 6 to 32 characters."""
STOCK_KEY_LENGTH = 255
NOTE_LENGTH = 200
SHIPPING_TEXT_LENGTH = 40  # a carrier's name, a tracking number
IDEMPOTENCY_KEY_LENGTH = 64


class OrderState(StrEnum):
    PENDING_PAYMENT = "pending_payment"
    PAID = "paid"
    SHIPPED = "shipped"
    """Paid and sent off by the merchant (carrier and tracking number): still a paid order, refundable."""
    CANCELLED = "cancelled"
    """The shopper cancelled it before paying."""
    CLOSED = "closed"
    """Not paid in time; closed by the sweep."""
    REFUNDING = "refunding"
    REFUNDED = "refunded"


PAID_STATES = (OrderState.PAID.value, OrderState.SHIPPED.value)
"""The states of an order that is paid and not (being) refunded."""


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (
        Index("ix_orders_state_expires_at", "state", "expires_at"),
        Index("ix_orders_user_id_id", "user_id", "id"),
        Index("ix_orders_paid_at", "paid_at"),
        # The metrics (metrics_queries) read paid orders by paid_at range from this index alone.
        Index("ix_orders_paid_at_metrics", "paid_at", "user_id", "paid_fen", "total_fen", "refunded_fen"),
        CheckConstraint("total_fen >= 0", name="total_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_no: Mapped[str] = mapped_column(String(ORDER_NO_LENGTH), unique=True)
    """The public id: in URLs, on the shopper's screen and as WeChat Pay's out_trade_no."""
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    state: Mapped[str] = mapped_column(String(20))
    goods_fen: Mapped[int] = mapped_column(BigInteger())
    shipping_fen: Mapped[int] = mapped_column(BigInteger())
    discount_fen: Mapped[int] = mapped_column(BigInteger(), default=0)
    total_fen: Mapped[int] = mapped_column(BigInteger())
    coupon_id: Mapped[str | None] = mapped_column(String(64))
    address: Mapped[dict[str, Any]] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(String(NOTE_LENGTH), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    """Unpaid by then, the order closes and its stock goes back."""
    paid_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    """When it was cancelled or closed."""
    transaction_id: Mapped[str | None] = mapped_column(String(64))
    """WeChat Pay's transaction_id of the payment that paid it."""
    paid_fen: Mapped[int | None] = mapped_column(BigInteger())
    refunded_fen: Mapped[int] = mapped_column(BigInteger(), default=0, server_default="0")
    """What WeChat Pay has refunded of it (SUCCESS refunds), as `settle_refunds` last counted."""
    carrier: Mapped[str | None] = mapped_column(String(SHIPPING_TEXT_LENGTH))
    tracking_no: Mapped[str | None] = mapped_column(String(SHIPPING_TEXT_LENGTH))
    shipped_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", order_by="OrderLine.position", cascade="all, delete-orphan", lazy="selectin"
    )


class OrderLine(Base):
    __tablename__ = "order_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer())
    product_id: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(60))
    """The product's name when it was ordered (a later catalog may rename or drop it)."""
    options: Mapped[dict[str, str]] = mapped_column(JSON)
    unit_fen: Mapped[int] = mapped_column(BigInteger())
    quantity: Mapped[int] = mapped_column(Integer())
    stock_key: Mapped[str | None] = mapped_column(String(STOCK_KEY_LENGTH))
    """The stock this line reserved; None when the item was not tracked."""

    order: Mapped[Order] = relationship(back_populates="lines")

    @property
    def line_fen(self) -> int:
        return self.unit_fen * self.quantity


class Stock(Base):
    __tablename__ = "stock"
    __table_args__ = (CheckConstraint("available >= 0", name="available_not_negative"),)

    key: Mapped[str] = mapped_column(String(STOCK_KEY_LENGTH), primary_key=True)
    available: Mapped[int] = mapped_column(Integer())
    catalog: Mapped[int | None] = mapped_column(Integer())
    """The catalog's figure when it was last applied; None once the catalog stops tracking the item."""
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class OrderRequest(Base):
    """An idempotency key a shopper sent with a POST /orders that created an order."""

    __tablename__ = "order_requests"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(IDEMPOTENCY_KEY_LENGTH))
    request_hash: Mapped[str] = mapped_column(String(64))
    """SHA-256 of the request body: the same key with another body is refused."""
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class PaymentRecord(Base):
    """Every payment WeChat Pay reported (once per transaction), whatever it did to the order: a payment
    for a closed order or of the wrong amount stays here for the merchant to refund."""

    __tablename__ = "payment_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    transaction_id: Mapped[str] = mapped_column(String(64), unique=True)
    order_no: Mapped[str] = mapped_column(String(ORDER_NO_LENGTH), index=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"))
    amount_fen: Mapped[int] = mapped_column(BigInteger())
    paid_at: Mapped[datetime] = mapped_column(UtcDateTime())
    outcome: Mapped[str] = mapped_column(String(20))
    """What it did: a `PaymentOutcome` value."""
    received_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

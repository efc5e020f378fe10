"""Tables of subscribe messages: the shopper's acceptances, the messages to send (an outbox every worker
sweeps), and the mini-program's access token shared by every worker."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .db import Base, UtcDateTime, utcnow

TEMPLATE_ID_LENGTH = 64


class SubscribeAcceptance(Base):
    """One template the shopper accepted in wx.requestSubscribeMessage: one message may be sent with it."""

    __tablename__ = "subscribe_acceptances"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    template_id: Mapped[str] = mapped_column(String(TEMPLATE_ID_LENGTH))
    accepted_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    """When a message consumed it (None: still unused)."""


class SubscribeMessage(Base):
    """A message to send; `state` is pending (to send, maybe after `next_attempt_at`), sent or failed."""

    __tablename__ = "subscribe_messages"
    __table_args__ = (UniqueConstraint("order_no", "template_id", "event"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    openid: Mapped[str] = mapped_column(String(128))
    order_no: Mapped[str] = mapped_column(String(32))
    template_id: Mapped[str] = mapped_column(String(TEMPLATE_ID_LENGTH))
    event: Mapped[str] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(Text())
    """The subscribeMessage.send body without touser (JSON)."""
    state: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer(), default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_error: Mapped[str | None] = mapped_column(String(300))
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class WeChatToken(Base):
    """The mini-program's access token from stable_token, one row per AppID (never logged)."""

    __tablename__ = "wechat_tokens"

    appid: Mapped[str] = mapped_column(String(32), primary_key=True)
    token: Mapped[str] = mapped_column(String(600))
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())

"""The WeChat Pay notifies' nonces, in the database: a replayed notify is refused by every worker, not only
by the one that saw it first (`DbNonceStore`, the gateway's `NonceStore`)."""

from __future__ import annotations

from sqlalchemy import BigInteger, String, delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from .db import Base
from .wechatpay import NOTIFY_MAX_AGE

NONCE_LENGTH = 64


class NotifyNonce(Base):
    __tablename__ = "notify_nonces"

    nonce: Mapped[str] = mapped_column(String(NONCE_LENGTH), primary_key=True)
    timestamp: Mapped[int] = mapped_column(BigInteger(), index=True)
    """The notify's Wechatpay-Timestamp (Unix seconds)."""


class DbNonceStore:
    """Each nonce once, in its own short transaction; nonces older than twice the notify window are dropped
    as new ones arrive (a notify that old is refused by its age before its nonce is looked at)."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def first_seen(self, nonce: str, timestamp: int) -> bool:
        horizon = timestamp - int(NOTIFY_MAX_AGE.total_seconds()) * 2
        with self.sessions() as session:
            session.execute(delete(NotifyNonce).where(NotifyNonce.timestamp < horizon))
            session.add(NotifyNonce(nonce=nonce[:NONCE_LENGTH], timestamp=timestamp))
            try:
                session.commit()
            except IntegrityError:  # the primary key: another delivery (or worker) recorded it first
                session.rollback()
                return False
        return True

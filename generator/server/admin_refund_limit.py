"""The operators' refund allowance: what operators (not the owner) may still refund of one order.

The rule: MPGEN_ADMIN_REFUND_LIMIT_FEN caps the sum of every refund operators make on one order, whoever
of them makes it. Counting per order rather than per operator means two operators (or one person with
two accounts) cannot add up to more than the limit either, and several small refunds cost as much
allowance as one big one. The owner's refunds neither count nor are limited.

WeChat Pay, the refunds' ledger, does not know who asked for a refund; the audit log does. An operator's
refund is therefore claimed in `admin_audit` before WeChat Pay is called: under a lock of the order's row
(FOR UPDATE on PostgreSQL; SQLite's BEGIN IMMEDIATE already runs one writer at a time), the operator
refunds already claimed on the order are added up and the new one is written only if the sum stays within
the limit. The claim is committed before the network call (no transaction stays open while WeChat Pay is
asked), so a concurrent claim waits for the lock and then sees it. Afterwards the claim gets WeChat Pay's
answer (`settle`); a refund refused before it reached WeChat Pay is withdrawn (`withdraw`); one whose
answer never came (WeChat Pay unreachable, a crash) keeps counting, because the money may have gone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .admin_auth import Staff
from .admin_models import AuditEntry, Operator, Role
from .db import utcnow
from .order_models import Order

REFUND = "refund"
PENDING = "pending"
"""A claim whose refund WeChat Pay has not answered yet (or never did)."""
UNANSWERED = "unanswered"
"""WeChat Pay failed or could not be reached: whether the money went is unknown."""


class OverAllowance(Exception):
    """The refund would take the order's operator refunds over the limit."""

    def __init__(self, limit_fen: int, used_fen: int) -> None:
        super().__init__(f"{used_fen} of {limit_fen} fen used")
        self.limit_fen = limit_fen
        self.used_fen = used_fen

    @property
    def left_fen(self) -> int:
        return max(self.limit_fen - self.used_fen, 0)


def used_fen(db: Session, order_no: str) -> int:
    """What operators have refunded (or claimed) of the order: their audited refunds' amounts."""
    rows = db.execute(
        select(AuditEntry.detail, Operator.role)
        .outerjoin(Operator, Operator.id == AuditEntry.operator_id)
        .where(AuditEntry.target == order_no, AuditEntry.action == REFUND)
    ).all()
    total = 0
    for detail, current_role in rows:
        # rows written before refunds recorded the role count unless their operator is the owner now
        role = detail.get("role") or current_role or Role.OPERATOR.value
        if role == Role.OPERATOR.value:
            total += int(detail.get("fen") or 0)
    return total


def left_fen(db: Session, order_no: str, limit_fen: int) -> int:
    """What operators may still refund of the order (no lock: for showing, and refusing early)."""
    return max(limit_fen - used_fen(db, order_no), 0)


def claim(db: Session, staff: Staff, order_no: str, refund_fen: int, limit_fen: int) -> int:
    """Lock the order, check the allowance and write the pending refund to the audit log; the entry's id.
    OverAllowance when it does not fit. The caller commits (which releases the lock)."""
    db.execute(select(Order.id).where(Order.order_no == order_no).with_for_update()).scalar_one_or_none()
    used = used_fen(db, order_no)
    if used + refund_fen > limit_fen:
        raise OverAllowance(limit_fen, used)
    entry = AuditEntry(
        operator_id=staff.operator_id,
        username=staff.username,
        action=REFUND,
        target=order_no[:80],
        detail={"fen": refund_fen, "role": staff.role, "status": PENDING},
        at=utcnow(),
    )
    db.add(entry)
    db.flush()
    return entry.id


def settle(db: Session, entry_id: int, answer: Mapping[str, Any]) -> None:
    """Record WeChat Pay's answer (refund number, status) on the claim; the caller commits."""
    entry = db.get_one(AuditEntry, entry_id)
    entry.detail = {**entry.detail, **answer}


def withdraw(db: Session, entry_id: int) -> None:
    """Drop a claim whose refund was refused before WeChat Pay was asked (nothing was refunded)."""
    entry = db.get(AuditEntry, entry_id)
    if entry is not None:
        db.delete(entry)

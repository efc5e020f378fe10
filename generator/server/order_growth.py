"""What an order's payment and refunds do to the shopper's points, in the caller's transaction.

The members' rules come with the session (`session.info[COMMERCE_KEY]`, set by `create_app`), since the
payment paths (notify, query, refund settling) get no request.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from ..spec.site import Commerce
from . import points
from .db import utcnow

COMMERCE_KEY = "commerce"


def _commerce(session: Session) -> Commerce | None:
    commerce: Commerce | None = session.info.get(COMMERCE_KEY)
    return commerce


def order_points(session: Session, order_no: str) -> None:
    """The paid order's points (once)."""
    commerce = _commerce(session)
    if commerce is not None:
        points.order_paid(session, commerce.members, order_no, utcnow())


def refund_points(session: Session, order_no: str, refunded_fen: int) -> None:
    """Take back the points of what is refunded so far (once per refund stage)."""
    commerce = _commerce(session)
    if commerce is not None:
        points.order_refunded(session, commerce.members, order_no, refunded_fen, utcnow())

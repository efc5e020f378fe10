"""What a login sets off besides the session: the shopper is active now, a new shopper's registration is
counted for their inviter, and gifts waiting for them (the Official Account's follower gift) are delivered.

`session_routes.log_in` calls `after_login` in the login's transaction; it never commits.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from ..spec.site import Commerce
from . import follower_gifts, invites
from .models import User


def mark_active(session: Session, user: User, now: datetime) -> None:
    session.execute(
        update(User).where(User.id == user.id).values(last_active_at=now).execution_options(synchronize_session=False)
    )


def after_login(
    session: Session, user: User, registered: bool, inviter: str | None, commerce: Commerce, now: datetime
) -> None:
    mark_active(session, user, now)
    if user.unionid is not None:
        follower_gifts.deliver_waiting(session, user, commerce, now)
    if registered:
        declared = {coupon.id: coupon for coupon in commerce.coupons}
        invites.attribute(session, user, inviter, commerce.invites, declared, now)

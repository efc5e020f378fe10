"""The console's 粉丝 page: the Official Account's followers as `gen oa serve` records them (`followers`):
how many follow now and have unfollowed, and the latest follows and unfollows, openids masked."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy import func, select
from starlette.responses import Response

from .admin_web import Db, StaffDep, admin_router, counted, mask_openid, render
from .growth_models import Follower

RECENT = 20
router = admin_router("admin-followers")


@router.get("/admin/followers")
def get_followers(request: Request, staff: StaffDep, db: Db) -> Response:
    counts = counted(db.execute(select(Follower.subscribed, func.count()).group_by(Follower.subscribed)))
    follows = db.execute(
        select(Follower.openid, Follower.subscribed_at)
        .where(Follower.subscribed.is_(True))
        .order_by(Follower.subscribed_at.desc())
        .limit(RECENT)
    ).all()
    unfollows = db.execute(
        select(Follower.openid, Follower.unsubscribed_at)
        .where(Follower.subscribed.is_(False))
        .order_by(Follower.unsubscribed_at.desc())
        .limit(RECENT)
    ).all()
    db.commit()
    return render(
        request,
        "followers.html",
        staff,
        active="followers",
        following=counts.get(True, 0),
        left=counts.get(False, 0),
        follows=[(mask_openid(openid), at) for openid, at in follows],
        unfollows=[(mask_openid(openid), at) for openid, at in unfollows],
    )

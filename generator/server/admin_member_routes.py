"""The console's 会员 pages: shoppers by their public ref, with level, points, paid orders and coupons
waiting; one member's detail (orders, coupons, points ledger). The openid is shown to the owner only;
operators see it masked."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Request
from sqlalchemy import func, select
from starlette.responses import Response

from ..spec.growth import MemberRules
from .admin_web import Db, Refused, StaffDep, admin_router, counted, mask_openid, render
from .coupon_models import UserCoupon
from .coupon_routes import declared
from .db import utcnow
from .growth_models import PointsEntry
from .models import REF_LENGTH, User
from .order_models import Order

PAGE_SIZE = 30
router = admin_router("admin-members")


def _rules(request: Request) -> MemberRules:
    rules: MemberRules = request.app.state.spec.commerce.members
    return rules


def _waiting_coupons(db: Db, user_ids: list[int]) -> dict[int, int]:
    now = utcnow()
    rows = db.execute(
        select(UserCoupon.user_id, func.count())
        .where(
            UserCoupon.user_id.in_(user_ids),
            UserCoupon.order_id.is_(None),
            UserCoupon.used_at.is_(None),
            UserCoupon.valid_until > now,
        )
        .group_by(UserCoupon.user_id)
    )
    return counted(rows)


@router.get("/admin/members")
def get_members(request: Request, staff: StaffDep, db: Db, q: str = "", before: int = 0) -> Response:
    query = select(User)
    if q.strip():
        query = query.where(User.ref == q.strip()[:REF_LENGTH])
    if before > 0:
        query = query.where(User.id < before)
    users = list(db.execute(query.order_by(User.id.desc()).limit(PAGE_SIZE + 1)).scalars())
    more = len(users) > PAGE_SIZE
    users = users[:PAGE_SIZE]
    ids = [user.id for user in users]
    orders = counted(
        db.execute(
            select(Order.user_id, func.count())
            .where(Order.user_id.in_(ids), Order.paid_at.is_not(None))
            .group_by(Order.user_id)
        )
    )
    coupons = _waiting_coupons(db, ids)
    db.commit()
    rules = _rules(request)
    members = [
        {
            "user": user,
            "level": rules.level(user.points),
            "orders": orders.get(user.id, 0),
            "coupons": coupons.get(user.id, 0),
        }
        for user in users
    ]
    return render(
        request,
        "members.html",
        staff,
        active="members",
        members=members,
        q=q,
        next_before=users[-1].id if more and users else None,
    )


@router.get("/admin/members/{ref}")
def get_member(request: Request, ref: Annotated[str, Path(max_length=REF_LENGTH)], staff: StaffDep, db: Db) -> Response:
    user = db.execute(select(User).where(User.ref == ref)).scalar_one_or_none()
    if user is None:
        raise Refused(404, "没有这个会员 (no such member)")
    orders = list(
        db.execute(select(Order).where(Order.user_id == user.id).order_by(Order.id.desc()).limit(20)).scalars()
    )
    held = list(
        db.execute(
            select(UserCoupon).where(UserCoupon.user_id == user.id).order_by(UserCoupon.id.desc()).limit(50)
        ).scalars()
    )
    ledger = list(
        db.execute(
            select(PointsEntry).where(PointsEntry.user_id == user.id).order_by(PointsEntry.id.desc()).limit(30)
        ).scalars()
    )
    db.commit()
    specs = declared(request)
    return render(
        request,
        "member.html",
        staff,
        active="members",
        user=user,
        openid=user.openid if staff.is_owner else mask_openid(user.openid),
        level=_rules(request).level(user.points),
        orders=orders,
        held=[(specs[row.coupon_id].title if row.coupon_id in specs else row.coupon_id, row) for row in held],
        ledger=ledger,
    )

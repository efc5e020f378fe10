"""The console's 优惠券 page: every declared coupon with its total, claimed, used and left; pausing and
resuming its claims (`coupon_pauses`, which the claim path respects); issuing one to a shopper by their
public ref (`coupons.grant`: the total holds, the per-shopper limit is the operator's call); and redeeming
a shopper's code in store with the staff endpoints' own logic (`staff_routes`), after a confirmation.
Every change is audited (the coupon and the shopper's ref; never a held code)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Form, Path, Request
from sqlalchemy import delete, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from starlette.responses import RedirectResponse, Response

from ..spec.coupons import CouponSpec
from .admin_models import CouponPause
from .admin_web import Db, PostingStaff, Refused, StaffDep, admin_router, audit, counted, render
from .api_errors import ApiError
from .coupon_models import COUPON_ID_LENGTH, CouponStock, UserCoupon
from .coupon_routes import declared
from .coupons import grant, paused_ids
from .db import utcnow
from .models import REF_LENGTH, User
from .staff_routes import _found, redeem, refusal, staff_out

DONE = {
    "paused": "已暂停领取",
    "resumed": "已恢复领取",
    "issued": "已发放给该会员",
    "redeemed": "核销成功",
}
router = admin_router("admin-coupons")
CouponId = Annotated[str, Path(min_length=1, max_length=COUPON_ID_LENGTH)]


@dataclass(frozen=True)
class CouponLine:
    spec: CouponSpec
    total: int
    claimed: int
    used: int
    left: int
    paused: bool


def coupon_lines(request: Request, db: Db) -> list[CouponLine]:
    specs = declared(request)
    stock = {row.coupon_id: row for row in db.execute(select(CouponStock)).scalars()}
    claimed = counted(db.execute(select(UserCoupon.coupon_id, func.count()).group_by(UserCoupon.coupon_id)))
    used = counted(
        db.execute(
            select(UserCoupon.coupon_id, func.count())
            .where(or_(UserCoupon.used_at.is_not(None), UserCoupon.order_id.is_not(None)))
            .group_by(UserCoupon.coupon_id)
        )
    )
    paused = paused_ids(db)
    return [
        CouponLine(
            spec,
            stock[spec.id].total if spec.id in stock else spec.total,
            claimed.get(spec.id, 0),
            used.get(spec.id, 0),
            stock[spec.id].remaining if spec.id in stock else spec.total,
            spec.id in paused,
        )
        for spec in specs.values()
    ]


def _page(
    request: Request, staff: StaffDep, db: Db, status: int = 200, notice: str = "", problem: str = ""
) -> Response:
    lines = coupon_lines(request, db)
    db.commit()
    return render(
        request, "coupons.html", staff, status=status, active="coupons", lines=lines, notice=notice, problem=problem
    )


@router.get("/admin/coupons")
def get_coupons(request: Request, staff: StaffDep, db: Db, done: str = "") -> Response:
    return _page(request, staff, db, notice=DONE.get(done, ""))


def _spec(request: Request, coupon_id: str) -> CouponSpec:
    spec = declared(request).get(coupon_id)
    if spec is None:
        raise Refused(404, "没有这张优惠券 (no such coupon)")
    return spec


def _done(what: str) -> Response:
    return RedirectResponse(f"/admin/coupons?done={what}", status_code=303)


@router.post("/admin/coupons/{coupon_id}/pause")
def post_pause(request: Request, coupon_id: CouponId, staff: PostingStaff, db: Db) -> Response:
    spec = _spec(request, coupon_id)
    insert = postgresql.insert if db.get_bind().dialect.name == "postgresql" else sqlite.insert
    db.execute(
        insert(CouponPause)
        .values(coupon_id=spec.id, paused_at=utcnow(), operator_id=staff.operator_id)
        .on_conflict_do_nothing(index_elements=["coupon_id"])
    )
    audit(db, staff, "coupon_pause", spec.id)
    db.commit()
    return _done("paused")


@router.post("/admin/coupons/{coupon_id}/resume")
def post_resume(request: Request, coupon_id: CouponId, staff: PostingStaff, db: Db) -> Response:
    spec = _spec(request, coupon_id)
    db.execute(delete(CouponPause).where(CouponPause.coupon_id == spec.id))
    audit(db, staff, "coupon_resume", spec.id)
    db.commit()
    return _done("resumed")


@router.post("/admin/coupons/{coupon_id}/issue")
def post_issue(
    request: Request,
    coupon_id: CouponId,
    staff: PostingStaff,
    db: Db,
    ref: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    spec = _spec(request, coupon_id)
    shopper = db.execute(select(User).where(User.ref == ref.strip()[:REF_LENGTH])).scalar_one_or_none()
    if shopper is None:
        db.rollback()
        return _page(request, staff, db, 404, problem="没有这个会员编号的会员")
    held = grant(db, spec, shopper, utcnow())
    if held is None:
        db.rollback()
        return _page(request, staff, db, 409, problem=f"{spec.title}已发完或已过期，未发放")
    audit(db, staff, "coupon_issue", spec.id, {"ref": shopper.ref})
    db.commit()
    return _done("issued")


@router.post("/admin/coupons/redeem")
def post_redeem(
    request: Request,
    staff: PostingStaff,
    db: Db,
    code: Annotated[str, Form(max_length=40)] = "",
    confirm: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    coupons = declared(request)
    now = utcnow()
    try:
        row, ref, order_no = _found(db, code, coupons)
    except ApiError:  # the staff lookup's 404
        db.rollback()
        return _page(request, staff, db, 404, problem="没有这张优惠券，请核对券码")
    coupon = staff_out(row, coupons[row.coupon_id], ref, order_no, now)
    if coupon.state != "unused":
        db.rollback()
        return _page(request, staff, db, 409, problem=refusal(coupon).message)
    if confirm != "1":
        db.commit()
        facts = [("优惠券", coupon.title), ("有效期", f"{coupon.valid_from} 至 {coupon.expires}"), ("会员", ref)]
        return render(
            request,
            "confirm.html",
            staff,
            active="coupons",
            title="确认核销",
            action="/admin/coupons/redeem",
            fields={"code": code},
            facts=facts,
            back="/admin/coupons",
        )
    if not redeem(db, row, now):
        db.rollback()
        return _page(request, staff, db, 409, problem="这张券刚刚已被使用，未核销")
    audit(db, staff, "coupon_redeem", row.coupon_id, {"ref": ref})
    db.commit()
    return _done("redeemed")

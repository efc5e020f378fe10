"""The shopper's coupon endpoints: GET /coupons, POST /coupons/{id}/claim, GET /coupons/mine.

All need a session. GET /coupons lists the coupons of `commerce.coupons` that can still be claimed (not
ended, not granted by a growth rule, not paused in the merchant console), with how many are left and
whether the caller may claim one; a claim answers the held coupon, whose `id` is what POST /orders takes
as `couponId`; GET /coupons/mine lists the caller's unused coupons valid now, for the checkout. Amounts are
fen; a percent coupon has `amountFen` 0 and `percentOff`. The router's lifespan brings `coupon_stock` in
line with the spec (`coupons.sync_coupons`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import APIRouter, FastAPI, Path, Request
from pydantic import Field
from sqlalchemy.orm import Session, sessionmaker

from ..spec.coupons import CouponSpec
from ..textdata import price_fen
from .api_errors import ApiError
from .clock import Now
from .coupon_models import COUPON_ID_LENGTH, UserCoupon
from .coupons import (
    SHANGHAI,
    CouponError,
    claim,
    claim_state,
    held_counts,
    mine,
    paused_ids,
    remaining,
    shown_day,
    sync_coupons,
)
from .order_routes import UNAUTHORIZED, ApiModel, CurrentUser, Db, Problem, Responses
from .settings import Settings


def enabled(_settings: Settings) -> bool:
    return True


def declared(request: Request) -> Mapping[str, CouponSpec]:
    commerce = request.app.state.spec.commerce
    return {coupon.id: coupon for coupon in (commerce.coupons if commerce else [])}


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    commerce = app.state.spec.commerce
    factory: sessionmaker[Session] = app.state.sessionmaker
    with factory() as session:
        sync_coupons(session, commerce.coupons if commerce else [])
        session.commit()
    yield


router = APIRouter(tags=["coupons"], lifespan=lifespan)


class CouponRule(ApiModel):
    title: str
    amount_fen: int = Field(ge=0, description="Fen taken off; 0 for a percent coupon.")
    percent_off: int | None = Field(description="Percent taken off the goods it applies to (20: 20% off).")
    min_spend_fen: int = Field(ge=0, description="Goods it applies to must reach this (满减); 0: no threshold.")
    product_ids: list[str] = Field(description="Products it applies to; with categoryIds empty: every product.")
    category_ids: list[str]


class CouponOut(CouponRule):
    id: str = Field(description="The declared coupon's id (POST /coupons/{id}/claim).")
    starts: str | None = Field(description="First day it can be claimed (YYYY-MM-DD, Asia/Shanghai).")
    expires: str | None = Field(description="Last day it is valid, for a coupon of a fixed window.")
    valid_days: int | None = Field(description="Days it stays valid after the claim, otherwise.")
    remaining: int = Field(ge=0, description="How many are left to claim.")
    held: int = Field(ge=0, description="How many the caller has claimed.")
    claimed: bool = Field(description="The caller holds as many as one shopper may.")
    can_claim: bool = Field(description="The caller may claim one now.")


class CouponList(ApiModel):
    coupons: list[CouponOut]


class HeldCoupon(CouponRule):
    id: str = Field(description="This held coupon's code: POST /orders takes it as couponId; staff read it.")
    coupon_id: str
    valid_from: str = Field(description="First day it is valid (YYYY-MM-DD, Asia/Shanghai).")
    expires: str = Field(description="Last day it is valid (YYYY-MM-DD, Asia/Shanghai).")


class HeldList(ApiModel):
    coupons: list[HeldCoupon]


def _rule(spec: CouponSpec) -> dict[str, object]:
    return {
        "title": spec.title,
        "amount_fen": price_fen(spec.amount) if spec.amount is not None else 0,
        "percent_off": spec.percent_off,
        "min_spend_fen": price_fen(spec.min_spend),
        "product_ids": list(spec.products),
        "category_ids": list(spec.categories),
    }


def held_out(row: UserCoupon, spec: CouponSpec) -> HeldCoupon:
    return HeldCoupon.model_validate(
        {
            **_rule(spec),
            "id": row.code,
            "coupon_id": row.coupon_id,
            "valid_from": row.valid_from.astimezone(SHANGHAI).date().isoformat(),
            "expires": shown_day(row.valid_until),
        }
    )


CouponId = Annotated[str, Path(alias="id", min_length=1, max_length=COUPON_ID_LENGTH)]


@router.get("/coupons", response_model=CouponList, responses=UNAUTHORIZED)
def get_coupons(request: Request, user: CurrentUser, db: Db, clock: Now) -> CouponList:
    """The coupons that can still be claimed, with what is left and whether the caller may claim one."""
    left_out = request.app.state.spec.commerce.reward_coupon_ids() | paused_ids(db)
    specs = [
        spec for spec in declared(request).values() if claim_state(spec, clock) != "ended" and spec.id not in left_out
    ]
    left = remaining(db, [spec.id for spec in specs])
    held = held_counts(db, user)
    db.commit()
    return CouponList(
        coupons=[
            CouponOut.model_validate(
                {
                    **_rule(spec),
                    "id": spec.id,
                    "starts": spec.starts,
                    "expires": spec.ends,
                    "valid_days": spec.days,
                    "remaining": left.get(spec.id, 0),
                    "held": held.get(spec.id, 0),
                    "claimed": held.get(spec.id, 0) >= spec.per_user,
                    "can_claim": held.get(spec.id, 0) < spec.per_user
                    and left.get(spec.id, 0) > 0
                    and claim_state(spec, clock) is None,
                }
            )
            for spec in specs
        ]
    )


CLAIM_ERRORS: Responses = {
    **UNAUTHORIZED,
    404: {"model": Problem, "description": "The shop declares no coupon with this id."},
    409: {
        "model": Problem,
        "description": "sold_out, limit_reached (per shopper), not_started, ended, paused, or reward_only (a coupon "
        "granted by check-in, invites or the follower gift).",
    },
}


@router.post("/coupons/{id}/claim", response_model=HeldCoupon, responses=CLAIM_ERRORS)
def post_claim(coupon_id: CouponId, request: Request, user: CurrentUser, db: Db, clock: Now) -> HeldCoupon:
    """Claim one of a coupon: the total and the per-shopper limit hold under any number of parallel claims."""
    spec = declared(request).get(coupon_id)
    if spec is None:
        raise ApiError(404, "not_found", f"没有这张优惠券 (no coupon {coupon_id!r})")
    if coupon_id in request.app.state.spec.commerce.reward_coupon_ids():
        raise ApiError(409, "reward_only", f"{spec.title}是活动奖励，不能直接领取 (granted by a rule only)")
    try:
        row = claim(db, spec, user, clock)
    except CouponError as exc:
        db.rollback()
        raise ApiError(exc.status, exc.code, exc.message) from None
    db.commit()
    return held_out(row, spec)


@router.get("/coupons/mine", response_model=HeldList, responses=UNAUTHORIZED)
def get_mine(request: Request, user: CurrentUser, db: Db, clock: Now) -> HeldList:
    """The caller's unused coupons valid now, soonest to expire first (the checkout's choices)."""
    specs = declared(request)
    rows = mine(db, user, specs, clock)
    db.commit()
    return HeldList(coupons=[held_out(row, specs[row.coupon_id]) for row in rows])

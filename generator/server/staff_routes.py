"""The shop staff's coupon endpoints: GET /staff/coupons/{code} (a held coupon as the shopper shows it) and
POST /staff/coupons/{code}/redeem (used in store, now): "公众号发券 + 小程序核销".

Staff send `Authorization: Bearer <staff token>`: the token is MPGEN_STAFF_TOKEN, or the first line of the
file MPGEN_STAFF_TOKEN_FILE names, read when the app starts (a missing file or a short token stops the start,
like a wrong AppSecret); with neither set, every staff endpoint answers 503 `staff_disabled`. The code is
what the shopper's screen shows, in groups of four: spaces, dashes and lower case are accepted.

A redemption is one conditional UPDATE (unused, in no order, valid now), so of any number of parallel
redeems exactly one succeeds and the others answer 409 `already_used` with when it was used. An in-store use
has no `order_id`, so no order's cancel or refund (`coupons.give_back`, `give_back_refunded`: rows of that
order only) ever gives it back. The log names the coupon, never its shopper.
"""

from __future__ import annotations

import hmac
import logging
import os
import re
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path as FilePath
from typing import Annotated, Any, Literal, cast

from fastapi import APIRouter, Depends, FastAPI, Path, Request
from pydantic import Field
from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from ..errors import GenError
from ..spec.coupons import CouponSpec
from .api_errors import ApiError
from .clock import Now
from .coupon_models import UserCoupon
from .coupon_routes import HeldCoupon, declared, held_out
from .coupons import SHANGHAI
from .models import User
from .order_models import Order
from .order_routes import Db, Problem, Responses
from .settings import Secret, Settings

ENV_STAFF_TOKEN = "MPGEN_STAFF_TOKEN"
ENV_STAFF_TOKEN_FILE = "MPGEN_STAFF_TOKEN_FILE"
MIN_TOKEN_LENGTH = 16
CHALLENGE = {"WWW-Authenticate": "Bearer"}
CODE_SEPARATORS = re.compile(r"[\s-]+")
CODE_FORM = re.compile(r"^[0-9A-Z]{1,20}$")
REDEEM_ATTEMPTS = 3
log = logging.getLogger("generator.server")

State = Literal["unused", "used", "expired", "not_started"]


def read_staff_token(environ: Mapping[str, str]) -> Secret | None:
    """The staff token from MPGEN_STAFF_TOKEN, or the first line of the file MPGEN_STAFF_TOKEN_FILE names;
    None when neither is set. GenError when the file cannot be read or the token is too short to be safe."""
    value = environ.get(ENV_STAFF_TOKEN, "").strip()
    source = ENV_STAFF_TOKEN
    if not value:
        path = environ.get(ENV_STAFF_TOKEN_FILE, "").strip()
        if not path:
            return None
        source = f"{ENV_STAFF_TOKEN_FILE} ({path})"
        try:
            lines = FilePath(path).read_text(encoding="utf-8").strip().splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise GenError(
                f"{ENV_STAFF_TOKEN_FILE} names {path}, which cannot be read ({type(exc).__name__})"
            ) from None
        value = lines[0].strip() if lines else ""
    if len(value) < MIN_TOKEN_LENGTH:
        raise GenError(
            f"the staff token of {source} is shorter than {MIN_TOKEN_LENGTH} characters; use a long random one, "
            "e.g. python -c 'import secrets; print(secrets.token_urlsafe(24))'"
        )
    return Secret(value)


def enabled(_settings: Settings) -> bool:
    read_staff_token(os.environ)  # an unreadable file or a short token fails at start, not at the counter
    return True


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.staff_token = read_staff_token(os.environ)
    yield


router = APIRouter(tags=["staff"], lifespan=lifespan)


def staff(request: Request) -> None:
    """The request carries the staff token, or a 401 (503 while no staff token is configured)."""
    expected: Secret | None = getattr(request.app.state, "staff_token", None)
    if expected is None:
        raise ApiError(
            503,
            "staff_disabled",
            f"店员核销未开启 (set {ENV_STAFF_TOKEN} or {ENV_STAFF_TOKEN_FILE} to enable the staff endpoints)",
        )
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(
            401, "unauthorized", "需要店员口令 (send Authorization: Bearer <staff token>)", headers=CHALLENGE
        )
    if not hmac.compare_digest(token.strip().encode("utf-8"), expected.reveal().encode("utf-8")):
        raise ApiError(401, "unauthorized", "店员口令不正确 (wrong staff token)", headers=CHALLENGE)


Staff = Annotated[None, Depends(staff)]
Code = Annotated[str, Path(min_length=1, max_length=40, description="As the shopper shows it: ABCD EFGH ...")]


class StaffCoupon(HeldCoupon):
    state: State = Field(description="unused, used, expired or not_started (valid from a later day).")
    used_at: datetime | None = Field(description="When it was used, in an order or in store.")
    used_in: Literal["order", "store"] | None = Field(description="Where it was used; null while unused.")
    order_id: str | None = Field(description="The order it is used in (its number), when used in an order.")
    shopper: str = Field(description="The shopper's public ref (never the openid).")


class StaffCouponError(ApiError):
    """A refused redemption, with the coupon as it stands (when and where it was used)."""

    def __init__(self, code: str, message: str, coupon: StaffCoupon) -> None:
        super().__init__(409, code, message)
        self.coupon = coupon

    def body(self) -> dict[str, Any]:
        return {**super().body(), "coupon": self.coupon.model_dump(by_alias=True, mode="json")}


def normalized(code: str) -> str | None:
    """The code as stored (`abcd efgh` -> `ABCDEFGH`), or None when it cannot be a coupon code."""
    compact = CODE_SEPARATORS.sub("", code).upper()
    return compact if CODE_FORM.match(compact) else None


def coupon_state(row: UserCoupon, now: datetime) -> State:
    if row.used_at is not None or row.order_id is not None:
        return "used"
    if now < row.valid_from:
        return "not_started"
    if now >= row.valid_until:
        return "expired"
    return "unused"


def _found(db: Session, code: str, coupons: Mapping[str, CouponSpec]) -> tuple[UserCoupon, str, str | None]:
    """The held coupon of `code` (read afresh), its shopper's ref and its order's number; 404 when there is
    none or the shop no longer declares its coupon (then it cannot be used at checkout either)."""
    compact = normalized(code)
    found = None
    if compact is not None:
        found = db.execute(
            select(UserCoupon, User.ref, Order.order_no)
            .join(User, User.id == UserCoupon.user_id)
            .outerjoin(Order, Order.id == UserCoupon.order_id)
            .where(UserCoupon.code == compact)
            .execution_options(populate_existing=True)
        ).first()
    if found is None or found[0].coupon_id not in coupons:
        raise ApiError(404, "not_found", "没有这张优惠券 (no held coupon has this code)")
    row, ref, order_no = found
    return row, ref, order_no


def staff_out(row: UserCoupon, spec: CouponSpec, ref: str, order_no: str | None, now: datetime) -> StaffCoupon:
    used_in = "order" if row.order_id is not None else "store" if row.used_at is not None else None
    return StaffCoupon.model_validate(
        {
            **held_out(row, spec).model_dump(),
            "state": coupon_state(row, now),
            "used_at": row.used_at,
            "used_in": used_in,
            "order_id": order_no,
            "shopper": ref,
        }
    )


def _shown_time(moment: datetime) -> str:
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def redeem(db: Session, row: UserCoupon, now: datetime) -> bool:
    """Mark the held coupon used in store at `now` if it is unused, in no order and valid now; True when
    this call did it. Never commits."""
    result = db.execute(
        update(UserCoupon)
        .where(
            UserCoupon.id == row.id,
            UserCoupon.order_id.is_(None),
            UserCoupon.used_at.is_(None),
            UserCoupon.valid_from <= now,
            UserCoupon.valid_until > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return cast(CursorResult[Any], result).rowcount == 1


def refusal(coupon: StaffCoupon) -> StaffCouponError:
    """Why a coupon cannot be redeemed now, as the 409 the staff see."""
    if coupon.state == "used":
        where = "在订单中" if coupon.used_in == "order" else "到店"
        when = _shown_time(coupon.used_at) if coupon.used_at is not None else ""
        return StaffCouponError(
            "already_used", f"这张券已于 {when} {where}使用 (already used, {coupon.used_in})", coupon
        )
    if coupon.state == "expired":
        return StaffCouponError("expired", f"这张券已过期：有效期至 {coupon.expires} (expired)", coupon)
    return StaffCouponError("not_started", f"这张券 {coupon.valid_from} 起才能使用 (not valid yet)", coupon)


STAFF_ERRORS: Responses = {
    401: {"model": Problem, "description": "No staff token, or a wrong one."},
    404: {"model": Problem, "description": "No held coupon has this code."},
    503: {"model": Problem, "description": "staff_disabled: the server has no staff token configured."},
}
REDEEM_ERRORS: Responses = {
    **STAFF_ERRORS,
    409: {
        "model": Problem,
        "description": "already_used (in an order or in store; `coupon` says when), expired or not_started; "
        "`coupon` is the coupon as it stands.",
    },
}


@router.get("/staff/coupons/{code}", response_model=StaffCoupon, responses=STAFF_ERRORS)
def get_staff_coupon(code: Code, request: Request, _staff: Staff, db: Db, clock: Now) -> StaffCoupon:
    """A held coupon by the code the shopper shows: its rule, validity (Asia/Shanghai days) and state."""
    coupons = declared(request)
    row, ref, order_no = _found(db, code, coupons)
    db.commit()
    return staff_out(row, coupons[row.coupon_id], ref, order_no, clock)


@router.post("/staff/coupons/{code}/redeem", response_model=StaffCoupon, responses=REDEEM_ERRORS)
def post_redeem(code: Code, request: Request, _staff: Staff, db: Db, clock: Now) -> StaffCoupon:
    """Use the coupon in store, now: of parallel redeems (or a checkout racing it) exactly one succeeds."""
    coupons = declared(request)
    for _attempt in range(REDEEM_ATTEMPTS):
        row, ref, order_no = _found(db, code, coupons)
        coupon = staff_out(row, coupons[row.coupon_id], ref, order_no, clock)
        if coupon.state != "unused":
            db.commit()
            raise refusal(coupon)
        done = redeem(db, row, clock)
        db.commit()
        if done:
            log.info("coupon %s redeemed in store (held coupon #%d)", row.coupon_id, row.id)
            row, ref, order_no = _found(db, code, coupons)
            db.commit()
            return staff_out(row, coupons[row.coupon_id], ref, order_no, clock)
        # taken meanwhile (another redeem, a checkout): the next round reads who took it and answers that
    raise ApiError(409, "conflict", "这张券正在被使用，请稍后再试 (in use by an order that keeps ending; retry)")

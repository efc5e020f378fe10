"""The console's 订单 pages: /admin/orders (search by number, state and Asia/Shanghai day), one order's
detail (lines, amounts, the address as the operator's role allows), shipping it (carrier and tracking
number: paid -> shipped, then the `shipped` subscribe message) and refunding it, all or part, through
`pay_routes.refund_order` (WeChat Pay is the ledger). Operators together refund at most
MPGEN_ADMIN_REFUND_LIMIT_FEN of one order, however many refunds that takes (`admin_refund_limit`, which
claims the refund in the audit log under the order's lock before WeChat Pay is asked); the owner any
amount. Both changes ask for a confirmation first and are written to the audit log with the change.
"""

from __future__ import annotations

import logging
import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import Form, Path, Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from . import admin_refund_limit as allowance
from .admin_web import (
    Db,
    PostingStaff,
    Refused,
    StaffDep,
    admin_router,
    audit,
    refund_limit_fen,
    render,
    shown_address,
    yuan,
)
from .coupons import SHANGHAI
from .db import utcnow
from .order_models import ORDER_NO_LENGTH, SHIPPING_TEXT_LENGTH, Order, OrderState
from .orders import OrderError, ship_order
from .pay_routes import REFUNDABLE, gateway_of, refund_order
from .subscribe import order_event
from .wechatpay import WeChatPayError

PAGE_SIZE = 30
REASON_LENGTH = 80  # WeChat Pay's refund reason
DONE = {
    "shipped": "已发货，已通知买家（如买家订阅了发货消息）",
    "refunded": "退款成功",
    "refund_processing": "退款已提交，微信支付处理中",
}
STATES = [state.value for state in OrderState]
log = logging.getLogger("generator.server")

router = admin_router("admin-orders")
OrderNo = Annotated[str, Path(min_length=1, max_length=ORDER_NO_LENGTH)]


def _like(text: str) -> str:
    return "%" + re.sub(r"([\\%_])", r"\\\1", text) + "%"


def _day_range(day: str) -> tuple[datetime, datetime] | None:
    try:
        start = datetime.combine(date.fromisoformat(day), time(), SHANGHAI)
    except ValueError:
        return None
    return start, start + timedelta(days=1)


@router.get("/admin/orders")
def get_orders(
    request: Request, staff: StaffDep, db: Db, q: str = "", state: str = "", day: str = "", before: int = 0
) -> Response:
    query = select(Order)
    if q.strip():
        query = query.where(Order.order_no.like(_like(q.strip().upper()[:ORDER_NO_LENGTH]), escape="\\"))
    if state in STATES:
        query = query.where(Order.state == state)
    span = _day_range(day) if day else None
    if span is not None:
        query = query.where(Order.created_at >= span[0], Order.created_at < span[1])
    if before > 0:
        query = query.where(Order.id < before)
    rows = list(db.execute(query.order_by(Order.id.desc()).limit(PAGE_SIZE + 1)).scalars())
    db.commit()
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return render(
        request,
        "orders.html",
        staff,
        active="orders",
        orders=rows,
        q=q,
        state=state if state in STATES else "",
        day=day if span is not None else "",
        states=STATES,
        next_before=rows[-1].id if more and rows else None,
    )


def _order(db: Db, order_no: str) -> Order:
    order = db.execute(
        select(Order).where(Order.order_no == order_no).execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if order is None:
        raise Refused(404, "没有这个订单 (no such order)")
    return order


def _detail(
    request: Request, db: Session, staff: Any, order: Order, status: int = 200, notice: str = "", problem: str = ""
) -> Response:
    paid = order.paid_fen or 0
    refundable = max(paid - order.refunded_fen, 0)
    limit = None if staff.is_owner else refund_limit_fen()
    left = None if limit is None else allowance.left_fen(db, order.order_no, limit)
    db.commit()
    return render(
        request,
        "order.html",
        staff,
        status=status,
        active="orders",
        order=order,
        address=shown_address(order.address, staff),
        can_ship=order.state == OrderState.PAID.value,
        can_refund=order.state in REFUNDABLE,
        refundable_fen=refundable,
        limit_fen=limit,
        left_fen=left,
        suggested_fen=refundable if left is None else min(refundable, left),
        notice=notice,
        problem=problem,
    )


@router.get("/admin/orders/{order_no}")
def get_order(request: Request, order_no: OrderNo, staff: StaffDep, db: Db, done: str = "") -> Response:
    order = _order(db, order_no)
    db.commit()
    return _detail(request, db, staff, order, notice=DONE.get(done, ""))


def _confirm(
    request: Request, staff: Any, title: str, action: str, fields: dict[str, str], facts: list[Any]
) -> Response:
    back = action.rsplit("/", 1)[0]
    return render(
        request,
        "confirm.html",
        staff,
        active="orders",
        title=title,
        action=action,
        fields=fields,
        facts=facts,
        back=back,
    )


@router.post("/admin/orders/{order_no}/ship")
def post_ship(
    request: Request,
    order_no: OrderNo,
    staff: PostingStaff,
    db: Db,
    carrier: Annotated[str, Form(max_length=200)] = "",
    tracking_no: Annotated[str, Form(max_length=200)] = "",
    confirm: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    order = _order(db, order_no)
    db.commit()
    carrier, tracking_no = carrier.strip(), tracking_no.strip()
    if not carrier or not tracking_no or max(len(carrier), len(tracking_no)) > SHIPPING_TEXT_LENGTH:
        return _detail(
            request, db, staff, order, 400, problem=f"请填写快递公司和运单号（各不超过 {SHIPPING_TEXT_LENGTH} 字）"
        )
    if order.state != OrderState.PAID.value:
        return _detail(request, db, staff, order, 409, problem="只有已支付、未发货的订单可以发货")
    if confirm != "1":
        facts = [("订单", order.order_no), ("快递公司", carrier), ("运单号", tracking_no)]
        fields = {"carrier": carrier, "tracking_no": tracking_no}
        return _confirm(request, staff, "确认发货", f"/admin/orders/{order.order_no}/ship", fields, facts)
    if not ship_order(db, order.order_no, carrier, tracking_no, utcnow()):
        db.rollback()
        return _detail(request, db, staff, _order(db, order_no), 409, problem="订单状态已变化，未发货，请查看后重试")
    audit(db, staff, "ship", order.order_no, {"carrier": carrier})
    db.commit()
    order_event(db, order.order_no, "shipped")  # queues the shipped message (once per order); never raises
    return RedirectResponse(f"/admin/orders/{order.order_no}?done=shipped", status_code=303)


def yuan_to_fen(text: str) -> int | None:
    """'12.5' -> 1250; None unless a positive amount with at most two decimals."""
    try:
        amount = Decimal(text.strip().replace("¥", "").replace("元", ""))
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        return None
    return int(amount * 100)


def _over(exc: allowance.OverAllowance) -> Refused:
    return Refused(
        403,
        f"店员在一个订单上的退款累计不能超过 {yuan(exc.limit_fen)}（这个订单店员已退 {yuan(exc.used_fen)}，"
        f"还可退 {yuan(exc.left_fen)}），请联系店主 (over the operators' refund limit for this order)",
    )


@router.post("/admin/orders/{order_no}/refund")
def post_refund(
    request: Request,
    order_no: OrderNo,
    staff: PostingStaff,
    db: Db,
    amount: Annotated[str, Form(max_length=20)] = "",
    reason: Annotated[str, Form(max_length=500)] = "",
    confirm: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    order = _order(db, order_no)
    db.commit()
    fen = yuan_to_fen(amount)
    reason = reason.strip()
    if fen is None:
        return _detail(request, db, staff, order, 400, problem="请填写退款金额（元，最多两位小数）")
    if not reason or len(reason) > REASON_LENGTH:
        return _detail(request, db, staff, order, 400, problem=f"请填写退款原因（不超过 {REASON_LENGTH} 字）")
    limit = None if staff.is_owner else refund_limit_fen()
    if limit is not None:
        left = allowance.left_fen(db, order.order_no, limit)
        db.commit()
        if fen > left:
            raise _over(allowance.OverAllowance(limit, limit - left))
    if order.state not in REFUNDABLE:
        return _detail(request, db, staff, order, 409, problem="这个订单不能退款")
    if confirm != "1":
        facts = [("订单", order.order_no), ("退款金额", yuan(fen)), ("已付", yuan(order.paid_fen)), ("原因", reason)]
        fields = {"amount": amount, "reason": reason}
        return _confirm(request, staff, "确认退款", f"/admin/orders/{order.order_no}/refund", fields, facts)
    claim: int | None = None
    if limit is not None:
        try:
            claim = allowance.claim(db, staff, order.order_no, fen, limit)
        except allowance.OverAllowance as exc:  # a concurrent refund took the allowance meanwhile
            db.rollback()
            raise _over(exc) from None
        db.commit()
    try:
        result = refund_order(db, gateway_of(request.app.state), order.order_no, fen, reason)
    except OrderError as exc:
        db.rollback()
        if claim is not None:
            allowance.withdraw(db, claim)
            db.commit()
        problem = {
            "refund_too_large": "退款金额超过可退金额",
            "not_refundable": "这个订单不能退款",
            "too_many_refunds": "退款次数已达微信支付上限",
        }.get(exc.code, exc.message)
        return _detail(request, db, staff, _order(db, order_no), 409, problem=problem)
    except WeChatPayError as exc:
        db.rollback()
        if claim is not None:
            allowance.settle(db, claim, {"status": allowance.UNANSWERED})
            db.commit()
        log.error("console refund of order %s failed at WeChat Pay: %s", order.order_no, exc.code)
        return _detail(request, db, staff, _order(db, order_no), 502, problem="微信支付暂时不可用，请稍后再试")
    answer = {"refund_no": result.refund_no, "status": result.status}
    if claim is not None:
        allowance.settle(db, claim, answer)
    else:
        audit(db, staff, "refund", order.order_no, {"fen": fen, "role": staff.role, **answer})
    db.commit()
    done = "refund_processing" if result.status == "PROCESSING" else "refunded"
    return RedirectResponse(f"/admin/orders/{order.order_no}?done={done}", status_code=303)

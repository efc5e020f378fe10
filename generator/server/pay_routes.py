"""WeChat Pay for the shop's orders: POST /orders/{orderId}/pay, POST /orders/{orderId}/query, the payment
and refund notifies (POST /pay/notify, /pay/refund-notify), refunds, closing an unpaid payment, and with
--fake-wechat POST /_fake/pay/{orderId} (the shopper pays, through the fake platform's signed notify).

- Amounts are the server's order total, never the client's. The answer of /pay is what wx.requestPayment
  takes (timeStamp, nonceStr, package, signType, paySign).
- A notify changes an order only after `WeChatPayGateway.verify_notify` checked its signature, age, nonce
  and encrypted resource; `orders.mark_paid` is idempotent, so the same notify twice, two workers at once,
  or a notify after the order closed change it once (or not at all, recorded for a refund). Answers are
  WeChat's: 200 {"code": "SUCCESS"} once handled, 4xx/5xx {"code": "FAIL"} to have WeChat deliver again.
- /query asks WeChat on the shopper's return instead of trusting the client's "success".
- No database transaction stays open while WeChat is called: with SQLite every transaction holds the write
  lock (BEGIN IMMEDIATE), so each handler commits before it goes to the network.
- Refunds (`refund_order`, for the merchant; no shopper endpoint) are numbered ORDER_NO + "R" + 01..50, and
  WeChat is their ledger: the order's refund state is recomputed from WeChat's answers for those numbers
  (`settle_refunds`), so partial refunds add up without a table of their own and any worker may handle a
  refund notify. All SUCCESS refunds reaching the paid amount -> refunded; one still PROCESSING ->
  refunding; otherwise (a partial refund done) the order stays paid, or shipped if it was shipped.
- The gateway is built on first use: from the WECHATPAY_* environment (`wechatpay_config`; checked when the
  app is created, so a missing variable stops `gen serve` with its name), or with --fake-wechat around the
  fake platform served in this process (one worker: the fake's transactions live in its memory).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import Field
from sqlalchemy import case, select, update
from sqlalchemy.orm import Session

from .api_errors import ApiError
from .clock import Now
from .coupons import give_back_refunded
from .db import get_db, utcnow
from .fake_wechatpay import FakeWeChatPay, start_fake
from .models import User
from .notify_models import DbNonceStore
from .order_growth import order_points, refund_points
from .order_models import ORDER_NO_LENGTH, Order, OrderState
from .order_routes import ApiModel, CurrentUser, OrderApiError, OrderNo, OrderOut, order_out
from .orders import (
    OrderError,
    PaymentResult,
    close_if_expired,
    get_order,
    mark_paid,
    order_for_payment,
    pay_description,
)
from .settings import Settings
from .subscribe import order_event
from .wechatpay import NotifyRejected, PaymentNotice, RefundResult, WeChatPayError, WeChatPayGateway
from .wechatpay_config import ENV_PUBLIC_URL, load_merchant_config

MAX_REFUNDS = 50  # WeChat Pay's limit of partial refunds per order
FAKE_PUBLIC_URL = "http://127.0.0.1"
"""The notify base the fake platform is told when PUBLIC_URL is unset; the fake delivers in-process."""

log = logging.getLogger("generator.server")
_build_lock = threading.Lock()


def enabled(settings: Settings) -> bool:
    if not settings.fake_wechat:
        load_merchant_config("", os.environ)  # a missing or bad WECHATPAY_* variable fails at start, by name
    return True


def _build(app_state: Any) -> WeChatPayGateway:
    settings: Settings = app_state.settings
    appid: str = app_state.spec.site.appid
    nonces = DbNonceStore(app_state.sessionmaker)  # shared by every worker through the database
    if not settings.fake_wechat:
        return WeChatPayGateway(load_merchant_config(appid, os.environ), nonces)
    public_url = os.environ.get(ENV_PUBLIC_URL, "").strip() or FAKE_PUBLIC_URL
    platform, server, config = start_fake(appid, public_url)
    app_state.fake_wechatpay = platform
    app_state.fake_wechatpay_server = server
    return WeChatPayGateway(config, nonces)


def gateway_of(app_state: Any) -> WeChatPayGateway:
    """The app's gateway (`app.state.wechatpay`), built once; tests may set it beforehand."""
    gateway: WeChatPayGateway | None = getattr(app_state, "wechatpay", None)
    if gateway is None:
        with _build_lock:
            gateway = getattr(app_state, "wechatpay", None)
            if gateway is None:
                gateway = _build(app_state)
                app_state.wechatpay = gateway
    return gateway


def wechatpay(request: Request) -> WeChatPayGateway:
    return gateway_of(request.app.state)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.close_payment = lambda order_no: close_payment(gateway_of(app.state), order_no)
    try:
        yield
    finally:
        server = getattr(app.state, "fake_wechatpay_server", None)
        if server is not None:
            server.stop()


router = APIRouter(tags=["pay"], lifespan=lifespan)
Db = Annotated[Session, Depends(get_db)]
Gateway = Annotated[WeChatPayGateway, Depends(wechatpay)]


async def raw_body(request: Request) -> bytes:
    """The notify's bytes exactly as signed (a parsed and re-serialized body would not verify)."""
    return await request.body()


RawBody = Annotated[bytes, Depends(raw_body)]


class PayParams(ApiModel):
    """wx.requestPayment's arguments, and what they pay."""

    order_id: str
    total_fen: int = Field(description="What the payment is for: the server's order total.")
    time_stamp: str
    nonce_str: str
    package: str = Field(description="prepay_id=...")
    sign_type: str = Field(description="RSA")
    pay_sign: str


def _wechat_unavailable(what: str, order_no: str, exc: WeChatPayError) -> ApiError:
    log.error("WeChat Pay %s for order %s failed: %s (HTTP %s)", what, order_no, exc.code, exc.status)
    return ApiError(502, "wechatpay_unavailable", "微信支付暂时不可用，请稍后再试 (WeChat Pay is unavailable)")


def apply_payment(db: Session, notice: PaymentNotice) -> PaymentResult | None:
    """Record a verified SUCCESS transaction on its order (idempotent); other states change nothing."""
    if notice.trade_state != "SUCCESS" or not notice.transaction_id:
        return None
    result = mark_paid(db, notice.order_no, notice.transaction_id, notice.amount_fen, notice.success_time or utcnow())
    if result.outcome.value != "paid":
        log.warning(
            "payment %s for order %s: %s%s",
            notice.transaction_id,
            notice.order_no,
            result.outcome.value,
            " (repeated)" if result.repeated else "",
        )
    return result


def _sync_from_wechat(db: Session, gateway: WeChatPayGateway, order_no: str) -> None:
    """Ask WeChat about the order's payment and record it if it is paid (no open transaction on entry)."""
    try:
        notice = gateway.query(order_no)
    except WeChatPayError as exc:
        if exc.code != "ORDER_NOT_EXIST":  # never prepaid: nothing to learn
            log.warning("WeChat Pay query for order %s failed: %s", order_no, exc.code)
        return
    result = apply_payment(db, notice)
    if result is not None and result.outcome.value == "paid":
        order_points(db, order_no)
    db.commit()
    if result is not None and result.outcome.value == "paid":
        order_event(db, order_no, "paid")  # queues its subscribe messages (once per order); never raises


@router.post("/orders/{orderId}/pay", response_model=PayParams)
def post_pay(order_no: OrderNo, user: CurrentUser, db: Db, gateway: Gateway, clock: Now) -> PayParams:
    """Start paying one of the caller's unpaid orders: the signed arguments of wx.requestPayment."""
    openid = user.openid
    try:
        order = order_for_payment(db, user, order_no, clock)
    except OrderError as exc:
        db.commit()  # an order found past its deadline was closed
        raise OrderApiError(exc) from None
    number, total, description, expire = order.order_no, order.total_fen, pay_description(order), order.expires_at
    db.commit()
    try:
        prepay_id = gateway.prepay(number, total, openid, description, expire)
    except WeChatPayError as exc:
        if exc.code == "ORDERPAID":  # paid at WeChat, its notify not here yet
            _sync_from_wechat(db, gateway, number)
            raise ApiError(409, "not_payable", "订单已支付，无需支付 (already paid)") from None
        raise _wechat_unavailable("prepay", number, exc) from None
    params = gateway.request_payment_params(prepay_id)
    return PayParams(
        order_id=number,
        total_fen=total,
        time_stamp=params.timeStamp,
        nonce_str=params.nonceStr,
        package=params.package,
        sign_type=params.signType,
        pay_sign=params.paySign,
    )


@router.post("/orders/{orderId}/query", response_model=OrderOut)
def post_query(order_no: OrderNo, user: CurrentUser, db: Db, gateway: Gateway, clock: Now) -> OrderOut:
    """The caller's order after asking WeChat Pay about its payment (call it when wx.requestPayment returns,
    whatever it returned): the server's state, not the client's."""
    try:
        order = get_order(db, user, order_no)
    except OrderError as exc:
        raise OrderApiError(exc) from None
    pending = order.state == OrderState.PENDING_PAYMENT.value
    db.commit()
    if pending:
        _sync_from_wechat(db, gateway, order_no)
    order = close_if_expired(db, get_order(db, user, order_no), clock)
    db.commit()
    return order_out(order)


def _wechat_answer(status: int, message: str) -> JSONResponse:
    return JSONResponse({"code": "SUCCESS" if status == 200 else "FAIL", "message": message}, status_code=status)


def receive_payment_notify(
    db: Session, gateway: WeChatPayGateway, headers: Mapping[str, str], body: bytes
) -> JSONResponse:
    """Verify a payment notify and record its payment: WeChat's answer."""
    try:
        notice = gateway.verify_notify(headers, body)
    except NotifyRejected as exc:
        log.warning("payment notify rejected: %s", exc)
        return _wechat_answer(401, "验签失败")
    result = apply_payment(db, notice)
    if result is not None and result.outcome.value == "paid":
        order_points(db, notice.order_no)
    db.commit()
    if result is not None and result.outcome.value == "paid":
        order_event(db, notice.order_no, "paid")  # queues its subscribe messages (once per order); never raises
    return _wechat_answer(200, "成功")


@router.post("/pay/notify", include_in_schema=False)
def payment_notify(request: Request, body: RawBody, db: Db, gateway: Gateway) -> JSONResponse:
    """WeChat Pay's payment notify (the notify_url of every prepay)."""
    return receive_payment_notify(db, gateway, request.headers, body)


@router.post("/pay/refund-notify", include_in_schema=False)
def refund_notify(request: Request, body: RawBody, db: Db, gateway: Gateway) -> JSONResponse:
    """WeChat Pay's refund notify (the notify_url of every refund)."""
    try:
        refund = gateway.verify_refund_notify(request.headers, body)
    except NotifyRejected as exc:
        log.warning("refund notify rejected: %s", exc)
        return _wechat_answer(401, "验签失败")
    db.commit()  # verify used no database, but the session may have begun one
    try:
        settle_refunds(db, gateway, refund.order_no)
    except OrderError:  # verified, but for no order of this shop's: nothing to change, nothing to retry
        log.warning("refund %s is for order %s, which does not exist", refund.refund_no, refund.order_no)
    except WeChatPayError as exc:
        log.error("refund %s of order %s: WeChat Pay query failed: %s", refund.refund_no, refund.order_no, exc.code)
        return _wechat_answer(503, "稍后重试")
    return _wechat_answer(200, "成功")


# Refunds and closing (service functions: the merchant's side and the cancel hook)


def refund_number(order_no: str, index: int) -> str:
    number = f"{order_no}R{index:02d}"
    if len(number) > ORDER_NO_LENGTH:
        raise ValueError("the order number is too long to number its refunds")
    return number


def refunds_at_wechat(gateway: WeChatPayGateway, order_no: str) -> list[RefundResult]:
    """The order's refunds as WeChat knows them, in number order."""
    found: list[RefundResult] = []
    for index in range(1, MAX_REFUNDS + 1):
        try:
            found.append(gateway.query_refund(refund_number(order_no, index)))
        except WeChatPayError as exc:
            if exc.code == "RESOURCE_NOT_EXISTS":
                break
            raise
    return found


def _paid_order(db: Session, order_no: str) -> Order:
    # populate_existing: the state is changed by conditional UPDATEs the session does not see, so a copy
    # it already holds (sessions keep objects across commits) must be read again
    query = select(Order).where(Order.order_no == order_no).execution_options(populate_existing=True)
    order = db.execute(query).scalar_one_or_none()
    if order is None:
        raise OrderError(404, "not_found", "订单不存在 (no such order)")
    return order


REFUNDABLE = (OrderState.PAID.value, OrderState.SHIPPED.value, OrderState.REFUNDING.value)


def _set_refund_state(db: Session, order_no: str, state: OrderState, refunded_fen: int | None = None) -> None:
    """Move a refundable order to `state`; PAID means paid again after a partial refund, which for an order
    already sent off is shipped."""
    shown: object = state.value
    if state is OrderState.PAID:
        shown = case((Order.shipped_at.is_not(None), OrderState.SHIPPED.value), else_=OrderState.PAID.value)
    values: dict[str, object] = {"state": shown}
    if refunded_fen is not None:
        values["refunded_fen"] = refunded_fen
    db.execute(
        update(Order)
        .where(Order.order_no == order_no, Order.state.in_(REFUNDABLE))
        .values(**values)
        .execution_options(synchronize_session=False)
    )


def settle_refunds(db: Session, gateway: WeChatPayGateway, order_no: str) -> str:
    """Recompute the order's refund state from WeChat's refunds (no open transaction on entry); commits.
    Returns the order's state."""
    order = _paid_order(db, order_no)
    paid, state = order.paid_fen or order.total_fen, order.state
    db.commit()
    if state not in REFUNDABLE:
        return state
    refunds = refunds_at_wechat(gateway, order_no)
    done = sum(refund.refund_fen for refund in refunds if refund.status == "SUCCESS")
    if done >= paid:
        target = OrderState.REFUNDED
    elif any(refund.status == "PROCESSING" for refund in refunds):
        target = OrderState.REFUNDING
    else:
        target = OrderState.PAID
    _set_refund_state(db, order_no, target, done)
    give_back_refunded(db, order_no)  # a fully refunded order's coupon is unused again (coupons.py)
    refund_points(db, order_no, done)  # the refunded part's points are taken back (points.py)
    db.commit()
    settled = _paid_order(db, order_no).state
    db.commit()
    if target is OrderState.REFUNDED:
        order_event(db, order_no, "refunded")  # queues its subscribe messages (once per order); never raises
    return settled


def refund_order(db: Session, gateway: WeChatPayGateway, order_no: str, refund_fen: int, reason: str) -> RefundResult:
    """Refund `refund_fen` of a paid order (all of it or part; parts add up to at most what was paid).
    OrderError 404/409 when there is no such order, it is not paid, or the amount is too large."""
    order = _paid_order(db, order_no)
    paid, state = order.paid_fen or order.total_fen, order.state
    db.commit()
    if state not in REFUNDABLE:
        raise OrderError(409, "not_refundable", f"order {order_no} is {state}, not paid")
    existing = refunds_at_wechat(gateway, order_no)
    used = sum(refund.refund_fen for refund in existing if refund.status in ("SUCCESS", "PROCESSING"))
    if not 0 < refund_fen <= paid - used:
        raise OrderError(409, "refund_too_large", f"{paid - used} fen of order {order_no} can still be refunded")
    if len(existing) >= MAX_REFUNDS:
        raise OrderError(409, "too_many_refunds", f"order {order_no} has {MAX_REFUNDS} refunds, WeChat's limit")
    known = {refund.refund_id for refund in existing}
    index = len(existing) + 1
    while True:
        result = gateway.refund(order_no, refund_number(order_no, index), refund_fen, paid, reason)
        # A refund number another request took meanwhile answers that refund: take the next number.
        if result.refund_id in known or result.refund_fen != refund_fen:
            known.add(result.refund_id)
            index += 1
            if index > MAX_REFUNDS:
                raise OrderError(409, "too_many_refunds", f"order {order_no} has {MAX_REFUNDS} refunds")
            continue
        break
    _set_refund_state(db, order_no, OrderState.REFUNDING)
    db.commit()
    if result.status != "PROCESSING":
        settle_refunds(db, gateway, order_no)
    return result


def close_payment(gateway: WeChatPayGateway, order_no: str) -> None:
    """Close the order's payment at WeChat once the order is cancelled, so it can no longer be paid; an
    order never prepaid or already closed is fine. Failures are logged: the payment's time_expire (the
    order's deadline) ends it anyway, and a payment that slips in is recorded as late by `mark_paid`."""
    try:
        gateway.close(order_no)
    except WeChatPayError as exc:
        if exc.code not in ("ORDER_NOT_EXIST", "ORDER_CLOSED"):
            log.warning("WeChat Pay close for order %s failed: %s", order_no, exc.code)


# --fake-wechat


@router.post("/_fake/pay/{orderId}", include_in_schema=False)
def fake_pay(order_no: OrderNo, request: Request, db: Db, gateway: Gateway, clock: Now) -> Any:
    """With --fake-wechat: the shopper pays the order at the fake WeChat Pay, whose signed notify then goes
    through the same verification as a real one; the payment is dated by the server's (fake) clock. Answers
    the order."""
    platform: FakeWeChatPay | None = getattr(request.app.state, "fake_wechatpay", None)
    if not request.app.state.settings.fake_wechat or platform is None:
        raise ApiError(404, "not_found", "only with gen serve --fake-wechat")
    order = db.execute(select(Order).where(Order.order_no == order_no)).scalar_one_or_none()
    if order is None or order.state != OrderState.PENDING_PAYMENT.value:
        raise ApiError(409 if order else 404, "not_payable", "no unpaid order with this number")
    buyer = db.get_one(User, order.user_id)
    number, total, description, expire = order.order_no, order.total_fen, pay_description(order), order.expires_at
    db.commit()
    if number not in platform.transactions:  # the shopper skipped /pay (a harness without wx.requestPayment)
        gateway.prepay(number, total, buyer.openid, description, expire)
    notify = platform.pay(number, paid_at=clock)
    answer = receive_payment_notify(db, gateway, notify.headers, notify.body)
    if answer.status_code != 200:
        raise ApiError(500, "server_error", "the fake notify was refused")
    paid = db.execute(select(Order).where(Order.order_no == number)).scalar_one()
    return order_out(paid).model_dump(by_alias=True, mode="json")

"""Orders as service functions over a SQLAlchemy Session: create, list, read, cancel, close, pay.

Every state change is one conditional UPDATE (`... WHERE state = 'pending_payment'`) whose rowcount says
whether this call made it, so two workers, a sweep and a notify racing on one order change it once; no
in-process lock is involved. Stock is reserved with `UPDATE stock SET available = available - q WHERE
key = k AND available >= q` (rowcount 1 or the item is short), keys in sorted order, inside a savepoint
that also holds the new order: a short item, a crash or a lost race leaves no half order and no reserved
unit. The functions run in the caller's transaction and never commit; the caller (a route, the sweep, the
pay routes) commits once the whole change is made. A coupon (`coupons`) is applied to the quote, marked used
in the same savepoint as the order, and given back when the order is cancelled or closed.

Order numbers (`new_order_no`) are the creation time (UTC, to the second) and 12 random characters of
[0-9A-Z]: 26 characters, valid as WeChat Pay's out_trade_no, unique in practice and not guessable (62 bits).
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import CursorResult, Table, case, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..errors import GenError
from . import coupons
from .db import utcnow
from .models import User
from .order_models import Order, OrderLine, OrderRequest, OrderState, PaymentRecord, Stock
from .pricing import CartLine, PriceBook, PriceChange, Quote, price_changes

ORDERS = cast(Table, Order.__table__)
REQUESTS = cast(Table, OrderRequest.__table__)
LINES = cast(Table, OrderLine.__table__)

PAY_WINDOW_ENV = "MPGEN_ORDER_PAY_MINUTES"
DEFAULT_PAY_WINDOW = timedelta(minutes=30)
ORDER_NO_RANDOM = 12
ORDER_NO_ALPHABET = string.digits + string.ascii_uppercase
SWEEP_BATCH = 100
"""Most orders one sweep closes; the next sweep takes the rest."""


def pay_window(environ: Mapping[str, str] | None = None) -> timedelta:
    """How long an order waits for its payment: MPGEN_ORDER_PAY_MINUTES (1 to 1440), default 30 minutes."""
    value = (os.environ if environ is None else environ).get(PAY_WINDOW_ENV, "").strip()
    if not value:
        return DEFAULT_PAY_WINDOW
    if not value.isdigit() or not 1 <= int(value) <= 1440:
        raise GenError(f"{PAY_WINDOW_ENV} is {value!r}; give the minutes an order waits for payment, 1 to 1440")
    return timedelta(minutes=int(value))


def new_order_no(now: datetime) -> str:
    random_part = "".join(secrets.choice(ORDER_NO_ALPHABET) for _ in range(ORDER_NO_RANDOM))
    return now.strftime("%Y%m%d%H%M%S") + random_part


class OrderError(Exception):
    """A request the order rules refuse: HTTP status, a stable code, a message and details for the client."""

    def __init__(self, status: int, code: str, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details or {}


def not_found() -> OrderError:
    return OrderError(404, "not_found", "订单不存在 (no such order)")


@dataclass(frozen=True)
class NewOrder:
    """A validated POST /orders: the cart, what the shopper was shown, where it goes."""

    lines: Sequence[CartLine]
    seen_unit_fen: Sequence[int]
    seen_total_fen: int
    address: Mapping[str, str]
    note: str = ""
    coupon_id: str | None = None


def request_hash(payload: Any) -> str:
    """SHA-256 of a JSON value written canonically (sorted keys): the fingerprint of a request body."""
    canonical = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _rowcount(result: Any) -> int:
    return cast(CursorResult[Any], result).rowcount


# --- stock --------------------------------------------------------------------------------------------------


def sync_stock(session: Session, levels: Mapping[str, int], now: datetime | None = None) -> None:
    """Bring the stock rows in line with the catalog's figures (`PriceBook.stock_levels()`), at start.

    The rule: each row remembers the figure it was last given (`catalog`).
    - A tracked item without a row gets one with the catalog's figure available.
    - An unchanged figure changes nothing: units sold since stay sold (a restart never restocks).
    - A changed figure is a restock or a write-off of the difference: raising 10 to 30 adds 20 to what is
      left, lowering removes the difference, never below 0. Units in unpaid orders stay reserved and come
      back if those orders end unpaid.
    - An item the catalog stops tracking keeps its row, marked untracked (`catalog` NULL) and no longer
      consulted; tracked again later, it starts afresh from the new figure.
    Every change is a compare-and-set on the remembered figure, so several workers starting at once apply
    each edit exactly once.
    """
    now = now or utcnow()
    rows: dict[str, int | None] = {key: figure for key, figure in session.execute(select(Stock.key, Stock.catalog))}
    new = [{"key": key, "available": figure, "catalog": figure, "updated_at": now} for key, figure in levels.items()]
    missing = [row for row in new if row["key"] not in rows]
    if missing:
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        session.execute(insert(Stock).on_conflict_do_nothing(index_elements=["key"]), missing)
    for key, figure in levels.items():
        if key not in rows or rows[key] == figure:
            continue
        old = rows[key]
        if old is None:
            session.execute(
                update(Stock)
                .where(Stock.key == key, Stock.catalog.is_(None))
                .values(available=figure, catalog=figure, updated_at=now)
            )
            continue
        moved = Stock.available + (figure - old)
        session.execute(
            update(Stock)
            .where(Stock.key == key, Stock.catalog == old)
            .values(available=case((moved < 0, 0), else_=moved), catalog=figure, updated_at=now)
        )
    for key, remembered in rows.items():
        if key not in levels and remembered is not None:
            session.execute(update(Stock).where(Stock.key == key).values(catalog=None, updated_at=now))


def _reserve(session: Session, units: Mapping[str, int]) -> list[str]:
    """Take `units` per stock key; the keys that had too few (nothing taken from them)."""
    short = []
    for key, quantity in units.items():
        result = session.execute(
            update(Stock)
            .where(Stock.key == key, Stock.catalog.is_not(None), Stock.available >= quantity)
            .values(available=Stock.available - quantity)
            .execution_options(synchronize_session=False)
        )
        if _rowcount(result) != 1:
            short.append(key)
    return short


def _release(session: Session, order: Order) -> None:
    units: dict[str, int] = {}
    for line in order.lines:
        if line.stock_key is not None:
            units[line.stock_key] = units.get(line.stock_key, 0) + line.quantity
    for key, quantity in sorted(units.items()):
        session.execute(
            update(Stock)
            .where(Stock.key == key)
            .values(available=Stock.available + quantity)
            .execution_options(synchronize_session=False)
        )


def available(session: Session, keys: Sequence[str]) -> dict[str, int]:
    rows = session.execute(select(Stock.key, Stock.available).where(Stock.key.in_(keys), Stock.catalog.is_not(None)))
    return {key: amount for key, amount in rows}


# --- creating ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Created:
    order: Order
    created: bool
    """False: the idempotency key had already created this order (a retry)."""


def create_order(
    session: Session,
    book: PriceBook,
    user: User,
    request: NewOrder,
    idempotency_key: str,
    body_hash: str,
    now: datetime,
    window: timedelta = DEFAULT_PAY_WINDOW,
) -> Created:
    """Price the cart with the server's catalog, reserve its stock and store the order, once per key.

    The same key with the same body gives back the order it created (also when two retries race: the
    loser's savepoint, with its reservations, is rolled back); with another body it is a 409. A price the
    shopper saw that is not the server's is a 409 `price_changed` with the new prices; an item short of
    stock a 409 `out_of_stock` with what is left. PricingError passes through (the cart is wrong: 400).
    """
    earlier = _earlier(session, user, idempotency_key, body_hash)
    if earlier is not None:
        return Created(earlier, False)
    try:
        return _create(session, book, user, request, idempotency_key, body_hash, now, window)
    except OrderError:
        # A retry with this key that committed meanwhile used the coupon or the stock this one was refused
        # for: the shopper gets that order, not the refusal.
        earlier = _earlier(session, user, idempotency_key, body_hash)
        if earlier is None:
            raise
        return Created(earlier, False)


def _create(
    session: Session,
    book: PriceBook,
    user: User,
    request: NewOrder,
    idempotency_key: str,
    body_hash: str,
    now: datetime,
    window: timedelta,
) -> Created:
    quote = book.quote(request.lines)
    if request.coupon_id is not None:
        try:
            applied = coupons.discount(session, book, user, request.coupon_id, quote, now)
        except coupons.CouponError as exc:
            raise OrderError(exc.status, exc.code, exc.message) from None
        quote = replace(quote, discount_fen=applied.discount_fen)
    changes = price_changes(quote, request.seen_unit_fen)
    if changes or request.seen_total_fen != quote.total_fen:
        raise _price_changed(quote, changes)
    try:
        with session.begin_nested():
            order = _insert(session, user, request, quote, idempotency_key, body_hash, now, window)
    except IntegrityError:
        # Another request with this key committed first (its insert of the key made ours wait, then fail).
        earlier = _earlier(session, user, idempotency_key, body_hash)
        if earlier is None:
            raise
        return Created(earlier, False)
    return Created(order, True)


def _earlier(session: Session, user: User, key: str, body_hash: str) -> Order | None:
    found = session.execute(
        select(OrderRequest).where(OrderRequest.user_id == user.id, OrderRequest.key == key)
    ).scalar_one_or_none()
    if found is None:
        return None
    if found.request_hash != body_hash:
        raise OrderError(
            409,
            "idempotency_key_reused",
            "这个下单请求已提交过，内容不同 (this Idempotency-Key was used for another order body; send a new key)",
        )
    return session.get_one(Order, found.order_id)


def _insert(
    session: Session,
    user: User,
    request: NewOrder,
    quote: Quote,
    key: str,
    body_hash: str,
    now: datetime,
    window: timedelta,
) -> Order:
    """Store the order, its key and its lines, then take the stock; the answer's Order is built from the
    values written (plain INSERTs: the ORM's unit of work cost a quarter of an order's CPU)."""
    values: dict[str, Any] = {
        "order_no": new_order_no(now),
        "user_id": user.id,
        "state": OrderState.PENDING_PAYMENT.value,
        "goods_fen": quote.goods_fen,
        "shipping_fen": quote.shipping_fen,
        "discount_fen": quote.discount_fen,
        "total_fen": quote.total_fen,
        "coupon_id": request.coupon_id,
        "address": dict(request.address),
        "note": request.note,
        "created_at": now,
        "expires_at": now + window,
    }
    order_id = session.execute(insert(ORDERS).values(values).returning(ORDERS.c.id)).scalar_one()
    # The key goes in before any stock is touched: a racing retry waits on it here, not after reserving.
    session.execute(
        insert(REQUESTS).values(user_id=user.id, key=key, request_hash=body_hash, order_id=order_id, created_at=now)
    )
    if request.coupon_id is not None:  # after the key (a racing retry gets its order): in the savepoint, undone with it
        try:
            coupons.use(session, user, request.coupon_id, order_id, now)
        except coupons.CouponError as exc:
            raise OrderError(exc.status, exc.code, exc.message) from None
    lines = [
        {
            "order_id": order_id,
            "position": position,
            "product_id": line.item.product_id,
            "name": line.item.name,
            "options": dict(line.item.options),
            "unit_fen": line.item.unit_fen,
            "quantity": line.quantity,
            "stock_key": line.item.stock_key,
        }
        for position, line in enumerate(quote.lines)
    ]
    session.execute(insert(LINES), lines)
    # The stock last: its row lock, which every buyer of the item waits for, is held only until COMMIT.
    short = _reserve(session, quote.reservations())
    if short:
        raise _out_of_stock(session, quote, short)
    order = Order(id=order_id, **values)  # not added to the session: the rows are written above
    order.lines = [OrderLine(**line) for line in lines]
    return order


def quote_details(quote: Quote) -> dict[str, Any]:
    return {
        "items": [
            {
                "productId": line.item.product_id,
                "options": line.item.options,
                "quantity": line.quantity,
                "unitFen": line.item.unit_fen,
                "amountFen": line.line_fen,
            }
            for line in quote.lines
        ],
        "goodsFen": quote.goods_fen,
        "shippingFen": quote.shipping_fen,
        "discountFen": quote.discount_fen,
        "totalFen": quote.total_fen,
    }


def _price_changed(quote: Quote, changes: list[PriceChange]) -> OrderError:
    details = quote_details(quote)
    details["changed"] = [{"line": c.line, "seenFen": c.seen_fen, "unitFen": c.unit_fen} for c in changes]
    return OrderError(409, "price_changed", "商品价格有变化，请确认新的金额后再下单 (the prices changed)", details)


def _out_of_stock(session: Session, quote: Quote, short: list[str]) -> OrderError:
    left = available(session, short)
    items = [
        {
            "line": index,
            "productId": line.item.product_id,
            "options": line.item.options,
            "available": left.get(line.item.stock_key or "", 0),
        }
        for index, line in enumerate(quote.lines)
        if line.item.stock_key in short
    ]
    names = "、".join(line.item.name for line in quote.lines if line.item.stock_key in short)
    return OrderError(409, "out_of_stock", f"库存不足：{names} (not enough stock)", {"items": items})


# --- reading -----------------------------------------------------------------------------------------------


def get_order(session: Session, user: User, order_no: str) -> Order:
    """The caller's order with this number; someone else's is the same 404 as none at all."""
    order = session.execute(
        select(Order).where(Order.order_no == order_no, Order.user_id == user.id)
    ).scalar_one_or_none()
    if order is None:
        raise not_found()
    return order


@dataclass(frozen=True)
class OrderPage:
    orders: list[Order]
    next_before: str | None
    """Pass as `before` for the next (older) page; None on the last page."""


def list_orders(session: Session, user: User, limit: int = 20, before: str | None = None) -> OrderPage:
    """The caller's orders, newest first, `limit` at a time, older than the order `before` names."""
    query = select(Order).where(Order.user_id == user.id)
    if before is not None:
        query = query.where(Order.id < get_order(session, user, before).id)
    rows = list(session.execute(query.order_by(Order.id.desc()).limit(limit + 1)).scalars())
    more = len(rows) > limit
    rows = rows[:limit]
    return OrderPage(rows, rows[-1].order_no if more and rows else None)


# --- ending unpaid orders ----------------------------------------------------------------------------------


def _end_unpaid(session: Session, order_id: int, state: OrderState, now: datetime) -> bool:
    """Move one pending order to cancelled/closed; True when this call did it (then its stock goes back)."""
    result = session.execute(
        update(Order)
        .where(Order.id == order_id, Order.state == OrderState.PENDING_PAYMENT.value)
        .values(state=state.value, ended_at=now)
        .execution_options(synchronize_session=False)
    )
    if _rowcount(result) != 1:
        return False
    order = session.get_one(Order, order_id, populate_existing=True)
    _release(session, order)
    coupons.give_back(session, order_id)
    order.address = masked_address(order.address)
    session.flush()
    return True


def cancel_order(session: Session, user: User, order_no: str, now: datetime) -> Order:
    """The shopper cancels an unpaid order (stock released); cancelling twice answers the same; a paid or
    closed order is a 409."""
    order = get_order(session, user, order_no)
    if not _end_unpaid(session, order.id, OrderState.CANCELLED, now):
        session.refresh(order)
        if order.state != OrderState.CANCELLED.value:
            raise OrderError(409, "not_cancellable", f"订单{state_text(order.state)}，不能取消 (state {order.state})")
    session.refresh(order)
    return order


def close_expired(session: Session, now: datetime, user: User | None = None, limit: int = SWEEP_BATCH) -> int:
    """Close unpaid orders past their deadline (all shoppers', or one's), oldest first, at most `limit`;
    returns how many this call closed. Safe to run from every worker at once."""
    query = select(Order.id).where(Order.state == OrderState.PENDING_PAYMENT.value, Order.expires_at <= now)
    if user is not None:
        query = query.where(Order.user_id == user.id)
    ids = list(session.execute(query.order_by(Order.expires_at).limit(limit)).scalars())
    return sum(_end_unpaid(session, order_id, OrderState.CLOSED, now) for order_id in ids)


def close_if_expired(session: Session, order: Order, now: datetime) -> Order:
    if order.state == OrderState.PENDING_PAYMENT.value and order.expires_at <= now:
        _end_unpaid(session, order.id, OrderState.CLOSED, now)
        session.refresh(order)
    return order


# --- payment (called by the pay routes) --------------------------------------------------------------------


def order_for_payment(session: Session, user: User, order_id: str, now: datetime | None = None) -> Order:
    """The caller's order `order_id` (its order number) if it can be paid now: 404 when it is not theirs,
    409 `not_payable` when it is paid, ended or past its deadline (which closes it)."""
    order = close_if_expired(session, get_order(session, user, order_id), now or utcnow())
    if order.state != OrderState.PENDING_PAYMENT.value:
        raise OrderError(409, "not_payable", f"订单{state_text(order.state)}，无需支付 (state {order.state})")
    return order


def pay_description(order: Order) -> str:
    """What WeChat Pay shows the payer (its `description`, at most 127 bytes)."""
    first = order.lines[0].name if order.lines else "订单"
    text = first if len(order.lines) <= 1 else f"{first} 等{len(order.lines)}件商品"
    while len(text.encode("utf-8")) > 127:
        text = text[:-1]
    return text


class PaymentOutcome(StrEnum):
    PAID = "paid"
    """This payment paid the order just now."""
    LATE = "late"
    """The order had been cancelled or closed: recorded, the order stays ended (the money needs a refund)."""
    AMOUNT_MISMATCH = "amount_mismatch"
    """The amount is not the order's total: recorded, the order stays unpaid."""
    DOUBLE_PAYMENT = "double_payment"
    """The order was paid by another transaction: recorded (needs a refund)."""
    UNKNOWN_ORDER = "unknown_order"
    """No order has this number: recorded."""


@dataclass(frozen=True)
class PaymentResult:
    outcome: PaymentOutcome
    order: Order | None
    repeated: bool = field(default=False)
    """True when this transaction had been reported before; `outcome` is then what the first report did."""


def mark_paid(
    session: Session, order_no: str, transaction_id: str, amount_fen: int, paid_at: datetime
) -> PaymentResult:
    """Record a payment WeChat Pay confirmed (call it only after the notify or query verified), idempotently.

    Only pending_payment -> paid, and only when `amount_fen` equals the order's total. A transaction
    reported twice (or at once from two workers) changes the order once; the second call returns the first
    call's outcome with `repeated`. A payment for an order that is closed, cancelled, paid by another
    transaction, of the wrong amount or unknown is kept in `payment_records` and changes no order. An order
    past its deadline but not yet swept is paid: its stock is still reserved. Does not commit.
    """
    recorded = session.execute(
        select(PaymentRecord).where(PaymentRecord.transaction_id == transaction_id)
    ).scalar_one_or_none()
    if recorded is not None:
        order = session.get(Order, recorded.order_id) if recorded.order_id is not None else None
        return PaymentResult(PaymentOutcome(recorded.outcome), order, repeated=True)
    result = session.execute(
        update(Order)
        .where(
            Order.order_no == order_no,
            Order.state == OrderState.PENDING_PAYMENT.value,
            Order.total_fen == amount_fen,
        )
        .values(state=OrderState.PAID.value, paid_at=paid_at, transaction_id=transaction_id, paid_fen=amount_fen)
        .execution_options(synchronize_session=False)
    )
    order = session.execute(
        select(Order).where(Order.order_no == order_no).execution_options(populate_existing=True)
    ).scalar_one_or_none()
    outcome = _outcome(order, transaction_id, _rowcount(result) == 1)
    if outcome is None:  # paid by this very transaction, in a call that raced ours and recorded it
        return PaymentResult(PaymentOutcome.PAID, order, repeated=True)
    record = PaymentRecord(
        transaction_id=transaction_id,
        order_no=order_no,
        order_id=order.id if order is not None else None,
        amount_fen=amount_fen,
        paid_at=paid_at,
        outcome=outcome.value,
    )
    try:
        with session.begin_nested():
            session.add(record)
    except IntegrityError:  # the same transaction recorded by a racing call; its outcome stands
        return PaymentResult(outcome, order, repeated=True)
    return PaymentResult(outcome, order)


def _outcome(order: Order | None, transaction_id: str, changed: bool) -> PaymentOutcome | None:
    """What this payment did; None when the order is already paid by this same transaction."""
    if changed:
        return PaymentOutcome.PAID
    if order is None:
        return PaymentOutcome.UNKNOWN_ORDER
    if order.state == OrderState.PENDING_PAYMENT.value:
        return PaymentOutcome.AMOUNT_MISMATCH
    if order.state in (OrderState.CANCELLED.value, OrderState.CLOSED.value):
        return PaymentOutcome.LATE
    if order.transaction_id == transaction_id:
        return None
    return PaymentOutcome.DOUBLE_PAYMENT


# --- shipping (the merchant console) ------------------------------------------------------------------------


def ship_order(session: Session, order_no: str, carrier: str, tracking_no: str, now: datetime) -> bool:
    """Mark a paid order shipped with its carrier and tracking number; True when this call did it (a
    second ship, or one racing a refund, changes nothing). Does not commit."""
    result = session.execute(
        update(Order)
        .where(Order.order_no == order_no, Order.state == OrderState.PAID.value)
        .values(state=OrderState.SHIPPED.value, carrier=carrier, tracking_no=tracking_no, shipped_at=now)
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result) == 1


# --- presenting --------------------------------------------------------------------------------------------

STATE_TEXT = {
    OrderState.PENDING_PAYMENT.value: "待支付",
    OrderState.PAID.value: "已支付",
    OrderState.SHIPPED.value: "已发货",
    OrderState.CANCELLED.value: "已取消",
    OrderState.CLOSED.value: "已关闭",
    OrderState.REFUNDING.value: "退款中",
    OrderState.REFUNDED.value: "已退款",
}


def state_text(state: str) -> str:
    return STATE_TEXT.get(state, state)


def masked_address(address: Mapping[str, Any]) -> dict[str, str]:
    """The address with the recipient's name, phone, street and postcode masked: what a shopper's screen
    shows, and all an order keeps once it can no longer ship."""
    name = str(address.get("userName", ""))
    phone = "".join(ch for ch in str(address.get("telNumber", "")) if ch.isdigit())
    masked = {
        "userName": (name[:1] + "*" * max(1, len(name) - 1)) if name else "",
        "telNumber": f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 7 else "****",
    }
    for key in ("provinceName", "cityName", "countyName"):
        if address.get(key):
            masked[key] = str(address[key])
    if address.get("detailInfo"):
        masked["detailInfo"] = "***"
    return masked

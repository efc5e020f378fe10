"""The shopper's order endpoints: POST /orders, GET /orders, GET /orders/{orderId}, POST .../cancel.

All need a session (`Authorization: Bearer`). POST /orders takes the idempotency key in the
`Idempotency-Key` header (required; the client keeps it across retries of one checkout): the same key and
body answer the order it created (200 instead of 201), another body 409. Amounts are the server's
(`pricing.PriceBook` over the site's catalog); the client's `priceFen`/`totalFen` only decide a 409
`price_changed`. `couponId` names a coupon the shopper holds (GET /coupons/mine): the server applies it.

Unpaid orders close after MPGEN_ORDER_PAY_MINUTES (default 30): every worker sweeps once a minute and
before creating an order, and a read closes the orders it shows that are due; each close is a conditional
UPDATE, so workers never close one twice. A cancel, once committed, calls `app.state.close_payment(order_no)`
when the pay routes provide it, so WeChat Pay takes no payment for it any more. The router's lifespan also
brings the stock rows in line with the catalog (`orders.sync_stock`). `now` is a dependency so tests move
the clock.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Header, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel
from sqlalchemy.orm import Session, sessionmaker

from .api_errors import ApiError
from .auth import SessionToken, current_user, session_user
from .background import every
from .clock import Now, now  # noqa: F401  (`order_routes.now`: what tests override)
from .db import get_db, utcnow
from .models import User
from .order_models import IDEMPOTENCY_KEY_LENGTH, NOTE_LENGTH, ORDER_NO_LENGTH, Order
from .orders import (
    NewOrder,
    OrderError,
    cancel_order,
    close_expired,
    close_if_expired,
    create_order,
    get_order,
    list_orders,
    masked_address,
    pay_window,
    request_hash,
    state_text,
    sync_stock,
)
from .pricing import CartLine, PriceBook, PricingError
from .settings import Settings

SWEEP_SECONDS = 60.0


def enabled(_settings: Settings) -> bool:
    pay_window()  # a wrong MPGEN_ORDER_PAY_MINUTES fails at start, not on the first order
    return True


def shopper(request: Request, db: Annotated[Session, Depends(get_db)]) -> User:
    """`auth.current_user`, with its lookup's transaction ended before the handler runs: the handler waits
    for a worker thread, and meanwhile an open transaction would hold a pooled connection (and SQLite's
    write lock, taken by BEGIN IMMEDIATE), which under load starves the very threads it waits for."""
    try:
        user = current_user(request, db)
    finally:
        db.commit()
    return user


def price_book(request: Request) -> PriceBook:
    book: PriceBook | None = getattr(request.app.state, "price_book", None)
    if book is None:
        spec = request.app.state.spec
        book = PriceBook.from_spec(spec.catalog, spec.commerce)
        request.app.state.price_book = book
    return book


def _sweep(factory: sessionmaker[Session]) -> None:
    with factory() as session:
        if close_expired(session, utcnow()):
            session.commit()


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    spec = app.state.spec
    book = PriceBook.from_spec(spec.catalog, spec.commerce)
    app.state.price_book = book
    factory: sessionmaker[Session] = app.state.sessionmaker
    with factory() as session:
        sync_stock(session, book.stock_levels())
        session.commit()
    async with every(SWEEP_SECONDS, "order sweep", lambda: _sweep(factory)):
        yield


router = APIRouter(tags=["orders"], lifespan=lifespan)

Db = Annotated[Session, Depends(get_db)]
CurrentUser = Annotated[User, Depends(shopper)]
Book = Annotated[PriceBook, Depends(price_book)]
OrderNo = Annotated[str, Path(alias="orderId", min_length=1, max_length=ORDER_NO_LENGTH)]


class ApiModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")


Short = Annotated[str, Field(max_length=100)]


class Address(ApiModel):
    """What wx.chooseAddress returned (personal data: kept in clear only while the order may ship)."""

    user_name: str = Field(min_length=1, max_length=60)
    tel_number: str = Field(min_length=3, max_length=30)
    province_name: Short = ""
    city_name: Short = ""
    county_name: Short = ""
    street_name: Short = ""
    detail_info: str = Field(min_length=1, max_length=200)
    postal_code: Annotated[str, Field(max_length=20)] = ""


class OrderItemIn(ApiModel):
    product_id: str = Field(min_length=1, max_length=40)
    options: dict[Annotated[str, Field(max_length=40)], Annotated[str, Field(max_length=40)]] = Field(
        default_factory=dict, max_length=5, description="One value per option of the product, e.g. {颜色: 粉色}."
    )
    quantity: int = Field(ge=1, le=999)
    price_fen: int = Field(ge=0, description="The unit price the shopper saw; only decides a 409 price_changed.")


class CreateOrder(ApiModel):
    items: list[OrderItemIn] = Field(min_length=1, max_length=50)
    address: Address
    note: str = Field(default="", max_length=NOTE_LENGTH, description="The shopper's note to the shop.")
    coupon_id: str | None = Field(
        default=None,
        max_length=64,
        description="A held coupon's id (GET /coupons/mine); the server checks and applies it.",
    )
    total_fen: int = Field(ge=0, description="The total the shopper saw; only decides a 409 price_changed.")


class OrderItemOut(ApiModel):
    product_id: str
    name: str
    options: dict[str, str]
    quantity: int
    unit_fen: int
    amount_fen: int


class OrderOut(ApiModel):
    order_id: str = Field(description="The order number (also WeChat Pay's out_trade_no).")
    state: str = Field(description="pending_payment, paid, shipped, cancelled, closed, refunding or refunded.")
    state_text: str
    created_at: datetime
    pay_before: datetime | None = Field(description="Unpaid by then, the order closes; null unless unpaid.")
    paid_at: datetime | None
    goods_fen: int
    shipping_fen: int
    discount_fen: int
    total_fen: int
    items: list[OrderItemOut]
    address: dict[str, str] = Field(description="The address with name, phone and street masked.")
    note: str


class OrderList(ApiModel):
    orders: list[OrderOut]
    next: str | None = Field(description="`before` for the next, older page; null on the last.")


class Problem(ApiModel):
    """An error answer. A 409 `price_changed` also carries the server's prices (items with unitFen and
    amountFen, goodsFen, shippingFen, discountFen, totalFen, and `changed`: the lines whose shown price
    differs); a 409 `out_of_stock` carries `items` with each short line's `available` units."""

    model_config = ConfigDict(extra="allow")
    error: str = Field(description="A stable code, e.g. price_changed, out_of_stock, bad_options.")
    message: str = Field(description="What went wrong, in words a shopper can read.")


Responses = dict[int | str, dict[str, Any]]
UNAUTHORIZED: Responses = {401: {"model": Problem, "description": "No session, or it expired: log in again."}}
NOT_FOUND: Responses = {404: {"model": Problem, "description": "No order of the caller's has this number."}}
CREATE_ERRORS: Responses = {
    200: {"model": OrderOut, "description": "A retry: this Idempotency-Key already created this order."},
    400: {"model": Problem, "description": "A product, option or quantity the shop does not sell."},
    **UNAUTHORIZED,
    409: {
        "model": Problem,
        "description": "price_changed (with the new prices: confirm and send again), out_of_stock (with what "
        "is left), idempotency_key_reused (the key came with another body), coupon_unusable or coupon_threshold.",
    },
}


def order_out(order: Order) -> OrderOut:
    pending = order.state == "pending_payment"
    return OrderOut(
        order_id=order.order_no,
        state=order.state,
        state_text=state_text(order.state),
        created_at=order.created_at,
        pay_before=order.expires_at if pending else None,
        paid_at=order.paid_at,
        goods_fen=order.goods_fen,
        shipping_fen=order.shipping_fen,
        discount_fen=order.discount_fen,
        total_fen=order.total_fen,
        items=[
            OrderItemOut(
                product_id=line.product_id,
                name=line.name,
                options=line.options,
                quantity=line.quantity,
                unit_fen=line.unit_fen,
                amount_fen=line.line_fen,
            )
            for line in order.lines
        ],
        address=masked_address(order.address),
        note=order.note,
    )


class OrderApiError(ApiError):
    """An ApiError carrying details (new prices, stock left) next to error and message."""

    def __init__(self, error: OrderError) -> None:
        super().__init__(error.status, error.code, error.message)
        self.details = error.details

    def body(self) -> dict[str, Any]:
        return {**super().body(), **self.details}


@router.post("/orders", response_model=OrderOut, status_code=201, responses=CREATE_ERRORS)
def post_order(
    body: CreateOrder,
    token: SessionToken,
    db: Db,
    book: Book,
    clock: Now,
    idempotency_key: Annotated[
        str,
        Header(
            alias="Idempotency-Key",
            min_length=8,
            max_length=IDEMPOTENCY_KEY_LENGTH,
            pattern=r"^[A-Za-z0-9_.:-]+$",
            description="One per checkout attempt, the same on every retry of it.",
        ),
    ],
) -> Any:
    """Create an order at the server's prices, its stock reserved until it is paid, cancelled or closed."""
    user = session_user(db, token)  # in the order's own transaction: the hot path's one round trip less
    request = NewOrder(
        lines=[CartLine(item.product_id, item.options, item.quantity) for item in body.items],
        seen_unit_fen=[item.price_fen for item in body.items],
        seen_total_fen=body.total_fen,
        address=body.address.model_dump(by_alias=True, exclude_defaults=True),
        note=body.note,
        coupon_id=body.coupon_id,
    )
    fingerprint = request_hash(body.model_dump(by_alias=True, mode="json"))
    try:
        try:
            created = create_order(db, book, user, request, idempotency_key, fingerprint, clock, pay_window())
        except OrderError as exc:
            # Units held by unpaid orders past their deadline come back here rather than on every order
            # (the sweep also runs once a minute in every worker): then the order is tried once more.
            if exc.code != "out_of_stock" or not close_expired(db, clock):
                raise
            created = create_order(db, book, user, request, idempotency_key, fingerprint, clock, pay_window())
    except PricingError as exc:
        fields = {f"items[{exc.line}]": exc.code} if exc.line is not None else None
        raise ApiError(400, exc.code, exc.message, fields) from None
    except OrderError as exc:
        raise OrderApiError(exc) from None
    db.commit()
    answer = order_out(created.order)
    if created.created:
        return answer
    return JSONResponse(answer.model_dump(by_alias=True, mode="json"), status_code=200)


@router.get("/orders", response_model=OrderList, responses={**UNAUTHORIZED, **NOT_FOUND})
def get_orders(
    user: CurrentUser,
    db: Db,
    clock: Now,
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
    before: Annotated[str | None, Query(max_length=ORDER_NO_LENGTH)] = None,
) -> OrderList:
    """The caller's orders, newest first; `before` (the previous page's `next`) pages back."""
    if close_expired(db, clock, user):
        db.commit()
    try:
        page = list_orders(db, user, limit, before)
    except OrderError as exc:
        raise OrderApiError(exc) from None
    return OrderList(orders=[order_out(order) for order in page.orders], next=page.next_before)


@router.get("/orders/{orderId}", response_model=OrderOut, responses={**UNAUTHORIZED, **NOT_FOUND})
def get_one_order(order_no: OrderNo, user: CurrentUser, db: Db, clock: Now) -> OrderOut:
    """One of the caller's orders (404 for anyone else's)."""
    try:
        order = close_if_expired(db, get_order(db, user, order_no), clock)
    except OrderError as exc:
        raise OrderApiError(exc) from None
    db.commit()
    return order_out(order)


CANCEL_ERRORS: Responses = {
    **UNAUTHORIZED,
    **NOT_FOUND,
    409: {"model": Problem, "description": "not_cancellable: the order is paid or closed."},
}


@router.post("/orders/{orderId}/cancel", response_model=OrderOut, responses=CANCEL_ERRORS)
def post_cancel(order_no: OrderNo, request: Request, user: CurrentUser, db: Db, clock: Now) -> OrderOut:
    """Cancel an unpaid order of the caller's; its stock goes back on sale."""
    try:
        order = cancel_order(db, user, order_no, clock)
    except OrderError as exc:
        raise OrderApiError(exc) from None
    db.commit()
    close_payment: Callable[[str], None] | None = getattr(request.app.state, "close_payment", None)
    if close_payment is not None:  # the pay routes' hook: WeChat closes the payment, after our commit
        close_payment(order.order_no)
    return order_out(order)

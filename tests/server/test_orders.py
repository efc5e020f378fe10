"""Orders through the app (POST/GET /orders, cancel) and the service functions the pay helper calls, on a
real SQLite file and a real PostgreSQL database (conftest's `client`/`db_engine` fixtures, the test shop).

What it proves: amounts are the server's (a tampered price or total is a 409 with the new prices and no
order), stock is reserved and given back (cancel, timeout with a moved clock), a short item leaves no half
order, an idempotency key creates one order, shoppers only ever see their own orders, `mark_paid` moves an
order once and never resurrects a closed one, and the stock rows follow catalog edits by the documented rule.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from generator.errors import GenError
from generator.server import order_routes
from generator.server.app import create_app
from generator.server.fake_wechat import fake_openid
from generator.server.models import User
from generator.server.order_models import Order, OrderState, PaymentRecord, Stock
from generator.server.orders import (
    DEFAULT_PAY_WINDOW,
    NewOrder,
    OrderError,
    PaymentOutcome,
    close_expired,
    create_order,
    mark_paid,
    new_order_no,
    order_for_payment,
    pay_description,
    pay_window,
    sync_stock,
)
from generator.server.pricing import CartLine, PriceBook, stock_key
from generator.server.settings import Settings

from .conftest import login

ADDRESS = {
    "userName": "张三",
    "telNumber": "13800001234",
    "provinceName": "广东省",
    "cityName": "深圳市",
    "countyName": "南山区",
    "detailInfo": "科技园 1 号",
    "postalCode": "518000",
}
T0 = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
SMALL = stock_key("oolong", {"规格": "小罐"})
LARGE = stock_key("oolong", {"规格": "大罐"})
OUT_OF_STOCK_SKU = stock_key("gift", {"颜色": "金", "尺码": "M"})


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(app: FastAPI) -> Iterator[Clock]:
    moved = Clock()
    app.dependency_overrides[order_routes.now] = moved
    yield moved
    app.dependency_overrides.clear()


def item(product: str, quantity: int, price: int, **options: str) -> dict[str, Any]:
    return {"productId": product, "options": options, "quantity": quantity, "priceFen": price}


def order_body(*items: dict[str, Any], total: int, **extra: Any) -> dict[str, Any]:
    return {"items": list(items), "address": ADDRESS, "totalFen": total, **extra}


GREEN_2 = order_body(item("green", 2, 1250), total=2500 + 800)


def post(client: TestClient, headers: dict[str, str], body: dict[str, Any], key: str = "checkout-0001") -> Any:
    return client.post("/orders", json=body, headers={**headers, "Idempotency-Key": key})


def stock(engine: Engine, key: str) -> int:
    with Session(engine) as session:
        return session.get_one(Stock, key).available


def count_orders(engine: Engine) -> int:
    with Session(engine) as session:
        return session.execute(select(func.count()).select_from(Order)).scalar_one()


# --- creating ----------------------------------------------------------------------------------------------


def test_an_order_is_priced_by_the_server_and_reserves_stock(client: TestClient, db_engine: Engine) -> None:
    headers = login(client)
    body = order_body(item("green", 2, 1250), item("oolong", 1, 5580, 规格="大罐"), total=2500 + 5580 + 800)
    answer = post(client, headers, body)
    assert answer.status_code == 201, answer.text
    order = answer.json()
    assert (order["goodsFen"], order["shippingFen"], order["totalFen"]) == (8080, 800, 8880)
    assert order["state"] == "pending_payment"
    assert [(i["productId"], i["quantity"], i["unitFen"], i["amountFen"]) for i in order["items"]] == [
        ("green", 2, 1250, 2500),
        ("oolong", 1, 5580, 5580),
    ]
    assert re.fullmatch(r"[0-9A-Z]{26}", order["orderId"])
    assert datetime.fromisoformat(order["payBefore"]) - datetime.fromisoformat(order["createdAt"]) == DEFAULT_PAY_WINDOW
    assert order["address"]["userName"] == "张*" and order["address"]["telNumber"] == "138****1234"
    assert "13800001234" not in answer.text and "科技园" not in answer.text
    assert (stock(db_engine, "green"), stock(db_engine, LARGE), stock(db_engine, SMALL)) == (8, 1, 5)


@pytest.mark.parametrize(
    ("body", "changed"),
    [
        (order_body(item("green", 2, 1), total=2 + 800), [{"line": 0, "seenFen": 1, "unitFen": 1250}]),
        (order_body(item("green", 2, 1250), total=1), []),
    ],
    ids=["unit-price", "total"],
)
def test_a_tampered_price_is_answered_with_the_servers_prices(
    client: TestClient, db_engine: Engine, body: dict[str, Any], changed: list[dict[str, int]]
) -> None:
    headers = login(client)
    answer = post(client, headers, body)
    assert answer.status_code == 409
    problem = answer.json()
    assert problem["error"] == "price_changed"
    assert problem["changed"] == changed
    assert problem["totalFen"] == 3300 and problem["items"][0]["unitFen"] == 1250
    assert count_orders(db_engine) == 0
    assert stock(db_engine, "green") == 10


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (order_body(item("nope", 1, 100), total=900), "unknown_product"),
        (order_body(item("oolong", 1, 3000, 规格="超大"), total=3800), "bad_options"),
        (order_body(item("green", 21, 1250), total=26250), "bad_quantity"),
    ],
)
def test_carts_the_server_cannot_sell_are_400(client: TestClient, body: dict[str, Any], code: str) -> None:
    answer = post(client, login(client), body)
    assert answer.status_code == 400
    assert answer.json()["error"] == code
    assert answer.json()["message"]


def test_bad_bodies_and_missing_keys_are_400_and_no_session_is_401(client: TestClient) -> None:
    headers = login(client)
    missing_key = client.post("/orders", json=GREEN_2, headers=headers)
    assert missing_key.status_code == 400 and "Idempotency-Key" in missing_key.json()["message"]
    wrong_type = post(client, headers, {**GREEN_2, "totalFen": "a lot"})
    assert wrong_type.status_code == 400 and "totalFen" in wrong_type.json()["fields"]
    no_address = post(client, headers, {"items": GREEN_2["items"], "totalFen": 3300})
    assert no_address.status_code == 400
    assert client.post("/orders", json=GREEN_2, headers={"Idempotency-Key": "checkout-0001"}).status_code == 401


def test_an_item_short_of_stock_leaves_no_order_and_no_reservation(client: TestClient, db_engine: Engine) -> None:
    headers = login(client)
    body = order_body(item("green", 2, 1250), item("oolong", 3, 5580, 规格="大罐"), total=2500 + 3 * 5580)
    answer = post(client, headers, body)
    assert answer.status_code == 409
    assert answer.json()["error"] == "out_of_stock"
    assert answer.json()["items"] == [{"line": 1, "productId": "oolong", "options": {"规格": "大罐"}, "available": 2}]
    assert count_orders(db_engine) == 0
    assert (stock(db_engine, "green"), stock(db_engine, LARGE)) == (10, 2)
    sold_out = post(client, headers, order_body(item("gift", 1, 19900, 颜色="金", 尺码="M"), total=19900), "k-0000002")
    assert sold_out.status_code == 409 and sold_out.json()["items"][0]["available"] == 0


def test_untracked_items_sell_without_a_stock_row(client: TestClient, app: FastAPI, session: Session) -> None:
    user, _headers = shopper(session, client, "code-a")
    catalog = app.state.spec.catalog
    untracked = catalog.products[0].model_copy(update={"id": "free", "stock": None})
    book = PriceBook.from_spec(catalog.model_copy(update={"products": [untracked]}), app.state.spec.commerce)
    assert book.stock_levels() == {}
    for n in range(3):
        request = NewOrder([CartLine("free", {}, 20)], [1250], 25000, ADDRESS)
        created = create_order(session, book, user, request, f"free-{n}", f"hash-{n}", T0)
        assert created.created and created.order.lines[0].stock_key is None
    session.commit()
    assert session.get(Stock, "free") is None


def test_the_same_key_and_body_give_the_same_order_once(client: TestClient, db_engine: Engine) -> None:
    headers = login(client)
    first = post(client, headers, GREEN_2)
    again = post(client, headers, GREEN_2)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["orderId"] == again.json()["orderId"]
    assert count_orders(db_engine) == 1
    assert stock(db_engine, "green") == 8
    other_body = post(client, headers, order_body(item("green", 3, 1250), total=3750 + 800))
    assert other_body.status_code == 409 and other_body.json()["error"] == "idempotency_key_reused"
    # the key is the shopper's own: another shopper may use the same string
    assert post(client, login(client, "code-b"), GREEN_2).status_code == 201
    assert post(client, headers, GREEN_2, key="checkout-0002").status_code == 201
    assert count_orders(db_engine) == 3


# --- reading -----------------------------------------------------------------------------------------------


def test_shoppers_see_only_their_own_orders_newest_first_in_pages(client: TestClient) -> None:
    alice, bob = login(client, "code-a"), login(client, "code-b")
    one = order_body(item("green", 1, 1250), total=1250 + 800)
    mine = [post(client, alice, one, key=f"alice-key-{n}").json()["orderId"] for n in range(5)]
    theirs = post(client, bob, one, key="bob-key-0").json()["orderId"]
    first = client.get("/orders", params={"limit": 2}, headers=alice).json()
    assert [o["orderId"] for o in first["orders"]] == mine[::-1][:2]
    second = client.get("/orders", params={"limit": 2, "before": first["next"]}, headers=alice).json()
    third = client.get("/orders", params={"limit": 2, "before": second["next"]}, headers=alice).json()
    assert [o["orderId"] for o in second["orders"] + third["orders"]] == mine[::-1][2:]
    assert third["next"] is None
    assert theirs not in {o["orderId"] for o in client.get("/orders", headers=alice).json()["orders"]}
    assert client.get(f"/orders/{mine[0]}", headers=alice).status_code == 200
    for path in (f"/orders/{theirs}", f"/orders/{new_order_no(T0)}"):
        answer = client.get(path, headers=alice)
        assert answer.status_code == 404 and answer.json()["error"] == "not_found"
    assert client.post(f"/orders/{theirs}/cancel", headers=alice).status_code == 404
    assert client.get("/orders", params={"before": theirs}, headers=alice).status_code == 404
    assert client.get(f"/orders/{mine[0]}").status_code == 401


# --- cancel and timeout ------------------------------------------------------------------------------------


def test_cancel_releases_the_stock_and_masks_the_address(client: TestClient, db_engine: Engine) -> None:
    headers = login(client)
    order_id = post(client, headers, GREEN_2).json()["orderId"]
    assert stock(db_engine, "green") == 8
    cancelled = client.post(f"/orders/{order_id}/cancel", headers=headers)
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    assert cancelled.json()["payBefore"] is None
    assert stock(db_engine, "green") == 10
    assert client.post(f"/orders/{order_id}/cancel", headers=headers).json()["state"] == "cancelled"
    assert stock(db_engine, "green") == 10  # cancelling twice gives back once
    with Session(db_engine) as session:
        stored = session.execute(select(Order).where(Order.order_no == order_id)).scalar_one()
    assert "13800001234" not in str(stored.address) and "科技园" not in str(stored.address)


def test_a_paid_order_cannot_be_cancelled(client: TestClient, db_engine: Engine) -> None:
    headers = login(client)
    order = post(client, headers, GREEN_2).json()
    with Session(db_engine) as session:
        assert mark_paid(session, order["orderId"], "4200000001", order["totalFen"], T0).outcome is PaymentOutcome.PAID
        session.commit()
    answer = client.post(f"/orders/{order['orderId']}/cancel", headers=headers)
    assert answer.status_code == 409 and answer.json()["error"] == "not_cancellable"
    assert stock(db_engine, "green") == 8


def test_unpaid_orders_close_after_the_timeout_and_give_their_stock_back(
    client: TestClient, db_engine: Engine, clock: Clock
) -> None:
    headers = login(client)
    order_id = post(client, headers, GREEN_2).json()["orderId"]
    clock.now = T0 + DEFAULT_PAY_WINDOW - timedelta(seconds=1)
    assert client.get(f"/orders/{order_id}", headers=headers).json()["state"] == "pending_payment"
    assert stock(db_engine, "green") == 8
    clock.now = T0 + DEFAULT_PAY_WINDOW
    assert client.get(f"/orders/{order_id}", headers=headers).json()["state"] == "closed"
    assert stock(db_engine, "green") == 10
    assert client.post(f"/orders/{order_id}/cancel", headers=headers).status_code == 409


def test_creating_an_order_sweeps_everyones_expired_orders(client: TestClient, db_engine: Engine, clock: Clock) -> None:
    alice, bob = login(client, "code-a"), login(client, "code-b")
    big = order_body(item("oolong", 2, 5580, 规格="大罐"), total=11160)
    assert post(client, alice, big).status_code == 201
    assert post(client, bob, big).status_code == 409  # alice holds the last two
    clock.now = T0 + timedelta(hours=1)
    assert post(client, bob, big, key="checkout-0002").status_code == 201
    assert [o["state"] for o in client.get("/orders", headers=alice).json()["orders"]] == ["closed"]
    assert stock(db_engine, LARGE) == 0


# --- service functions (the pay helper's side) -------------------------------------------------------------


@pytest.fixture
def session(db_engine: Engine, client: TestClient) -> Iterator[Session]:
    with Session(db_engine, expire_on_commit=False) as session:
        yield session


def shopper(session: Session, client: TestClient, code: str) -> tuple[User, dict[str, str]]:
    headers = login(client, code)
    user = session.execute(select(User).where(User.openid == fake_openid(code))).scalar_one()
    session.commit()  # SQLite has one writer: an open transaction here would hold the app's requests
    return user, headers


def test_mark_paid_moves_an_order_once_and_records_every_payment(
    client: TestClient, session: Session, clock: Clock
) -> None:
    _user, headers = shopper(session, client, "code-a")
    order = post(client, headers, GREEN_2).json()
    number, total = order["orderId"], order["totalFen"]
    wrong = mark_paid(session, number, "tx-wrong-amount", total - 1, T0)
    assert (wrong.outcome, wrong.order and wrong.order.state) == (PaymentOutcome.AMOUNT_MISMATCH, "pending_payment")
    paid = mark_paid(session, number, "tx-1", total, T0)
    assert paid.outcome is PaymentOutcome.PAID and not paid.repeated
    assert paid.order is not None and (paid.order.state, paid.order.paid_fen) == ("paid", total)
    again = mark_paid(session, number, "tx-1", total, T0 + timedelta(seconds=5))
    assert (again.outcome, again.repeated) == (PaymentOutcome.PAID, True)
    second_payment = mark_paid(session, number, "tx-2", total, T0)
    assert second_payment.outcome is PaymentOutcome.DOUBLE_PAYMENT
    unknown = mark_paid(session, new_order_no(T0), "tx-3", 100, T0)
    assert (unknown.outcome, unknown.order) == (PaymentOutcome.UNKNOWN_ORDER, None)
    session.commit()
    records = {r.transaction_id: r.outcome for r in session.execute(select(PaymentRecord)).scalars()}
    assert records == {
        "tx-wrong-amount": "amount_mismatch",
        "tx-1": "paid",
        "tx-2": "double_payment",
        "tx-3": "unknown_order",
    }
    session.commit()
    fetched = client.get(f"/orders/{number}", headers=headers).json()
    assert (fetched["state"], fetched["paidAt"] is not None) == ("paid", True)


def test_a_late_payment_for_a_closed_order_is_recorded_and_does_not_reopen_it(
    client: TestClient, session: Session, db_engine: Engine, clock: Clock
) -> None:
    _user, headers = shopper(session, client, "code-a")
    order = post(client, headers, GREEN_2).json()
    assert close_expired(session, T0 + timedelta(hours=1)) == 1
    assert close_expired(session, T0 + timedelta(hours=1)) == 0
    session.commit()
    late = mark_paid(session, order["orderId"], "tx-late", order["totalFen"], T0 + timedelta(hours=2))
    session.commit()
    assert late.outcome is PaymentOutcome.LATE and late.order is not None and late.order.state == "closed"
    assert stock(db_engine, "green") == 10
    assert session.execute(select(PaymentRecord.outcome)).scalar_one() == "late"


def test_order_for_payment_only_gives_the_callers_payable_order(
    client: TestClient, session: Session, clock: Clock
) -> None:
    alice, alice_headers = shopper(session, client, "code-a")
    bob, _ = shopper(session, client, "code-b")
    order = post(client, alice_headers, order_body(item("oolong", 2, 3000, 规格="小罐"), total=6800)).json()
    payable = order_for_payment(session, alice, order["orderId"], T0 + timedelta(minutes=1))
    assert (payable.total_fen, pay_description(payable)) == (6800, "乌龙茶")
    with pytest.raises(OrderError) as other:
        order_for_payment(session, bob, order["orderId"], T0)
    assert other.value.status == 404
    with pytest.raises(OrderError) as expired:
        order_for_payment(session, alice, order["orderId"], T0 + timedelta(hours=1))
    assert (expired.value.status, expired.value.code) == (409, "not_payable")
    session.commit()
    assert session.get_one(Order, payable.id).state == OrderState.CLOSED.value


def test_pay_window_comes_from_the_environment() -> None:
    assert pay_window({}) == DEFAULT_PAY_WINDOW
    assert pay_window({"MPGEN_ORDER_PAY_MINUTES": "15"}) == timedelta(minutes=15)
    for wrong in ("0", "abc", "1441", "-5"):
        with pytest.raises(Exception, match="MPGEN_ORDER_PAY_MINUTES"):
            pay_window({"MPGEN_ORDER_PAY_MINUTES": wrong})


def test_order_numbers_are_valid_out_trade_nos_and_unpredictable() -> None:
    numbers = {new_order_no(T0) for _ in range(2000)}
    assert len(numbers) == 2000
    assert all(re.fullmatch(r"[A-Za-z0-9_\-|*]{6,32}", n) for n in numbers)


# --- stock rows and catalog edits --------------------------------------------------------------------------


def test_stock_rows_are_seeded_from_the_catalog_at_start(client: TestClient, db_engine: Engine) -> None:
    assert (stock(db_engine, "green"), stock(db_engine, SMALL), stock(db_engine, OUT_OF_STOCK_SKU)) == (10, 5, 0)


def test_catalog_edits_move_the_stock_by_the_difference(client: TestClient, session: Session) -> None:
    _user, headers = shopper(session, client, "code-a")
    assert post(client, headers, order_body(item("green", 4, 1250), total=5800)).status_code == 201
    levels = {"green": 10, SMALL: 5}
    sync_stock(session, levels)  # a restart with the same catalog: the 4 units stay sold
    session.commit()
    assert session.get_one(Stock, "green", populate_existing=True).available == 6
    sync_stock(session, {**levels, "green": 30})  # restocked by 20
    sync_stock(session, {**levels, "green": 30})  # a second worker starting with the same catalog
    session.commit()
    assert session.get_one(Stock, "green", populate_existing=True).available == 26
    sync_stock(session, {**levels, "green": 1})  # written off by 29: never below zero
    session.commit()
    assert session.get_one(Stock, "green", populate_existing=True).available == 0
    sync_stock(session, {SMALL: 5})  # green no longer tracked: its row is not consulted
    session.commit()
    assert session.get_one(Stock, "green", populate_existing=True).catalog is None
    sync_stock(session, {"green": 7, SMALL: 5})  # tracked again: starts from the new figure
    session.commit()
    assert session.get_one(Stock, "green", populate_existing=True).available == 7


def test_a_restarted_app_keeps_the_units_sold(client: TestClient, db_engine: Engine, settings: Settings) -> None:
    assert post(client, login(client), GREEN_2).status_code == 201
    with TestClient(create_app(settings)) as restarted:
        assert restarted.get("/healthz").status_code == 200
    assert stock(db_engine, "green") == 8


def test_the_periodic_sweep_closes_orders_past_their_deadline(
    app: FastAPI, client: TestClient, session: Session
) -> None:
    user, _headers = shopper(session, client, "code-a")
    book = PriceBook.from_spec(app.state.spec.catalog, app.state.spec.commerce)
    request = NewOrder([CartLine("green", {}, 2)], [1250], 3300, ADDRESS)
    long_ago = datetime.now(UTC) - DEFAULT_PAY_WINDOW - timedelta(minutes=1)
    old = create_order(session, book, user, request, "old-order", "h1", long_ago).order
    recent = create_order(session, book, user, request, "new-order", "h2", datetime.now(UTC)).order
    session.commit()
    order_routes._sweep(app.state.sessionmaker)
    session.expire_all()
    states = {o.order_no: o.state for o in session.execute(select(Order)).scalars()}
    assert states == {old.order_no: "closed", recent.order_no: "pending_payment"}
    assert session.get_one(Stock, "green").available == 8


def test_a_cancel_asks_the_pay_side_to_close_the_payment(client: TestClient, app: FastAPI) -> None:
    closed: list[str] = []
    app.state.close_payment = closed.append
    headers = login(client)
    order_id = post(client, headers, GREEN_2).json()["orderId"]
    assert closed == []
    assert client.post(f"/orders/{order_id}/cancel", headers=headers).status_code == 200
    assert closed == [order_id]


def test_the_pay_window_setting_is_checked_at_start_and_applied(
    client: TestClient, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MPGEN_ORDER_PAY_MINUTES", "0")
    with pytest.raises(GenError, match="MPGEN_ORDER_PAY_MINUTES"):
        create_app(settings)
    monkeypatch.setenv("MPGEN_ORDER_PAY_MINUTES", "5")
    order = post(client, login(client), GREEN_2).json()
    window = datetime.fromisoformat(order["payBefore"]) - datetime.fromisoformat(order["createdAt"])
    assert window == timedelta(minutes=5)

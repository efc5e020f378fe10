"""Orders under real concurrency, on a real SQLite file and a real PostgreSQL database.

Threads released together by a barrier, each with its own database connection, race on the service
functions (200 buyers of the last 10 units, buyers of two items listed in opposite orders, retries of one
idempotency key, several sweepers, a repeated payment notify), and 200 HTTP clients race on POST /orders
of the app served by uvicorn; and a process is SIGKILLed in the middle of creating an order. What must
hold: exactly as many orders as units, never a negative stock, no deadlock, one order per key, one close
and one payment per order, no half order after a crash.
"""

from __future__ import annotations

import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from generator.build import load
from generator.server.auth import issue_session
from generator.server.db import make_engine
from generator.server.models import User
from generator.server.order_models import Order, OrderLine, OrderRequest, PaymentRecord, Stock
from generator.server.orders import (
    NewOrder,
    OrderError,
    PaymentOutcome,
    close_expired,
    create_order,
    mark_paid,
    sync_stock,
)
from generator.server.pricing import CartLine, PriceBook, stock_key

from .conftest import SHOP, make_users, race

T0 = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
ADDRESS = {"userName": "李四", "telNumber": "13900005678", "detailInfo": "人民路 2 号"}
CONNECTIONS = 32
"""Connections of the racing threads; PostgreSQL here allows 100 in all, shared with other test runs."""
SMALL = stock_key("oolong", {"规格": "小罐"})


@pytest.fixture(scope="module")
def book() -> PriceBook:
    loaded, _theme = load(SHOP)
    assert loaded.spec.commerce is not None
    return PriceBook.from_spec(loaded.spec.catalog, loaded.spec.commerce)


@pytest.fixture
def factory(database_url: str, book: PriceBook) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(database_url, pool_size=CONNECTIONS, max_overflow=0, pool_timeout=60)
    sessions = sessionmaker(engine, expire_on_commit=False)
    with sessions() as session:
        sync_stock(session, book.stock_levels(), T0)
        session.commit()
    yield sessions
    engine.dispose()


def users(factory: sessionmaker[Session], count: int) -> list[User]:
    return make_users(factory, count, "race")


def buy(
    factory: sessionmaker[Session], book: PriceBook, user: User, lines: list[CartLine], key: str
) -> tuple[str, bool]:
    quote = book.quote(lines)
    request = NewOrder(lines, [line.item.unit_fen for line in quote.lines], quote.total_fen, ADDRESS)
    with factory() as session:
        created = create_order(session, book, user, request, key, "hash-" + key, T0)
        session.commit()
        return created.order.order_no, created.created


def count(factory: sessionmaker[Session], query: Any) -> int:
    with factory() as session:
        return int(session.execute(query).scalar_one())


def available(factory: sessionmaker[Session], key: str) -> int:
    with factory() as session:
        return session.get_one(Stock, key).available


def out_of_stock(result: object) -> bool:
    return isinstance(result, OrderError) and result.code == "out_of_stock"


def test_200_buyers_of_the_last_10_units_make_exactly_10_orders(
    factory: sessionmaker[Session], book: PriceBook
) -> None:
    buyers = users(factory, 200)
    results = race(200, lambda n: buy(factory, book, buyers[n], [CartLine("green", {}, 1)], f"race-{n:04d}"))
    created = [r for r in results if isinstance(r, tuple)]
    refused = [r for r in results if out_of_stock(r)]
    assert (len(created), len(refused)) == (10, 190), [r for r in results if not isinstance(r, tuple | OrderError)]
    assert available(factory, "green") == 0
    assert count(factory, select(func.count()).select_from(Order)) == 10
    assert count(factory, select(func.sum(OrderLine.quantity)).where(OrderLine.product_id == "green")) == 10


def test_buyers_of_two_items_in_either_order_never_deadlock_or_oversell(
    factory: sessionmaker[Session], book: PriceBook
) -> None:
    buyers = users(factory, 60)
    green, small = CartLine("green", {}, 1), CartLine("oolong", {"规格": "小罐"}, 1)

    def two_items(n: int) -> tuple[str, bool]:
        lines = [green, small] if n % 2 else [small, green]
        return buy(factory, book, buyers[n], lines, f"pair-{n:04d}")

    results = race(60, two_items)
    assert all(isinstance(r, tuple) or out_of_stock(r) for r in results), results
    created = sum(isinstance(r, tuple) for r in results)
    assert created == 5  # 小罐 has 5 units, green 10
    assert (available(factory, "green"), available(factory, SMALL)) == (5, 0)


def test_racing_retries_of_one_key_make_one_order(factory: sessionmaker[Session], book: PriceBook) -> None:
    (shopper,) = users(factory, 1)
    results = race(20, lambda _n: buy(factory, book, shopper, [CartLine("green", {}, 3)], "the-same-key"))
    assert all(isinstance(r, tuple) for r in results), results
    numbers = {r[0] for r in results if isinstance(r, tuple)}
    assert len(numbers) == 1
    assert sum(1 for r in results if isinstance(r, tuple) and r[1]) == 1
    assert count(factory, select(func.count()).select_from(Order)) == 1
    assert count(factory, select(func.count()).select_from(OrderRequest)) == 1
    assert available(factory, "green") == 7


def test_several_sweepers_close_each_expired_order_once(factory: sessionmaker[Session], book: PriceBook) -> None:
    buyers = users(factory, 10)
    for n, buyer in enumerate(buyers):
        buy(factory, book, buyer, [CartLine("green", {}, 1)], f"sweep-{n:04d}")
    assert available(factory, "green") == 0

    def sweep(_n: int) -> int:
        with factory() as session:
            closed = close_expired(session, T0 + timedelta(hours=1))
            session.commit()
            return closed

    results = race(6, sweep)
    assert sum(r for r in results if isinstance(r, int)) == 10, results
    assert available(factory, "green") == 10
    assert count(factory, select(func.count()).select_from(Order).where(Order.state == "closed")) == 10


def test_a_notify_delivered_many_times_at_once_pays_once(factory: sessionmaker[Session], book: PriceBook) -> None:
    (shopper,) = users(factory, 1)
    number, _ = buy(factory, book, shopper, [CartLine("green", {}, 1)], "pay-once")
    total = book.quote([CartLine("green", {}, 1)]).total_fen

    def notify(_n: int) -> tuple[PaymentOutcome, bool]:
        with factory() as session:
            result = mark_paid(session, number, "4200000000000001", total, T0)
            session.commit()
            return result.outcome, result.repeated

    results = race(10, notify)
    assert sorted(results, key=str) == sorted(
        [(PaymentOutcome.PAID, False)] + [(PaymentOutcome.PAID, True)] * 9, key=str
    )
    assert count(factory, select(func.count()).select_from(PaymentRecord)) == 1
    with factory() as session:
        order = session.execute(select(Order).where(Order.order_no == number)).scalar_one()
    assert (order.state, order.paid_fen) == ("paid", total)


# --- through HTTP: the app under uvicorn -----------------------------------------------------------------


@pytest.fixture
def served(app: FastAPI) -> Iterator[str]:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    server.should_exit = True
    thread.join(timeout=20)
    listener.close()


def test_200_shoppers_over_http_buy_the_last_10_units(served: str, db_engine: Engine) -> None:
    with Session(db_engine, expire_on_commit=False) as session:
        shoppers = [User(ref=secrets.token_urlsafe(16), openid=f"http-{n}") for n in range(200)]
        session.add_all(shoppers)
        session.flush()
        tokens = [issue_session(session, shopper, timedelta(hours=1))[0] for shopper in shoppers]
        session.commit()
    body = {"items": [{"productId": "green", "quantity": 1, "priceFen": 1250}], "address": ADDRESS, "totalFen": 2050}
    with httpx.Client(base_url=served, timeout=60, limits=httpx.Limits(max_connections=200)) as client:

        def order(n: int) -> int:
            headers = {"Authorization": f"Bearer {tokens[n]}", "Idempotency-Key": f"http-key-{n:04d}"}
            return client.post("/orders", json=body, headers=headers).status_code

        statuses = race(200, order)
    assert sorted(statuses, key=str) == sorted([201] * 10 + [409] * 190, key=str)
    with Session(db_engine) as session:
        assert session.get_one(Stock, "green").available == 0
        assert session.execute(select(func.count()).select_from(Order)).scalar_one() == 10


CHILD = """
import sys, time
from datetime import UTC, datetime
from pathlib import Path
from sqlalchemy.orm import Session
from generator.build import load
from generator.server.db import make_engine
from generator.server.models import User
from generator.server.orders import NewOrder, create_order
from generator.server.pricing import CartLine, PriceBook

url, user_id, shop = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
spec = load(shop)[0].spec
book = PriceBook.from_spec(spec.catalog, spec.commerce)
with Session(make_engine(url)) as session:
    user = session.get_one(User, user_id)
    address = {"userName": "a", "telNumber": "123", "detailInfo": "b"}
    request = NewOrder([CartLine("green", {}, 4)], [1250], 5800, address)
    create_order(session, book, user, request, "killed-key", "hash", datetime.now(UTC))
    print("RESERVED", flush=True)  # the order and its stock are written, not committed
    time.sleep(120)
"""


def test_a_process_killed_while_creating_an_order_leaves_no_order_and_no_reservation(
    database_url: str, factory: sessionmaker[Session], book: PriceBook
) -> None:
    (shopper,) = users(factory, 1)
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, database_url, str(shopper.id), str(SHOP)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "RESERVED"
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=20)
    finally:
        if child.poll() is None:
            child.kill()
    assert available(factory, "green") == 10
    assert count(factory, select(func.count()).select_from(Order)) == 0
    # nothing it held stays locked: the same key now makes an order at once
    number, created = buy(factory, book, shopper, [CartLine("green", {}, 4)], "killed-key")
    assert created and available(factory, "green") == 6

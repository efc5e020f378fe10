"""Coupon claims and uses under real concurrency, on a real SQLite file and a real PostgreSQL database.

Threads released together by a barrier, each with its own connection, race on the service functions:
100 shoppers claiming a coupon with 10 left get exactly 10; one shopper's 20 parallel claims of a coupon
limited to 2 per shopper get exactly 2; two checkouts racing for one held coupon make one order with it;
racing retries of one checkout (one Idempotency-Key) with a coupon all get the one order it made.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from generator.build import load
from generator.server.coupon_models import CouponStock, UserCoupon
from generator.server.coupons import CouponError, claim, sync_coupons
from generator.server.db import make_engine
from generator.server.models import User
from generator.server.order_models import Order
from generator.server.orders import NewOrder, OrderError, create_order, sync_stock
from generator.server.pricing import CartLine, PriceBook
from generator.spec.coupons import CouponSpec

from .conftest import make_users, race

T0 = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
CONNECTIONS = 32
LAST_TEN = CouponSpec(id="last-ten", title="满20减10", amount=10, min_spend=20, days=7, total=10)
TWO_EACH = CouponSpec(id="two-each", title="每人两张", amount=1, days=7, total=1000, per_user=2)
COUPON_SHOP = Path(__file__).parent / "sites" / "coupons"
ADDRESS = {"userName": "李四", "telNumber": "13900005678", "detailInfo": "人民路 2 号"}


@pytest.fixture
def factory(database_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(database_url, pool_size=CONNECTIONS, max_overflow=0, pool_timeout=60)
    sessions = sessionmaker(engine, expire_on_commit=False)
    with sessions() as session:
        sync_coupons(session, [LAST_TEN, TWO_EACH])
        session.commit()
    yield sessions
    engine.dispose()


def users(factory: sessionmaker[Session], count: int) -> list[User]:
    return make_users(factory, count, "coupon")


def claim_one(factory: sessionmaker[Session], spec: CouponSpec, user: User) -> str:
    with factory() as session:
        held = claim(session, spec, user, T0)
        session.commit()
        return held.code


def codes(results: list[str | BaseException], refusal: str) -> list[str]:
    refused = [r for r in results if isinstance(r, CouponError) and r.code == refusal]
    made = [r for r in results if isinstance(r, str)]
    assert len(made) + len(refused) == len(results), [r for r in results if not isinstance(r, str | CouponError)]
    return made


def test_100_claims_of_a_coupon_with_10_left_get_exactly_10(factory: sessionmaker[Session]) -> None:
    shoppers = users(factory, 100)
    results = race(100, lambda n: claim_one(factory, LAST_TEN, shoppers[n]))
    assert len(codes(results, "sold_out")) == 10
    with factory() as session:
        assert session.get_one(CouponStock, "last-ten").remaining == 0
        count = select(func.count()).select_from(UserCoupon).where(UserCoupon.coupon_id == "last-ten")
        assert session.execute(count).scalar_one() == 10


def test_one_shoppers_parallel_claims_stop_at_the_per_shopper_limit(factory: sessionmaker[Session]) -> None:
    (shopper,) = users(factory, 1)
    results = race(20, lambda n: claim_one(factory, TWO_EACH, shopper))
    assert len(codes(results, "limit_reached")) == 2
    with factory() as session:
        assert session.get_one(CouponStock, "two-each").remaining == 998


def test_two_checkouts_racing_for_one_coupon_make_one_order_with_it(factory: sessionmaker[Session]) -> None:
    loaded, _theme = load(COUPON_SHOP)
    assert loaded.spec.commerce is not None
    book = PriceBook.from_spec(loaded.spec.catalog, loaded.spec.commerce)
    with factory() as session:
        sync_stock(session, book.stock_levels(), T0)
        session.commit()
    (shopper,) = users(factory, 1)
    spec = book.coupons["ten-off"]
    with factory() as session:
        sync_coupons(session, [spec])
        session.commit()
    code = claim_one(factory, spec, shopper)
    lines = [CartLine("oolong", {"规格": "小罐"}, 1)]  # 30.00, 满20减10: 20.00 + 8.00 shipping

    def checkout(n: int) -> str:
        request = NewOrder(lines, [3000], 2800, ADDRESS, coupon_id=code)
        with factory() as session:
            created = create_order(session, book, shopper, request, f"race-key-{n:04d}", f"hash-{n}", T0)
            session.commit()
            return created.order.order_no

    results = race(8, checkout)
    made = [r for r in results if isinstance(r, str)]
    refused = [r for r in results if isinstance(r, OrderError) and r.code == "coupon_unusable"]
    assert (len(made), len(refused)) == (1, 7), results
    with factory() as session:
        assert session.execute(select(func.count()).select_from(Order)).scalar_one() == 1
        used = session.execute(select(UserCoupon.order_id).where(UserCoupon.code == code)).scalar_one()
        assert used is not None


def test_racing_retries_of_one_checkout_with_a_coupon_all_get_its_order(factory: sessionmaker[Session]) -> None:
    loaded, _theme = load(COUPON_SHOP)
    assert loaded.spec.commerce is not None
    book = PriceBook.from_spec(loaded.spec.catalog, loaded.spec.commerce)
    with factory() as session:
        sync_stock(session, book.stock_levels(), T0)
        sync_coupons(session, [book.coupons["ten-off"]])
        session.commit()
    (shopper,) = users(factory, 1)
    code = claim_one(factory, book.coupons["ten-off"], shopper)
    request = NewOrder([CartLine("oolong", {"规格": "小罐"}, 1)], [3000], 2800, ADDRESS, coupon_id=code)

    def retry(_n: int) -> str:
        with factory() as session:
            created = create_order(session, book, shopper, request, "one-checkout-key", "one-hash", T0)
            session.commit()
            return created.order.order_no

    results = race(8, retry)
    assert len(set(results)) == 1 and isinstance(results[0], str), results

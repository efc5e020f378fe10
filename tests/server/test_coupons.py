"""Coupons through the app (GET /coupons, POST /coupons/{id}/claim, GET /coupons/mine, POST /orders with a
couponId, cancel) and the spec's rules, on a real SQLite file and a real PostgreSQL database, against the
coupon shop (sites/coupons: the test shop with five coupons).

What it proves: the list shows what is left and whether the caller may claim; a claim respects the total
and the per-shopper limit and is refused before its window and after it; /coupons/mine lists the caller's
unused coupons valid now; the checkout applies a coupon server-side (fixed amount over the threshold,
percent of the products in scope, never more than those goods), refuses someone else's, a used, an
expired or a below-threshold one, marks it used in the order's transaction and gives it back on cancel
and on close; a raised total adds the difference; bad coupon values in site.yaml are errors with file:line.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from generator.build import load
from generator.errors import GenError
from generator.server import order_routes
from generator.server.app import create_app
from generator.server.coupon_models import CouponStock, UserCoupon
from generator.server.coupons import sync_coupons, validity
from generator.server.order_models import Order
from generator.spec.coupons import CouponSpec

from .conftest import login, shop_settings

COUPON_SHOP = Path(__file__).parent / "sites" / "coupons"
T0 = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
ADDRESS = {"userName": "张三", "telNumber": "13800001234", "detailInfo": "科技园 1 号"}


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> FastAPI:
    return create_app(shop_settings(database_url, tmp_path / "data", site_dir=COUPON_SHOP.resolve()))


@pytest.fixture
def clock(app: FastAPI) -> Iterator[Clock]:
    moved = Clock()
    app.dependency_overrides[order_routes.now] = moved
    yield moved
    app.dependency_overrides.clear()


@pytest.fixture
def client(app: FastAPI, clock: Clock) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


def listed(client: TestClient, headers: dict[str, str]) -> dict[str, dict[str, Any]]:
    answer = client.get("/coupons", headers=headers)
    assert answer.status_code == 200, answer.text
    return {coupon["id"]: coupon for coupon in answer.json()["coupons"]}


def claim(client: TestClient, headers: dict[str, str], coupon: str) -> Any:
    return client.post(f"/coupons/{coupon}/claim", headers=headers)


def held(client: TestClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    answer = client.get("/coupons/mine", headers=headers)
    assert answer.status_code == 200, answer.text
    coupons: list[dict[str, Any]] = answer.json()["coupons"]
    return coupons


def order(
    client: TestClient, headers: dict[str, str], items: list[dict[str, Any]], total: int, coupon: str | None, key: str
) -> Any:
    body: dict[str, Any] = {"items": items, "address": ADDRESS, "totalFen": total}
    if coupon is not None:
        body["couponId"] = coupon
    return client.post("/orders", json=body, headers={**headers, "Idempotency-Key": key})


GREEN_2 = [{"productId": "green", "options": {}, "quantity": 2, "priceFen": 1250}]  # 25.00 + 8.00 shipping
GIFT = [{"productId": "gift", "options": {"颜色": "红", "尺码": "M"}, "quantity": 1, "priceFen": 19900}]


def test_the_list_shows_what_is_left_and_a_claim_counts(client: TestClient) -> None:
    alice = login(client, "code-a")
    coupons = listed(client, alice)
    assert set(coupons) == {"ten-off", "new", "gift-20", "later"}  # `over` ended in November
    ten = coupons["ten-off"]
    assert (ten["amountFen"], ten["minSpendFen"], ten["remaining"], ten["validDays"]) == (1000, 2000, 10, 7)
    assert (ten["canClaim"], ten["claimed"], coupons["later"]["canClaim"]) == (True, False, False)
    assert coupons["gift-20"]["percentOff"] == 20 and coupons["gift-20"]["amountFen"] == 0

    first = claim(client, alice, "ten-off")
    assert first.status_code == 200, first.text
    assert first.json()["couponId"] == "ten-off" and first.json()["expires"] == "2026-12-09"
    assert claim(client, alice, "ten-off").status_code == 200
    refused = claim(client, alice, "ten-off")
    assert (refused.status_code, refused.json()["error"]) == (409, "limit_reached")
    after = listed(client, alice)["ten-off"]
    assert (after["remaining"], after["held"], after["claimed"], after["canClaim"]) == (8, 2, True, False)
    assert len(held(client, alice)) == 2
    assert held(client, login(client, "code-b")) == []


def test_claims_outside_the_window_and_unknown_coupons_are_refused(client: TestClient, clock: Clock) -> None:
    alice = login(client, "code-a")
    assert claim(client, alice, "later").json()["error"] == "not_started"
    assert claim(client, alice, "over").json()["error"] == "ended"
    assert claim(client, alice, "nope").status_code == 404
    assert client.post("/coupons/new/claim").status_code == 401
    clock.now = datetime(2026, 12, 31, 16, 0, tzinfo=UTC)  # 2027-01-01 00:00 in Shanghai
    assert claim(client, alice, "later").status_code == 200


def test_the_checkout_applies_a_coupon_and_a_cancel_gives_it_back(client: TestClient, db_engine: Engine) -> None:
    alice = login(client, "code-a")
    code = claim(client, alice, "ten-off").json()["id"]
    answer = order(client, alice, GREEN_2, 3300 - 1000, code, "coupon-0001")
    assert answer.status_code == 201, answer.text
    placed = answer.json()
    assert (placed["goodsFen"], placed["shippingFen"], placed["discountFen"], placed["totalFen"]) == (
        2500,
        800,
        1000,
        2300,
    )
    assert held(client, alice) == []
    again = order(client, alice, GREEN_2, 2300, code, "coupon-0002")
    assert (again.status_code, again.json()["error"]) == (409, "coupon_unusable")
    retry = order(client, alice, GREEN_2, 2300, code, "coupon-0001")  # the same key: the same order
    assert retry.status_code == 200 and retry.json()["orderId"] == placed["orderId"]

    assert client.post(f"/orders/{placed['orderId']}/cancel", headers=alice).status_code == 200
    assert [coupon["id"] for coupon in held(client, alice)] == [code]
    with Session(db_engine) as session:
        row = session.execute(select(UserCoupon).where(UserCoupon.code == code)).scalar_one()
        assert (row.order_id, row.used_at) == (None, None)
        assert session.execute(select(Order.coupon_id)).scalar_one() == code


def test_a_shown_total_without_the_discount_is_answered_with_the_servers_amounts(client: TestClient) -> None:
    alice = login(client, "code-a")
    code = claim(client, alice, "ten-off").json()["id"]
    answer = order(client, alice, GREEN_2, 3300, code, "coupon-0003")
    assert (answer.status_code, answer.json()["error"]) == (409, "price_changed")
    assert (answer.json()["discountFen"], answer.json()["totalFen"]) == (1000, 2300)
    assert len(held(client, alice)) == 1  # nothing was used


def test_a_percent_coupon_counts_only_the_products_in_its_scope(client: TestClient) -> None:
    alice = login(client, "code-a")
    code = claim(client, alice, "gift-20").json()["id"]
    both = GIFT + [{"productId": "green", "options": {}, "quantity": 1, "priceFen": 1250}]
    answer = order(client, alice, both, 19900 + 1250 - 3980, code, "coupon-0004")  # 20% of 199.00; free shipping
    assert answer.status_code == 201, answer.text
    assert answer.json()["discountFen"] == 3980
    assert held(client, alice) == []
    green_only = order(client, alice, GREEN_2, 3300, claim(client, alice, "new").json()["id"], "coupon-0005")
    assert green_only.status_code == 409  # `new` (5 yuan, no threshold) makes the total 2800, not 3300
    assert green_only.json()["totalFen"] == 2800


def test_unusable_coupons_make_no_order(client: TestClient, clock: Clock, db_engine: Engine) -> None:
    alice, bob = login(client, "code-a"), login(client, "code-b")
    alices = claim(client, alice, "ten-off").json()["id"]
    gift = claim(client, alice, "gift-20").json()["id"]
    one = [{"productId": "green", "options": {}, "quantity": 1, "priceFen": 1250}]
    cases = [
        (bob, GREEN_2, alices, "coupon_unusable"),  # someone else's
        (alice, one, alices, "coupon_threshold"),  # 12.50 of goods, 满20
        (alice, GREEN_2, gift, "coupon_unusable"),  # no product in its scope
        (alice, GREEN_2, "NOSUCHCODE", "coupon_unusable"),
    ]
    for n, (who, items, code, error) in enumerate(cases):
        answer = order(client, who, items, 1, code, f"unusable-{n:03d}")
        assert (answer.status_code, answer.json()["error"]) == (409, error), answer.text
    clock.now = T0 + timedelta(days=8)  # ten-off lasts 7 days after the claim
    assert order(client, alice, GREEN_2, 2300, alices, "unusable-late").json()["error"] == "coupon_unusable"
    assert alices not in [coupon["id"] for coupon in held(client, alice)]
    with Session(db_engine) as session:
        assert session.execute(select(Order)).first() is None


def test_an_order_closed_unpaid_gives_its_coupon_back(client: TestClient, clock: Clock) -> None:
    alice = login(client, "code-a")
    code = claim(client, alice, "ten-off").json()["id"]
    placed = order(client, alice, GREEN_2, 2300, code, "coupon-0006").json()
    clock.now = T0 + timedelta(hours=1)
    assert client.get(f"/orders/{placed['orderId']}", headers=alice).json()["state"] == "closed"
    assert [coupon["id"] for coupon in held(client, alice)] == [code]


def test_the_discount_is_never_more_than_the_goods_it_applies_to(client: TestClient, db_engine: Engine) -> None:
    spec = CouponSpec(id="big", title="大额", amount=500, days=1, total=1)
    with Session(db_engine) as session:
        sync_coupons(session, [spec])
        session.commit()
    app: FastAPI = client.app  # type: ignore[assignment]
    app.state.price_book = None
    app.state.spec = app.state.spec.model_copy(
        update={"commerce": app.state.spec.commerce.model_copy(update={"coupons": [spec]})}
    )
    alice = login(client, "code-a")
    code = claim(client, alice, "big").json()["id"]
    answer = order(client, alice, GREEN_2, 800, code, "coupon-0007")  # 2500 of goods off, shipping stays
    assert answer.status_code == 201, answer.text
    assert (answer.json()["discountFen"], answer.json()["totalFen"]) == (2500, 800)


def test_a_raised_total_adds_the_difference(db_engine: Engine) -> None:
    spec = CouponSpec(id="grow", title="券", amount=1, days=1, total=10)
    with Session(db_engine) as session:
        sync_coupons(session, [spec])
        session.execute(CouponStock.__table__.update().values(remaining=4))  # 6 claimed
        session.commit()
        sync_coupons(session, [spec.model_copy(update={"total": 30})])
        sync_coupons(session, [spec.model_copy(update={"total": 30})])  # a second worker: nothing more
        session.commit()
        assert session.get_one(CouponStock, "grow").remaining == 24
        sync_coupons(session, [spec.model_copy(update={"total": 5})])
        session.commit()
        assert session.get_one(CouponStock, "grow").remaining == 0


def test_validity_is_a_window_of_shanghai_days_or_days_after_the_claim() -> None:
    window = CouponSpec(id="w", title="券", amount=1, starts="2026-12-01", ends="2026-12-31", total=1)
    start, until = validity(window, T0)
    assert (start, until) == (datetime(2026, 11, 30, 16, tzinfo=UTC), datetime(2026, 12, 31, 16, tzinfo=UTC))
    days = CouponSpec(id="d", title="券", amount=1, days=3, total=1)
    assert validity(days, T0) == (T0, T0 + timedelta(days=3))


BAD_COUPONS = [
    ("{id: x, title: 券, amount: 30, min_spend: 20, days: 3, total: 1}", "lower the amount or raise min_spend"),
    ("{id: x, title: 券, percent_off: 100, days: 3, total: 1}", "it must be at most 99"),
    ("{id: x, title: 券, percent_off: 0, days: 3, total: 1}", "it must be at least 1"),
    ("{id: x, title: 券, amount: 3, percent_off: 10, days: 3, total: 1}", "`amount` (yuan off) or `percent_off`"),
    ("{id: x, title: 券, amount: 3, total: 1}", "`ends` (a fixed window) or `days`"),
    ('{id: x, title: 券, amount: 3, starts: "2026-12-31", ends: "2026-12-01", total: 1}', "swap them"),
    ("{id: x, title: 券, amount: 3, days: 3, total: 1, products: [nosuch]}", "no product with id 'nosuch'"),
    ("{id: x, title: 券, amount: 3, days: 3, total: 1, categories: [nosuch]}", "no category with id 'nosuch'"),
]


@pytest.mark.parametrize(("coupon", "message"), BAD_COUPONS)
def test_bad_coupon_values_are_errors_with_file_and_line(tmp_path: Path, coupon: str, message: str) -> None:
    text = (COUPON_SHOP / "site.yaml").read_text(encoding="utf-8")
    head = text[: text.index("  coupons:\n")]
    (tmp_path / "site.yaml").write_text(head + "  coupons:\n    - " + coupon + "\n", encoding="utf-8")
    line = head.count("\n") + 2
    with pytest.raises(GenError) as raised:
        load(tmp_path)
    report = str(raised.value)
    assert message in report, report
    assert f"site.yaml:{line}" in report, report

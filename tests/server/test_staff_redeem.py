"""In-store coupon redemption (GET /staff/coupons/{code}, POST .../redeem) against the coupon shop
(sites/coupons), on a real SQLite file and a real PostgreSQL database.

What it proves: staff see a held coupon by the code the shopper shows (spaces and lower case accepted)
with its rule, validity, state and the shopper's ref, never the openid; a redemption marks it used in store
once, and a second answers 409 already_used with when; of 50 parallel redeems exactly one succeeds, and of
a checkout and a redeem racing for one coupon exactly one gets it; a redeemed coupon leaves GET
/coupons/mine and is refused at checkout; expired and not yet valid coupons are refused; no order's cancel
or refund gives an in-store use back; a missing or wrong token is a 401, no token configured a 503, and a
token file is read at start (unreadable or short: the start fails); the log names no shopper.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from generator.errors import GenError
from generator.server import coupons, order_routes
from generator.server.app import create_app
from generator.server.coupon_models import UserCoupon
from generator.server.models import User
from generator.server.order_models import Order, OrderState
from generator.server.staff_routes import ENV_STAFF_TOKEN, ENV_STAFF_TOKEN_FILE

from .conftest import race, shop_settings
from .test_coupons import COUPON_SHOP, GREEN_2, T0, Clock, claim, held, order

TOKEN = "staff-token-0123456789abcdef"
STAFF = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def make_app(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """create_app on the coupon shop with the given staff environment (nothing set: staff disabled)."""
    made: list[FastAPI] = []

    def make(**environ: str) -> FastAPI:
        for name in (ENV_STAFF_TOKEN, ENV_STAFF_TOKEN_FILE):
            monkeypatch.delenv(name, raising=False)
        for name, value in environ.items():
            monkeypatch.setenv(name, value)
        app = create_app(shop_settings(database_url, tmp_path / "data", site_dir=COUPON_SHOP.resolve()))
        made.append(app)
        return app

    yield make
    for app in made:
        app.dependency_overrides.clear()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def client(make_app: Any, clock: Clock) -> Iterator[TestClient]:
    app = make_app(**{ENV_STAFF_TOKEN: TOKEN})
    app.dependency_overrides[order_routes.now] = clock
    with TestClient(app) as test_client:
        yield test_client


def shopper(client: TestClient, code: str) -> tuple[dict[str, str], str]:
    """A shopper's auth headers and public ref."""
    answer = client.post("/session", json={"code": code})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['session']}"}, answer.json()["ref"]


def grouped(code: str) -> str:
    """The code as the shopper's screen shows it, as staff might type it: abcd efgh ..."""
    return " ".join(code[i : i + 4] for i in range(0, len(code), 4)).lower()


def redeem(client: TestClient, code: str, headers: dict[str, str] | None = None) -> Any:
    return client.post(f"/staff/coupons/{code}/redeem", headers=STAFF if headers is None else headers)


def test_staff_see_a_held_coupon_and_redeem_it_once(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    alice, ref = shopper(client, "code-a")
    code = claim(client, alice, "ten-off").json()["id"]
    shown = client.get(f"/staff/coupons/{grouped(code)}", headers=STAFF)
    assert shown.status_code == 200, shown.text
    coupon = shown.json()
    assert (coupon["id"], coupon["couponId"], coupon["title"]) == (code, "ten-off", "满20减10")
    assert coupon["state"] == "unused"
    assert (coupon["amountFen"], coupon["minSpendFen"], coupon["percentOff"]) == (1000, 2000, None)
    assert (coupon["validFrom"], coupon["expires"]) == ("2026-12-02", "2026-12-09")
    assert (coupon["usedAt"], coupon["usedIn"], coupon["orderId"], coupon["shopper"]) == (None, None, None, ref)
    assert "openid" not in shown.text.lower() and "code-a" not in shown.text

    with caplog.at_level(logging.INFO, logger="generator.server"):
        done = redeem(client, grouped(code))
    assert done.status_code == 200, done.text
    used = done.json()
    assert (used["state"], used["usedIn"], used["usedAt"]) == ("used", "store", "2026-12-02T08:00:00Z")
    logged = [r.getMessage() for r in caplog.records if "redeemed" in r.getMessage()]
    assert len(logged) == 1 and "ten-off" in logged[0]
    assert ref not in logged[0] and code not in logged[0] and "code-a" not in logged[0]

    again = redeem(client, code)
    assert (again.status_code, again.json()["error"]) == (409, "already_used")
    assert "2026-12-02 16:00" in again.json()["message"]  # when, in Shanghai time
    assert (again.json()["coupon"]["usedAt"], again.json()["coupon"]["usedIn"]) == ("2026-12-02T08:00:00Z", "store")
    assert client.get(f"/staff/coupons/{code}", headers=STAFF).json()["state"] == "used"

    assert held(client, alice) == []
    refused = order(client, alice, GREEN_2, 2300, code, "redeemed-0001")
    assert (refused.status_code, refused.json()["error"]) == (409, "coupon_unusable")


def test_50_parallel_redeems_of_one_coupon_make_exactly_one(client: TestClient, db_engine: Engine) -> None:
    alice, _ref = shopper(client, "code-a")
    code = claim(client, alice, "new").json()["id"]
    answers = race(50, lambda _n: redeem(client, code))
    statuses = sorted(a.status_code if not isinstance(a, BaseException) else repr(a) for a in answers)
    assert statuses == [200] + [409] * 49, statuses
    assert {a.json()["error"] for a in answers if a.status_code == 409} == {"already_used"}
    with Session(db_engine) as session:
        row = session.execute(select(UserCoupon).where(UserCoupon.code == code)).scalar_one()
        assert row.used_at is not None and row.order_id is None


def test_a_checkout_and_a_redeem_racing_for_one_coupon_one_gets_it(client: TestClient) -> None:
    alice, _ref = shopper(client, "code-a")
    code = claim(client, alice, "ten-off").json()["id"]

    def work(n: int) -> Any:
        return redeem(client, code) if n == 0 else order(client, alice, GREEN_2, 2300, code, "race-checkout-1")

    store, checkout = race(2, work)
    assert not isinstance(store, BaseException) and not isinstance(checkout, BaseException)
    assert sorted([store.status_code, checkout.status_code]) in ([200, 409], [201, 409]), (store.text, checkout.text)
    coupon = client.get(f"/staff/coupons/{code}", headers=STAFF).json()
    assert coupon["usedIn"] == ("store" if store.status_code == 200 else "order")
    if checkout.status_code == 201:
        assert store.json()["error"] == "already_used" and coupon["orderId"] == checkout.json()["orderId"]
    else:
        assert checkout.json()["error"] == "coupon_unusable"


def test_a_coupon_used_in_an_order_shows_it_and_is_not_redeemed(client: TestClient) -> None:
    alice, _ref = shopper(client, "code-a")
    code = claim(client, alice, "ten-off").json()["id"]
    placed = order(client, alice, GREEN_2, 2300, code, "in-order-0001").json()
    coupon = client.get(f"/staff/coupons/{code}", headers=STAFF).json()
    assert (coupon["state"], coupon["usedIn"], coupon["orderId"]) == ("used", "order", placed["orderId"])
    refused = redeem(client, code)
    assert (refused.status_code, refused.json()["error"]) == (409, "already_used")
    assert "在订单中" in refused.json()["message"]


def test_expired_and_not_yet_valid_coupons_are_refused(client: TestClient, clock: Clock, db_engine: Engine) -> None:
    alice, ref = shopper(client, "code-a")
    code = claim(client, alice, "ten-off").json()["id"]
    app: FastAPI = client.app  # type: ignore[assignment]
    later = {spec.id: spec for spec in app.state.spec.commerce.coupons}["later"]  # 2027-01-01..03
    with Session(db_engine) as session:
        user = session.execute(select(User).where(User.ref == ref)).scalar_one()
        granted = coupons.grant(session, later, user, T0)  # a rule's reward, given before its window
        assert granted is not None
        session.commit()
    early = redeem(client, granted.code)
    assert (early.status_code, early.json()["error"]) == (409, "not_started")
    assert early.json()["coupon"]["state"] == "not_started"
    assert "2027-01-01" in early.json()["message"]

    clock.now = T0 + timedelta(days=8)  # ten-off lasts 7 days after the claim
    late = redeem(client, code)
    assert (late.status_code, late.json()["error"]) == (409, "expired")
    assert "2026-12-09" in late.json()["message"]
    assert client.get(f"/staff/coupons/{code}", headers=STAFF).json()["state"] == "expired"
    with Session(db_engine) as session:
        assert session.execute(select(UserCoupon.used_at).where(UserCoupon.code == code)).scalar_one() is None


def test_no_cancel_or_refund_gives_an_in_store_use_back(client: TestClient, db_engine: Engine) -> None:
    alice, _ref = shopper(client, "code-a")
    in_store = claim(client, alice, "ten-off").json()["id"]
    in_order = claim(client, alice, "ten-off").json()["id"]
    assert redeem(client, in_store).status_code == 200
    placed = order(client, alice, GREEN_2, 2300, in_order, "give-back-0001").json()
    assert client.post(f"/orders/{placed['orderId']}/cancel", headers=alice).status_code == 200
    assert [c["id"] for c in held(client, alice)] == [in_order]  # the order's coupon is back, not the other

    refunded = order(client, alice, GREEN_2, 2300, in_order, "give-back-0002").json()
    with Session(db_engine) as session:
        order_id = session.execute(select(Order.id).where(Order.order_no == refunded["orderId"])).scalar_one()
        session.execute(update(Order).where(Order.id == order_id).values(state=OrderState.REFUNDED.value))
        assert coupons.give_back_refunded(session, refunded["orderId"]) == 1
        assert coupons.give_back(session, order_id) == 0  # already given back; no row of another order moves
        session.commit()
        rows = {row.code: row for row in session.execute(select(UserCoupon)).scalars()}
    assert rows[in_store].used_at is not None and rows[in_store].order_id is None
    assert rows[in_order].used_at is None
    assert client.get(f"/staff/coupons/{in_store}", headers=STAFF).json()["usedIn"] == "store"


def test_a_missing_or_wrong_token_is_a_401_and_an_unknown_code_a_404(client: TestClient) -> None:
    alice, _ref = shopper(client, "code-a")
    code = claim(client, alice, "ten-off").json()["id"]
    for headers in ({}, {"Authorization": "Bearer wrong-token-0123456789"}, {"Authorization": TOKEN}, alice):
        for answer in (client.get(f"/staff/coupons/{code}", headers=headers), redeem(client, code, headers)):
            assert (answer.status_code, answer.json()["error"]) == (401, "unauthorized"), answer.text
            assert answer.headers["www-authenticate"] == "Bearer" and TOKEN not in answer.text
    assert held(client, alice)[0]["id"] == code  # nothing was redeemed
    for unknown in ("NOSUCHCODE000000", "!!", "x" * 40):
        assert client.get(f"/staff/coupons/{unknown}", headers=STAFF).status_code == 404
        assert redeem(client, unknown).status_code == 404


def test_without_a_staff_token_the_staff_endpoints_answer_503(make_app: Any) -> None:
    with TestClient(make_app()) as client:
        for answer in (client.get("/staff/coupons/ABCD", headers=STAFF), redeem(client, "ABCD")):
            assert (answer.status_code, answer.json()["error"]) == (503, "staff_disabled")
            assert ENV_STAFF_TOKEN in answer.json()["message"] and ENV_STAFF_TOKEN_FILE in answer.json()["message"]


def test_the_token_file_is_read_at_start_and_a_bad_one_stops_it(make_app: Any, tmp_path: Path) -> None:
    token_file = tmp_path / "staff-token"
    token_file.write_text(f"{TOKEN}\nthe rest is ignored\n", encoding="utf-8")
    with TestClient(make_app(**{ENV_STAFF_TOKEN_FILE: str(token_file)})) as client:
        assert client.get("/staff/coupons/NOSUCHCODE", headers=STAFF).status_code == 404  # the token passed
    with pytest.raises(GenError, match="cannot be read"):
        make_app(**{ENV_STAFF_TOKEN_FILE: str(tmp_path / "missing")})
    token_file.write_text("short\n", encoding="utf-8")
    with pytest.raises(GenError, match="shorter than 16") as raised:
        make_app(**{ENV_STAFF_TOKEN_FILE: str(token_file)})
    assert "short\n" not in str(raised.value) and "'short'" not in str(raised.value)
    with pytest.raises(GenError, match="shorter than 16"):
        make_app(**{ENV_STAFF_TOKEN: "tiny"})

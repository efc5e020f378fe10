"""The console's 订单 pages over HTTP with --fake-wechat (fake WeChat Pay and subscribe messages), on a
real SQLite file and a real PostgreSQL database.

What it proves: the list finds orders by number, state and day; shipping asks for a confirmation, moves a
paid order to shipped with its carrier and tracking number, queues the `shipped` subscribe message (the fake
WeChat's outbox receives it) and is audited; a shipped order stays in the shopper's list as 已发货 and is
refundable; a full refund and a partial one go through the fake WeChat Pay (a partial refund of a shipped
order leaves it shipped); an operator cannot refund above MPGEN_ADMIN_REFUND_LIMIT_FEN (a 403, nothing
refunded) and sees the address masked, the owner in full.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from generator.server.admin_models import AuditEntry
from generator.server.app import create_app
from generator.server.db import utcnow
from generator.server.fake_wechat import FakeWeChatApi, fake_openid
from generator.server.subscribe import sweep

from .conftest import login, shop_settings
from .test_admin_access import csrf_of, staff_client
from .test_subscribe import shop_with_messages

SHIPPED = "SHIPtemplate_0001"
MESSAGES = f"""  order_templates: [{SHIPPED}]
  messages:
    - id: {SHIPPED}
      event: shipped
      fields: {{character_string1: order_no, phrase2: state, thing3: first_item}}
"""
ADDRESS = {"userName": "张三丰", "telNumber": "13812345678", "provinceName": "广东省", "detailInfo": "科技园 1 号"}
GREEN_1 = {
    "items": [{"productId": "green", "quantity": 1, "priceFen": 1250, "options": {}}],
    "address": ADDRESS,
    "totalFen": 2050,
}


@pytest.fixture
def app(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FastAPI:
    monkeypatch.setenv("MPGEN_ADMIN_REFUND_LIMIT_FEN", "1000")
    site = shop_with_messages(tmp_path, MESSAGES)
    return create_app(shop_settings(database_url, tmp_path / "data", site_dir=site))


@pytest.fixture
def shop(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client


@pytest.fixture
def owner(app: FastAPI, shop: TestClient) -> Iterator[TestClient]:
    client = staff_client(app, "boss", "owner")
    yield client
    client.__exit__(None, None, None)


@pytest.fixture
def clerk(app: FastAPI, shop: TestClient) -> Iterator[TestClient]:
    client = staff_client(app, "clerk", "operator")
    yield client
    client.__exit__(None, None, None)


def paid_order(shop: TestClient, code: str = "code-buyer", subscribe: bool = False) -> str:
    headers = login(shop, code)
    if subscribe:
        assert shop.post("/subscriptions", json={"templateIds": [SHIPPED]}, headers=headers).status_code == 200
    answer = shop.post("/orders", json=GREEN_1, headers={**headers, "Idempotency-Key": uuid.uuid4().hex})
    assert answer.status_code == 201, answer.text
    number: str = answer.json()["orderId"]
    assert shop.post(f"/_fake/pay/{number}").json()["state"] == "paid"
    return number


def state_shown(client: TestClient, number: str) -> str:
    page = client.get(f"/admin/orders/{number}")
    assert page.status_code == 200, page.text
    found = re.search(r'<span class="tag" id="state">([^<]+)</span>', page.text)
    assert found is not None
    return found.group(1)


def ship(client: TestClient, number: str) -> object:
    csrf = csrf_of(client, f"/admin/orders/{number}")
    data = {"csrf": csrf, "carrier": "顺丰", "tracking_no": "SF1234567890"}
    asked = client.post(f"/admin/orders/{number}/ship", data=data)
    assert asked.status_code == 200 and "确认发货" in asked.text
    return client.post(f"/admin/orders/{number}/ship", data={**data, "confirm": "1"}, follow_redirects=False)


def refund(client: TestClient, number: str, amount: str, confirm: bool = True) -> object:
    data = {"csrf": csrf_of(client, f"/admin/orders/{number}"), "amount": amount, "reason": "少发一件"}
    asked = client.post(f"/admin/orders/{number}/refund", data=data)
    if asked.status_code != 200 or not confirm:
        return asked
    assert "确认退款" in asked.text
    return client.post(f"/admin/orders/{number}/refund", data={**data, "confirm": "1"}, follow_redirects=False)


def audits(app: FastAPI, action: str) -> list[AuditEntry]:
    with app.state.sessionmaker() as db:
        return list(db.execute(select(AuditEntry).where(AuditEntry.action == action)).scalars())


def test_the_list_finds_orders_by_number_state_and_day(shop: TestClient, owner: TestClient) -> None:
    number = paid_order(shop)
    today = utcnow().astimezone().date().isoformat()
    assert number in owner.get("/admin/orders").text
    assert number in owner.get(f"/admin/orders?q={number[-6:].lower()}").text
    assert number not in owner.get("/admin/orders?q=NOSUCH").text
    assert number in owner.get("/admin/orders?state=paid").text
    assert number not in owner.get("/admin/orders?state=shipped").text
    assert number not in owner.get("/admin/orders?day=2020-01-01").text
    assert owner.get(f"/admin/orders?day={today}&q=%25").status_code == 200


def test_shipping_moves_the_order_and_sends_the_shipped_message(
    app: FastAPI, shop: TestClient, owner: TestClient
) -> None:
    number = paid_order(shop, subscribe=True)
    shipped = ship(owner, number)
    assert shipped.status_code == 303  # type: ignore[attr-defined]
    page = owner.get(shipped.headers["location"])  # type: ignore[attr-defined]
    assert "已发货，已通知买家" in page.text and "SF1234567890" in page.text
    assert state_shown(owner, number) == "已发货"
    assert sweep(app.state.sessionmaker, app.state.message_sender) == 1
    api: FakeWeChatApi = app.state.fake_wechat_api
    assert [(m["touser"], m["template_id"]) for m in api.sent] == [(fake_openid("code-buyer"), SHIPPED)]
    assert api.sent[0]["data"]["phrase2"] == {"value": "已发货"}
    csrf = csrf_of(owner, f"/admin/orders/{number}")
    again = {"csrf": csrf, "carrier": "圆通", "tracking_no": "YT1", "confirm": "1"}
    assert owner.post(f"/admin/orders/{number}/ship", data=again).status_code == 409  # shipped once only
    assert sweep(app.state.sessionmaker, app.state.message_sender) == 0
    assert [entry.target for entry in audits(app, "ship")] == [number]
    mine = shop.get("/orders", headers=login(shop, "code-buyer")).json()["orders"]
    assert (mine[0]["state"], mine[0]["stateText"]) == ("shipped", "已发货")


def test_a_full_refund_through_wechat_pay(app: FastAPI, shop: TestClient, owner: TestClient) -> None:
    number = paid_order(shop)
    answer = refund(owner, number, "20.50")
    assert answer.status_code == 303  # type: ignore[attr-defined]
    platform = app.state.fake_wechatpay
    (refund_no,) = [no for no in platform.refunds if no.startswith(number)]
    notify = platform.complete_refund(refund_no)
    assert shop.post("/pay/refund-notify", headers=dict(notify.headers), content=notify.body).status_code == 200
    assert state_shown(owner, number) == "已退款"
    (entry,) = audits(app, "refund")
    assert (entry.username, entry.target, entry.detail["fen"]) == ("boss", number, 2050)


def test_a_partial_refund_of_a_shipped_order_leaves_it_shipped(
    app: FastAPI, shop: TestClient, owner: TestClient
) -> None:
    number = paid_order(shop)
    ship(owner, number)
    assert refund(owner, number, "5").status_code == 303  # type: ignore[attr-defined]
    platform = app.state.fake_wechatpay
    notify = platform.complete_refund(f"{number}R01")
    assert shop.post("/pay/refund-notify", headers=dict(notify.headers), content=notify.body).status_code == 200
    assert state_shown(owner, number) == "已发货"
    page = owner.get(f"/admin/orders/{number}").text
    assert "¥5.00" in page and "最多可退 ¥15.50" in page
    too_much = refund(owner, number, "16")
    assert getattr(too_much, "status_code", None) == 409


def test_an_operator_cannot_refund_above_the_limit_and_sees_the_address_masked(
    app: FastAPI, shop: TestClient, owner: TestClient, clerk: TestClient
) -> None:
    number = paid_order(shop)
    over = refund(clerk, number, "10.01", confirm=False)
    assert over.status_code == 403 and "不能超过 ¥10.00" in over.text  # type: ignore[attr-defined]
    confirmed = clerk.post(
        f"/admin/orders/{number}/refund",
        data={"csrf": csrf_of(clerk, f"/admin/orders/{number}"), "amount": "20.50", "reason": "x", "confirm": "1"},
    )
    assert confirmed.status_code == 403
    assert not [no for no in app.state.fake_wechatpay.refunds if no.startswith(number)]
    assert audits(app, "refund") == []
    masked = clerk.get(f"/admin/orders/{number}").text
    assert "张**" in masked and "138****5678" in masked and "科技园" not in masked and "13812345678" not in masked
    full = owner.get(f"/admin/orders/{number}").text
    assert "张三丰" in full and "13812345678" in full and "科技园 1 号" in full
    assert refund(clerk, number, "10").status_code == 303  # type: ignore[attr-defined]


def test_parallel_ships_of_one_order_ship_it_once(app: FastAPI, shop: TestClient) -> None:
    from generator.server.orders import ship_order

    from .conftest import race

    number = paid_order(shop)

    def work(index: int) -> bool:
        with app.state.sessionmaker() as db:
            done = ship_order(db, number, "顺丰", f"SF{index}", utcnow())
            db.commit()
            return done

    results = race(8, work)
    assert results.count(True) == 1 and all(isinstance(r, bool) for r in results)

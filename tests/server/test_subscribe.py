"""Subscribe messages through the app with --fake-wechat, on a real SQLite file and a real PostgreSQL
database: the shop's site with two templates (paid, refunded) in commerce.messages.

What it proves: a paid order sends exactly one message, to the shopper who accepted, with the declared
fields cut to WeChat's limits; no acceptance sends nothing; a repeated payment notify queues nothing more;
one acceptance is one message; a WeChat error is retried with backoff and recorded as failed after the
last attempt; a full refund sends the refunded template once; a refused access token is fetched again
once and the token lives in the database; two workers sweeping at once never send a message twice;
unknown template ids are a 400; a template without fields is a spec error with file and line, and so is
a template not in order_templates (the client never asks for it).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from generator.build import load
from generator.errors import SpecError
from generator.server import pay_routes
from generator.server.app import create_app
from generator.server.db import utcnow
from generator.server.fake_wechat import FakeApiClient, FakeWeChatApi, fake_openid
from generator.server.message_models import SubscribeMessage, WeChatToken
from generator.server.subscribe import MAX_ATTEMPTS, fit, sweep

from .conftest import SHOP, login, shop_settings

PAID = "PAIDtemplate_0001"
REFUNDED = "REFUNDtemplate_01"
MESSAGES = f"""  order_templates: [{PAID}, {REFUNDED}]
  messages:
    - id: {PAID}
      event: paid
      fields: {{character_string1: order_no, amount2: total, thing3: first_item, time4: time}}
    - id: {REFUNDED}
      event: refunded
      fields: {{character_string1: order_no, phrase2: state}}
"""
ADDRESS = {"userName": "张三", "telNumber": "13800001234", "detailInfo": "科技园 1 号"}
GREEN_1 = {
    "items": [{"productId": "green", "quantity": 1, "priceFen": 1250, "options": {}}],
    "address": ADDRESS,
    "totalFen": 2050,
}


def shop_with_messages(folder: Path, extra: str = MESSAGES) -> Path:
    site = folder / "site"
    shutil.copytree(SHOP, site)
    with (site / "site.yaml").open("a", encoding="utf-8") as spec:
        spec.write(extra)
    return site


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> FastAPI:
    settings = shop_settings(database_url, tmp_path / "data", site_dir=shop_with_messages(tmp_path))
    return create_app(settings)


@pytest.fixture
def shop(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client


def fake(app: FastAPI) -> FakeWeChatApi:
    api: FakeWeChatApi = app.state.fake_wechat_api
    return api


def pay_order(shop: TestClient, headers: dict[str, str], key: str) -> str:
    answer = shop.post("/orders", json=GREEN_1, headers={**headers, "Idempotency-Key": f"key-{key}-0000"})
    assert answer.status_code in (200, 201), answer.text
    order_no: str = answer.json()["orderId"]
    assert shop.post(f"/_fake/pay/{order_no}").json()["state"] == "paid"
    return order_no


def run_sweep(app: FastAPI, later: timedelta = timedelta(0)) -> int:
    return sweep(app.state.sessionmaker, app.state.message_sender, utcnow() + later)


def test_a_paid_order_sends_one_message_to_the_shopper_who_accepted(shop: TestClient, app: FastAPI) -> None:
    headers = login(shop, "code-msg-a")
    assert shop.post("/subscriptions", json={"templateIds": [PAID]}, headers=headers).json() == {"recorded": 1}
    other = login(shop, "code-msg-b")
    order_no = pay_order(shop, headers, "k-msg-1")
    pay_order(shop, other, "k-msg-2")  # accepted nothing: nothing is sent
    assert run_sweep(app) == 1
    assert run_sweep(app) == 0
    sent = fake(app).sent
    assert len(sent) == 1
    assert sent[0]["touser"] == fake_openid("code-msg-a")
    assert sent[0]["template_id"] == PAID
    assert sent[0]["page"] == f"catalog/result/index?order={order_no}"
    data = sent[0]["data"]
    assert data["character_string1"] == {"value": order_no}
    assert data["amount2"] == {"value": "20.50元"}
    assert set(data) == {"character_string1", "amount2", "thing3", "time4"}
    assert shop.get("/_fake/messages").json() == sent


def test_one_acceptance_is_one_message(shop: TestClient, app: FastAPI) -> None:
    headers = login(shop, "code-msg-c")
    shop.post("/subscriptions", json={"templateIds": [PAID]}, headers=headers)
    pay_order(shop, headers, "k-once-1")
    pay_order(shop, headers, "k-once-2")  # the acceptance was used by the first order
    run_sweep(app)
    assert len(fake(app).sent) == 1


def test_no_acceptance_sends_nothing(shop: TestClient, app: FastAPI) -> None:
    pay_order(shop, login(shop, "code-msg-d"), "k-none")
    assert run_sweep(app) == 0
    assert fake(app).sent == []


def test_an_unknown_template_is_refused(shop: TestClient) -> None:
    headers = login(shop, "code-msg-e")
    answer = shop.post("/subscriptions", json={"templateIds": ["NOTOURStemplate"]}, headers=headers)
    assert answer.status_code == 400
    assert answer.json()["error"] == "unknown_template"
    assert shop.post("/subscriptions", json={"templateIds": [PAID]}).status_code == 401


def test_a_wechat_error_is_retried_with_backoff_then_recorded_failed(shop: TestClient, app: FastAPI) -> None:
    headers = login(shop, "code-msg-f")
    shop.post("/subscriptions", json={"templateIds": [PAID, PAID]}, headers=headers)
    first, second = pay_order(shop, headers, "k-err-1"), pay_order(shop, headers, "k-err-2")
    api = fake(app)
    api.failures = [-1] * 4 + [45009] * 100  # busy (the client's own retries), then a quota error each time
    assert run_sweep(app) == 0
    assert run_sweep(app) == 0  # not due yet: backoff
    for attempt in range(MAX_ATTEMPTS):
        run_sweep(app, timedelta(hours=attempt + 1))
    with app.state.sessionmaker() as db:
        rows = {m.order_no: m for m in db.execute(select(SubscribeMessage)).scalars()}
    assert rows[first].state == rows[second].state == "failed"
    assert rows[first].attempts == MAX_ATTEMPTS
    assert "45009" in (rows[first].last_error or "")
    assert api.sent == []


def test_a_message_sends_after_a_failure(shop: TestClient, app: FastAPI) -> None:
    headers = login(shop, "code-msg-g")
    shop.post("/subscriptions", json={"templateIds": [PAID]}, headers=headers)
    pay_order(shop, headers, "k-retry")
    fake(app).failures = [45009]
    assert run_sweep(app) == 0
    assert run_sweep(app, timedelta(minutes=1)) == 1
    assert len(fake(app).sent) == 1


def test_a_refused_token_is_fetched_again_once_and_shared(shop: TestClient, app: FastAPI) -> None:
    headers = login(shop, "code-msg-h")
    shop.post("/subscriptions", json={"templateIds": [PAID, PAID]}, headers=headers)
    pay_order(shop, headers, "k-tok-1")
    api = fake(app)
    assert run_sweep(app) == 1
    issued = api.tokens_issued
    with app.state.sessionmaker() as db:
        stored = db.execute(select(WeChatToken.token)).scalar_one()
    other_worker = FakeApiClient(api, app.state.sessionmaker)
    pay_order(shop, headers, "k-tok-2")
    api.refuse_token()
    assert sweep(app.state.sessionmaker, other_worker) == 1  # 40001 -> one new token, the send repeated
    assert api.tokens_issued == issued + 1
    with app.state.sessionmaker() as db:
        assert db.execute(select(WeChatToken.token)).scalar_one() != stored
    assert len(api.sent) == 2


def test_two_workers_never_send_the_same_message_twice(shop: TestClient, app: FastAPI) -> None:
    api = fake(app)
    for index in range(6):
        headers = login(shop, f"code-race-{index}")
        shop.post("/subscriptions", json={"templateIds": [PAID]}, headers=headers)
        pay_order(shop, headers, f"k-race-{index}")
    workers = [FakeApiClient(api, app.state.sessionmaker) for _ in range(4)]
    with ThreadPoolExecutor(4) as pool:
        counts = list(pool.map(lambda worker: sweep(app.state.sessionmaker, worker), workers))
    assert sum(counts) == 6
    assert sorted(body["touser"] for body in api.sent) == sorted(fake_openid(f"code-race-{i}") for i in range(6))


def test_a_repeated_paid_event_queues_nothing_more(shop: TestClient, app: FastAPI) -> None:
    from generator.server.subscribe import order_event

    headers = login(shop, "code-msg-i")
    shop.post("/subscriptions", json={"templateIds": [PAID, PAID]}, headers=headers)
    order_no = pay_order(shop, headers, "k-rep")
    with app.state.sessionmaker() as db:
        assert order_event(db, order_no, "paid") == 0
    assert run_sweep(app) == 1


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("thing3", "一" * 25, "一" * 19 + "…"),
        ("character_string1", "A" * 40, "A" * 32),
        ("phrase2", "已支付", "已支付"),
    ],
)
def test_values_are_cut_to_wechats_limits(key: str, value: str, expected: str) -> None:
    assert fit(key, value) == expected


def test_a_template_without_fields_is_an_error_with_its_line(tmp_path: Path) -> None:
    site = shop_with_messages(
        tmp_path, f"  order_templates: [{PAID}]\n  messages:\n    - {{id: {PAID}, event: paid}}\n"
    )
    with pytest.raises(SpecError) as caught:
        load(site)
    message: Any = str(caught.value)
    assert "site.yaml:" in message
    assert "needs its fields" in message


def test_a_full_refund_sends_the_refunded_template_once(shop: TestClient, app: FastAPI) -> None:
    headers = login(shop, "code-msg-r")
    shop.post("/subscriptions", json={"templateIds": [PAID, REFUNDED, REFUNDED]}, headers=headers)
    order_no = pay_order(shop, headers, "k-refund")
    gateway, platform = app.state.wechatpay, app.state.fake_wechatpay
    with app.state.sessionmaker() as db:
        refund = pay_routes.refund_order(db, gateway, order_no, 2050, "缺货")
    notify = platform.complete_refund(refund.refund_no)
    assert shop.post("/pay/refund-notify", headers=dict(notify.headers), content=notify.body).status_code == 200
    with app.state.sessionmaker() as db:  # settled again (another notify, the merchant's query): nothing more
        assert pay_routes.settle_refunds(db, gateway, order_no) == "refunded"
    assert run_sweep(app) == 2
    sent = {body["template_id"]: body["data"] for body in fake(app).sent}
    assert sent[REFUNDED] == {"character_string1": {"value": order_no}, "phrase2": {"value": "已退款"}}


def test_a_template_the_client_never_asks_for_is_an_error(tmp_path: Path) -> None:
    extra = f"  messages:\n    - {{id: {PAID}, event: paid, fields: {{thing1: first_item}}}}\n"
    with pytest.raises(SpecError) as caught:
        load(shop_with_messages(tmp_path, extra))
    assert "site.yaml:" in str(caught.value)
    assert "not in order_templates" in str(caught.value)

"""Paying orders through the app, with the fake WeChat Pay over real HTTP and its signed notifies POSTed to
/pay/notify, on a real SQLite file and a real PostgreSQL database (conftest's fixtures, the test shop).

What it proves: the payment is for the server's total whatever the client sends; only a notify that
verifies changes an order, and it changes it once (a repeated, replayed or late notify changes nothing more;
forged, tampered and foreign ones are refused with WeChat's FAIL answer); the query on the shopper's return
learns the payment from WeChat; another shopper's order is a 404; refunds, full and partial, move the order
through refunding to refunded from their own notifies; a cancelled order's payment is closed at WeChat;
the --fake-wechat pay route goes through the same verification; a missing merchant setting stops the app.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from generator.errors import GenError
from generator.server import pay_routes
from generator.server.app import create_app
from generator.server.fake_wechat import fake_openid
from generator.server.fake_wechatpay import (
    FakeMerchant,
    FakeRefund,
    FakeTransaction,
    FakeWeChatPay,
    FakeWeChatPayServer,
    SignedNotify,
    new_rsa_key,
)
from generator.server.notify_models import DbNonceStore
from generator.server.order_models import Order, PaymentRecord
from generator.server.orders import OrderError
from generator.server.settings import Settings
from generator.server.wechatpay import WeChatPayGateway

from .conftest import login

APPID = "wx0123456789abcdef"  # tests/server/sites/shop
ADDRESS = {"userName": "张三", "telNumber": "13800001234", "detailInfo": "科技园 1 号"}
GREEN_2 = {
    "items": [{"productId": "green", "quantity": 2, "priceFen": 1250, "options": {}}],
    "address": ADDRESS,
    "totalFen": 3300,
}


@pytest.fixture(scope="module")
def merchant() -> FakeMerchant:
    return FakeMerchant.create()


@pytest.fixture(scope="module")
def platform(merchant: FakeMerchant) -> FakeWeChatPay:
    return FakeWeChatPay(merchant, APPID)


@pytest.fixture(scope="module")
def platform_server(platform: FakeWeChatPay) -> Iterator[FakeWeChatPayServer]:
    with FakeWeChatPayServer(platform) as server:
        yield server


@pytest.fixture
def gateway(merchant: FakeMerchant, platform: FakeWeChatPay, platform_server: FakeWeChatPayServer) -> WeChatPayGateway:
    return WeChatPayGateway(merchant.config(platform, platform_server.url, "https://shop.example.com"))


@pytest.fixture
def shop(app: FastAPI, client: TestClient, gateway: WeChatPayGateway, platform: FakeWeChatPay) -> TestClient:
    """The client of an app whose WeChat Pay is the shared fake platform (one RSA key pair per module)."""
    app.state.wechatpay = gateway
    app.state.fake_wechatpay = platform
    return client


@pytest.fixture
def session(db_engine: Engine) -> Iterator[Session]:
    with Session(db_engine, expire_on_commit=False) as session:
        yield session


def new_order(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    answer = client.post("/orders", json=GREEN_2, headers={**headers, "Idempotency-Key": uuid.uuid4().hex})
    assert answer.status_code == 201, answer.text
    order: dict[str, Any] = answer.json()
    return order


def deliver(client: TestClient, notify: SignedNotify, path: str = "/pay/notify") -> Any:
    return client.post(path, headers=dict(notify.headers), content=notify.body)


def order_state(client: TestClient, headers: dict[str, str], number: str) -> str:
    answer = client.get(f"/orders/{number}", headers=headers)
    assert answer.status_code == 200, answer.text
    state: str = answer.json()["state"]
    return state


def records(session: Session, number: str) -> list[tuple[str, str]]:
    session.expire_all()
    rows = session.execute(select(PaymentRecord).where(PaymentRecord.order_no == number)).scalars()
    found = [(row.transaction_id, row.outcome) for row in rows]
    session.rollback()  # end the read: on SQLite every transaction holds the write lock
    return found


def paid_order(shop: TestClient, platform: FakeWeChatPay, headers: dict[str, str]) -> str:
    number: str = new_order(shop, headers)["orderId"]
    assert shop.post(f"/orders/{number}/pay", headers=headers).status_code == 200
    assert deliver(shop, platform.pay(number)).json()["code"] == "SUCCESS"
    return number


def test_pay_gives_signed_request_payment_params_for_the_servers_total(
    shop: TestClient, platform: FakeWeChatPay, merchant: FakeMerchant
) -> None:
    headers = login(shop, "code-a")
    number = new_order(shop, headers)["orderId"]
    answer = shop.post(f"/orders/{number}/pay", headers=headers, json={"totalFen": 1, "amount": 1})
    assert answer.status_code == 200, answer.text
    params = answer.json()
    assert (params["orderId"], params["totalFen"], params["signType"]) == (number, 3300, "RSA")
    transaction = platform.transactions[number]
    assert (transaction.amount_fen, transaction.openid) == (3300, fake_openid("code-a"))
    assert params["package"] == f"prepay_id={transaction.prepay_id}"
    message = f"{APPID}\n{params['timeStamp']}\n{params['nonceStr']}\n{params['package']}\n".encode()
    merchant.private_key.public_key().verify(
        base64.b64decode(params["paySign"]), message, padding.PKCS1v15(), hashes.SHA256()
    )
    assert order_state(shop, headers, number) == "pending_payment"  # asking to pay is not paying


def test_a_verified_notify_pays_the_order_once(shop: TestClient, platform: FakeWeChatPay, session: Session) -> None:
    headers = login(shop, "code-a")
    number = new_order(shop, headers)["orderId"]
    shop.post(f"/orders/{number}/pay", headers=headers)
    notify = platform.pay(number)
    answer = deliver(shop, notify)
    assert (answer.status_code, answer.json()["code"]) == (200, "SUCCESS")
    detail = shop.get(f"/orders/{number}", headers=headers).json()
    assert detail["state"] == "paid" and detail["paidAt"]
    replay = deliver(shop, notify)  # the same bytes again: a replayed nonce
    assert (replay.status_code, replay.json()["code"]) == (401, "FAIL")
    again = deliver(shop, platform.pay(number))  # WeChat's redelivery, signed afresh
    assert again.status_code == 200
    assert shop.get(f"/orders/{number}", headers=headers).json() == detail
    assert records(session, number) == [(platform.transactions[number].transaction_id, "paid")]


def test_forged_or_tampered_notifies_change_nothing(
    shop: TestClient, platform: FakeWeChatPay, merchant: FakeMerchant, session: Session
) -> None:
    headers = login(shop, "code-a")
    number = new_order(shop, headers)["orderId"]
    shop.post(f"/orders/{number}/pay", headers=headers)
    forger = FakeWeChatPay(merchant, APPID, platform_key=new_rsa_key())
    forger.transactions[number] = replace(platform.transactions[number])
    forged = deliver(shop, forger.pay(number))
    assert (forged.status_code, forged.json()["code"]) == (401, "FAIL")
    genuine = platform.pay(number)
    tampered = SignedNotify(genuine.url, genuine.headers, genuine.body.replace(b'"summary"', b'"Summary"'))
    assert deliver(shop, tampered).status_code == 401
    unsigned = {key: value for key, value in genuine.headers.items() if key != "Wechatpay-Signature"}
    assert shop.post("/pay/notify", headers=unsigned, content=genuine.body).status_code == 401
    assert shop.post("/pay/notify", content=b"{}").status_code == 401
    assert order_state(shop, headers, number) == "pending_payment"
    assert records(session, number) == []
    assert deliver(shop, genuine).status_code == 200  # refused ones spent nothing
    assert order_state(shop, headers, number) == "paid"


def test_notifies_for_wrong_amounts_unknown_or_ended_orders_are_recorded_not_applied(
    shop: TestClient, platform: FakeWeChatPay, session: Session
) -> None:
    headers = login(shop, "code-a")
    number = new_order(shop, headers)["orderId"]
    platform.transactions[number] = FakeTransaction(number, 1, "o-x", "x", "https://shop.example.com/pay/notify", "wx1")
    assert deliver(shop, platform.pay(number)).json()["code"] == "SUCCESS"
    assert order_state(shop, headers, number) == "pending_payment"
    assert [outcome for _, outcome in records(session, number)] == ["amount_mismatch"]
    unknown = "NOSUCHORDER000000000000001"
    platform.transactions[unknown] = FakeTransaction(unknown, 5, "o-x", "x", "https://x/pay/notify", "wx2")
    assert deliver(shop, platform.pay(unknown)).status_code == 200
    assert [outcome for _, outcome in records(session, unknown)] == ["unknown_order"]
    # Out of order: paid at WeChat, then cancelled here before the notify arrived.
    late = new_order(shop, headers)["orderId"]
    shop.post(f"/orders/{late}/pay", headers=headers)
    notify = platform.pay(late)
    assert shop.post(f"/orders/{late}/cancel", headers=headers).json()["state"] == "cancelled"
    assert deliver(shop, notify).status_code == 200
    assert order_state(shop, headers, late) == "cancelled"
    assert [outcome for _, outcome in records(session, late)] == ["late"]


def test_the_query_on_return_learns_the_payment_from_wechat(shop: TestClient, platform: FakeWeChatPay) -> None:
    headers = login(shop, "code-a")
    number = new_order(shop, headers)["orderId"]
    assert shop.post(f"/orders/{number}/query", headers=headers).json()["state"] == "pending_payment"  # no prepay
    shop.post(f"/orders/{number}/pay", headers=headers)
    assert shop.post(f"/orders/{number}/query", headers=headers).json()["state"] == "pending_payment"  # NOTPAY
    platform.pay(number)  # paid, but the notify is lost on the way
    answer = shop.post(f"/orders/{number}/query", headers=headers)
    assert answer.status_code == 200 and answer.json()["state"] == "paid"
    again = shop.post(f"/orders/{number}/pay", headers=headers)
    assert (again.status_code, again.json()["error"]) == (409, "not_payable")


def test_paying_again_after_a_lost_notify_records_the_payment(shop: TestClient, platform: FakeWeChatPay) -> None:
    headers = login(shop, "code-a")
    number = new_order(shop, headers)["orderId"]
    shop.post(f"/orders/{number}/pay", headers=headers)
    platform.pay(number)
    answer = shop.post(f"/orders/{number}/pay", headers=headers)  # WeChat says ORDERPAID
    assert (answer.status_code, answer.json()["error"]) == (409, "not_payable")
    assert order_state(shop, headers, number) == "paid"


def test_another_shoppers_order_is_not_found(shop: TestClient, platform: FakeWeChatPay) -> None:
    owner = login(shop, "code-a")
    number = new_order(shop, owner)["orderId"]
    other = login(shop, "code-b")
    for action in ("pay", "query"):
        answer = shop.post(f"/orders/{number}/{action}", headers=other)
        assert answer.status_code == 404, answer.text
    assert number not in platform.transactions
    assert shop.post(f"/orders/{number}/pay").status_code == 401


def test_wechat_pay_down_is_a_502_with_a_clear_message(
    shop: TestClient, app: FastAPI, merchant: FakeMerchant, platform: FakeWeChatPay
) -> None:
    app.state.wechatpay = WeChatPayGateway(merchant.config(platform, "http://127.0.0.1:9", "https://x"))
    headers = login(shop, "code-a")
    number = new_order(shop, headers)["orderId"]
    answer = shop.post(f"/orders/{number}/pay", headers=headers)
    assert (answer.status_code, answer.json()["error"]) == (502, "wechatpay_unavailable")
    assert "微信支付" in answer.json()["message"]
    assert shop.post(f"/orders/{number}/query", headers=headers).json()["state"] == "pending_payment"


def test_full_refund_through_its_notify(
    shop: TestClient, platform: FakeWeChatPay, gateway: WeChatPayGateway, session: Session
) -> None:
    headers = login(shop, "code-a")
    number = paid_order(shop, platform, headers)
    refund = pay_routes.refund_order(session, gateway, number, 3300, "缺货")
    assert (refund.refund_no, refund.status) == (number + "R01", "PROCESSING")
    assert order_state(shop, headers, number) == "refunding"
    answer = deliver(shop, platform.complete_refund(refund.refund_no), "/pay/refund-notify")
    assert (answer.status_code, answer.json()["code"]) == (200, "SUCCESS")
    assert order_state(shop, headers, number) == "refunded"
    with pytest.raises(OrderError) as refused:
        pay_routes.refund_order(session, gateway, number, 1, "")
    assert refused.value.code == "not_refundable"


def refunded_fen(session: Session, number: str) -> int:
    session.expire_all()
    amount = session.execute(select(Order.refunded_fen).where(Order.order_no == number)).scalar_one()
    session.commit()
    return amount


def test_partial_refunds_add_up(
    shop: TestClient, platform: FakeWeChatPay, gateway: WeChatPayGateway, session: Session
) -> None:
    headers = login(shop, "code-a")
    number = paid_order(shop, platform, headers)
    first = pay_routes.refund_order(session, gateway, number, 1000, "少发一件")
    second = pay_routes.refund_order(session, gateway, number, 300, "运费")
    assert (first.refund_no, second.refund_no) == (number + "R01", number + "R02")
    with pytest.raises(OrderError) as too_much:
        pay_routes.refund_order(session, gateway, number, 2001, "")
    assert too_much.value.code == "refund_too_large"
    deliver(shop, platform.complete_refund(first.refund_no), "/pay/refund-notify")
    assert order_state(shop, headers, number) == "refunding"  # the second one is still on its way
    deliver(shop, platform.complete_refund(second.refund_no), "/pay/refund-notify")
    assert order_state(shop, headers, number) == "paid"  # 1300 of 3300 back: still a paid order
    assert refunded_fen(session, number) == 1300
    rest = pay_routes.refund_order(session, gateway, number, 2000, "")
    notify = platform.complete_refund(rest.refund_no)
    assert deliver(shop, notify, "/pay/refund-notify").status_code == 200
    assert order_state(shop, headers, number) == "refunded" and refunded_fen(session, number) == 3300
    assert deliver(shop, notify, "/pay/refund-notify").status_code == 401  # replayed
    assert deliver(shop, platform.complete_refund(rest.refund_no), "/pay/notify").status_code == 401  # wrong kind


def test_a_forged_refund_notify_changes_nothing(
    shop: TestClient, platform: FakeWeChatPay, merchant: FakeMerchant, gateway: WeChatPayGateway, session: Session
) -> None:
    headers = login(shop, "code-a")
    number = paid_order(shop, platform, headers)
    refund = pay_routes.refund_order(session, gateway, number, 3300, "")
    forger = FakeWeChatPay(merchant, APPID, platform_key=new_rsa_key())
    forger.transactions[number] = replace(platform.transactions[number])
    forger.refunds[refund.refund_no] = replace(platform.refunds[refund.refund_no])
    assert deliver(shop, forger.complete_refund(refund.refund_no), "/pay/refund-notify").status_code == 401
    assert order_state(shop, headers, number) == "refunding"


def test_a_cancelled_orders_payment_is_closed_at_wechat(
    shop: TestClient, platform: FakeWeChatPay, gateway: WeChatPayGateway
) -> None:
    headers = login(shop, "code-a")
    number = new_order(shop, headers)["orderId"]
    shop.post(f"/orders/{number}/pay", headers=headers)
    assert platform.transactions[number].state == "NOTPAY"
    shop.post(f"/orders/{number}/cancel", headers=headers)  # order_routes calls app.state.close_payment
    assert platform.transactions[number].state == "CLOSED"
    with pytest.raises(KeyError):
        platform.pay(number)  # the shopper can no longer pay it
    pay_routes.close_payment(gateway, new_order(shop, headers)["orderId"])  # never prepaid: nothing to close


def test_fake_pay_route_goes_through_the_notify_verification(
    shop: TestClient, platform: FakeWeChatPay, session: Session
) -> None:
    headers = login(shop, "code-a")
    prepaid = new_order(shop, headers)["orderId"]
    shop.post(f"/orders/{prepaid}/pay", headers=headers)
    answer = shop.post(f"/_fake/pay/{prepaid}")
    assert answer.status_code == 200 and answer.json()["state"] == "paid"
    direct = new_order(shop, headers)["orderId"]  # a harness that never called /pay
    assert shop.post(f"/_fake/pay/{direct}").json()["state"] == "paid"
    assert platform.transactions[direct].openid == fake_openid("code-a")
    assert shop.post(f"/_fake/pay/{direct}").status_code == 409
    assert shop.post("/_fake/pay/NOSUCHORDER0001").status_code == 404
    assert [outcome for _, outcome in records(session, direct)] == ["paid"]
    assert "/_fake/pay/{orderId}" not in shop.get("/openapi.json").json()["paths"]


def test_the_fake_platform_is_started_on_first_use(settings: Settings) -> None:
    app = create_app(settings)
    with TestClient(app) as client:
        headers = login(client, "code-a")
        number = new_order(client, headers)["orderId"]
        assert client.post(f"/orders/{number}/pay", headers=headers).status_code == 200
        assert client.post(f"/_fake/pay/{number}").json()["state"] == "paid"
        server = app.state.fake_wechatpay_server
    with pytest.raises(OSError):  # stopped with the app
        import socket

        socket.create_connection(("127.0.0.1", int(server.url.rsplit(":", 1)[1])), timeout=1)


def test_without_fake_wechat_a_missing_merchant_setting_stops_the_app(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("WECHATPAY_MCHID", "WECHATPAY_SERIAL_NO", "WECHATPAY_PRIVATE_KEY_FILE"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(GenError, match="WECHATPAY_MCHID"):
        pay_routes.enabled(replace(settings, fake_wechat=False))


def test_orders_paid_count_once_across_repeated_notifies(
    shop: TestClient, platform: FakeWeChatPay, db_engine: Engine
) -> None:
    headers = login(shop, "code-a")
    number = paid_order(shop, platform, headers)
    for _ in range(3):
        assert deliver(shop, platform.pay(number)).status_code == 200
    with Session(db_engine) as check:
        paid = check.execute(select(func.count()).select_from(Order).where(Order.state == "paid")).scalar_one()
        assert paid == 1


def test_simultaneous_deliveries_of_one_payment_pay_once(
    shop: TestClient, platform: FakeWeChatPay, session: Session
) -> None:
    headers = login(shop, "code-a")
    number = new_order(shop, headers)["orderId"]
    shop.post(f"/orders/{number}/pay", headers=headers)
    notifies = [platform.pay(number) for _ in range(8)]  # WeChat's retries, each signed afresh
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda notify: deliver(shop, notify).status_code, notifies))
    assert statuses == [200] * 8
    assert records(session, number) == [(platform.transactions[number].transaction_id, "paid")]
    assert order_state(shop, headers, number) == "paid"


def test_a_refund_notify_for_an_unknown_order_is_acknowledged(shop: TestClient, platform: FakeWeChatPay) -> None:
    unknown = "NOSUCHORDER000000000000002"
    platform.transactions[unknown] = FakeTransaction(unknown, 5, "o-x", "x", "https://x/pay/notify", "wx3")
    platform.pay(unknown)
    platform.refunds[unknown + "R01"] = FakeRefund(unknown + "R01", unknown, "503001", 5, 5, "https://x/pay/refund")
    answer = deliver(shop, platform.complete_refund(unknown + "R01"), "/pay/refund-notify")
    assert (answer.status_code, answer.json()["code"]) == (200, "SUCCESS")  # WeChat would retry anything else


def test_a_replayed_notify_is_refused_by_another_worker_too(
    settings: Settings, merchant: FakeMerchant, platform: FakeWeChatPay, platform_server: FakeWeChatPayServer
) -> None:
    """Two workers (two apps on one database): the nonce the first recorded is known to the second."""
    config = merchant.config(platform, platform_server.url, "https://shop.example.com")
    first, second = create_app(settings), create_app(settings)
    for app in (first, second):
        app.state.wechatpay = WeChatPayGateway(config, DbNonceStore(app.state.sessionmaker))
        app.state.fake_wechatpay = platform
    with TestClient(first) as one, TestClient(second) as two:
        headers = login(one, "code-a")
        number = new_order(one, headers)["orderId"]
        assert one.post(f"/orders/{number}/pay", headers=headers).status_code == 200
        notify = platform.pay(number)
        assert deliver(one, notify).json()["code"] == "SUCCESS"
        replay = deliver(two, notify)
        assert (replay.status_code, replay.json()["code"]) == (401, "FAIL")
        assert deliver(two, platform.pay(number)).json()["code"] == "SUCCESS"  # a fresh redelivery is fine


def test_settling_a_full_refund_answers_refunded(shop: TestClient, app: FastAPI, platform: FakeWeChatPay) -> None:
    """The order's state changes by a conditional UPDATE; the answer is read again, not the session's copy."""
    headers = login(shop, "code-settle")
    number = paid_order(shop, platform, headers)
    gateway = app.state.wechatpay
    with app.state.sessionmaker() as db:
        refund = pay_routes.refund_order(db, gateway, number, 3300, "缺货")
    platform.complete_refund(refund.refund_no)  # the money is back; its notify is lost
    with app.state.sessionmaker() as db:
        assert pay_routes.settle_refunds(db, gateway, number) == "refunded"

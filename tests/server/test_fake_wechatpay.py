"""The fake WeChat Pay platform itself: it checks the merchant's signature like WeChat, signs its answers with
its platform key, builds notifies in WeChat's format (AES-256-GCM under the APIv3 key, signed headers) that
survive a real HTTP delivery, and keeps a transaction's states as WeChat does."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from wechatpayv3.utils import build_authorization

from generator.server.fake_wechatpay import FakeMerchant, FakeWeChatPay, new_rsa_key, start_fake
from generator.server.wechatpay import NotifyRejected, WeChatPayGateway

APPID = "wx0123456789abcdef"
PREPAY = "/v3/pay/transactions/jsapi"


@pytest.fixture(scope="module")
def merchant() -> FakeMerchant:
    return FakeMerchant.create()


@pytest.fixture
def platform(merchant: FakeMerchant) -> FakeWeChatPay:
    return FakeWeChatPay(merchant, APPID, platform_key=_platform_key())


_KEYS: list[Any] = []


def _platform_key() -> Any:
    if not _KEYS:
        _KEYS.append(new_rsa_key())
    return _KEYS[0]


def call(platform: FakeWeChatPay, method: str, path: str, data: dict[str, Any] | None = None, key: Any = None) -> Any:
    """A request signed like wechatpayv3 signs it (its own build_authorization), answered by the fake."""
    body = json.dumps(data) if data is not None else ""
    authorization = build_authorization(
        path, method, platform.merchant.mchid, platform.merchant.serial_no, key or platform.merchant.private_key, body
    )
    return platform.handle(method, path, {"Authorization": authorization}, body.encode())


def prepay_body(platform: FakeWeChatPay, order_no: str, total: int = 1000) -> dict[str, Any]:
    return {
        "appid": APPID,
        "mchid": platform.merchant.mchid,
        "description": "x",
        "out_trade_no": order_no,
        "notify_url": "https://shop.example.com/pay/notify",
        "amount": {"total": total, "currency": "CNY"},
        "payer": {"openid": "o-1"},
    }


def verify_answer(platform: FakeWeChatPay, answer: Any) -> None:
    headers = answer.headers
    message = f"{headers['Wechatpay-Timestamp']}\n{headers['Wechatpay-Nonce']}\n{answer.body.decode()}\n"
    platform.platform_key.public_key().verify(
        base64.b64decode(headers["Wechatpay-Signature"]), message.encode(), padding.PKCS1v15(), hashes.SHA256()
    )
    assert headers["Wechatpay-Serial"] == platform.public_key_id


def test_requests_must_carry_the_merchants_signature(platform: FakeWeChatPay) -> None:
    body = json.dumps(prepay_body(platform, "ORDERSIGN1"))
    assert platform.handle("POST", PREPAY, {}, body.encode()).status == 401
    assert call(platform, "POST", PREPAY, prepay_body(platform, "ORDERSIGN1"), key=new_rsa_key()).status == 401
    authorization = build_authorization(
        PREPAY, "POST", platform.merchant.mchid, platform.merchant.serial_no, platform.merchant.private_key, body
    )
    tampered = body.replace('"total": 1000', '"total": 1')
    assert platform.handle("POST", PREPAY, {"Authorization": authorization}, tampered.encode()).status == 401
    assert platform.transactions == {}
    answer = call(platform, "POST", PREPAY, prepay_body(platform, "ORDERSIGN1"))
    assert answer.status == 200 and json.loads(answer.body)["prepay_id"].startswith("wx")
    verify_answer(platform, answer)


def test_answers_are_signed_with_the_platform_key(platform: FakeWeChatPay) -> None:
    answer = call(platform, "GET", "/v3/pay/transactions/out-trade-no/NOSUCHORDER?mchid=" + platform.merchant.mchid)
    assert answer.status == 404 and json.loads(answer.body)["code"] == "ORDER_NOT_EXIST"
    verify_answer(platform, answer)
    with pytest.raises(InvalidSignature):
        verify_answer(FakeWeChatPay(platform.merchant, APPID, platform_key=new_rsa_key()), answer)


def test_notify_is_in_wechats_format_and_decrypts(platform: FakeWeChatPay) -> None:
    call(platform, "POST", PREPAY, prepay_body(platform, "ORDERNOTE1", 2599))
    notify = platform.pay("ORDERNOTE1")
    envelope = json.loads(notify.body)
    assert set(envelope) == {"id", "create_time", "resource_type", "event_type", "summary", "resource"}
    assert (envelope["event_type"], envelope["resource_type"]) == ("TRANSACTION.SUCCESS", "encrypt-resource")
    resource = envelope["resource"]
    assert (resource["algorithm"], resource["original_type"], resource["associated_data"]) == (
        "AEAD_AES_256_GCM",
        "transaction",
        "transaction",
    )
    assert len(resource["nonce"]) == 12
    plain = AESGCM(platform.merchant.apiv3_key.encode()).decrypt(
        resource["nonce"].encode(), base64.b64decode(resource["ciphertext"]), b"transaction"
    )
    transaction = json.loads(plain)
    assert transaction["out_trade_no"] == "ORDERNOTE1" and transaction["trade_state"] == "SUCCESS"
    assert transaction["amount"]["total"] == 2599 and transaction["payer"]["openid"] == "o-1"
    assert (transaction["appid"], transaction["mchid"], transaction["trade_type"]) == (
        APPID,
        platform.merchant.mchid,
        "JSAPI",
    )
    assert abs(datetime.fromisoformat(transaction["success_time"]) - datetime.now(UTC)) < timedelta(minutes=1)
    message = f"{notify.headers['Wechatpay-Timestamp']}\n{notify.headers['Wechatpay-Nonce']}\n{notify.body.decode()}\n"
    platform.platform_key.public_key().verify(
        base64.b64decode(notify.headers["Wechatpay-Signature"]), message.encode(), padding.PKCS1v15(), hashes.SHA256()
    )
    assert notify.url == "https://shop.example.com/pay/notify"


def test_states_follow_wechat(platform: FakeWeChatPay) -> None:
    mchid = platform.merchant.mchid
    call(platform, "POST", PREPAY, prepay_body(platform, "ORDERSTATE", 1000))
    refund = {"out_trade_no": "ORDERSTATE", "out_refund_no": "REFUNDSTATE1", "amount": {"refund": 100, "total": 1000}}
    assert json.loads(call(platform, "POST", "/v3/refund/domestic/refunds", refund).body)["code"] == "INVALID_REQUEST"
    platform.pay("ORDERSTATE")
    close = call(platform, "POST", "/v3/pay/transactions/out-trade-no/ORDERSTATE/close", {"mchid": mchid})
    assert (close.status, json.loads(close.body)["code"]) == (400, "ORDERPAID")
    assert call(platform, "POST", "/v3/refund/domestic/refunds", refund).status == 200
    too_much = {**refund, "out_refund_no": "REFUNDSTATE2", "amount": {"refund": 901, "total": 1000}}
    assert json.loads(call(platform, "POST", "/v3/refund/domestic/refunds", too_much).body)["code"] == "NOT_ENOUGH"
    query = call(platform, "GET", f"/v3/pay/transactions/out-trade-no/ORDERSTATE?mchid={mchid}")
    assert json.loads(query.body)["trade_state"] == "REFUND"
    call(platform, "POST", PREPAY, prepay_body(platform, "ORDERCLOSE"))
    closed = call(platform, "POST", "/v3/pay/transactions/out-trade-no/ORDERCLOSE/close", {"mchid": mchid})
    assert closed.status == 204 and closed.body == b""
    verify_answer(platform, closed)
    with pytest.raises(KeyError):
        platform.pay("ORDERCLOSE")


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[tuple[dict[str, str], bytes]]]]:
    """A real HTTP server standing for the shop's notify URL: records what it was sent, answers SUCCESS."""
    received: list[tuple[dict[str, str], bytes]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((dict(self.headers.items()), body))
            answer = b'{"code": "SUCCESS", "message": "OK"}'
            self.send_response(200)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", received
    server.shutdown()
    server.server_close()


def test_notifies_delivered_over_http_verify_at_the_shop(
    receiver: tuple[str, list[tuple[dict[str, str], bytes]]],
) -> None:
    url, received = receiver
    platform, server, config = start_fake(APPID, url)
    try:
        gateway = WeChatPayGateway(config)
        gateway.prepay("ORDERHTTP1", 1234, "o-http", "x", datetime.now(UTC) + timedelta(minutes=5))
        answer = platform.pay("ORDERHTTP1").deliver()
        assert answer.status_code == 200 and answer.json()["code"] == "SUCCESS"
        headers, body = received[-1]
        assert received[-1][0].get("Wechatpay-Serial") == platform.public_key_id
        assert gateway.verify_notify(headers, body).amount_fen == 1234
        with pytest.raises(NotifyRejected):
            gateway.verify_notify(headers, body)  # the same delivery again is a replay
        refund = gateway.refund("ORDERHTTP1", "RFHTTP0001", 234, 1234, "")
        platform.complete_refund(refund.refund_no).deliver()
        headers, body = received[-1]
        assert gateway.verify_refund_notify(headers, body).refund_fen == 234
        assert {headers.get("Content-Type") for headers, _ in received} == {"application/json"}
    finally:
        server.stop()


def test_the_platform_uses_its_clock(merchant: FakeMerchant) -> None:
    stamp = time.time() - 3600
    platform = FakeWeChatPay(merchant, APPID, platform_key=_platform_key(), clock=lambda: stamp)
    call(platform, "POST", PREPAY, prepay_body(platform, "ORDERCLOCK"))  # the request's own time is "now" here
    assert platform.transactions == {}  # an hour apart: refused as WeChat refuses a skewed clock

"""The WeChat Pay gateway against the fake platform over real HTTP: prepay, the signed wx.requestPayment
parameters, query, close, refunds, and notify verification (forged, tampered, stale, replayed, wrong key,
wrong merchant: all rejected); the merchant settings read from the environment without showing secrets."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.x509.oid import NameOID

from generator.errors import GenError
from generator.server.fake_wechatpay import (
    FakeMerchant,
    FakeWeChatPay,
    FakeWeChatPayServer,
    SignedNotify,
    aes_encrypt,
    new_rsa_key,
    private_pem,
    public_pem,
)
from generator.server.wechatpay import (
    NotifyRejected,
    PaymentNotice,
    WeChatPayError,
    WeChatPayGateway,
)
from generator.server.wechatpay_config import load_merchant_config

APPID = "wx0123456789abcdef"
OPENID = "o-test-openid-0001"
_counter = iter(range(1, 10**6))


def order_no() -> str:
    return f"T{time.time_ns() % 10**12}{next(_counter):05d}"


@pytest.fixture(scope="module")
def merchant() -> FakeMerchant:
    return FakeMerchant.create()


@pytest.fixture(scope="module")
def platform(merchant: FakeMerchant) -> FakeWeChatPay:
    return FakeWeChatPay(merchant, APPID)


@pytest.fixture(scope="module")
def server(platform: FakeWeChatPay) -> Iterator[FakeWeChatPayServer]:
    with FakeWeChatPayServer(platform) as running:
        yield running


@pytest.fixture
def gateway(merchant: FakeMerchant, platform: FakeWeChatPay, server: FakeWeChatPayServer) -> WeChatPayGateway:
    return WeChatPayGateway(merchant.config(platform, server.url, "https://shop.example.com"))


def expire() -> datetime:
    return datetime.now(UTC) + timedelta(minutes=30)


def paid_notify(gateway: WeChatPayGateway, platform: FakeWeChatPay, amount: int = 1999, **sign: int) -> SignedNotify:
    number = order_no()
    gateway.prepay(number, amount, OPENID, "测试商品", expire())
    return platform.pay(number, **sign)  # type: ignore[arg-type]


def test_prepay_and_request_payment_params_are_signed_by_the_merchant(
    gateway: WeChatPayGateway, merchant: FakeMerchant, platform: FakeWeChatPay
) -> None:
    number = order_no()
    prepay_id = gateway.prepay(number, 1999, OPENID, "测试商品", expire())
    assert platform.transactions[number].amount_fen == 1999
    assert platform.transactions[number].notify_url == "https://shop.example.com/pay/notify"
    params = gateway.request_payment_params(prepay_id).as_dict()
    assert set(params) == {"timeStamp", "nonceStr", "package", "signType", "paySign"}
    assert params["package"] == f"prepay_id={prepay_id}" and params["signType"] == "RSA"
    assert abs(int(params["timeStamp"]) - time.time()) < 5
    message = f"{APPID}\n{params['timeStamp']}\n{params['nonceStr']}\n{params['package']}\n".encode()
    merchant.private_key.public_key().verify(
        base64.b64decode(params["paySign"]), message, padding.PKCS1v15(), hashes.SHA256()
    )
    # The same order asked again gets the same prepay (a retried checkout), another amount is refused.
    assert gateway.prepay(number, 1999, OPENID, "测试商品", expire()) == prepay_id
    with pytest.raises(WeChatPayError) as refused:
        gateway.prepay(number, 1, OPENID, "测试商品", expire())
    assert refused.value.code == "INVALID_REQUEST"


def test_pay_notify_query_end_to_end(gateway: WeChatPayGateway, platform: FakeWeChatPay) -> None:
    number = order_no()
    gateway.prepay(number, 2500, OPENID, "测试商品", expire())
    assert gateway.query(number).trade_state == "NOTPAY"
    notice = gateway.verify_notify(*_parts(platform.pay(number)))
    assert isinstance(notice, PaymentNotice)
    assert (notice.order_no, notice.trade_state, notice.amount_fen, notice.payer_openid) == (
        number,
        "SUCCESS",
        2500,
        OPENID,
    )
    assert notice.transaction_id and notice.success_time and notice.success_time.tzinfo is not None
    assert gateway.query(number) == notice


def _parts(notify: SignedNotify) -> tuple[dict[str, str], bytes]:
    return dict(notify.headers), notify.body


def test_close_and_errors_carry_wechats_codes(gateway: WeChatPayGateway, platform: FakeWeChatPay) -> None:
    number = order_no()
    gateway.prepay(number, 100, OPENID, "x", expire())
    gateway.close(number)
    assert gateway.query(number).trade_state == "CLOSED"
    with pytest.raises(WeChatPayError) as closed:
        gateway.prepay(number, 100, OPENID, "x", expire())
    assert closed.value.code == "ORDER_CLOSED"
    with pytest.raises(WeChatPayError) as unknown:
        gateway.query(order_no())
    assert (unknown.value.code, unknown.value.status) == ("ORDER_NOT_EXIST", 404)
    paid = paid_notify(gateway, platform)
    paid_no = gateway.verify_notify(*_parts(paid)).order_no
    with pytest.raises(WeChatPayError) as orderpaid:
        gateway.close(paid_no)
    assert orderpaid.value.code == "ORDERPAID"
    with pytest.raises(ValueError):
        gateway.query("../v3/x")  # goes into a URL path: refused before any request


def test_full_and_partial_refunds_with_their_notifies(gateway: WeChatPayGateway, platform: FakeWeChatPay) -> None:
    number = gateway.verify_notify(*_parts(paid_notify(gateway, platform, amount=1000))).order_no
    first = gateway.refund(number, number + "R1", 300, 1000, "少发一件")
    assert (first.status, first.refund_fen, first.total_fen) == ("PROCESSING", 300, 1000)
    assert gateway.refund(number, number + "R1", 300, 1000, "retry") == first  # same refund_no: once
    second = gateway.refund(number, number + "R2", 700, 1000, "")
    with pytest.raises(WeChatPayError) as too_much:
        gateway.refund(number, number + "R3", 1, 1000, "")
    assert too_much.value.code == "NOT_ENOUGH"
    done = gateway.verify_refund_notify(*_parts(platform.complete_refund(second.refund_no)))
    assert (done.order_no, done.refund_no, done.status, done.refund_fen) == (number, number + "R2", "SUCCESS", 700)
    assert gateway.query_refund(number + "R2") == done
    assert gateway.query_refund(number + "R1").status == "PROCESSING"
    # A refund notify is not a payment notify, and the reverse.
    with pytest.raises(NotifyRejected):
        gateway.verify_notify(*_parts(platform.complete_refund(first.refund_no)))
    with pytest.raises(NotifyRejected):
        gateway.verify_refund_notify(*_parts(paid_notify(gateway, platform)))
    with pytest.raises(ValueError):
        gateway.refund(number, number + "R4", 1001, 1000, "")


def test_tampered_body_is_rejected(gateway: WeChatPayGateway, platform: FakeWeChatPay) -> None:
    notify = paid_notify(gateway, platform)
    envelope = json.loads(notify.body)
    envelope["summary"] = "支付成功!"
    with pytest.raises(NotifyRejected, match="signature"):
        gateway.verify_notify(dict(notify.headers), json.dumps(envelope, ensure_ascii=False).encode())
    with pytest.raises(NotifyRejected, match="signature"):
        gateway.verify_notify(dict(notify.headers), notify.body + b" ")
    # Only verified notifies spend their nonce: the genuine one still goes through.
    assert gateway.verify_notify(*_parts(notify)).trade_state == "SUCCESS"


def test_forged_by_another_key_or_serial_is_rejected(
    gateway: WeChatPayGateway, platform: FakeWeChatPay, merchant: FakeMerchant
) -> None:
    number = order_no()
    gateway.prepay(number, 500, OPENID, "x", expire())
    forger = FakeWeChatPay(merchant, APPID, platform_key=new_rsa_key())  # same serial, other key
    forger.transactions[number] = replace(platform.transactions[number])
    with pytest.raises(NotifyRejected, match="signature"):
        gateway.verify_notify(*_parts(forger.pay(number)))
    stranger = FakeWeChatPay(merchant, APPID, platform_key=platform.platform_key, public_key_id="PUB_KEY_ID_OTHER")
    stranger.transactions[number] = replace(platform.transactions[number])
    with pytest.raises(NotifyRejected, match="Serial"):
        gateway.verify_notify(*_parts(stranger.pay(number)))
    headers, body = _parts(platform.pay(number))
    headers["Wechatpay-Signature"] = "WECHATPAY/SIGNTEST/" + headers["Wechatpay-Signature"][19:]
    with pytest.raises(NotifyRejected):
        gateway.verify_notify(headers, body)
    for missing in ("Wechatpay-Signature", "Wechatpay-Timestamp", "Wechatpay-Nonce", "Wechatpay-Serial"):
        partial = {key: value for key, value in headers.items() if key != missing}
        with pytest.raises(NotifyRejected, match="missing"):
            gateway.verify_notify(partial, body)


def test_stale_or_future_timestamps_are_rejected(gateway: WeChatPayGateway, platform: FakeWeChatPay) -> None:
    now = int(time.time())
    with pytest.raises(NotifyRejected, match="5 minutes"):
        gateway.verify_notify(*_parts(paid_notify(gateway, platform, timestamp=now - 360)))
    with pytest.raises(NotifyRejected, match="5 minutes"):
        gateway.verify_notify(*_parts(paid_notify(gateway, platform, timestamp=now + 360)))
    assert gateway.verify_notify(*_parts(paid_notify(gateway, platform, timestamp=now - 240))).amount_fen == 1999


def test_replayed_nonce_is_rejected(gateway: WeChatPayGateway, platform: FakeWeChatPay) -> None:
    notify = paid_notify(gateway, platform)
    gateway.verify_notify(*_parts(notify))
    with pytest.raises(NotifyRejected, match="replay"):
        gateway.verify_notify(*_parts(notify))
    # WeChat's redelivery of the same payment is signed afresh and goes through.
    again = platform.pay(gateway.verify_notify(*_parts(paid_notify(gateway, platform))).order_no)
    assert gateway.verify_notify(*_parts(again)).trade_state == "SUCCESS"


def test_resource_under_another_apiv3_key_or_merchant_is_rejected(
    gateway: WeChatPayGateway, platform: FakeWeChatPay, merchant: FakeMerchant
) -> None:
    number = order_no()
    gateway.prepay(number, 800, OPENID, "x", expire())
    genuine = json.loads(platform.pay(number).body)
    resource = platform.transaction_object(platform.transactions[number])

    def signed(sealed: dict[str, str]) -> tuple[dict[str, str], bytes]:
        text = json.dumps({**genuine, "resource": {**sealed, "original_type": "transaction"}})
        return platform.sign_headers(text), text.encode()

    with pytest.raises(NotifyRejected, match="decrypt"):
        gateway.verify_notify(*signed(aes_encrypt("k" * 32, json.dumps(resource), "transaction")))
    with pytest.raises(NotifyRejected, match="decrypt"):  # the associated data is authenticated too
        sealed = aes_encrypt(merchant.apiv3_key, json.dumps(resource), "transaction")
        gateway.verify_notify(*signed({**sealed, "associated_data": "refund"}))
    for field, value in (("mchid", "1900000999"), ("appid", "wx_other_app")):
        other = json.dumps({**resource, field: value})
        with pytest.raises(NotifyRejected, match="another"):
            gateway.verify_notify(*signed(aes_encrypt(merchant.apiv3_key, other, "transaction")))
    round_trip = gateway.verify_notify(*signed(aes_encrypt(merchant.apiv3_key, json.dumps(resource), "transaction")))
    assert round_trip.order_no == number and round_trip.amount_fen == 800


def test_answers_not_signed_by_the_platform_are_refused(
    merchant: FakeMerchant, platform: FakeWeChatPay, server: FakeWeChatPayServer
) -> None:
    impostor = FakeWeChatPay(merchant, APPID, platform_key=new_rsa_key())
    with FakeWeChatPayServer(impostor) as fake_server:
        gateway = WeChatPayGateway(merchant.config(platform, fake_server.url, "https://shop.example.com"))
        with pytest.raises(WeChatPayError) as refused:
            gateway.prepay(order_no(), 100, OPENID, "x", expire())
    assert refused.value.code == "BAD_SIGNATURE"
    # A merchant the platform does not know is refused by the platform (its Authorization is checked).
    stranger = FakeMerchant.create()
    gateway = WeChatPayGateway(replace(stranger.config(platform, server.url, "https://shop.example.com")))
    with pytest.raises(WeChatPayError) as unsigned:
        gateway.prepay(order_no(), 100, OPENID, "x", expire())
    assert (unsigned.value.code, unsigned.value.status) == ("SIGN_ERROR", 401)


def test_unreachable_platform_is_a_network_error_and_construction_needs_no_network(
    merchant: FakeMerchant, platform: FakeWeChatPay
) -> None:
    gateway = WeChatPayGateway(merchant.config(platform, "http://127.0.0.1:9", "https://shop.example.com"))
    with pytest.raises(WeChatPayError) as down:
        gateway.query(order_no())
    assert down.value.code == "NETWORK"


# Merchant settings


def merchant_env(tmp_path: Path, merchant: FakeMerchant, platform: FakeWeChatPay) -> dict[str, str]:
    key_file = tmp_path / "apiclient_key.pem"
    key_file.write_text(private_pem(merchant.private_key))
    public_file = tmp_path / "pub_key.pem"
    public_file.write_text(public_pem(platform.platform_key.public_key()))
    return {
        "WECHATPAY_MCHID": merchant.mchid,
        "WECHATPAY_SERIAL_NO": merchant.serial_no,
        "WECHATPAY_PRIVATE_KEY_FILE": str(key_file),
        "WECHATPAY_APIV3_KEY": merchant.apiv3_key,
        "WECHATPAY_PUBLIC_KEY_FILE": str(public_file),
        "WECHATPAY_PUBLIC_KEY_ID": platform.public_key_id,
        "PUBLIC_URL": "https://shop.example.com/",
    }


def test_settings_from_the_environment_work_with_the_platform(
    tmp_path: Path, merchant: FakeMerchant, platform: FakeWeChatPay, server: FakeWeChatPayServer
) -> None:
    config = load_merchant_config(APPID, merchant_env(tmp_path, merchant, platform))
    assert config.notify_url == "https://shop.example.com/pay/notify"
    assert config.refund_notify_url == "https://shop.example.com/pay/refund-notify"
    assert merchant.apiv3_key not in repr(config) and "PRIVATE KEY" not in repr(config)
    gateway = WeChatPayGateway(replace(config, gateway=server.url))
    number = order_no()
    gateway.prepay(number, 300, OPENID, "x", expire())
    assert gateway.verify_notify(*_parts(platform.pay(number))).amount_fen == 300


def test_apiv3_key_from_a_file(tmp_path: Path, merchant: FakeMerchant, platform: FakeWeChatPay) -> None:
    env = merchant_env(tmp_path, merchant, platform)
    key_file = tmp_path / "apiv3.key"
    key_file.write_text(env.pop("WECHATPAY_APIV3_KEY") + "\n")
    env["WECHATPAY_APIV3_KEY_FILE"] = str(key_file)
    assert load_merchant_config(APPID, env).apiv3_key.reveal() == merchant.apiv3_key


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"WECHATPAY_MCHID": ""}, "WECHATPAY_MCHID"),
        ({"WECHATPAY_SERIAL_NO": " "}, "WECHATPAY_SERIAL_NO"),
        ({"WECHATPAY_PRIVATE_KEY_FILE": ""}, "WECHATPAY_PRIVATE_KEY_FILE"),
        ({"WECHATPAY_PRIVATE_KEY_FILE": "/nonexistent/key.pem"}, "WECHATPAY_PRIVATE_KEY_FILE"),
        ({"WECHATPAY_APIV3_KEY": ""}, "WECHATPAY_APIV3_KEY"),
        ({"WECHATPAY_APIV3_KEY": "secret-but-too-short"}, "WECHATPAY_APIV3_KEY"),
        ({"WECHATPAY_PUBLIC_KEY_ID": ""}, "WECHATPAY_PUBLIC_KEY_ID"),
        ({"WECHATPAY_PUBLIC_KEY_FILE": "", "WECHATPAY_PUBLIC_KEY_ID": ""}, "WECHATPAY_PLATFORM_CERT_DIR"),
        ({"PUBLIC_URL": ""}, "PUBLIC_URL"),
        ({"PUBLIC_URL": "http://shop.example.com"}, "PUBLIC_URL"),
    ],
)
def test_a_missing_or_bad_setting_is_named_never_shown(
    tmp_path: Path, merchant: FakeMerchant, platform: FakeWeChatPay, change: dict[str, str], named: str
) -> None:
    env = {**merchant_env(tmp_path, merchant, platform), **change}
    with pytest.raises(GenError) as error:
        load_merchant_config(APPID, env)
    message = str(error.value)
    assert named in message
    assert "secret-but-too-short" not in message and merchant.apiv3_key not in message


def test_a_private_key_file_that_is_no_key_is_named_not_quoted(
    tmp_path: Path, merchant: FakeMerchant, platform: FakeWeChatPay
) -> None:
    env = merchant_env(tmp_path, merchant, platform)
    Path(env["WECHATPAY_PRIVATE_KEY_FILE"]).write_text("not-a-key-but-a-secret-string")
    with pytest.raises(GenError) as error:
        load_merchant_config(APPID, env)
    assert "WECHATPAY_PRIVATE_KEY_FILE" in str(error.value) and "secret-string" not in str(error.value)


def self_signed(key_holder: FakeWeChatPay, days: int) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Tenpay.com Root CA (fake)")])
    now = datetime.now(UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key_holder.platform_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=2))
        .not_valid_after(now + timedelta(days=days))
        .sign(key_holder.platform_key, hashes.SHA256())
    )


def test_platform_certificate_mode_loads_the_folder_without_network(tmp_path: Path, merchant: FakeMerchant) -> None:
    from cryptography.hazmat.primitives.serialization import Encoding

    signer = FakeWeChatPay(merchant, APPID)
    cert = self_signed(signer, days=365)
    serial = format(cert.serial_number, "X")
    certified = FakeWeChatPay(merchant, APPID, platform_key=signer.platform_key, public_key_id=serial)
    folder = tmp_path / "certs"
    folder.mkdir()
    env = merchant_env(tmp_path, merchant, certified)
    del env["WECHATPAY_PUBLIC_KEY_FILE"], env["WECHATPAY_PUBLIC_KEY_ID"]
    env["WECHATPAY_PLATFORM_CERT_DIR"] = str(folder)
    with pytest.raises(GenError, match="no platform certificate"):
        load_merchant_config(APPID, env)
    (folder / "expired.pem").write_bytes(self_signed(signer, days=-1).public_bytes(Encoding.PEM))
    with pytest.raises(GenError, match="no platform certificate"):
        load_merchant_config(APPID, env)
    (folder / f"{serial}.pem").write_bytes(cert.public_bytes(Encoding.PEM))
    config = load_merchant_config(APPID, env)
    assert set(config.platform_keys) == {serial}
    with FakeWeChatPayServer(certified) as running:
        gateway = WeChatPayGateway(replace(config, gateway=running.url))
        number = order_no()
        gateway.prepay(number, 700, OPENID, "x", expire())
        assert gateway.query(number).trade_state == "NOTPAY"
        headers, body = _parts(certified.pay(number))
        headers["Wechatpay-Serial"] = "00" + serial.lower()  # WeChat's 40-digit form may keep leading zeros
        assert gateway.verify_notify(headers, body).amount_fen == 700

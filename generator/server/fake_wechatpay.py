"""A fake WeChat Pay platform, for `gen serve --fake-wechat` and the tests: offline, in-process, real crypto.

`FakeWeChatPay` keeps transactions and refunds in memory and answers the v3 API the gateway uses (JSAPI
prepay, query by out_trade_no, close, refunds and their query) as api.mch.weixin.qq.com does: it checks the
merchant's WECHATPAY2-SHA256-RSA2048 Authorization against the merchant's public key and signs every answer
with its own platform key (public key mode), so wechatpayv3's answer verification runs for real.
`pay(order_no)` plays the shopper paying and `complete_refund(refund_no)` the bank returning the money: each
returns the notify WeChat would send (`SignedNotify`: AES-256-GCM resource under the APIv3 key, signed
headers) for the caller to deliver to the notify URL, over HTTP (`deliver`) or in-process.
`FakeWeChatPayServer` serves it on 127.0.0.1 in a background thread (wechatpayv3 speaks HTTP through
`requests`). `FakeMerchant` is a throwaway merchant (keys, APIv3 key) and its `MerchantConfig`.
State is per process: with --fake-wechat the server must run a single worker.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import httpx
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .settings import Secret
from .wechatpay import SIGNATURE_TYPE, format_time
from .wechatpay_config import NOTIFY_PATH, REFUND_NOTIFY_PATH, MerchantConfig

FAKE_MCHID = "1900000109"
FAKE_PUBLIC_KEY_ID = "PUB_KEY_ID_0119000001092026FAKEPLATFORMKEY"
AUTHORIZATION = re.compile(r'(\w+)="([^"]*)"')


def new_rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def private_pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")


def public_pem(key: rsa.RSAPublicKey) -> str:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")


def rsa_sign(key: rsa.RSAPrivateKey, message: str) -> str:
    return base64.b64encode(key.sign(message.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())).decode("ascii")


def aes_encrypt(apiv3_key: str, plaintext: str, associated_data: str) -> dict[str, str]:
    """A notify's `resource`: AEAD_AES_256_GCM under the APIv3 key with a 12-character nonce, as WeChat sends."""
    nonce = secrets.token_urlsafe(9)[:12]
    sealed = AESGCM(apiv3_key.encode("utf-8")).encrypt(
        nonce.encode("utf-8"), plaintext.encode("utf-8"), associated_data.encode("utf-8")
    )
    return {
        "algorithm": "AEAD_AES_256_GCM",
        "ciphertext": base64.b64encode(sealed).decode("ascii"),
        "associated_data": associated_data,
        "nonce": nonce,
    }


@dataclass(frozen=True)
class FakeMerchant:
    """A merchant for the fake platform: its API key pair, certificate serial and APIv3 key."""

    mchid: str
    serial_no: str
    private_key: rsa.RSAPrivateKey = field(repr=False)
    apiv3_key: str = field(repr=False)

    @classmethod
    def create(cls, mchid: str = FAKE_MCHID) -> FakeMerchant:
        return cls(mchid, secrets.token_hex(20).upper(), new_rsa_key(), secrets.token_urlsafe(24)[:32])

    def config(self, platform: FakeWeChatPay, gateway: str, public_url: str) -> MerchantConfig:
        """The gateway settings talking to `platform` at `gateway`, notifies going to `public_url`."""
        base = public_url.rstrip("/")
        return MerchantConfig(
            mchid=self.mchid,
            appid=platform.appid,
            serial_no=self.serial_no,
            private_key_pem=Secret(private_pem(self.private_key)),
            apiv3_key=Secret(self.apiv3_key),
            notify_url=base + NOTIFY_PATH,
            refund_notify_url=base + REFUND_NOTIFY_PATH,
            platform_keys={platform.public_key_id: platform.platform_key.public_key()},
            public_key_id=platform.public_key_id,
            public_key_pem=public_pem(platform.platform_key.public_key()),
            gateway=gateway,
        )


@dataclass(frozen=True)
class SignedNotify:
    """A notify as WeChat POSTs it: the body bytes and the Wechatpay-* headers signing them."""

    url: str
    headers: Mapping[str, str]
    body: bytes

    def deliver(self, client: httpx.Client | None = None) -> httpx.Response:
        """POST it to its URL, as WeChat does."""
        if client is not None:
            return client.post(self.url, headers=dict(self.headers), content=self.body)
        return httpx.post(self.url, headers=dict(self.headers), content=self.body, timeout=10)


@dataclass
class FakeTransaction:
    order_no: str
    amount_fen: int
    openid: str
    description: str
    notify_url: str
    prepay_id: str
    state: str = "NOTPAY"
    transaction_id: str | None = None
    success_time: datetime | None = None
    refunded_fen: int = 0


@dataclass
class FakeRefund:
    refund_no: str
    order_no: str
    refund_id: str
    refund_fen: int
    total_fen: int
    notify_url: str
    status: str = "PROCESSING"
    success_time: datetime | None = None


@dataclass(frozen=True)
class FakeAnswer:
    status: int
    headers: Mapping[str, str]
    body: bytes


class FakeWeChatPay:
    """The platform for one merchant and one mini-program."""

    def __init__(
        self,
        merchant: FakeMerchant,
        appid: str,
        platform_key: rsa.RSAPrivateKey | None = None,
        public_key_id: str = FAKE_PUBLIC_KEY_ID,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.merchant = merchant
        self.appid = appid
        self.platform_key = platform_key or new_rsa_key()
        self.public_key_id = public_key_id
        self.clock = clock
        self.transactions: dict[str, FakeTransaction] = {}
        self.refunds: dict[str, FakeRefund] = {}
        self.requests: list[tuple[str, str]] = []
        """(method, path) of every authorized call, for tests."""
        self._lock = threading.Lock()
        self._serial = 0

    # Signing, as WeChat does

    def sign_headers(self, body: str, timestamp: int | None = None, nonce: str | None = None) -> dict[str, str]:
        stamp = str(int(self.clock()) if timestamp is None else timestamp)
        once = nonce or secrets.token_hex(16).upper()
        return {
            "Wechatpay-Timestamp": stamp,
            "Wechatpay-Nonce": once,
            "Wechatpay-Serial": self.public_key_id,
            "Wechatpay-Signature": rsa_sign(self.platform_key, f"{stamp}\n{once}\n{body}\n"),
            "Wechatpay-Signature-Type": SIGNATURE_TYPE,
        }

    def sign_notify(
        self,
        url: str,
        event_type: str,
        kind: str,
        resource: Mapping[str, Any],
        summary: str,
        timestamp: int | None = None,
        nonce: str | None = None,
    ) -> SignedNotify:
        """A notify of `event_type` whose encrypted resource is `resource` (an `original_type` `kind`)."""
        now = datetime.fromtimestamp(self.clock(), UTC)
        sealed = aes_encrypt(self.merchant.apiv3_key, json.dumps(resource, ensure_ascii=False), kind)
        envelope = {
            "id": secrets.token_hex(18),
            "create_time": format_time(now),
            "resource_type": "encrypt-resource",
            "event_type": event_type,
            "summary": summary,
            "resource": {**sealed, "original_type": kind},
        }
        text = json.dumps(envelope, ensure_ascii=False)
        headers = {"Content-Type": "application/json", **self.sign_headers(text, timestamp, nonce)}
        return SignedNotify(url=url, headers=headers, body=text.encode("utf-8"))

    def _next_id(self, prefix: str) -> str:
        self._serial += 1
        return f"{prefix}{int(self.clock())}{self._serial:08d}"

    # What the shopper and the bank do

    def pay(
        self, order_no: str, timestamp: int | None = None, nonce: str | None = None, paid_at: datetime | None = None
    ) -> SignedNotify:
        """The shopper pays the order's prepay: it becomes SUCCESS; returns the TRANSACTION.SUCCESS notify.
        Paying a paid order again returns its notify again (WeChat redelivers it). `paid_at`: the payment's
        success_time (default: the platform's clock), so a server's fake clock can date payments too."""
        with self._lock:
            txn = self.transactions.get(order_no)
            if txn is None or txn.state not in ("NOTPAY", "SUCCESS"):
                raise KeyError(f"no payable transaction {order_no}")
            if txn.state == "NOTPAY":
                txn.state = "SUCCESS"
                txn.transaction_id = self._next_id("4200")
                txn.success_time = paid_at or datetime.fromtimestamp(self.clock(), UTC)
            resource = self.transaction_object(txn)
        return self.sign_notify(
            txn.notify_url, "TRANSACTION.SUCCESS", "transaction", resource, "支付成功", timestamp, nonce
        )

    def complete_refund(self, refund_no: str) -> SignedNotify:
        """The refund reaches the shopper: SUCCESS; returns the REFUND.SUCCESS notify."""
        with self._lock:
            refund = self.refunds[refund_no]
            if refund.status == "PROCESSING":
                refund.status = "SUCCESS"
                refund.success_time = datetime.fromtimestamp(self.clock(), UTC)
            resource = self.refund_object(refund, notify=True)
        return self.sign_notify(refund.notify_url, "REFUND.SUCCESS", "refund", resource, "退款成功")

    # Objects as WeChat shows them

    def transaction_object(self, txn: FakeTransaction) -> dict[str, Any]:
        state = "REFUND" if txn.state == "SUCCESS" and txn.refunded_fen else txn.state
        data: dict[str, Any] = {
            "appid": self.appid,
            "mchid": self.merchant.mchid,
            "out_trade_no": txn.order_no,
            "trade_type": "JSAPI",
            "trade_state": state,
            "trade_state_desc": {"SUCCESS": "支付成功", "NOTPAY": "未支付", "CLOSED": "已关闭", "REFUND": "转入退款"}[
                state
            ],
            "amount": {"total": txn.amount_fen, "currency": "CNY"},
            "payer": {"openid": txn.openid},
        }
        if txn.transaction_id and txn.success_time:
            data.update(
                transaction_id=txn.transaction_id,
                bank_type="OTHERS",
                success_time=format_time(txn.success_time),
                amount={
                    "total": txn.amount_fen,
                    "payer_total": txn.amount_fen,
                    "currency": "CNY",
                    "payer_currency": "CNY",
                },
            )
        return data

    def refund_object(self, refund: FakeRefund, notify: bool = False) -> dict[str, Any]:
        txn = self.transactions[refund.order_no]
        data: dict[str, Any] = {
            "mchid": self.merchant.mchid,
            "out_trade_no": refund.order_no,
            "transaction_id": txn.transaction_id,
            "out_refund_no": refund.refund_no,
            "refund_id": refund.refund_id,
            "user_received_account": "支付用户零钱",
            "amount": {
                "total": refund.total_fen,
                "refund": refund.refund_fen,
                "payer_total": refund.total_fen,
                "payer_refund": refund.refund_fen,
            },
        }
        data["refund_status" if notify else "status"] = refund.status
        if refund.success_time:
            data["success_time"] = format_time(refund.success_time)
        return data

    # The API

    def handle(self, method: str, target: str, headers: Mapping[str, str], body: bytes) -> FakeAnswer:
        """Answer one HTTP request to the v3 API (`target` is the path with its query)."""
        text = body.decode("utf-8", "replace")
        if not self._authorized(method, target, headers, text):
            return self._answer(401, {"code": "SIGN_ERROR", "message": "签名错误"})
        path = urlsplit(target).path
        self.requests.append((method, path))
        try:
            data: dict[str, Any] = json.loads(text) if text else {}
        except ValueError:
            return self._answer(400, {"code": "PARAM_ERROR", "message": "body is not JSON"})
        with self._lock:
            return self._route(method, path, data)

    def _authorized(self, method: str, target: str, headers: Mapping[str, str], body: str) -> bool:
        lower = {key.lower(): value for key, value in headers.items()}
        scheme, _, rest = lower.get("authorization", "").partition(" ")
        if scheme != SIGNATURE_TYPE:
            return False
        fields = dict(AUTHORIZATION.findall(rest))
        if fields.get("mchid") != self.merchant.mchid or fields.get("serial_no") != self.merchant.serial_no:
            return False
        message = f"{method}\n{target}\n{fields.get('timestamp', '')}\n{fields.get('nonce_str', '')}\n{body}\n"
        try:
            self.merchant.private_key.public_key().verify(
                base64.b64decode(fields.get("signature", "")),
                message.encode("utf-8"),
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
        except (InvalidSignature, ValueError):
            return False
        return abs(self.clock() - int(fields.get("timestamp") or 0)) <= 300

    def _route(self, method: str, path: str, data: dict[str, Any]) -> FakeAnswer:
        parts = path.strip("/").split("/")
        if method == "POST" and path == "/v3/pay/transactions/jsapi":
            return self._prepay(data)
        if parts[:4] == ["v3", "pay", "transactions", "out-trade-no"] and len(parts) >= 5:
            txn = self.transactions.get(parts[4])
            if txn is None:
                return self._answer(404, {"code": "ORDER_NOT_EXIST", "message": "订单不存在"})
            if method == "GET" and len(parts) == 5:
                return self._answer(200, self.transaction_object(txn))
            if method == "POST" and parts[5:] == ["close"]:
                if txn.state == "SUCCESS":
                    return self._answer(400, {"code": "ORDERPAID", "message": "订单已支付"})
                txn.state = "CLOSED"
                return self._answer(204, None)
        if path == "/v3/refund/domestic/refunds" and method == "POST":
            return self._refund(data)
        if parts[:4] == ["v3", "refund", "domestic", "refunds"] and len(parts) == 5 and method == "GET":
            refund = self.refunds.get(parts[4])
            if refund is None:
                return self._answer(404, {"code": "RESOURCE_NOT_EXISTS", "message": "退款单不存在"})
            return self._answer(200, self.refund_object(refund))
        return self._answer(404, {"code": "NOT_FOUND", "message": "no such API in the fake"})

    def _prepay(self, data: dict[str, Any]) -> FakeAnswer:
        amount = data.get("amount") or {}
        total = amount.get("total")
        order_no = data.get("out_trade_no")
        openid = (data.get("payer") or {}).get("openid")
        if data.get("appid") != self.appid or data.get("mchid") != self.merchant.mchid:
            return self._answer(400, {"code": "APPID_MCHID_NOT_MATCH", "message": "appid和mch_id不匹配"})
        if not (
            isinstance(total, int) and total > 0 and isinstance(order_no, str) and openid and data.get("notify_url")
        ):
            return self._answer(400, {"code": "PARAM_ERROR", "message": "参数错误"})
        txn = self.transactions.get(order_no)
        if txn is not None:
            if txn.state == "SUCCESS":
                return self._answer(400, {"code": "ORDERPAID", "message": "该订单已支付"})
            if txn.state == "CLOSED":
                return self._answer(400, {"code": "ORDER_CLOSED", "message": "订单已关闭"})
            if txn.amount_fen != total or txn.openid != openid:
                return self._answer(400, {"code": "INVALID_REQUEST", "message": "201 商户订单号重复"})
            return self._answer(200, {"prepay_id": txn.prepay_id})
        txn = FakeTransaction(
            order_no=order_no,
            amount_fen=total,
            openid=str(openid),
            description=str(data.get("description", "")),
            notify_url=str(data["notify_url"]),
            prepay_id="wx" + secrets.token_hex(15),
        )
        self.transactions[order_no] = txn
        return self._answer(200, {"prepay_id": txn.prepay_id})

    def _refund(self, data: dict[str, Any]) -> FakeAnswer:
        refund_no = data.get("out_refund_no")
        amount = data.get("amount") or {}
        txn = self.transactions.get(str(data.get("out_trade_no")))
        if not isinstance(refund_no, str) or txn is None:
            return self._answer(404, {"code": "RESOURCE_NOT_EXISTS", "message": "订单不存在"})
        existing = self.refunds.get(refund_no)
        if existing is not None:
            return self._answer(200, self.refund_object(existing))
        refund_fen, total_fen = amount.get("refund"), amount.get("total")
        if txn.state != "SUCCESS":
            return self._answer(400, {"code": "INVALID_REQUEST", "message": "订单未支付"})
        if total_fen != txn.amount_fen or not isinstance(refund_fen, int) or refund_fen <= 0:
            return self._answer(400, {"code": "PARAM_ERROR", "message": "退款金额错误"})
        if txn.refunded_fen + refund_fen > txn.amount_fen:
            return self._answer(403, {"code": "NOT_ENOUGH", "message": "申请退款金额超过订单可退金额"})
        txn.refunded_fen += refund_fen
        refund = FakeRefund(
            refund_no=refund_no,
            order_no=txn.order_no,
            refund_id=self._next_id("5030"),
            refund_fen=refund_fen,
            total_fen=total_fen,
            notify_url=str(data.get("notify_url") or ""),
        )
        self.refunds[refund_no] = refund
        return self._answer(200, self.refund_object(refund))

    def _answer(self, status: int, payload: Mapping[str, Any] | None) -> FakeAnswer:
        text = "" if payload is None else json.dumps(payload, ensure_ascii=False)
        headers = {"Content-Type": "application/json; charset=utf-8", **self.sign_headers(text)}
        return FakeAnswer(status, headers, text.encode("utf-8"))


class FakeWeChatPayServer:
    """`platform` over HTTP on 127.0.0.1 (a free port) in a daemon thread; a context manager."""

    def __init__(self, platform: FakeWeChatPay, host: str = "127.0.0.1", port: int = 0) -> None:
        self.platform = platform
        handler = _handler_for(platform)
        self._server = ThreadingHTTPServer((host, port), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-wechatpay", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def __enter__(self) -> FakeWeChatPayServer:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()


def _handler_for(platform: FakeWeChatPay) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            answer = platform.handle(self.command, self.path, dict(self.headers.items()), body)
            self.send_response(answer.status)
            for key, value in answer.headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(answer.body)

        do_GET = _serve
        do_POST = _serve

        def log_message(self, format: str, *args: Any) -> None:
            return None  # quiet: the paths carry order numbers

    return Handler


def start_fake(appid: str, public_url: str) -> tuple[FakeWeChatPay, FakeWeChatPayServer, MerchantConfig]:
    """A throwaway merchant, its platform served on 127.0.0.1, and the gateway settings for both."""
    merchant = FakeMerchant.create()
    platform = FakeWeChatPay(merchant, appid)
    server = FakeWeChatPayServer(platform)
    return platform, server, merchant.config(platform, server.url, public_url)

"""The WeChat Pay v3 gateway (JSAPI / mini-program): prepay, wx.requestPayment parameters, verified notifies,
query, close and refunds, with typed, frozen results.

Calls to WeChat go through `wechatpayv3` (2.0.4): it builds and signs the requests (WECHATPAY2-SHA256-RSA2048
Authorization) and verifies the signature of every answer. Three things are done around it:
- its gateway address is a private attribute (`_core._gate_way`) set after construction, so the same code
  talks to the fake platform (`fake_wechatpay`) in tests and with --fake-wechat;
- it is built in public key mode or from a folder holding a valid platform certificate, never in the mode
  where its constructor downloads certificates (network at start); `wechatpay_config` checks that first;
- notifies are verified here with its primitives (`rsa_verify`, `aes_decrypt`), not its `callback()`: that
  neither rejects stale timestamps nor replays, logs decrypted payloads when given a logger, and on an
  unknown Wechatpay-Serial downloads certificates, so any forged request would make the server call out.
  Here the serial must be one of the configured platform keys, the timestamp within NOTIFY_MAX_AGE, the
  nonce not seen before, and the decrypted resource for this merchant and mini-program.
No logger is given to wechatpayv3: at debug level it logs request headers and decrypted notifies.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, Protocol

import requests
from wechatpayv3 import WeChatPay, WeChatPayType
from wechatpayv3.utils import aes_decrypt, rsa_verify

from .wechatpay_config import MerchantConfig

NOTIFY_MAX_AGE = timedelta(minutes=5)
SIGNATURE_TYPE = "WECHATPAY2-SHA256-RSA2048"
TIMEOUT = (5, 15)  # connect, read (seconds)
CHINA = timezone(timedelta(hours=8))
ORDER_NO = re.compile(r"[0-9A-Za-z_\-|*]{6,32}")
"""WeChat's rule for out_trade_no and out_refund_no; they also go into URL paths unescaped."""


class WeChatPayError(Exception):
    """WeChat Pay refused a call or could not be reached. `code` is WeChat's error code (e.g. ORDERPAID,
    ORDER_NOT_EXIST) or a local one (NETWORK, BAD_SIGNATURE, BAD_ANSWER); the message holds no secret."""

    def __init__(self, code: str, message: str, status: int = 0) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status


class NotifyRejected(Exception):
    """A notify that must not change anything: bad signature, unknown serial, stale, replayed, undecryptable,
    or for another merchant. The reason is safe to log (no payload)."""


@dataclass(frozen=True)
class PaymentNotice:
    """A transaction's state as WeChat reports it (notify or query). trade_state: SUCCESS, NOTPAY, CLOSED,
    REFUND, USERPAYING, PAYERROR, REVOKED. transaction_id, payer and success_time are set once paid."""

    order_no: str
    trade_state: str
    amount_fen: int
    transaction_id: str | None
    payer_openid: str | None
    success_time: datetime | None


@dataclass(frozen=True)
class RefundResult:
    """A refund's state (from the refund call, its query or its notify). status: SUCCESS, PROCESSING,
    CLOSED, ABNORMAL."""

    order_no: str
    refund_no: str
    refund_id: str
    status: str
    refund_fen: int
    total_fen: int
    success_time: datetime | None


@dataclass(frozen=True)
class PaymentParams:
    """The arguments of wx.requestPayment, signed with the merchant key."""

    timeStamp: str
    nonceStr: str
    package: str
    signType: str
    paySign: str

    def as_dict(self) -> dict[str, str]:
        return {
            "timeStamp": self.timeStamp,
            "nonceStr": self.nonceStr,
            "package": self.package,
            "signType": self.signType,
            "paySign": self.paySign,
        }


class NonceStore(Protocol):
    def first_seen(self, nonce: str, timestamp: int) -> bool:
        """Record `nonce`; False when it was already recorded within the notify window."""


class MemoryNonceStore:
    """The nonces of the last NOTIFY_MAX_AGE in this process. Enough against replays: a replay within the
    window that reaches another worker still changes nothing, as marking an order paid is idempotent."""

    def __init__(self, max_entries: int = 100_000) -> None:
        self._seen: OrderedDict[str, int] = OrderedDict()
        self._lock = threading.Lock()
        self._max = max_entries

    def first_seen(self, nonce: str, timestamp: int) -> bool:
        horizon = timestamp - int(NOTIFY_MAX_AGE.total_seconds()) * 2
        with self._lock:
            while self._seen and (next(iter(self._seen.values())) < horizon or len(self._seen) >= self._max):
                self._seen.popitem(last=False)
            if nonce in self._seen:
                return False
            self._seen[nonce] = timestamp
            return True


def parse_time(value: object) -> datetime | None:
    """WeChat's RFC 3339 times (2018-06-08T10:34:56+08:00) as aware UTC datetimes."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment.tzinfo else None


def format_time(moment: datetime) -> str:
    return moment.astimezone(CHINA).replace(microsecond=0).isoformat()


def check_order_no(value: str, what: str = "order_no") -> str:
    if not ORDER_NO.fullmatch(value):
        raise ValueError(f"{what} must be 6-32 letters, digits or _-|*")
    return value


def _int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("not an integer")
    return value


def _hex_serial(serial: str) -> str:
    """A certificate serial as `certificate_keys` writes it (upper-case hex, no leading zeros)."""
    try:
        return format(int(serial, 16), "X")
    except ValueError:
        return serial


def notice_from_transaction(data: Mapping[str, Any]) -> PaymentNotice:
    """A PaymentNotice from a transaction object (query answer or decrypted TRANSACTION notify)."""
    amount = data.get("amount") or {}
    payer = data.get("payer") or {}
    order_no = data.get("out_trade_no")
    state = data.get("trade_state")
    if not isinstance(order_no, str) or not isinstance(state, str):
        raise ValueError("out_trade_no or trade_state missing")
    return PaymentNotice(
        order_no=order_no,
        trade_state=state,
        amount_fen=_int(amount.get("total")),
        transaction_id=data.get("transaction_id") or None,
        payer_openid=payer.get("openid") or None,
        success_time=parse_time(data.get("success_time")),
    )


def refund_from_object(data: Mapping[str, Any]) -> RefundResult:
    """A RefundResult from a refund object (refund answer, its query, or a decrypted REFUND notify)."""
    amount = data.get("amount") or {}
    status = data.get("status") or data.get("refund_status")
    fields = (data.get("out_trade_no"), data.get("out_refund_no"), data.get("refund_id"), status)
    if not all(isinstance(value, str) and value for value in fields):
        raise ValueError("a refund field is missing")
    return RefundResult(
        order_no=str(fields[0]),
        refund_no=str(fields[1]),
        refund_id=str(fields[2]),
        status=str(status),
        refund_fen=_int(amount.get("refund")),
        total_fen=_int(amount.get("total")),
        success_time=parse_time(data.get("success_time")),
    )


class WeChatPayGateway:
    """One merchant's WeChat Pay, for one mini-program (config.appid)."""

    def __init__(
        self,
        config: MerchantConfig,
        nonces: NonceStore | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self._nonces = nonces or MemoryNonceStore()
        self._clock = clock
        self._pay = WeChatPay(
            wechatpay_type=WeChatPayType.MINIPROG,
            mchid=config.mchid,
            private_key=config.private_key_pem.reveal(),
            cert_serial_no=config.serial_no,
            appid=config.appid,
            apiv3_key=config.apiv3_key.reveal(),
            notify_url=config.notify_url,
            cert_dir=str(config.cert_dir) if config.cert_dir else None,
            timeout=TIMEOUT,
            public_key=config.public_key_pem,
            public_key_id=config.public_key_id,
        )
        self._pay._core._gate_way = config.gateway.rstrip("/")

    # Calls to WeChat

    def _call(self, what: str, call: Callable[[], tuple[int, object]]) -> tuple[int, dict[str, Any]]:
        try:
            status, text = call()
        except requests.RequestException as exc:
            raise WeChatPayError("NETWORK", f"{what}: WeChat Pay could not be reached ({type(exc).__name__})") from None
        except Exception as exc:  # wechatpayv3 raises bare Exception for a bad answer signature
            raise WeChatPayError("BAD_SIGNATURE", f"{what}: {exc}") from None
        data: dict[str, Any] = {}
        if isinstance(text, str) and text:
            try:
                parsed = json.loads(text)
            except ValueError:
                raise WeChatPayError("BAD_ANSWER", f"{what}: WeChat Pay answered no JSON", status) from None
            if isinstance(parsed, dict):
                data = parsed
        if not 200 <= status < 300:
            code = str(data.get("code") or f"HTTP_{status}")
            raise WeChatPayError(code, f"{what}: {data.get('message') or 'refused'}", status)
        return status, data

    def prepay(self, order_no: str, amount_fen: int, openid: str, description: str, expire: datetime) -> str:
        """A JSAPI prepay for the order; returns the prepay_id (valid two hours at WeChat)."""
        check_order_no(order_no)
        if amount_fen <= 0:
            raise ValueError("amount_fen must be positive")
        _status, data = self._call(
            "prepay",
            lambda: self._pay.pay(
                description=description[:127] or order_no,
                out_trade_no=order_no,
                amount={"total": amount_fen, "currency": "CNY"},
                payer={"openid": openid},
                time_expire=format_time(expire),
                notify_url=self.config.notify_url,
            ),
        )
        prepay_id = data.get("prepay_id")
        if not isinstance(prepay_id, str) or not prepay_id:
            raise WeChatPayError("BAD_ANSWER", "prepay: the answer has no prepay_id")
        return prepay_id

    def request_payment_params(self, prepay_id: str) -> PaymentParams:
        """The signed arguments of wx.requestPayment for `prepay_id` (RSA over appid, time, nonce, package)."""
        timestamp = str(int(self._clock()))
        nonce = secrets.token_hex(16)
        package = f"prepay_id={prepay_id}"
        signature = self._pay.sign([self.config.appid, timestamp, nonce, package])
        return PaymentParams(timeStamp=timestamp, nonceStr=nonce, package=package, signType="RSA", paySign=signature)

    def query(self, order_no: str) -> PaymentNotice:
        """The transaction's state at WeChat (ORDER_NOT_EXIST as WeChatPayError when it never got a prepay)."""
        check_order_no(order_no)
        _status, data = self._call("query", lambda: self._pay.query(out_trade_no=order_no))
        try:
            return notice_from_transaction(data)
        except ValueError as exc:
            raise WeChatPayError("BAD_ANSWER", f"query: {exc}") from None

    def close(self, order_no: str) -> None:
        """Close an unpaid transaction, so it can no longer be paid (ORDERPAID as WeChatPayError if it was)."""
        check_order_no(order_no)
        self._call("close", lambda: self._pay.close(out_trade_no=order_no))

    def refund(self, order_no: str, refund_no: str, refund_fen: int, total_fen: int, reason: str) -> RefundResult:
        """Refund `refund_fen` of the order's `total_fen` (several partial refunds may add up to the total);
        `refund_no` is the merchant's id of this refund, so a retry with it refunds once."""
        check_order_no(order_no)
        check_order_no(refund_no, "refund_no")
        if not 0 < refund_fen <= total_fen:
            raise ValueError("refund_fen must be positive and at most total_fen")
        _status, data = self._call(
            "refund",
            lambda: self._pay.refund(
                out_refund_no=refund_no,
                amount={"refund": refund_fen, "total": total_fen, "currency": "CNY"},
                out_trade_no=order_no,
                reason=reason[:80] or None,
                notify_url=self.config.refund_notify_url,
            ),
        )
        try:
            return refund_from_object(data)
        except ValueError as exc:
            raise WeChatPayError("BAD_ANSWER", f"refund: {exc}") from None

    def query_refund(self, refund_no: str) -> RefundResult:
        check_order_no(refund_no, "refund_no")
        _status, data = self._call("query refund", lambda: self._pay.query_refund(out_refund_no=refund_no))
        try:
            return refund_from_object(data)
        except ValueError as exc:
            raise WeChatPayError("BAD_ANSWER", f"query refund: {exc}") from None

    # Notifies from WeChat

    def verify_notify(self, headers: Mapping[str, str], body: bytes) -> PaymentNotice:
        """The payment a TRANSACTION.* notify reports, once its signature, age, nonce and encrypted resource
        check out; NotifyRejected otherwise."""
        resource = self._open_notify(headers, body, "TRANSACTION.", "transaction")
        try:
            return notice_from_transaction(resource)
        except ValueError as exc:
            raise NotifyRejected(f"the transaction is incomplete ({exc})") from None

    def verify_refund_notify(self, headers: Mapping[str, str], body: bytes) -> RefundResult:
        """The refund a REFUND.* notify reports, verified as `verify_notify` does."""
        resource = self._open_notify(headers, body, "REFUND.", "refund")
        try:
            return refund_from_object(resource)
        except ValueError as exc:
            raise NotifyRejected(f"the refund is incomplete ({exc})") from None

    def _open_notify(self, headers: Mapping[str, str], body: bytes, event_prefix: str, kind: str) -> dict[str, Any]:
        lower = {key.lower(): value for key, value in headers.items()}
        signature = lower.get("wechatpay-signature", "")
        timestamp = lower.get("wechatpay-timestamp", "")
        nonce = lower.get("wechatpay-nonce", "")
        serial = lower.get("wechatpay-serial", "")
        if not (signature and timestamp and nonce and serial):
            raise NotifyRejected("a Wechatpay-Signature, -Timestamp, -Nonce or -Serial header is missing")
        if lower.get("wechatpay-signature-type", SIGNATURE_TYPE) != SIGNATURE_TYPE:
            raise NotifyRejected("unsupported Wechatpay-Signature-Type")
        key = self.config.platform_keys.get(serial) or self.config.platform_keys.get(_hex_serial(serial))
        if key is None:
            raise NotifyRejected("Wechatpay-Serial names no configured platform key")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise NotifyRejected("the body is not UTF-8") from None
        # A probe notify's signature starts with WECHATPAY/SIGNTEST/ and must fail here, as it does.
        if not rsa_verify(timestamp, nonce, text, signature, key):
            raise NotifyRejected("the signature does not verify")
        if not timestamp.isdigit() or abs(self._clock() - int(timestamp)) > NOTIFY_MAX_AGE.total_seconds():
            raise NotifyRejected("the timestamp is more than 5 minutes away")
        try:
            envelope = json.loads(text)
        except ValueError:
            raise NotifyRejected("the body is not JSON") from None
        if not isinstance(envelope, dict) or not str(envelope.get("event_type", "")).startswith(event_prefix):
            raise NotifyRejected(f"not a {event_prefix}* notify")
        resource = envelope.get("resource")
        if envelope.get("resource_type") != "encrypt-resource" or not isinstance(resource, dict):
            raise NotifyRejected("no encrypted resource")
        if resource.get("algorithm") != "AEAD_AES_256_GCM" or resource.get("original_type") != kind:
            raise NotifyRejected(f"the resource is not an AEAD_AES_256_GCM {kind}")
        try:
            plain = aes_decrypt(
                nonce=str(resource["nonce"]),
                ciphertext=str(resource["ciphertext"]),
                associated_data=str(resource.get("associated_data") or ""),
                apiv3_key=self.config.apiv3_key.reveal(),
            )
        except (KeyError, ValueError):
            plain = None
        if plain is None:
            raise NotifyRejected("the resource does not decrypt with the APIv3 key")
        try:
            data = json.loads(plain)
        except ValueError:
            raise NotifyRejected("the decrypted resource is not JSON") from None
        if not isinstance(data, dict) or data.get("mchid") != self.config.mchid:
            raise NotifyRejected("the resource is for another merchant")
        if kind == "transaction" and data.get("appid") != self.config.appid:
            raise NotifyRejected("the transaction is for another app")
        # Last, so a notify rejected above can come again; only a fully verified one is spent.
        if not self._nonces.first_seen(nonce, int(timestamp)):
            raise NotifyRejected("the nonce was already used (a replay)")
        return data

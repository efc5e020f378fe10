"""The merchant's WeChat Pay settings, read only from the environment and the files it names.

Variables (values are never logged, echoed or put in an error; errors name the variable only):

- WECHATPAY_MCHID: the merchant id (商户号).
- WECHATPAY_SERIAL_NO: the serial number of the merchant's API certificate (商户API证书序列号).
- WECHATPAY_PRIVATE_KEY_FILE: the file holding that certificate's private key (apiclient_key.pem).
- WECHATPAY_APIV3_KEY, or WECHATPAY_APIV3_KEY_FILE naming a file holding it: the 32-character APIv3 key.
- How WeChat's signatures are checked, one of:
  WECHATPAY_PUBLIC_KEY_FILE + WECHATPAY_PUBLIC_KEY_ID (the platform public key, 微信支付公钥, the mode WeChat
  gives new merchants), or WECHATPAY_PLATFORM_CERT_DIR, a folder of platform certificates (*.pem, 平台证书)
  of which at least one is valid now, so nothing is downloaded at start.
- PUBLIC_URL: the https address the server is reached at; the payment notify URL is PUBLIC_URL + /pay/notify
  and the refund notify URL PUBLIC_URL + /pay/refund-notify.

`MerchantConfig.platform_keys` maps each platform serial (public key id or certificate serial, upper-case
hex) to the key WeChat signs with; the gateway verifies notifies against exactly these.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key, load_pem_public_key
from cryptography.x509 import load_pem_x509_certificate

from ..errors import GenError
from .settings import Secret

WECHATPAY_API = "https://api.mch.weixin.qq.com"
NOTIFY_PATH = "/pay/notify"
REFUND_NOTIFY_PATH = "/pay/refund-notify"
APIV3_KEY_LENGTH = 32  # AES-256-GCM: 32 bytes

ENV_MCHID = "WECHATPAY_MCHID"
ENV_SERIAL_NO = "WECHATPAY_SERIAL_NO"
ENV_PRIVATE_KEY_FILE = "WECHATPAY_PRIVATE_KEY_FILE"
ENV_APIV3_KEY = "WECHATPAY_APIV3_KEY"
ENV_APIV3_KEY_FILE = "WECHATPAY_APIV3_KEY_FILE"
ENV_PUBLIC_KEY_FILE = "WECHATPAY_PUBLIC_KEY_FILE"
ENV_PUBLIC_KEY_ID = "WECHATPAY_PUBLIC_KEY_ID"
ENV_PLATFORM_CERT_DIR = "WECHATPAY_PLATFORM_CERT_DIR"
ENV_PUBLIC_URL = "PUBLIC_URL"

VARIABLES = (
    ENV_MCHID,
    ENV_SERIAL_NO,
    ENV_PRIVATE_KEY_FILE,
    ENV_APIV3_KEY,
    ENV_APIV3_KEY_FILE,
    ENV_PUBLIC_KEY_FILE,
    ENV_PUBLIC_KEY_ID,
    ENV_PLATFORM_CERT_DIR,
    ENV_PUBLIC_URL,
)
"""Every variable this module reads (for `gen serve --check`)."""


@dataclass(frozen=True)
class MerchantConfig:
    """What the gateway needs. The private key and the APIv3 key stay in `Secret`s and out of reprs."""

    mchid: str
    appid: str
    serial_no: str
    private_key_pem: Secret = field(repr=False)
    apiv3_key: Secret = field(repr=False)
    notify_url: str
    refund_notify_url: str
    platform_keys: Mapping[str, RSAPublicKey] = field(repr=False)
    public_key_id: str | None = None
    """Set in public key mode (the id wechatpayv3 sends as Wechatpay-Serial); None with certificates."""
    public_key_pem: str | None = field(default=None, repr=False)
    cert_dir: Path | None = None
    gateway: str = WECHATPAY_API


def _required(env: Mapping[str, str], name: str) -> str:
    value = env.get(name, "").strip()
    if not value:
        raise GenError(f"{name} is not set; WeChat Pay needs it (see `gen serve --check`)")
    return value


def _read_file(env: Mapping[str, str], name: str) -> str:
    path = _required(env, name)
    try:
        text = Path(path).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise GenError(f"{name} names a file that cannot be read ({type(exc).__name__})") from None
    if not text:
        raise GenError(f"{name} names an empty file")
    return text


def _apiv3_key(env: Mapping[str, str]) -> Secret:
    if env.get(ENV_APIV3_KEY, "").strip():
        value, name = env[ENV_APIV3_KEY].strip(), ENV_APIV3_KEY
    elif env.get(ENV_APIV3_KEY_FILE, "").strip():
        value, name = _read_file(env, ENV_APIV3_KEY_FILE).splitlines()[0].strip(), ENV_APIV3_KEY_FILE
    else:
        raise GenError(f"{ENV_APIV3_KEY} (or {ENV_APIV3_KEY_FILE}, a file holding it) is not set")
    if len(value.encode("utf-8")) != APIV3_KEY_LENGTH:
        raise GenError(f"the APIv3 key from {name} must be {APIV3_KEY_LENGTH} characters (商户平台 > API安全)")
    return Secret(value)


def _private_key(env: Mapping[str, str]) -> Secret:
    pem = _read_file(env, ENV_PRIVATE_KEY_FILE)
    try:
        key = load_pem_private_key(pem.encode("utf-8"), password=None)
    except (ValueError, TypeError):
        raise GenError(f"{ENV_PRIVATE_KEY_FILE} does not name an unencrypted PEM private key") from None
    if not isinstance(key, RSAPrivateKey):
        raise GenError(f"{ENV_PRIVATE_KEY_FILE} does not name an RSA private key")
    return Secret(pem)


def _public_url(env: Mapping[str, str], allow_http: bool) -> str:
    url = _required(env, ENV_PUBLIC_URL).rstrip("/")
    parts = urlsplit(url)
    if parts.scheme != "https" and not (allow_http and parts.scheme == "http"):
        raise GenError(f"{ENV_PUBLIC_URL} must be an https:// address: WeChat Pay only notifies https URLs")
    if not parts.netloc or parts.query or parts.fragment:
        raise GenError(f"{ENV_PUBLIC_URL} must be a plain address such as https://shop.example.com")
    return url


def load_public_key_pem(pem: str, name: str) -> RSAPublicKey:
    try:
        key = load_pem_public_key(pem.encode("utf-8"))
    except (ValueError, TypeError):
        raise GenError(f"{name} does not name a PEM public key (pub_key.pem)") from None
    if not isinstance(key, RSAPublicKey):
        raise GenError(f"{name} does not name an RSA public key")
    return key


def certificate_keys(folder: Path, now: datetime | None = None) -> dict[str, RSAPublicKey]:
    """The public keys of the platform certificates in `folder` valid at `now`, by upper-case hex serial."""
    moment = now or datetime.now(UTC)
    keys: dict[str, RSAPublicKey] = {}
    for path in sorted(folder.glob("*.pem")):
        try:
            cert = load_pem_x509_certificate(path.read_bytes())
        except (OSError, ValueError):
            continue
        key = cert.public_key()
        if cert.not_valid_before_utc <= moment <= cert.not_valid_after_utc and isinstance(key, RSAPublicKey):
            keys[format(cert.serial_number, "X")] = key
    return keys


def load_merchant_config(
    appid: str, environ: Mapping[str, str] | None = None, *, allow_http: bool = False
) -> MerchantConfig:
    """The merchant settings for the mini-program `appid`; GenError naming the first missing or bad variable.
    `allow_http` lets PUBLIC_URL be http:// (the fake platform on a laptop)."""
    env = os.environ if environ is None else environ
    mchid = _required(env, ENV_MCHID)
    serial_no = _required(env, ENV_SERIAL_NO)
    private_key = _private_key(env)
    apiv3_key = _apiv3_key(env)
    public_url = _public_url(env, allow_http)
    public_key_id: str | None = None
    public_key_pem: str | None = None
    cert_dir: Path | None = None
    if env.get(ENV_PUBLIC_KEY_FILE, "").strip() or env.get(ENV_PUBLIC_KEY_ID, "").strip():
        public_key_pem = _read_file(env, ENV_PUBLIC_KEY_FILE)
        public_key_id = _required(env, ENV_PUBLIC_KEY_ID)
        platform_keys = {public_key_id: load_public_key_pem(public_key_pem, ENV_PUBLIC_KEY_FILE)}
    elif env.get(ENV_PLATFORM_CERT_DIR, "").strip():
        cert_dir = Path(env[ENV_PLATFORM_CERT_DIR].strip())
        if not cert_dir.is_dir():
            raise GenError(f"{ENV_PLATFORM_CERT_DIR} does not name a folder")
        platform_keys = dict(certificate_keys(cert_dir))
        if not platform_keys:
            raise GenError(
                f"{ENV_PLATFORM_CERT_DIR} holds no platform certificate (*.pem) valid today; download them with "
                "WeChat's certificate tool, or use the platform public key (WECHATPAY_PUBLIC_KEY_FILE + _ID)"
            )
    else:
        raise GenError(
            f"set {ENV_PUBLIC_KEY_FILE} and {ENV_PUBLIC_KEY_ID} (微信支付公钥) or {ENV_PLATFORM_CERT_DIR} "
            "(platform certificates), so WeChat Pay's signatures can be verified"
        )
    return MerchantConfig(
        mchid=mchid,
        appid=appid,
        serial_no=serial_no,
        private_key_pem=private_key,
        apiv3_key=apiv3_key,
        notify_url=public_url + NOTIFY_PATH,
        refund_notify_url=public_url + REFUND_NOTIFY_PATH,
        platform_keys=platform_keys,
        public_key_id=public_key_id,
        public_key_pem=public_key_pem,
        cert_dir=cert_dir,
    )

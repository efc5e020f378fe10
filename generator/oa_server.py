"""`gen oa serve`: the Official Account's message server, answering from replies.json (an ASGI app).

WeChat calls it with a signature of (token, timestamp, nonce); messages are XML, parsed with
defusedxml (no DTDs, no entities), bodies are bounded, and every answer comes well within WeChat's
five seconds. Encrypted ("安全模式") messages are supported with an EncodingAESKey.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import struct
import time
from dataclasses import dataclass
from typing import Any

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

MAX_BODY_BYTES = 64 * 1024  # WeChat's messages are a few KB
EMPTY_REPLY = "success"  # what WeChat wants when there is nothing to say


def signature(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def text_reply(to_user: str, from_user: str, content: str, now: int) -> str:
    return (
        f"<xml><ToUserName>{_cdata(to_user)}</ToUserName><FromUserName>{_cdata(from_user)}</FromUserName>"
        f"<CreateTime>{now}</CreateTime><MsgType>{_cdata('text')}</MsgType><Content>{_cdata(content)}</Content></xml>"
    )


def choose_reply(replies: dict[str, Any], message: dict[str, str]) -> str:
    """The reply text for a parsed message, or '' when nothing applies."""
    kind = message.get("MsgType", "")
    if kind == "event":
        event = message.get("Event", "").lower()
        if event == "subscribe":
            return str(replies.get("subscribe", ""))
        if event == "click":
            return str(replies.get("clicks", {}).get(message.get("EventKey", ""), ""))
        return ""
    if kind == "text":
        said = _normalise(message.get("Content", ""))
        for rule in replies.get("keywords", []):
            words = [_normalise(w) for w in rule["words"]]
            if (rule["match"] == "exact" and said in words) or (
                rule["match"] == "contains" and any(w in said for w in words)
            ):
                return str(rule["text"])
    return ""


def _normalise(text: str) -> str:
    return "".join(text.split()).lower()


@dataclass(frozen=True)
class AesCrypto:
    """WeChat's message encryption: AES-256-CBC, IV = key[:16], PKCS#7 to 32 bytes, appid-tagged."""

    key: bytes
    appid: str

    @classmethod
    def from_encoding_key(cls, encoding_aes_key: str, appid: str) -> AesCrypto:
        key = base64.b64decode(encoding_aes_key + "=")
        if len(key) != 32:
            raise ValueError("EncodingAESKey must be the 43 characters shown in the console")
        return cls(key, appid)

    def _cipher(self):  # type: ignore[no-untyped-def]
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

        return Cipher(algorithms.AES(self.key), modes.CBC(self.key[:16]))

    def decrypt(self, encrypted: str) -> str:
        decryptor = self._cipher().decryptor()
        plain = decryptor.update(base64.b64decode(encrypted)) + decryptor.finalize()
        pad = plain[-1]
        if not 1 <= pad <= 32:
            raise ValueError("bad padding")
        plain = plain[:-pad]
        (length,) = struct.unpack(">I", plain[16:20])
        message, appid = plain[20 : 20 + length], plain[20 + length :].decode("utf-8")
        if appid != self.appid:
            raise ValueError("message for another AppID")
        return message.decode("utf-8")

    def encrypt(self, text: str) -> str:
        body = text.encode("utf-8")
        plain = secrets.token_bytes(16) + struct.pack(">I", len(body)) + body + self.appid.encode("utf-8")
        pad = 32 - len(plain) % 32
        plain += bytes([pad]) * pad
        encryptor = self._cipher().encryptor()
        return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode("ascii")


def create_app(replies: dict[str, Any], token: str, crypto: AesCrypto | None = None) -> Starlette:
    """The ASGI app; `replies` is the content of replies.json."""

    def signed(request: Request, *extra: str) -> bool:
        params = request.query_params
        given = params.get("msg_signature" if extra else "signature", "")
        expected = signature(token, params.get("timestamp", ""), params.get("nonce", ""), *extra)
        return hmac.compare_digest(given, expected)

    async def verify(request: Request) -> Response:
        if not signed(request):
            return Response(status_code=403)
        return PlainTextResponse(request.query_params.get("echostr", ""))

    async def receive(request: Request) -> Response:
        if not signed(request):
            return Response(status_code=403)
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_BODY_BYTES:
                return Response(status_code=413)
        try:
            root = ElementTree.fromstring(body)
            encrypted = root.findtext("Encrypt")
            if encrypted is not None:
                if crypto is None or not signed(request, encrypted):
                    return Response(status_code=403)
                root = ElementTree.fromstring(crypto.decrypt(encrypted))
        except (DefusedXmlException, ElementTree.ParseError, ValueError, UnicodeDecodeError):
            return Response(status_code=400)
        message = {child.tag: (child.text or "") for child in root}
        content = choose_reply(replies, message)
        if not content:
            return PlainTextResponse(EMPTY_REPLY)
        now = int(time.time())
        xml = text_reply(message.get("FromUserName", ""), message.get("ToUserName", ""), content, now)
        if crypto is not None and encrypted is not None:
            sealed = crypto.encrypt(xml)
            nonce = secrets.token_hex(8)
            xml = (
                f"<xml><Encrypt>{_cdata(sealed)}</Encrypt><MsgSignature>"
                f"{_cdata(signature(token, str(now), nonce, sealed))}</MsgSignature>"
                f"<TimeStamp>{now}</TimeStamp><Nonce>{_cdata(nonce)}</Nonce></xml>"
            )
        return Response(xml, media_type="application/xml")

    return Starlette(routes=[Route("/", verify, methods=["GET"]), Route("/", receive, methods=["POST"])])


def settings_from_env() -> tuple[str, AesCrypto | None]:
    """WECHAT_TOKEN (required), and for encrypted mode WECHAT_AES_KEY with WECHAT_APPID."""
    from .errors import GenError

    token = os.environ.get("WECHAT_TOKEN", "")
    if not token:
        raise GenError("WECHAT_TOKEN is not set; export the Token configured under 设置与开发 > 基本配置 > 服务器配置")
    aes_key = os.environ.get("WECHAT_AES_KEY", "")
    if not aes_key:
        return token, None
    appid = os.environ.get("WECHAT_APPID", "")
    if not appid:
        raise GenError("WECHAT_AES_KEY is set but WECHAT_APPID is not; encrypted mode needs both")
    try:
        return token, AesCrypto.from_encoding_key(aes_key, appid)
    except ValueError as exc:
        raise GenError(f"WECHAT_AES_KEY is not a valid EncodingAESKey ({exc})") from None

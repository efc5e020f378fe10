"""`gen oa serve`: the Official Account's message server, answering from replies.json (an ASGI app).

WeChat calls it with a signature of (token, timestamp, nonce); messages are XML, parsed with
defusedxml (no DTDs, no entities), bodies are bounded, and every answer comes well within WeChat's
five seconds. Encrypted ("安全模式") messages are supported with an EncodingAESKey. Stale timestamps
and replayed nonces are refused and WeChat's retries get the first answer again (see oa_replay). Logs
name what was refused, never the token, the key, openids or message text.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import secrets
import struct
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from .replay import WINDOW_SECONDS, ReplayGuard, message_key

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.ciphers import Cipher, modes

MAX_BODY_BYTES = 64 * 1024  # WeChat's messages are a few KB
EMPTY_REPLY = "success"  # what WeChat wants when there is nothing to say
HEADER_BYTES = 20  # 16 random bytes and the message length, before the message and the AppID

log = logging.getLogger(__name__)


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


class FollowerEvents(Protocol):
    """Where follows and unfollows go (`oa.followers.FollowerBook`); called in a worker thread."""

    def followed(self, openid: str, at: datetime) -> object: ...

    def unfollowed(self, openid: str, at: datetime) -> object: ...


def event_time(message: dict[str, str], now: float) -> datetime:
    """When the event happened: its CreateTime, unless that is further from our clock than a signed request
    may be (then now)."""
    created = message.get("CreateTime", "")
    moment = int(created) if created.isdigit() and abs(int(created) - now) <= WINDOW_SECONDS else now
    return datetime.fromtimestamp(moment, UTC)


def follower_task(followers: FollowerEvents | None, message: dict[str, str], now: float) -> BackgroundTask | None:
    """The recording of a subscribe or unsubscribe event, to run after the reply; None for other messages."""
    openid = message.get("FromUserName", "")
    if followers is None or message.get("MsgType") != "event" or not openid:
        return None
    event = message.get("Event", "").lower()
    if event == "subscribe":
        return BackgroundTask(followers.followed, openid, event_time(message, now))
    if event == "unsubscribe":
        return BackgroundTask(followers.unfollowed, openid, event_time(message, now))
    return None


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

    def _cipher(self) -> Cipher[modes.CBC]:
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

        return Cipher(algorithms.AES(self.key), modes.CBC(self.key[:16]))

    def decrypt(self, encrypted: str) -> str:
        """The message inside `encrypted`; ValueError (or UnicodeDecodeError) for anything malformed."""
        sealed = base64.b64decode(encrypted)
        if not sealed or len(sealed) % 16:
            raise ValueError("not a whole number of AES blocks")
        decryptor = self._cipher().decryptor()
        plain = decryptor.update(sealed) + decryptor.finalize()
        pad = plain[-1]
        if not 1 <= pad <= 32:
            raise ValueError("bad padding")
        plain = plain[:-pad]
        if len(plain) < HEADER_BYTES:
            raise ValueError("shorter than WeChat's header")
        (length,) = struct.unpack(">I", plain[16:HEADER_BYTES])
        if length > len(plain) - HEADER_BYTES:
            raise ValueError("the length is beyond the message")
        message = plain[HEADER_BYTES : HEADER_BYTES + length]
        appid = plain[HEADER_BYTES + length :].decode("utf-8")
        if appid != self.appid:
            raise ValueError("message for another AppID")
        return str(message.decode("utf-8"))

    def encrypt(self, text: str) -> str:
        body = text.encode("utf-8")
        plain = secrets.token_bytes(16) + struct.pack(">I", len(body)) + body + self.appid.encode("utf-8")
        pad = 32 - len(plain) % 32
        plain += bytes([pad]) * pad
        encryptor = self._cipher().encryptor()
        return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode("ascii")


def create_app(
    replies: dict[str, Any],
    token: str,
    crypto: AesCrypto | None = None,
    guard: ReplayGuard | None = None,
    followers: FollowerEvents | None = None,
) -> Starlette:
    """The ASGI app; `replies` is the content of replies.json; `followers` records follows (optional)."""
    guard = guard or ReplayGuard()
    clock: Callable[[], float] = guard.clock

    def signed(request: Request, *extra: str) -> bool:
        params = request.query_params
        given = params.get("msg_signature" if extra else "signature", "")
        expected = signature(token, params.get("timestamp", ""), params.get("nonce", ""), *extra)
        return hmac.compare_digest(given, expected)

    def refused(reason: str, status: int = 403) -> Response:
        log.warning("refused a request: %s", reason)
        return PlainTextResponse(reason, status_code=status)

    def replayed(request: Request, content: bytes) -> bool:
        params = request.query_params
        digest = hashlib.sha256(content).hexdigest()
        return guard.replayed(params.get("timestamp", ""), params.get("nonce", ""), digest)

    async def verify(request: Request) -> Response:
        if not signed(request):
            log.warning("refused a request: wrong signature")
            return Response(status_code=403)
        echo = request.query_params.get("echostr", "")
        problem = guard.stale(request.query_params.get("timestamp", ""))
        if problem:
            return refused(problem)
        if replayed(request, echo.encode("utf-8")):
            return refused("nonce already used")
        return PlainTextResponse(echo)

    async def receive(request: Request) -> Response:
        if not signed(request):
            log.warning("refused a request: wrong signature")
            return Response(status_code=403)
        problem = guard.stale(request.query_params.get("timestamp", ""))
        if problem:
            return refused(problem)
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_BODY_BYTES:
                return refused("body over 64 KB", 413)
        content = body
        try:
            root = ElementTree.fromstring(body)
            encrypted = root.findtext("Encrypt")
            if encrypted is not None:
                if crypto is None or not signed(request, encrypted):
                    log.warning("refused a request: wrong msg_signature or encrypted mode is off")
                    return Response(status_code=403)
                content = crypto.decrypt(encrypted).encode("utf-8")
                root = ElementTree.fromstring(content)
        except (DefusedXmlException, ElementTree.ParseError, ValueError, UnicodeDecodeError):
            return refused("malformed message", 400)
        if replayed(request, content):
            return refused("nonce already used")
        message = {child.tag: (child.text or "") for child in root}
        key = message_key(message)
        xml = guard.reply_for(key)
        task = None
        if xml is None:
            text = choose_reply(replies, message)
            to_user, account = message.get("FromUserName", ""), message.get("ToUserName", "")
            xml = text_reply(to_user, account, text, int(clock())) if text else ""
            guard.remember_reply(key, xml)
            task = follower_task(followers, message, clock())
        else:
            log.info("answered WeChat's retry of a message with the first reply")
        if not xml:
            return PlainTextResponse(EMPTY_REPLY, background=task)
        if crypto is not None and encrypted is not None:
            now = str(int(clock()))
            sealed = crypto.encrypt(xml)
            nonce = secrets.token_hex(8)
            xml = (
                f"<xml><Encrypt>{_cdata(sealed)}</Encrypt><MsgSignature>"
                f"{_cdata(signature(token, now, nonce, sealed))}</MsgSignature>"
                f"<TimeStamp>{now}</TimeStamp><Nonce>{_cdata(nonce)}</Nonce></xml>"
            )
        return Response(xml, media_type="application/xml", background=task)

    return Starlette(routes=[Route("/", verify, methods=["GET"]), Route("/", receive, methods=["POST"])])


def settings_from_env() -> tuple[str, AesCrypto | None]:
    """WECHAT_TOKEN (required), and for encrypted mode WECHAT_AES_KEY with WECHAT_APPID."""
    from ..errors import GenError

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

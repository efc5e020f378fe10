"""`gen oa serve` under real HTTP (uvicorn on 127.0.0.1): signatures, replies, hostile XML, concurrency, AES,
stale timestamps and replays."""

from __future__ import annotations

import base64
import json
import secrets
import socket
import threading
import time
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import uvicorn

from generator.oa.server import AesCrypto, create_app, signature

TOKEN = "server-token"
APPID = "wx0123456789abcdef"
AES_KEY = base64.b64encode(bytes(range(32))).decode().rstrip("=")
REPLIES = {
    "subscribe": "欢迎关注！",
    "keywords": [
        {"match": "exact", "words": ["你好"], "text": "你好呀"},
        {"match": "contains", "words": ["地址"], "text": "我们在杭州。"},
    ],
    "clicks": {"GIFT": "新人礼包已发放 ]]> 不会截断", "MPGEN_CONTACT": "电话：400-000-0000"},
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    port = free_port()
    crypto = AesCrypto.from_encoding_key(AES_KEY, APPID)
    config = uvicorn.Config(create_app(REPLIES, TOKEN, crypto), host="127.0.0.1", port=port, log_level="error")
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not instance.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}/"
    instance.should_exit = True
    thread.join(timeout=5)


def signed(extra: dict | None = None, forged: bool = False, timestamp: int | None = None) -> dict:
    """Query parameters as WeChat signs them: a fresh nonce each time (a repeated one is a replay)."""
    timestamp, nonce = str(int(time.time()) if timestamp is None else timestamp), secrets.token_hex(6)
    params = {"timestamp": timestamp, "nonce": nonce, "signature": signature(TOKEN, timestamp, nonce)}
    if forged:
        params["signature"] = "0" * 40
    return {**params, **(extra or {})}


def message(kind: str, **fields: str) -> str:
    body = "".join(f"<{k}><![CDATA[{v}]]></{k}>" for k, v in fields.items())
    return (
        f"<xml><ToUserName><![CDATA[gh_account]]></ToUserName><FromUserName><![CDATA[openid-1]]></FromUserName>"
        f"<CreateTime>1700000000</CreateTime><MsgType><![CDATA[{kind}]]></MsgType>{body}</xml>"
    )


def content_of(response: httpx.Response) -> str:
    root = ET.fromstring(response.text)
    assert root.findtext("ToUserName") == "openid-1" and root.findtext("FromUserName") == "gh_account"
    return root.findtext("Content")


def test_server_verification_echoes_only_with_a_valid_signature(server) -> None:
    ok = httpx.get(server, params=signed({"echostr": "12345"}))
    assert ok.status_code == 200 and ok.text == "12345"
    forged = httpx.get(server, params=signed({"echostr": "12345"}, forged=True))
    assert forged.status_code == 403 and forged.text == ""


@pytest.mark.parametrize(
    "body,expected",
    [
        (message("event", Event="subscribe"), "欢迎关注！"),
        (message("event", Event="CLICK", EventKey="GIFT"), "新人礼包已发放 ]]> 不会截断"),
        (message("event", Event="CLICK", EventKey="MPGEN_CONTACT"), "电话：400-000-0000"),
        (message("text", Content="你好"), "你好呀"),
        (message("text", Content=" 你 好 "), "你好呀"),
        (message("text", Content="请问门店地址在哪"), "我们在杭州。"),
    ],
)
def test_replies(server, body: str, expected: str) -> None:
    response = httpx.post(server, params=signed(), content=body.encode())
    assert response.status_code == 200 and content_of(response) == expected


def test_unknown_messages_get_success(server) -> None:
    for body in (
        message("text", Content="随便说说"),
        message("image", PicUrl="https://x"),
        message("event", Event="VIEW"),
    ):
        response = httpx.post(server, params=signed(), content=body.encode())
        assert response.status_code == 200 and response.text == "success"


def test_forged_signature_is_403_with_no_body(server) -> None:
    response = httpx.post(server, params=signed(forged=True), content=message("text", Content="你好").encode())
    assert response.status_code == 403 and response.content == b""


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
    + "]><xml><Content>&lol9;</Content></xml>"
)
XXE = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><xml><Content>&xxe;</Content></xml>'


@pytest.mark.parametrize("payload", [BILLION_LAUGHS, XXE, "<xml><unclosed>", "not xml at all"])
def test_hostile_or_broken_xml_is_refused_quickly(server, payload: str) -> None:
    started = time.monotonic()
    response = httpx.post(server, params=signed(), content=payload.encode())
    assert response.status_code == 400 and "root:" not in response.text
    assert time.monotonic() - started < 2


def test_oversized_body_is_refused(server) -> None:
    response = httpx.post(server, params=signed(), content=b"<xml>" + b"a" * 200_000 + b"</xml>")
    assert response.status_code == 413


def test_a_hundred_concurrent_messages_are_all_answered(server) -> None:
    def ask(i: int) -> tuple[int, str]:
        content = "你好" if i % 2 else f"地址{i}"
        response = httpx.post(server, params=signed(), content=message("text", Content=content).encode(), timeout=10)
        return i, content_of(response)

    with ThreadPoolExecutor(max_workers=50) as pool:
        answers = dict(pool.map(ask, range(100)))
    assert len(answers) == 100
    assert all(answers[i] == ("你好呀" if i % 2 else "我们在杭州。") for i in range(100))


def test_encrypted_mode_round_trip(server) -> None:
    crypto = AesCrypto.from_encoding_key(AES_KEY, APPID)
    sealed = crypto.encrypt(message("text", Content="你好"))
    params = signed({"encrypt_type": "aes"})
    params["msg_signature"] = signature(TOKEN, params["timestamp"], params["nonce"], sealed)
    body = f"<xml><ToUserName><![CDATA[gh_account]]></ToUserName><Encrypt><![CDATA[{sealed}]]></Encrypt></xml>"
    response = httpx.post(server, params=params, content=body.encode())
    assert response.status_code == 200
    root = ET.fromstring(response.text)
    encrypted = root.findtext("Encrypt")
    assert root.findtext("MsgSignature") == signature(
        TOKEN, root.findtext("TimeStamp"), root.findtext("Nonce"), encrypted
    )
    assert ET.fromstring(crypto.decrypt(encrypted)).findtext("Content") == "你好呀"
    params["msg_signature"] = "0" * 40
    assert httpx.post(server, params=params, content=body.encode()).status_code == 403


def seal_raw(plain: bytes) -> str:
    """AES-CBC as WeChat does it, around any bytes (not necessarily a well-framed message)."""
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    key = base64.b64decode(AES_KEY + "=")
    pad = 32 - len(plain) % 32
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(encryptor.update(plain + bytes([pad]) * pad) + encryptor.finalize()).decode()


def post_encrypted(server: str, sealed: str) -> httpx.Response:
    params = signed({"encrypt_type": "aes"})
    params["msg_signature"] = signature(TOKEN, params["timestamp"], params["nonce"], sealed)
    body = f"<xml><ToUserName><![CDATA[gh_account]]></ToUserName><Encrypt><![CDATA[{sealed}]]></Encrypt></xml>"
    return httpx.post(server, params=params, content=body.encode())


@pytest.mark.parametrize(
    "plain",
    [b"", b"short", bytes(16), bytes(19), bytes(16) + b"\xff\xff\xff\xff" + APPID.encode(), bytes(20) + b"\xff"],
    ids=["empty", "5 bytes", "16 bytes", "19 bytes", "length beyond the end", "AppID not UTF-8"],
)
def test_a_signed_but_malformed_encrypted_message_is_400_not_500(server, plain: bytes) -> None:
    response = post_encrypted(server, seal_raw(plain))
    assert response.status_code == 400 and response.text == "malformed message"


@pytest.mark.parametrize("sealed", ["", "QUJD", "!!!"], ids=["empty Encrypt", "3 bytes", "not base64"])
def test_an_encrypt_field_that_is_not_ciphertext_is_400(server, sealed: str) -> None:
    assert post_encrypted(server, sealed).status_code == 400


# The exact edges (300 s in, 301 s out) are tested with a controlled clock in test_oa_replay.py; a real server
# receives the request a moment later, so these stay well clear of them.
@pytest.mark.parametrize("offset", [None, -330, 330, 3600], ids=["2001", "-330 s", "+330 s", "+1 h"])
def test_a_timestamp_outside_five_minutes_is_refused(server, offset: int | None) -> None:
    when = 978307200 if offset is None else int(time.time()) + offset  # 978307200: 2001-01-01
    post = httpx.post(server, params=signed(timestamp=when), content=message("text", Content="你好").encode())
    assert post.status_code == 403 and post.text == "stale timestamp"
    get = httpx.get(server, params=signed({"echostr": "1"}, timestamp=when))
    assert get.status_code == 403 and get.text == "stale timestamp"


def test_a_timestamp_within_five_minutes_is_accepted(server) -> None:
    for offset in (-270, 270):
        response = httpx.post(
            server, params=signed(timestamp=int(time.time()) + offset), content=message("text", Content="你好").encode()
        )
        assert response.status_code == 200 and content_of(response) == "你好呀"


@pytest.mark.parametrize("timestamp", ["", "abc", "1e9", "-5", "１７００００００００"])
def test_a_timestamp_that_is_not_a_number_is_refused(server, timestamp: str) -> None:
    nonce = secrets.token_hex(6)
    params = {"timestamp": timestamp, "nonce": nonce, "signature": signature(TOKEN, timestamp, nonce)}
    response = httpx.post(server, params=params, content=message("text", Content="你好").encode())
    assert response.status_code == 403 and response.text == "bad timestamp"


def test_a_replayed_nonce_with_another_message_is_refused(server) -> None:
    params = signed()
    first = httpx.post(server, params=params, content=message("text", Content="你好").encode())
    assert first.status_code == 200
    replay = httpx.post(server, params=params, content=message("text", Content="请问地址").encode())
    assert replay.status_code == 403 and replay.text == "nonce already used"
    echo = signed({"echostr": "1"})
    assert httpx.get(server, params=echo).text == "1"
    assert httpx.get(server, params={**echo, "echostr": "2"}).status_code == 403


def test_wechat_retrying_with_the_same_nonce_gets_the_same_reply(server) -> None:
    params, body = signed(), message("text", Content="你好", MsgId="7001").encode()
    answers = [httpx.post(server, params=params, content=body) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert answers[0].text == answers[1].text == answers[2].text and content_of(answers[2]) == "你好呀"


def test_wechat_retrying_an_encrypted_message_with_the_same_nonce_gets_the_same_reply(server) -> None:
    crypto = AesCrypto.from_encoding_key(AES_KEY, APPID)
    params = signed({"encrypt_type": "aes"})
    answers = []
    for _ in range(2):  # WeChat may encrypt the retry afresh: the same message, other ciphertext
        sealed = crypto.encrypt(message("text", Content="你好", MsgId="7002"))
        params["msg_signature"] = signature(TOKEN, params["timestamp"], params["nonce"], sealed)
        body = f"<xml><ToUserName><![CDATA[gh_account]]></ToUserName><Encrypt><![CDATA[{sealed}]]></Encrypt></xml>"
        answers.append(httpx.post(server, params=params, content=body.encode()))
    assert [a.status_code for a in answers] == [200, 200]
    replies = [ET.fromstring(crypto.decrypt(ET.fromstring(a.text).findtext("Encrypt"))) for a in answers]
    assert [r.findtext("Content") for r in replies] == ["你好呀", "你好呀"]
    assert replies[0].findtext("CreateTime") == replies[1].findtext("CreateTime")


def test_serve_needs_the_token(make_site, monkeypatch) -> None:
    from click.testing import CliRunner

    from generator.cli import main

    monkeypatch.delenv("WECHAT_TOKEN", raising=False)
    result = CliRunner().invoke(main, ["oa", "serve", str(make_site())])
    assert result.exit_code == 2 and "WECHAT_TOKEN is not set" in result.output


def test_serve_keeps_openids_out_of_the_access_log(make_site, monkeypatch) -> None:
    from click.testing import CliRunner

    from generator.cli import main

    from .test_oa_client import SITE

    ran: dict = {}
    monkeypatch.setenv("WECHAT_TOKEN", TOKEN)
    monkeypatch.delenv("WECHAT_AES_KEY", raising=False)
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: ran.update(options))
    result = CliRunner().invoke(main, ["oa", "serve", str(make_site(SITE)), "--port", "8099"])
    assert result.exit_code == 0, result.output
    assert ran["access_log"] is False and ran["host"] == "127.0.0.1" and ran["port"] == 8099
    assert TOKEN not in result.output


def test_replies_json_of_an_example_drives_the_server() -> None:
    from generator.build import build

    from .conftest import REPO

    result = build(REPO / "sites" / "beibei", write=False)
    replies = json.loads(next(f for f in result.files if f.path == "official-account/replies.json").data)
    from generator.oa.server import choose_reply

    assert "新人礼包" in choose_reply(replies, {"MsgType": "event", "Event": "subscribe"})
    assert "门店" in choose_reply(replies, {"MsgType": "text", "Content": "你们的门店在哪里"})

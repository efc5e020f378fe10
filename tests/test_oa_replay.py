"""Replay protection of `gen oa serve` with a clock the tests move: windows, bounded memory, WeChat's
retries answered from memory, any ciphertext refused cleanly, and logs free of secrets and openids."""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import logging
import xml.etree.ElementTree as ET
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.oa.replay import ExpiringMemory, ReplayGuard, message_key
from generator.oa.server import AesCrypto, create_app, signature

from .test_oa_server import AES_KEY, APPID, REPLIES, TOKEN, message, seal_raw

START = 1_700_000_000.0


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


class App:
    """The server's ASGI app called in process through httpx (no sockets, the test's clock)."""

    def __init__(self, asgi: Any) -> None:
        self.asgi = asgi

    def post(self, path: str, params: dict[str, str], content: bytes) -> httpx.Response:
        async def send() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.asgi)
            async with httpx.AsyncClient(transport=transport, base_url="http://wechat.test") as http:
                return await http.post(path, params=params, content=content)

        # Its own thread and event loop: a Playwright browser fixture may hold a running loop on this one.
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as thread:
            return thread.submit(asyncio.run, send()).result()


def client(clock: Clock, crypto: AesCrypto | None = None, **limits: int) -> App:
    return App(create_app(REPLIES, TOKEN, crypto, ReplayGuard(clock=clock, **limits)))


def params(timestamp: float, nonce: str) -> dict[str, str]:
    ts = str(int(timestamp))
    return {"timestamp": ts, "nonce": nonce, "signature": signature(TOKEN, ts, nonce)}


def test_the_window_is_five_minutes_either_way(clock: Clock) -> None:
    guard = ReplayGuard(clock=clock)
    assert guard.stale(str(int(START) - 300)) is None and guard.stale(str(int(START) + 300)) is None
    assert guard.stale(str(int(START) - 301)) == guard.stale(str(int(START) + 301)) == "stale timestamp"
    assert guard.stale("9" * 13) == "bad timestamp"  # no giant integers parsed


def test_a_nonce_is_remembered_while_its_timestamp_is_acceptable(clock: Clock) -> None:
    guard = ReplayGuard(clock=clock)
    ts = str(int(START))
    assert not guard.replayed(ts, "n1", "message A")
    assert not guard.replayed(ts, "n1", "message A")  # WeChat's retry: same content
    assert guard.replayed(ts, "n1", "message B")
    assert not guard.replayed(ts, "n2", "message B")
    clock.now += 301  # the timestamp is stale now, so the nonce may be forgotten
    assert guard.stale(ts) == "stale timestamp"
    assert not guard.replayed(ts, "n1", "message B")


@settings(max_examples=50, deadline=None)
@given(
    capacity=st.integers(1, 20),
    steps=st.lists(st.tuples(st.integers(0, 30), st.integers(0, 5), st.integers(1, 50)), max_size=200),
)
def test_the_memory_never_holds_more_than_its_capacity_or_expired_entries(
    capacity: int, steps: list[tuple[int, int, int]]
) -> None:
    memory: ExpiringMemory[int] = ExpiringMemory(capacity)
    now = 0.0
    for key, advance, ttl in steps:
        now += advance
        memory.put(key, key, now + ttl, now)
        assert len(memory) <= capacity
        assert memory.get(key, now) == key  # the newest entry is always there
    later = now + 51
    assert all(memory.get(key, later) is None for key, _, _ in steps)
    memory.put("x", 1, later + 1, later)
    assert len(memory) == 1  # everything expired was dropped, not just hidden


def test_a_flood_of_fresh_nonces_stays_within_the_cap(clock: Clock) -> None:
    guard = ReplayGuard(clock=clock, nonce_capacity=50, reply_capacity=10)
    app = App(create_app(REPLIES, TOKEN, None, guard))
    for i in range(200):
        body = message("text", Content="你好", MsgId=str(i)).encode()
        assert app.post("/", params=params(START, f"n{i}"), content=body).status_code == 200
    assert guard.sizes() == (50, 10)
    clock.now += 301
    assert not guard.replayed(str(int(clock.now)), "late", "x") and guard.sizes() == (1, 10)


def test_a_retry_with_a_new_nonce_gets_the_first_reply_byte_for_byte(clock: Clock) -> None:
    app = client(clock)
    body = message("text", Content="你好", MsgId="42").encode()
    first = app.post("/", params=params(clock.now, "first"), content=body)
    clock.now += 5  # WeChat waited 5 s for an answer it never got, and tries again
    retry = app.post("/", params=params(clock.now, "second"), content=body)
    assert first.status_code == retry.status_code == 200
    assert retry.text == first.text and ET.fromstring(retry.text).findtext("CreateTime") == str(int(START))
    another = message("text", Content="你好", MsgId="43").encode()
    other = app.post("/", params=params(clock.now, "third"), content=another)
    assert ET.fromstring(other.text).findtext("CreateTime") == str(int(START) + 5)


def test_a_retried_event_gets_the_first_answer_and_other_events_their_own(clock: Clock) -> None:
    app = client(clock)
    click = message("event", Event="CLICK", EventKey="GIFT").encode()
    first = app.post("/", params=params(clock.now, "a"), content=click)
    clock.now += 5
    assert app.post("/", params=params(clock.now, "b"), content=click).text == first.text
    contact = message("event", Event="CLICK", EventKey="MPGEN_CONTACT").encode()
    assert "400-000-0000" in app.post("/", params=params(clock.now, "c"), content=contact).text


def test_message_keys_follow_wechats_advice() -> None:
    text = {"FromUserName": "u", "CreateTime": "1", "MsgType": "text", "Content": "a", "MsgId": "9"}
    assert message_key(text) == message_key({**text, "Content": "b"}) == ("msg", "u", "9")
    event = {"FromUserName": "u", "CreateTime": "1", "MsgType": "event", "Event": "CLICK", "EventKey": "A"}
    assert message_key(event) != message_key({**event, "EventKey": "B"})
    assert message_key({"MsgType": "text"}) is None


@settings(max_examples=300, deadline=None)
@given(plain=st.binary(max_size=120))
def test_any_ciphertext_decrypts_to_a_message_or_a_value_error(plain: bytes) -> None:
    crypto = AesCrypto.from_encoding_key(AES_KEY, APPID)
    try:
        crypto.decrypt(seal_raw(plain))
    except ValueError:  # includes UnicodeDecodeError; never struct.error or IndexError
        pass


@settings(max_examples=100, deadline=None)
@given(text=st.text(max_size=200))
def test_what_we_encrypt_decrypts_back(text: str) -> None:
    crypto = AesCrypto.from_encoding_key(AES_KEY, APPID)
    assert crypto.decrypt(crypto.encrypt(text)) == text


def test_logs_name_the_refusal_but_never_secrets_openids_or_text(clock: Clock, caplog) -> None:
    crypto = AesCrypto.from_encoding_key(AES_KEY, APPID)
    app = client(clock, crypto)
    openid, said = "oUSER-openid-secret-ish", "我的手机号13800000000"
    body = message("text", Content=said, MsgId="1").replace("openid-1", openid).encode()
    caplog.set_level(logging.DEBUG)
    assert app.post("/", params=params(START, "ok"), content=body).status_code == 200
    assert app.post("/", params=params(START - 3600, "old"), content=body).status_code == 403
    replay = body.replace(b"[1]]></MsgId>", b"[2]]></MsgId>")
    assert replay != body and app.post("/", params=params(START, "ok"), content=replay).status_code == 403
    forged = {**params(START, "f"), "signature": "0" * 40}
    assert app.post("/", params=forged, content=body).status_code == 403
    sealed = seal_raw(b"short")
    query = {**params(START, "enc"), "msg_signature": signature(TOKEN, str(int(START)), "enc", sealed)}
    assert app.post("/", params=query, content=f"<xml><Encrypt>{sealed}</Encrypt></xml>".encode()).status_code == 400
    logged = caplog.text
    for reason in ("stale timestamp", "nonce already used", "wrong signature", "malformed message"):
        assert f"refused a request: {reason}" in logged
    for secret in (TOKEN, AES_KEY, base64.b64decode(AES_KEY + "=").hex(), openid, said):
        assert secret not in logged

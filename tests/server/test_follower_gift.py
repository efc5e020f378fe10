"""The Official Account's follower gift on both databases: followers recorded by `gen oa serve`, the gift
opened once per person, granted at once or at that person's mini-program login (`deliver_waiting`), under
replays, re-follows and parallel deliveries, sold out, and with the database down (the reply still goes)."""

from __future__ import annotations

import logging
import secrets
import shutil
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from click.testing import CliRunner
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import TestClient

from generator.build import build
from generator.cli import main
from generator.errors import GenError
from generator.oa.fake import FakeOaClient, FakeOfficialAccountApi
from generator.oa.followers import FollowerBook, gift_coupon
from generator.oa.server import create_app, signature
from generator.server.app import create_app as create_shop
from generator.server.coupon_models import UserCoupon
from generator.server.db import make_sessionmaker
from generator.server.fake_wechat import fake_unionid
from generator.server.follower_gifts import deliver_waiting
from generator.server.growth_models import Follower, FollowerGiftRow, RewardGrant
from generator.server.models import User
from generator.spec.site import Commerce

from .conftest import login, race, shop_settings

SITE = Path(__file__).parent / "sites" / "follower"
TOKEN = "follower-token"
T0 = datetime(2026, 5, 1, 2, 0, tzinfo=UTC)
UNREACHABLE = "postgresql+psycopg://mpgen:wrong@127.0.0.1:1/nowhere"


@pytest.fixture(scope="module")
def built() -> Any:
    return build(SITE, write=False)


@pytest.fixture(scope="module")
def commerce(built: Any) -> Commerce:
    spec: Commerce = built.site.spec.commerce
    return spec


@pytest.fixture(scope="module")
def replies(built: Any) -> dict[str, Any]:
    import json

    files = {f.path: f.data for f in built.files}
    answer: dict[str, Any] = json.loads(files["official-account/replies.json"])
    return answer


@pytest.fixture
def sessions(db_engine: Engine) -> sessionmaker[Session]:
    return make_sessionmaker(db_engine)


def make_book(url: str, commerce: Commerce | None, fake: FakeOfficialAccountApi | None = None) -> FollowerBook:
    book = FollowerBook(url, gift_coupon(commerce) if commerce else None, FakeOaClient(fake))
    return book


@pytest.fixture
def book(database_url: str, commerce: Commerce) -> Iterator[FollowerBook]:
    made = make_book(database_url, commerce)
    assert made.start() is None
    yield made
    made.close()


def shopper(sessions: sessionmaker[Session], name: str) -> User:
    """The mini-program user of the fake login code `name` (same UnionID as the follower `name`)."""
    with sessions() as session:
        user = User(
            ref=secrets.token_urlsafe(16), openid=f"mp-{name}-{secrets.token_hex(4)}", unionid=fake_unionid(name)
        )
        session.add(user)
        session.commit()
        return user


def gifts(sessions: sessionmaker[Session]) -> list[FollowerGiftRow]:
    with sessions() as session:
        return list(session.execute(select(FollowerGiftRow).order_by(FollowerGiftRow.person)).scalars())


def follower(sessions: sessionmaker[Session], openid: str) -> Follower:
    with sessions() as session:
        return session.execute(select(Follower).where(Follower.openid == openid)).scalar_one()


def held(sessions: sessionmaker[Session], user: User | None = None) -> list[UserCoupon]:
    with sessions() as session:
        query = select(UserCoupon).order_by(UserCoupon.id)
        if user is not None:
            query = query.where(UserCoupon.user_id == user.id)
        return list(session.execute(query).scalars())


def deliver(sessions: sessionmaker[Session], user: User, commerce: Commerce, now: datetime) -> int:
    with sessions() as session:
        given = deliver_waiting(session, user, commerce, now)
        session.commit()
        return given


# --- the service functions, through the book -------------------------------------------------------------


def test_a_follow_opens_a_waiting_gift_that_the_first_login_delivers_once(
    book: FollowerBook, sessions: sessionmaker[Session], commerce: Commerce
) -> None:
    assert book.followed("alice", T0) == "waiting"
    row = follower(sessions, "alice")
    assert row.subscribed and row.subscribed_at == T0 and row.unsubscribed_at is None
    assert row.unionid == fake_unionid("alice")
    [gift] = gifts(sessions)
    assert (gift.person, gift.state, gift.coupon_id, gift.user_id) == (
        f"unionid:{fake_unionid('alice')}",
        "waiting",
        "welcome",
        None,
    )
    assert held(sessions) == []

    user = shopper(sessions, "alice")
    later = T0 + timedelta(days=2)
    assert deliver(sessions, user, commerce, later) == 1
    [coupon] = held(sessions, user)
    assert coupon.coupon_id == "welcome" and coupon.claimed_at == later
    [gift] = gifts(sessions)
    assert (gift.state, gift.user_id, gift.granted_at) == ("granted", user.id, later)
    with sessions() as session:
        [reward] = session.execute(select(RewardGrant)).scalars()
    assert (reward.user_id, reward.rule, reward.coupon_code, reward.state) == (
        user.id,
        "follower",
        coupon.code,
        "granted",
    )

    assert deliver(sessions, user, commerce, later + timedelta(hours=1)) == 0
    assert len(held(sessions, user)) == 1


def test_a_login_of_someone_else_or_without_unionid_delivers_nothing(
    book: FollowerBook, sessions: sessionmaker[Session], commerce: Commerce
) -> None:
    book.followed("alice", T0)
    assert deliver(sessions, shopper(sessions, "bob"), commerce, T0) == 0
    with sessions() as session:
        nobody = User(ref=secrets.token_urlsafe(16), openid="mp-no-unionid", unionid=None)
        session.add(nobody)
        session.commit()
    assert deliver(sessions, nobody, commerce, T0) == 0
    assert [g.state for g in gifts(sessions)] == ["waiting"] and held(sessions) == []


def test_a_follow_of_an_existing_shopper_grants_at_once(
    book: FollowerBook, sessions: sessionmaker[Session], commerce: Commerce
) -> None:
    user = shopper(sessions, "bob")
    assert book.followed("bob", T0) == "granted"
    [coupon] = held(sessions, user)
    [gift] = gifts(sessions)
    assert (gift.state, gift.user_id, gift.granted_at, coupon.coupon_id) == ("granted", user.id, T0, "welcome")
    assert deliver(sessions, user, commerce, T0 + timedelta(days=1)) == 0
    assert len(held(sessions, user)) == 1


def test_a_replayed_event_and_a_refollow_give_one_gift(book: FollowerBook, sessions: sessionmaker[Session]) -> None:
    user = shopper(sessions, "carol")
    assert book.followed("carol", T0) == "granted"
    assert book.followed("carol", T0) is None  # the same event again
    book.unfollowed("carol", T0 + timedelta(minutes=1))
    assert not follower(sessions, "carol").subscribed
    assert book.followed("carol", T0 + timedelta(minutes=2)) is None
    row = follower(sessions, "carol")
    assert row.subscribed and row.subscribed_at == T0 + timedelta(minutes=2) and row.unsubscribed_at is None
    assert len(gifts(sessions)) == 1 and len(held(sessions, user)) == 1


def test_twenty_parallel_follows_of_one_person_give_one_gift(
    book: FollowerBook, sessions: sessionmaker[Session]
) -> None:
    user = shopper(sessions, "dave")
    states = race(20, lambda i: book.followed("dave", T0 + timedelta(seconds=i)))
    assert states.count("granted") == 1 and states.count(None) == 19
    assert len(gifts(sessions)) == 1 and len(held(sessions, user)) == 1
    row = follower(sessions, "dave")
    assert row.subscribed and row.subscribed_at == T0 + timedelta(seconds=19)


def test_two_logins_at_once_deliver_once(
    book: FollowerBook, sessions: sessionmaker[Session], commerce: Commerce
) -> None:
    book.followed("erin", T0)
    user = shopper(sessions, "erin")
    given = race(10, lambda _i: deliver(sessions, user, commerce, T0 + timedelta(days=1)))
    assert sorted(given) == [0] * 9 + [1]  # type: ignore[type-var]
    assert len(held(sessions, user)) == 1


def test_an_unfollow_is_recorded_and_the_gift_stays(book: FollowerBook, sessions: sessionmaker[Session]) -> None:
    book.followed("frank", T0)
    book.unfollowed("frank", T0 + timedelta(hours=1))
    row = follower(sessions, "frank")
    assert not row.subscribed and row.unsubscribed_at == T0 + timedelta(hours=1) and row.subscribed_at == T0
    assert [g.state for g in gifts(sessions)] == ["waiting"]
    # events handled out of order: an older follow or unfollow changes nothing
    book.followed("frank", T0 + timedelta(minutes=30))
    assert not follower(sessions, "frank").subscribed
    book.followed("frank", T0 + timedelta(hours=2))
    book.unfollowed("frank", T0 + timedelta(hours=1, minutes=30))
    assert follower(sessions, "frank").subscribed
    book.unfollowed("nobody-we-know", T0)  # followed before anything was recorded
    with sessions() as session:
        assert session.execute(select(func.count()).select_from(Follower)).scalar_one() == 1


def test_without_a_gift_followers_are_still_recorded(database_url: str, sessions: sessionmaker[Session]) -> None:
    book = make_book(database_url, None)
    try:
        assert book.start() is None
        assert book.followed("grace", T0) is None
    finally:
        book.close()
    assert follower(sessions, "grace").unionid == fake_unionid("grace")
    assert gifts(sessions) == []


def test_a_sold_out_gift_is_recorded_as_such(
    database_url: str, sessions: sessionmaker[Session], commerce: Commerce
) -> None:
    scarce = commerce.model_copy(
        update={"coupons": [c.model_copy(update={"total": 1}) if c.id == "welcome" else c for c in commerce.coupons]}
    )
    book = make_book(database_url, scarce)
    try:
        assert book.start() is None
        first, second = shopper(sessions, "heidi"), shopper(sessions, "ivan")
        assert book.followed("heidi", T0) == "granted"
        assert book.followed("ivan", T0) == "sold_out"
        assert book.followed("judy", T0) == "waiting"
    finally:
        book.close()
    late = shopper(sessions, "judy")
    assert deliver(sessions, late, scarce, T0 + timedelta(days=1)) == 0
    states = {g.openid: (g.state, g.user_id) for g in gifts(sessions)}
    assert states == {"heidi": ("granted", first.id), "ivan": ("sold_out", second.id), "judy": ("sold_out", late.id)}
    assert len(held(sessions)) == 1
    with sessions() as session:
        rewards = {r.user_id: r.state for r in session.execute(select(RewardGrant)).scalars()}
    assert rewards == {first.id: "granted", second.id: "sold_out", late.id: "sold_out"}


def test_an_account_without_unionids_keeps_the_gift_under_its_openid(
    database_url: str, sessions: sessionmaker[Session], commerce: Commerce, caplog: pytest.LogCaptureFixture
) -> None:
    book = make_book(database_url, commerce, FakeOfficialAccountApi(unbound=True))
    try:
        assert book.start() is None
        assert book.followed("kim", T0) == "waiting"
        with caplog.at_level(logging.WARNING):
            assert book.followed("invalid-lee", T0) == "waiting"  # user/info refused: recorded anyway
    finally:
        book.close()
    assert [(g.person, g.unionid) for g in gifts(sessions)] == [("openid:invalid-lee", None), ("openid:kim", None)]
    assert "no UnionID for a new follower" in caplog.text and "40003" in caplog.text
    assert "invalid-lee" not in caplog.text


def test_the_client_reads_the_unionid_and_refuses_a_malformed_one() -> None:
    fake = FakeOfficialAccountApi()
    client = FakeOaClient(fake)
    assert client.unionid("alice") == fake_unionid("alice") and fake.lookups == 1
    with pytest.raises(GenError, match="40003"):
        client.unionid("invalid-x")
    fake.handle = lambda path, query, body: (  # type: ignore[method-assign]
        {"access_token": "t"} if path.endswith("stable_token") else {"openid": "x", "unionid": "x" * 65}
    )
    with pytest.raises(GenError, match="malformed unionid"):
        FakeOaClient(fake).unionid("alice")


# --- through the message server ---------------------------------------------------------------------------


def post(client: TestClient, openid: str, event: str, created: int | None = None) -> Any:
    timestamp, nonce = str(int(time.time())), secrets.token_hex(6)
    body = (
        f"<xml><ToUserName><![CDATA[gh_shop]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{created or int(time.time())}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
        f"<Event><![CDATA[{event}]]></Event></xml>"
    )
    params = {"timestamp": timestamp, "nonce": nonce, "signature": signature(TOKEN, timestamp, nonce)}
    return client.post("/", params=params, content=body.encode())


def test_the_server_records_follows_after_replying_with_the_link(
    book: FollowerBook, sessions: sessionmaker[Session], replies: dict[str, Any]
) -> None:
    fake = book.client.fake  # type: ignore[union-attr]
    with TestClient(create_app(replies, TOKEN, followers=book)) as client:
        created = int(time.time())
        answer = post(client, "alice", "subscribe", created)
        assert answer.status_code == 200
        content = ET.fromstring(answer.text).findtext("Content") or ""
        assert content.startswith("欢迎关注！") and 'data-miniprogram-path="pages/coupons/index"' in content
        assert [g.state for g in gifts(sessions)] == ["waiting"]
        assert follower(sessions, "alice").subscribed_at == datetime.fromtimestamp(created, UTC)
        retry = post(client, "alice", "subscribe", created)  # WeChat's retry: the same reply, recorded once
        assert retry.text == answer.text and fake.lookups == 1
        gone = post(client, "alice", "unsubscribe", created + 1)
        assert gone.status_code == 200 and gone.text == "success"
        assert not follower(sessions, "alice").subscribed


def test_twenty_parallel_deliveries_to_the_server_give_one_gift(
    book: FollowerBook, sessions: sessionmaker[Session], replies: dict[str, Any]
) -> None:
    user = shopper(sessions, "mallory")
    now = int(time.time())
    with TestClient(create_app(replies, TOKEN, followers=book)) as client:
        answers = race(20, lambda i: post(client, "mallory", "subscribe", now - i))
    assert all(a.status_code == 200 and "欢迎关注" in a.text for a in answers)
    assert len(gifts(sessions)) == 1 and len(held(sessions, user)) == 1


def test_the_reply_arrives_when_the_database_is_unreachable(
    replies: dict[str, Any], commerce: Commerce, caplog: pytest.LogCaptureFixture
) -> None:
    book = make_book(UNREACHABLE, commerce)
    try:
        with caplog.at_level(logging.WARNING):
            assert book.start() is not None
            with TestClient(create_app(replies, TOKEN, followers=book)) as client:
                started = time.monotonic()
                answer = post(client, "nancy", "subscribe")
                gone = post(client, "nancy", "unsubscribe", int(time.time()) + 1)
                assert time.monotonic() - started < 5
    finally:
        book.close()
    assert answer.status_code == 200 and "欢迎关注" in answer.text and gone.text == "success"
    assert "could not record a follow" in caplog.text and "could not record an unfollow" in caplog.text
    assert "nancy" not in caplog.text and "wrong" not in caplog.text


def test_a_database_down_at_start_is_tried_again_later_not_at_every_event(
    database_url: str, sessions: sessionmaker[Session], commerce: Commerce, monkeypatch: pytest.MonkeyPatch
) -> None:
    import generator.oa.followers as followers_module

    book = make_book(database_url, commerce)
    migrate = book._migrate
    tries: list[float] = []
    clock = [1000.0]
    book.clock = lambda: clock[0]

    def down() -> None:
        tries.append(clock[0])
        raise OSError("connection refused")

    monkeypatch.setattr(book, "_migrate", down)
    try:
        assert book.start() == "OSError"
        assert book.followed("quinn", T0) is None and tries == [1000.0]  # refused at once, no new attempt
        clock[0] += followers_module.RETRY_SECONDS + 1
        monkeypatch.setattr(book, "_migrate", migrate)
        assert book.followed("quinn", T0) == "waiting"
    finally:
        book.close()
    assert follower(sessions, "quinn").subscribed


# --- one name, one person: the fake login and the fake Official Account agree ------------------------------


def test_the_fake_login_of_a_followers_name_is_that_follower(
    book: FollowerBook, database_url: str, sessions: sessionmaker[Session], commerce: Commerce, tmp_path: Path
) -> None:
    book.followed("olivia", T0)
    with TestClient(create_shop(shop_settings(database_url, tmp_path / "data", site_dir=SITE.resolve()))) as shop:
        login(shop, "olivia")
    with sessions() as session:
        user = session.execute(select(User).where(User.unionid == fake_unionid("olivia"))).scalar_one()
    deliver(sessions, user, commerce, T0 + timedelta(days=1))  # the login may have delivered it already
    assert [g.state for g in gifts(sessions)] == ["granted"] and len(held(sessions, user)) == 1


# --- the command line ---------------------------------------------------------------------------------------


def test_oa_serve_offers_the_fake() -> None:
    result = CliRunner().invoke(main, ["oa", "serve", "--help"])
    assert result.exit_code == 0 and "--fake-wechat" in result.output


def test_oa_serve_records_followers_in_the_shops_database(
    database_url: str, sessions: sessionmaker[Session], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    shutil.copytree(SITE, site)
    ran: dict[str, Any] = {}

    def run(app: Any, **options: Any) -> None:
        with TestClient(app) as client:
            ran["answer"] = post(client, "peggy", "subscribe")

    monkeypatch.setenv("WECHAT_TOKEN", TOKEN)
    monkeypatch.setenv("DATABASE_URL", database_url)
    for name in ("WECHAT_AES_KEY", "WECHAT_APPID", "WECHAT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(uvicorn, "run", run)
    result = CliRunner().invoke(main, ["oa", "serve", str(site), "--fake-wechat"])
    assert result.exit_code == 0, result.output
    assert "follower gift: coupon welcome" in result.output and "--fake-wechat" in result.output
    assert ran["answer"].status_code == 200
    [gift] = gifts(sessions)
    assert (gift.unionid, gift.state) == (fake_unionid("peggy"), "waiting")


def test_oa_serve_without_credentials_warns_that_gifts_cannot_reach_the_shop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    shutil.copytree(SITE, site)
    monkeypatch.setenv("WECHAT_TOKEN", TOKEN)
    for name in ("DATABASE_URL", "WECHAT_AES_KEY", "WECHAT_APPID", "WECHAT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: None)
    result = CliRunner().invoke(main, ["oa", "serve", str(site)])
    assert result.exit_code == 0, result.output
    assert "WECHAT_APPID and WECHAT_SECRET are not set" in result.output
    assert (site / ".mpgen-data" / "shop.sqlite3").exists()


def test_oa_serve_without_the_shops_backend_installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    site = tmp_path / "site"
    shutil.copytree(SITE, site)
    monkeypatch.setenv("WECHAT_TOKEN", TOKEN)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: None)
    monkeypatch.setitem(sys.modules, "alembic", None)  # as if only `mpgen[oa]` were installed
    needed = CliRunner().invoke(main, ["oa", "serve", str(site)])
    assert needed.exit_code == 2 and "pip install 'mpgen[serve]'" in needed.output
    yaml = site / "site.yaml"
    yaml.write_text(yaml.read_text(encoding="utf-8").replace("  follower_gift: {coupon: welcome}\n", ""), "utf-8")
    without = CliRunner().invoke(main, ["oa", "serve", str(site)])
    assert without.exit_code == 0 and "followers are not recorded" in without.output
    assert not (site / ".mpgen-data").exists()

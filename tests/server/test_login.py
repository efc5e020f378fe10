"""POST /session and `current_user`: good and bad codes, the stored hash, expiry, 401s, the real client's call."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from generator.server.app import create_app
from generator.server.auth import current_user
from generator.server.db import utcnow
from generator.server.fake_wechat import fake_openid, fake_unionid, transport
from generator.server.login import HttpCodeExchange, WeChatLoginError
from generator.server.models import LoginSession, User
from generator.server.settings import Secret

from .conftest import login, shop_settings


@pytest.fixture
def me_app(app: FastAPI) -> FastAPI:
    """The app with one route behind `current_user`, as the other routers use it."""

    @app.get("/_test/me")
    def me(user: User = Depends(current_user)) -> dict[str, str]:  # noqa: B008
        return {"openid": user.openid}

    return app


@pytest.fixture
def me_client(me_app: FastAPI) -> TestClient:
    return TestClient(me_app)


def test_a_good_code_gives_a_session_that_authenticates(me_client: TestClient) -> None:
    answer = me_client.post("/session", json={"code": "code-a"})
    assert answer.status_code == 200
    body = answer.json()
    assert body["openid"] == fake_openid("code-a")
    assert body["unionid"] == fake_unionid("code-a")
    assert len(body["session"]) >= 40 and body["ref"]
    expires = body["expiresAt"]
    assert expires > utcnow().isoformat()
    me = me_client.get("/_test/me", headers={"Authorization": f"Bearer {body['session']}"})
    assert me.status_code == 200 and me.json() == {"openid": fake_openid("code-a")}


def test_the_token_is_stored_only_as_its_hash(client: TestClient, db_engine: Engine) -> None:
    token = login(client)["Authorization"].split(" ", 1)[1]
    with Session(db_engine) as db:
        rows = db.execute(select(LoginSession.token_hash)).scalars().all()
        users = db.execute(select(User)).scalars().all()
    assert rows == [hashlib.sha256(token.encode()).hexdigest()]
    with db_engine.connect() as connection:
        for table in ("sessions", "users"):
            for row in connection.exec_driver_sql(f"SELECT * FROM {table}"):
                assert token not in " ".join(str(value) for value in row)
    assert [u.openid for u in users] == [fake_openid("code-a")]


def test_the_same_shopper_logging_in_again_is_one_user_with_two_sessions(client: TestClient, db_engine: Engine) -> None:
    first, second = login(client, "same"), login(client, "same")
    assert first != second
    with Session(db_engine) as db:
        assert len(db.execute(select(User)).all()) == 1
        assert len(db.execute(select(LoginSession)).all()) == 2


def test_a_bad_code_is_a_400_naming_wechats_error(client: TestClient, db_engine: Engine) -> None:
    answer = client.post("/session", json={"code": "invalid-code"})
    assert answer.status_code == 400
    assert answer.json()["error"] == "wechat_login_failed"
    assert "40029" in answer.json()["message"]
    with Session(db_engine) as db:
        assert db.execute(select(User)).first() is None


@pytest.mark.parametrize("body", [{}, {"code": ""}, {"code": 5}, {"code": "x" * 200}])
def test_a_malformed_login_is_a_400(client: TestClient, body: dict[str, object]) -> None:
    answer = client.post("/session", json=body)
    assert answer.status_code == 400
    assert answer.json()["error"] == "bad_request" and "code" in answer.json()["fields"]


@pytest.mark.parametrize(
    "header", [None, "Bearer", "Bearer ", "Basic abc", "Bearer not-a-session", "bearer " + "a" * 43]
)
def test_missing_or_unknown_tokens_are_401(me_client: TestClient, header: str | None) -> None:
    headers = {"Authorization": header} if header is not None else {}
    answer = me_client.get("/_test/me", headers=headers)
    assert answer.status_code == 401
    assert answer.json()["error"] == "unauthorized"
    assert answer.headers["www-authenticate"] == "Bearer"


def test_an_expired_session_is_a_401_session_expired(me_client: TestClient, db_engine: Engine) -> None:
    headers = login(me_client)
    with Session(db_engine) as db:
        db.execute(update(LoginSession).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.commit()
    answer = me_client.get("/_test/me", headers=headers)
    assert answer.status_code == 401
    assert answer.json()["error"] == "session_expired"
    fresh = login(me_client, "someone-else")  # logging in works, and any login drops expired sessions
    assert me_client.get("/_test/me", headers=fresh).status_code == 200
    with Session(db_engine) as db:
        assert len(db.execute(select(LoginSession)).all()) == 1


def test_the_session_lasts_the_configured_time(database_url: str, tmp_path: Path) -> None:
    app = create_app(shop_settings(database_url, tmp_path, session_ttl=timedelta(hours=2)))
    body = TestClient(app).post("/session", json={"code": "c"}).json()
    from datetime import datetime

    left = datetime.fromisoformat(body["expiresAt"]) - utcnow()
    assert timedelta(hours=1, minutes=59) < left <= timedelta(hours=2)


def test_the_inviter_is_kept_from_the_first_registration_only(client: TestClient, db_engine: Engine) -> None:
    inviter = client.post("/session", json={"code": "inviter"}).json()["ref"]
    login(client, "friend", inviter=inviter)
    login(client, "friend", inviter="someone-else")
    login(client, "stranger", inviter="bad ref with spaces")
    login(client, "long", inviter="x" * 500)
    with Session(db_engine) as db:
        by_openid = {u.openid: u.inviter for u in db.execute(select(User)).scalars()}
    assert by_openid[fake_openid("friend")] == inviter
    assert by_openid[fake_openid("stranger")] is None and by_openid[fake_openid("long")] is None
    assert by_openid[fake_openid("inviter")] is None


def test_the_real_client_calls_jscode2session_with_the_appid_and_secret() -> None:
    exchange = HttpCodeExchange(
        "https://api.weixin.qq.com", "wx0123456789abcdef", Secret("s3cret"), transport("wx0123456789abcdef", "s3cret")
    )
    identity = exchange.exchange("abc")
    assert identity.openid == fake_openid("abc") and identity.unionid == fake_unionid("abc")
    with pytest.raises(WeChatLoginError) as bad_code:
        exchange.exchange("invalid-1")
    assert bad_code.value.errcode == 40029
    wrong = HttpCodeExchange(
        "https://api.weixin.qq.com", "wx0123456789abcdef", Secret("wrong"), transport("wx0123456789abcdef", "s3cret")
    )
    with pytest.raises(WeChatLoginError) as bad_secret:
        wrong.exchange("abc")
    assert bad_secret.value.errcode == 40125
    assert "wrong" not in bad_secret.value.message and "s3cret" not in bad_secret.value.message


def test_wechat_unreachable_is_a_503_without_the_secret(
    database_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"cannot reach {request.url}")

    exchange = HttpCodeExchange(
        "https://api.weixin.qq.com", "wx0123456789abcdef", Secret("s3cret"), httpx.MockTransport(refuse)
    )
    app = create_app(shop_settings(database_url, tmp_path), wechat=exchange)  # the real client, failing
    answer = TestClient(app).post("/session", json={"code": "abc"})
    assert answer.status_code == 503
    assert "s3cret" not in answer.text and "s3cret" not in caplog.text
    assert "ConnectError" in caplog.text


def test_the_secret_never_shows_in_reprs() -> None:
    assert "s3cret" not in repr(Secret("s3cret"))
    settings = shop_settings("sqlite://", Path("."), appsecret=Secret("s3cret"))
    assert "s3cret" not in repr(settings) and "s3cret" not in str(settings.to_env())


def test_simultaneous_first_logins_of_one_shopper_make_one_user(app: FastAPI, db_engine: Engine) -> None:
    from concurrent.futures import ThreadPoolExecutor

    clients = [TestClient(app) for _ in range(8)]
    with ThreadPoolExecutor(len(clients)) as pool:
        answers = list(pool.map(lambda c: c.post("/session", json={"code": "race"}), clients))
    assert [a.status_code for a in answers] == [200] * len(clients)
    assert len({a.json()["ref"] for a in answers}) == 1
    with Session(db_engine) as db:
        assert len(db.execute(select(User)).all()) == 1
        assert len(db.execute(select(LoginSession)).all()) == len(clients)

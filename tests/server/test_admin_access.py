"""The console's access over HTTP on a real SQLite file and a real PostgreSQL database (the test shop):
`gen admin` adds, lists, re-passwords and disables operators; the login works, and a wrong username and a
wrong password get the same answer; five failures lock the username, twenty from one address refuse the
address; pages without a session redirect to the login; a POST with a missing or wrong CSRF token is a 403
page and changes nothing; cookies are HttpOnly, SameSite=Strict, path /admin, and Secure behind https;
logout ends the session; an idle session ends; passwords are stored as Argon2id hashes, never in clear.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from generator.cli import main
from generator.server.admin_auth import IDLE, SESSION_COOKIE
from generator.server.admin_models import AdminSession, AuditEntry, LoginFailure, Operator
from generator.server.admin_users import add_user
from generator.server.db import utcnow
from generator.server.order_models import Stock

from .conftest import SHOP

PASSWORD = "correct horse battery"


def make_operator(app: FastAPI, username: str, role: str = "owner", password: str = PASSWORD) -> None:
    with app.state.sessionmaker() as db:
        add_user(db, username, role, password, utcnow())
        db.commit()


def login_token(client: TestClient) -> str:
    page = client.get("/admin/login")
    assert page.status_code == 200
    found = re.search(r'name="login_token" value="([^"]+)"', page.text)
    assert found is not None
    return found.group(1)


def log_in(client: TestClient, username: str, password: str = PASSWORD) -> object:
    token = login_token(client)
    return client.post(
        "/admin/login",
        data={"username": username, "password": password, "login_token": token, "next": "/admin"},
        follow_redirects=False,
    )


def csrf_of(client: TestClient, path: str = "/admin") -> str:
    page = client.get(path)
    assert page.status_code == 200, page.text
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found is not None
    return found.group(1)


def staff_client(app: FastAPI, username: str, role: str = "owner", base_url: str = "http://testserver") -> TestClient:
    """A TestClient (opened by the caller) logged in as a new operator."""
    make_operator(app, username, role)
    client = TestClient(app, base_url=base_url)
    client.__enter__()
    answer = log_in(client, username)
    assert answer.status_code == 303, getattr(answer, "text", "")  # type: ignore[attr-defined]
    return client


@pytest.fixture
def owner(app: FastAPI) -> TestClient:
    client = staff_client(app, "boss")
    yield client  # type: ignore[misc]
    client.__exit__(None, None, None)


def test_gen_admin_adds_lists_repasswords_and_disables(tmp_path: Path, database_url: str) -> None:
    import shutil

    site = tmp_path / "shop"
    shutil.copytree(SHOP, site)
    runner = CliRunner()
    env = {"DATABASE_URL": database_url}
    added = runner.invoke(
        main,
        ["admin", "add-user", str(site), "Boss", "--role", "owner", "--password-stdin"],
        input=PASSWORD + "\n",
        env=env,
    )
    assert added.exit_code == 0, added.output
    assert "boss (owner)" in added.output
    short = runner.invoke(
        main,
        ["admin", "add-user", str(site), "clerk", "--role", "operator", "--password-stdin"],
        input="short\n",
        env=env,
    )
    assert short.exit_code != 0 and "at least 10 characters" in short.output
    twice = runner.invoke(
        main,
        ["admin", "add-user", str(site), "boss", "--role", "owner", "--password-stdin"],
        input=PASSWORD + "\n",
        env=env,
    )
    assert twice.exit_code != 0 and "exists already" in twice.output
    prompted = runner.invoke(
        main,
        ["admin", "add-user", str(site), "clerk", "--role", "operator"],
        input="a long secret\na long secret\n",
        env=env,
    )
    assert prompted.exit_code == 0, prompted.output
    assert "a long secret" not in prompted.output  # the hidden prompt does not echo
    listed = runner.invoke(main, ["admin", "list-users", str(site)], env=env)
    assert listed.output.splitlines()[0].startswith("boss\towner\tactive")
    assert "clerk\toperator\tactive" in listed.output
    changed = runner.invoke(
        main, ["admin", "set-password", str(site), "clerk", "--password-stdin"], input="another long one\n", env=env
    )
    assert changed.exit_code == 0, changed.output
    disabled = runner.invoke(main, ["admin", "disable", str(site), "clerk"], env=env)
    assert (
        disabled.exit_code == 0
        and "clerk\toperator\tdisabled" in runner.invoke(main, ["admin", "list-users", str(site)], env=env).output
    )
    from sqlalchemy.orm import Session

    from generator.server.db import make_engine

    engine = make_engine(database_url)
    with Session(engine) as db:
        hashes = [row for row in db.execute(select(Operator.password_hash)).scalars()]
    engine.dispose()
    assert all(value.startswith("$argon2id$") for value in hashes)
    assert not any(PASSWORD in value or "another long one" in value for value in hashes)


def test_login_opens_the_console_and_a_wrong_user_or_password_get_one_answer(app: FastAPI, client: TestClient) -> None:
    make_operator(app, "boss")
    wrong_password = log_in(client, "boss", "not the password")
    wrong_user = log_in(client, "nobody", PASSWORD)
    assert wrong_password.status_code == wrong_user.status_code == 401  # type: ignore[attr-defined]
    assert "用户名或密码不正确" in wrong_password.text and "用户名或密码不正确" in wrong_user.text  # type: ignore[attr-defined]
    answer = log_in(client, "BOSS")
    assert answer.status_code == 303 and answer.headers["location"] == "/admin"  # type: ignore[attr-defined]
    page = client.get("/admin")
    assert page.status_code == 200 and "今日概览" in page.text and "测试小铺" in page.text
    assert "default-src 'none'" in page.headers["content-security-policy"]
    theme = client.get("/admin/static/theme.css")
    assert theme.headers["content-type"].startswith("text/css") and re.search(r"--brand: #[0-9A-Fa-f]{6};", theme.text)
    assert "min-height: 44px" in client.get("/admin/static/admin.css").text  # tap targets for phones


def test_the_login_form_needs_its_token(app: FastAPI, client: TestClient) -> None:
    make_operator(app, "boss")
    login_token(client)
    answer = client.post(
        "/admin/login", data={"username": "boss", "password": PASSWORD, "login_token": "forged"}, follow_redirects=False
    )
    assert answer.status_code == 403
    assert client.get("/admin", follow_redirects=False).status_code == 303


def test_five_failures_lock_the_username_even_with_the_right_password(app: FastAPI, client: TestClient) -> None:
    make_operator(app, "boss")
    for _ in range(5):
        assert log_in(client, "boss", "wrong password!").status_code == 401  # type: ignore[attr-defined]
    locked = log_in(client, "boss")
    assert locked.status_code == 429 and "锁定" in locked.text  # type: ignore[attr-defined]
    with app.state.sessionmaker() as db:  # 15 minutes later the failures have aged out
        db.execute(update(LoginFailure).values(at=utcnow() - timedelta(minutes=16)))
        db.commit()
    assert log_in(client, "boss").status_code == 303  # type: ignore[attr-defined]


def test_twenty_failures_from_one_address_refuse_it(app: FastAPI, client: TestClient) -> None:
    make_operator(app, "boss")
    for index in range(20):
        assert log_in(client, f"guess{index}", "wrong password!").status_code == 401  # type: ignore[attr-defined]
    refused = log_in(client, "boss")
    assert refused.status_code == 429  # type: ignore[attr-defined]


@pytest.mark.parametrize("path", ["/admin", "/admin/orders", "/admin/stock", "/admin/members", "/admin/forms"])
def test_pages_without_a_session_redirect_to_the_login(client: TestClient, path: str) -> None:
    answer = client.get(path, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/admin/login?next={path}"


def test_a_post_without_the_right_csrf_token_is_refused_and_changes_nothing(app: FastAPI, owner: TestClient) -> None:
    for data in ({}, {"csrf": "0" * 64}):
        answer = owner.post("/admin/stock", data={**data, "key": "green", "available": "99"})
        assert answer.status_code == 403 and "CSRF" in answer.text
        refused_logout = owner.post("/admin/logout", data=data, follow_redirects=False)
        assert refused_logout.status_code == 403
    with app.state.sessionmaker() as db:
        actions = list(db.execute(select(AuditEntry.action)).scalars())
        assert db.get_one(Stock, "green").available == 10
    assert actions == ["login"]  # nothing the refused posts would have written
    assert owner.get("/admin").status_code == 200  # still logged in


def test_cookies_are_httponly_strict_and_secure_behind_https(app: FastAPI) -> None:
    make_operator(app, "boss")
    for base, secure in (("http://testserver", False), ("https://testserver", True)):
        with TestClient(app, base_url=base) as client:
            answer = log_in(client, "boss")
            cookie = answer.headers["set-cookie"]  # type: ignore[attr-defined]
            session_cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE))  # type: ignore[attr-defined]
            assert cookie
            assert "HttpOnly" in session_cookie and "SameSite=strict" in session_cookie
            assert "Path=/admin" in session_cookie
            assert ("Secure" in session_cookie) is secure
            assert client.get("/admin").status_code == 200


def test_logout_and_idleness_end_the_session(app: FastAPI, owner: TestClient) -> None:
    answer = owner.post("/admin/logout", data={"csrf": csrf_of(owner)}, follow_redirects=False)
    assert answer.status_code == 303
    assert owner.get("/admin", follow_redirects=False).status_code == 303
    assert log_in(owner, "boss").status_code == 303  # type: ignore[attr-defined]
    with app.state.sessionmaker() as db:
        db.execute(update(AdminSession).values(last_seen_at=utcnow() - IDLE - timedelta(seconds=1)))
        db.commit()
    assert owner.get("/admin", follow_redirects=False).status_code == 303
    with app.state.sessionmaker() as db:
        assert db.execute(select(func.count()).select_from(AdminSession)).scalar_one() == 0


def test_a_hash_of_old_parameters_is_rehashed_at_login(app: FastAPI, client: TestClient) -> None:
    from argon2 import PasswordHasher

    from generator.server.admin_passwords import HASHER

    make_operator(app, "boss")
    weak = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)
    with app.state.sessionmaker() as db:
        db.execute(update(Operator).values(password_hash=weak))
        db.commit()
    assert log_in(client, "boss").status_code == 303  # type: ignore[attr-defined]
    with app.state.sessionmaker() as db:
        stored = db.execute(select(Operator.password_hash)).scalar_one()
    assert stored != weak and not HASHER.check_needs_rehash(stored)


def test_logins_and_refusals_log_no_password_username_or_token(
    app: FastAPI, client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    make_operator(app, "boss")
    caplog.set_level("DEBUG")
    log_in(client, "boss", "wrong password!")
    answer = log_in(client, "boss")
    token = client.cookies.get(SESSION_COOKIE) or ""
    client.post("/admin/stock", data={"csrf": "forged", "key": "green", "available": "1"})
    logged = caplog.text
    assert answer.status_code == 303 and token  # type: ignore[attr-defined]
    for secret in (PASSWORD, "wrong password!", "boss", token):
        assert secret not in logged

"""The console's access: operator sessions in a cookie, the login with its rate limit and lockout, CSRF
tokens, and roles.

- A session is a random token in the `mpgen_admin` cookie (HttpOnly, SameSite=Strict, path /admin, Secure
  when the request came over https: uvicorn runs with proxy headers, so a proxy's X-Forwarded-Proto counts),
  stored only as its SHA-256. It ends after SESSION_TTL, or IDLE without a request; `last_seen_at` is
  written at most once a SEEN_EVERY, so a page view is not a write.
- CSRF: every form carries `csrf`, the SHA-256 of "csrf:" and the session token. It is tied to the session,
  cannot be derived from what the database holds, and needs no storage. The login form, before any session,
  uses a double-submit token in the `mpgen_admin_login` cookie.
- Login: USER_LIMIT failures of one username within FAILURE_WINDOW lock that username (known or not) until
  they age out; ADDRESS_LIMIT failures from one address refuse that address the same way. A wrong username
  and a wrong password get the same message and take the same time. Everything lives in the database, so
  any worker answers; no password, token or address is logged.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session
from starlette.requests import Request
from starlette.responses import Response

from .admin_models import USERNAME_LENGTH, AdminSession, LoginFailure, Operator, Role
from .admin_passwords import hash_password, needs_rehash, spend_equal_time, verify_password
from .auth import hash_token

SESSION_COOKIE = "mpgen_admin"
LOGIN_COOKIE = "mpgen_admin_login"
COOKIE_PATH = "/admin"
SESSION_TTL = timedelta(hours=12)
IDLE = timedelta(hours=1)
SEEN_EVERY = timedelta(minutes=1)
FAILURE_WINDOW = timedelta(minutes=15)
USER_LIMIT = 5
ADDRESS_LIMIT = 20
FAILURES_KEPT = timedelta(days=1)
TOKEN_BYTES = 32


@dataclass(frozen=True)
class Staff:
    """The operator a request comes from."""

    operator_id: int
    username: str
    role: str
    csrf: str
    session_id: int

    @property
    def is_owner(self) -> bool:
        return self.role == Role.OWNER.value


def csrf_token(session_token: str) -> str:
    return hashlib.sha256(f"csrf:{session_token}".encode()).hexdigest()


def same_token(expected: str, given: str | None) -> bool:
    return given is not None and hmac.compare_digest(expected.encode(), given.encode())


def address_key(request: Request) -> str:
    host = request.client.host if request.client is not None else "unknown"
    return hashlib.sha256(f"admin-login:{host}".encode()).hexdigest()


# --- sessions ----------------------------------------------------------------------------------------------


def issue_session(db: Session, operator: Operator, now: datetime) -> str:
    """A new session of `operator`; the token (kept only as its hash). Expired sessions of anyone go."""
    db.execute(delete(AdminSession).where(AdminSession.expires_at <= now))
    token = secrets.token_urlsafe(TOKEN_BYTES)
    db.add(
        AdminSession(
            operator_id=operator.id,
            token_hash=hash_token(token),
            created_at=now,
            last_seen_at=now,
            expires_at=now + SESSION_TTL,
        )
    )
    return token


def session_staff(db: Session, token: str, now: datetime) -> Staff | None:
    """The operator of session `token` if it is live (not expired, not idle, operator not disabled)."""
    found = db.execute(
        select(AdminSession, Operator)
        .join(Operator, Operator.id == AdminSession.operator_id)
        .where(AdminSession.token_hash == hash_token(token))
    ).first()
    if found is None:
        return None
    row, operator = found
    if row.expires_at <= now or row.last_seen_at + IDLE <= now or operator.disabled_at is not None:
        db.execute(delete(AdminSession).where(AdminSession.id == row.id))
        return None
    if row.last_seen_at + SEEN_EVERY <= now:
        db.execute(
            update(AdminSession)
            .where(AdminSession.id == row.id)
            .values(last_seen_at=now)
            .execution_options(synchronize_session=False)
        )
    return Staff(operator.id, operator.username, operator.role, csrf_token(token), row.id)


def end_session(db: Session, token: str) -> None:
    db.execute(delete(AdminSession).where(AdminSession.token_hash == hash_token(token)))


def set_cookie(request: Request, response: Response, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def clear_cookie(request: Request, response: Response, name: str) -> None:
    response.delete_cookie(
        name, path=COOKIE_PATH, httponly=True, samesite="strict", secure=request.url.scheme == "https"
    )


# --- logging in --------------------------------------------------------------------------------------------

Refusal = Literal["wrong", "locked", "address_limited"]
REFUSAL_TEXT: dict[str, str] = {
    "wrong": "用户名或密码不正确",
    "locked": "登录失败次数过多，该账号已暂时锁定，请 15 分钟后再试",
    "address_limited": "登录失败次数过多，请 15 分钟后再试",
}


@dataclass(frozen=True)
class LoginResult:
    operator: Operator | None
    refusal: Refusal | None


def _failures(db: Session, column: InstrumentedAttribute[str], value: str, now: datetime) -> int:
    return int(
        db.execute(
            select(func.count())
            .select_from(LoginFailure)
            .where(column == value, LoginFailure.at > now - FAILURE_WINDOW)
        ).scalar_one()
    )


def attempt_login(db: Session, username: str, password: str, address: str, now: datetime) -> LoginResult:
    """Check a login; a failure is recorded (by username and address). Never commits."""
    name = username.strip().lower()[:USERNAME_LENGTH]
    if _failures(db, LoginFailure.address, address, now) >= ADDRESS_LIMIT:
        return LoginResult(None, "address_limited")
    if _failures(db, LoginFailure.username, name, now) >= USER_LIMIT:
        return LoginResult(None, "locked")
    operator = db.execute(select(Operator).where(Operator.username == name)).scalar_one_or_none()
    if operator is None or operator.disabled_at is not None:
        spend_equal_time(password)
        ok = False
    else:
        ok = verify_password(operator.password_hash, password)
    if not ok:
        db.execute(delete(LoginFailure).where(LoginFailure.at < now - FAILURES_KEPT))
        db.add(LoginFailure(username=name, address=address, at=now))
        return LoginResult(None, "wrong")
    assert operator is not None
    if needs_rehash(operator.password_hash):
        operator.password_hash = hash_password(password)
    db.execute(delete(LoginFailure).where(LoginFailure.username == name))
    return LoginResult(operator, None)

"""Session tokens: issued at login, stored only as SHA-256 hashes, sent back as `Authorization: Bearer`.

`current_user` is the dependency every router that needs a logged-in shopper uses; a missing, unknown or
expired token is a 401 whose JSON `error` is `unauthorized` or `session_expired`, the cue for the client to
log in again. Nothing about a token lives in the process, so any worker answers any request.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from .api_errors import ApiError
from .db import get_db, utcnow
from .models import LoginSession, User

TOKEN_BYTES = 32
SWEEP = 100
ACTIVE_EVERY = timedelta(hours=1)
"""How stale `users.last_active_at` may get before a request refreshes it."""
CHALLENGE = {"WWW-Authenticate": "Bearer"}


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_session(db: Session, user: User, ttl: timedelta) -> tuple[str, LoginSession]:
    """A new random token for `user` (returned once, kept only as its hash). Each login also deletes up to
    SWEEP expired sessions of anyone, so the table stays the size of the live sessions without a timer."""
    now = utcnow()
    expired = select(LoginSession.id).where(LoginSession.expires_at <= now).limit(SWEEP).scalar_subquery()
    db.execute(delete(LoginSession).where(LoginSession.id.in_(expired)))
    token = secrets.token_urlsafe(TOKEN_BYTES)
    row = LoginSession(user_id=user.id, token_hash=hash_token(token), created_at=now, expires_at=now + ttl)
    db.add(row)
    return token, row


def _unauthorized(code: str, message: str) -> ApiError:
    return ApiError(401, code, message, headers=CHALLENGE)


def bearer_token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorized("unauthorized", "请先登录 (send Authorization: Bearer <session>)")
    return token.strip()


def session_user(db: Session, token: str) -> User:
    """The shopper of session `token`, looked up in the caller's transaction, or a 401."""
    found = db.execute(
        select(User, LoginSession.expires_at)
        .join(LoginSession, LoginSession.user_id == User.id)
        .where(LoginSession.token_hash == hash_token(token))
    ).first()
    if found is None:
        raise _unauthorized("unauthorized", "登录已失效，请重新登录 (unknown session)")
    user, expires_at = found
    now = utcnow()
    if expires_at <= now:
        raise _unauthorized("session_expired", "登录已过期，请重新登录 (session expired)")
    if user.last_active_at is None or user.last_active_at < now - ACTIVE_EVERY:
        # At most one write an hour per shopper: enough for "inactive for 30 days".
        db.execute(
            update(User)
            .where(User.id == user.id)
            .values(last_active_at=now)
            .execution_options(synchronize_session=False)
        )
    return user


def current_user(request: Request, db: Annotated[Session, Depends(get_db)]) -> User:
    """The shopper whose session token came with the request, or a 401."""
    return session_user(db, bearer_token(request))


CurrentUser = Annotated[User, Depends(current_user)]
"""Use as a handler parameter: `def handler(user: CurrentUser) -> ...`."""
SessionToken = Annotated[str, Depends(bearer_token)]
"""The request's session token, checked for its form only: a handler that looks the shopper up itself
(`session_user`) does it in its own transaction, one round trip fewer on a hot path."""

"""POST /session: log in with a `wx.login` code; the answer is an opaque session token with its expiry.

The first login registers the shopper (openid, unionid, a random public `ref`), records `inviter` as sent and
counts the registration for that inviter (`after_login`); later logins refresh the unionid when WeChat gives
one and never change the inviter.
"""

from __future__ import annotations

import logging
import re
import secrets
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .after_login import after_login
from .api_errors import ApiError
from .auth import issue_session
from .clock import Now
from .db import get_db
from .login import CodeExchange, WeChatIdentity, WeChatLoginError
from .models import User

INVITER = re.compile(r"^[A-Za-z0-9_-]{1,64}$")

log = logging.getLogger("generator.server")
router = APIRouter(tags=["session"])


class ApiModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")


class SessionRequest(ApiModel):
    code: str = Field(min_length=1, max_length=128, description="What wx.login returned.")
    inviter: str | None = Field(
        default=None,
        description="The `ref` of the shopper whose share link opened the app; one that is not a ref is ignored "
        "(a mangled share link must not stop the login).",
    )


class SessionAnswer(ApiModel):
    session: str = Field(description="Opaque; sent back as `Authorization: Bearer <session>`.")
    expires_at: datetime = Field(description="When the session ends; log in again after it (or on any 401).")
    openid: str
    unionid: str | None = Field(
        default=None,
        description="Joins Official Account and mini-program users when both are bound to one Open Platform account.",
    )
    ref: str = Field(description="The shopper's public handle: put it in share links as `inviter`.")


def _register(db: Session, identity: WeChatIdentity, inviter: str | None) -> tuple[User, bool]:
    """The shopper of this identity, and whether this login registered them."""
    user = db.execute(select(User).where(User.openid == identity.openid)).scalar_one_or_none()
    if user is not None:
        if identity.unionid and user.unionid != identity.unionid:
            user.unionid = identity.unionid
        return user, False
    ref = secrets.token_urlsafe(16)
    user = User(ref=ref, openid=identity.openid, unionid=identity.unionid, inviter=inviter)
    try:
        with db.begin_nested():
            db.add(user)
    except IntegrityError:  # the same shopper's first login, twice at once: the other one registered
        return db.execute(select(User).where(User.openid == identity.openid)).scalar_one(), False
    return user, True


@router.post("/session", response_model=SessionAnswer, response_model_exclude_none=True)
def log_in(
    body: SessionRequest, request: Request, db: Annotated[Session, Depends(get_db)], clock: Now
) -> SessionAnswer:
    """Log in: exchange a wx.login code (jscode2session) for a session of this shop."""
    wechat: CodeExchange = request.app.state.wechat_login
    try:
        identity = wechat.exchange(body.code)
    except WeChatLoginError as exc:
        status = 400 if exc.errcode not in (None, -1) else 503
        raise ApiError(status, "wechat_login_failed", f"微信登录失败，请重试 ({exc.message})") from None
    inviter = body.inviter if body.inviter and INVITER.match(body.inviter) else None
    user, registered = _register(db, identity, inviter)
    after_login(db, user, registered, inviter, request.app.state.spec.commerce, clock)
    token, row = issue_session(db, user, request.app.state.settings.session_ttl)
    db.commit()
    return SessionAnswer(
        session=token, expires_at=row.expires_at, openid=user.openid, unionid=user.unionid, ref=user.ref
    )

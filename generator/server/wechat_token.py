"""The mini-program's access token (stable_token), kept in the database so every worker shares one.

`MiniProgramClient` is the Official Account's `oa.client.Client` (timeouts, "system busy" backoff, readable
WeChat errors, a refused token fetched again once) with the token read from and written to the
`wechat_tokens` table: a refused token (40001/42001) is fetched again with force_refresh, once. The AppSecret
and the token are never logged (the client logs API paths without their query).
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from ..errors import GenError
from ..oa.client import Client, Credentials
from .db import utcnow
from .message_models import WeChatToken

TOKEN_MARGIN = timedelta(minutes=5)
"""A token is fetched again this long before WeChat says it expires."""


class MiniProgramClient(Client):
    """WeChat's API for the mini-program, its access token shared through the database."""

    def __init__(self, credentials: Credentials, sessions: sessionmaker[Session], api_base: str) -> None:
        super().__init__(credentials, api_base)
        self.sessions = sessions
        self._used: str | None = None

    def token(self) -> str:
        if self._used is not None:  # handed out earlier in this call, and WeChat refused it
            self._used = self._fetch(force=True)
            return self._used
        with self.sessions() as session:
            row = session.get(WeChatToken, self.credentials.appid)
            cached = row.token if row is not None and row.expires_at > utcnow() + TOKEN_MARGIN else None
        self._used = cached or self._fetch(force=False)
        return self._used

    def _fetch(self, force: bool) -> str:
        what = "issue an access token"
        body: dict[str, Any] = {
            "grant_type": "client_credential",
            "appid": self.credentials.appid,
            "secret": self.credentials.secret,
        }
        if force:
            body["force_refresh"] = True
        answer = self._call("/cgi-bin/stable_token", what, json.dumps(body).encode())
        token, expires_in = answer.get("access_token"), answer.get("expires_in", 7200)
        if not isinstance(token, str) or not token or not isinstance(expires_in, int):
            raise GenError(f"WeChat's answer while trying to {what} had no access_token", exit_code=1)
        self._store(token, expires_in)
        return token

    def _store(self, token: str, expires_in: int) -> None:
        expires_at = utcnow() + timedelta(seconds=expires_in)
        with self.sessions() as session:
            row = session.execute(
                select(WeChatToken).where(WeChatToken.appid == self.credentials.appid).with_for_update()
            ).scalar_one_or_none()
            if row is None:
                session.add(WeChatToken(appid=self.credentials.appid, token=token, expires_at=expires_at))
            else:
                row.token, row.expires_at = token, expires_at
            try:
                session.commit()
            except IntegrityError:  # another worker stored its token first; both are valid (stable_token)
                session.rollback()

    def send_subscribe_message(self, body: dict[str, Any]) -> None:
        """subscribeMessage.send; a WeChatError (with WeChat's errcode) or GenError when it was not sent."""
        self._used = None
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        self._with_token("/cgi-bin/message/subscribe/send", "send a subscribe message", data)

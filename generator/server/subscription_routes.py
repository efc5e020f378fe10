"""POST /subscriptions: the templates the shopper accepted in wx.requestSubscribeMessage, and the sweep that
sends the queued subscribe messages (`subscribe.py`) every SWEEP_SECONDS in each worker.

With --fake-wechat the messages go to an in-memory `FakeWeChatApi` (`app.state.fake_wechat_api`), and
GET /_fake/messages lists what it received.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request
from pydantic import Field
from sqlalchemy.orm import Session, sessionmaker

from ..errors import GenError
from ..oa.client import Credentials
from ..spec.messages import TEMPLATE_ID_PATTERN
from .api_errors import ApiError
from .auth import CurrentUser
from .background import every
from .db import get_db
from .fake_wechat import FakeApiClient, FakeWeChatApi
from .message_models import SubscribeAcceptance
from .order_routes import ApiModel
from .subscribe import TEMPLATES_KEY, MessageSender, sweep
from .wechat_token import MiniProgramClient

SWEEP_SECONDS = 5.0
FAKE_SECRET = "fake-appsecret"


def message_sender(app_state: Any) -> MessageSender:
    """The app's subscribeMessage.send client (`app.state.message_sender`), made once; tests may set it."""
    sender: MessageSender | None = getattr(app_state, "message_sender", None)
    if sender is None:
        appid: str = app_state.spec.site.appid
        sessions: sessionmaker[Session] = app_state.sessionmaker
        if app_state.settings.fake_wechat:
            app_state.fake_wechat_api = FakeWeChatApi(appid, FAKE_SECRET)
            sender = FakeApiClient(app_state.fake_wechat_api, sessions)
        else:
            if app_state.settings.appsecret is None:
                raise GenError("no AppSecret: subscribe messages need WECHAT_APPSECRET or WECHAT_APPSECRET_FILE")
            secret = app_state.settings.appsecret.reveal()
            sender = MiniProgramClient(Credentials(appid, secret), sessions, app_state.settings.wechat_api)
        app_state.message_sender = sender
    return sender


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    commerce = app.state.spec.commerce
    info = {**app.state.sessionmaker.kw.get("info", {}), TEMPLATES_KEY: tuple(commerce.messages)}
    app.state.sessionmaker.configure(info=info)
    if app.state.settings.fake_wechat:
        message_sender(app.state)  # the fake exists from the start, so GET /_fake/messages answers
    state = app.state
    async with every(
        SWEEP_SECONDS, "subscribe message sweep", lambda: sweep(state.sessionmaker, message_sender(state))
    ):
        yield


router = APIRouter(tags=["messages"], lifespan=lifespan)
Db = Annotated[Session, Depends(get_db)]
TemplateId = Annotated[str, Field(pattern=TEMPLATE_ID_PATTERN)]


class Subscriptions(ApiModel):
    """The template ids wx.requestSubscribeMessage answered "accept" for."""

    template_ids: list[TemplateId] = Field(min_length=1, max_length=3)


class Recorded(ApiModel):
    recorded: int = Field(description="Acceptances recorded: each lets the shop send one message.")


@router.post("/subscriptions", response_model=Recorded)
def post_subscriptions(body: Subscriptions, user: CurrentUser, db: Db, request: Request) -> Recorded:
    """Record the shopper's acceptances of the shop's order templates (one message each)."""
    known = set(request.app.state.spec.commerce.order_templates)
    unknown = [template for template in body.template_ids if template not in known]
    if unknown:
        raise ApiError(400, "unknown_template", f"not one of this shop's order templates: {', '.join(unknown)}")
    for template in body.template_ids:
        db.add(SubscribeAcceptance(user_id=user.id, template_id=template))
    db.commit()
    return Recorded(recorded=len(body.template_ids))


@router.get("/_fake/messages", include_in_schema=False)
def fake_messages(request: Request) -> list[dict[str, Any]]:
    """With --fake-wechat: every subscribe message the fake WeChat received, in order."""
    fake: FakeWeChatApi | None = getattr(request.app.state, "fake_wechat_api", None)
    if not request.app.state.settings.fake_wechat or fake is None:
        raise ApiError(404, "not_found", "only with gen serve --fake-wechat")
    return list(fake.sent)

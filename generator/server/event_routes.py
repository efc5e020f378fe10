"""POST /events: the generated clients' tracking batches (the mini-program's utils/track.js, the H5 site's
beacon), stored by `events.record`.

The body is JSON, sent as application/json (wx.request) or text/plain (navigator.sendBeacon, which needs no
CORS preflight; the browser sends it whatever the answer). A logged-in client's `Authorization: Bearer`
session ties the events to its user; a missing, stale or unknown session is no error here, the events are
kept without a user. The answer is 202 with how many events were kept and dropped (not declared); a
malformed batch is a 400 naming the first problem's place, never its value. Nothing is logged per batch.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Request
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from ..spec.site import SiteSpec
from .api_errors import ApiError
from .auth import session_user
from .clock import Now
from .db import get_db
from .events import MAX_EVENTS, Batch, record
from .order_routes import Problem

MEDIA_TYPES = ("application/json", "text/plain")
Db = Annotated[Session, Depends(get_db)]


class EventsAccepted(BaseModel):
    accepted: int
    dropped: int


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    spec: SiteSpec = app.state.spec
    app.state.declared_events = {name: tuple(e.fields) for name, e in spec.analytics.all_events().items()}
    yield


router = APIRouter(tags=["events"], lifespan=lifespan)
openapi_models = (Batch,)
"""The body's schema for the contract (the route parses the body itself: it may come as text/plain)."""


async def batch_body(request: Request) -> Batch:
    media = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
    if media not in MEDIA_TYPES:
        raise ApiError(415, "bad_media_type", "send the batch as application/json or text/plain JSON")
    try:
        return Batch.model_validate_json(await request.body())
    except ValidationError as exc:
        first = exc.errors(include_input=False)[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        raise ApiError(400, "bad_request", f"事件格式不对 ({where}: {first['msg']})") from None


def optional_user(request: Request, db: Session) -> int | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    try:
        return session_user(db, token.strip()).id
    except ApiError:
        return None


@router.post(
    "/events",
    status_code=202,
    response_model=EventsAccepted,
    responses={
        400: {"model": Problem, "description": "Not a batch of events."},
        415: {"model": Problem, "description": "Neither application/json nor text/plain."},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": f"Up to {MAX_EVENTS} events with their envelope; as text/plain from the H5 beacon.",
            "content": {media: {"schema": {"$ref": "#/components/schemas/Batch"}} for media in MEDIA_TYPES},
        }
    },
)
def post_events(request: Request, batch: Annotated[Batch, Depends(batch_body)], db: Db, clock: Now) -> EventsAccepted:
    """Keep the batch's declared events (with their declared fields only) for the shop's metrics."""
    declared: Mapping[str, Sequence[str]] = request.app.state.declared_events
    done = record(db, batch, declared, optional_user(request, db), clock)
    db.commit()
    return EventsAccepted(accepted=done.accepted, dropped=done.dropped)

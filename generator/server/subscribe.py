"""Subscribe messages (订阅消息): an order event queues the declared templates, a sweep sends them.

`order_event(db, order_no, event)` runs after the event is committed (pay_routes' hooks): for each template
of `commerce.messages` with that event, it consumes one unused acceptance of the order's shopper and queues
one message, in one transaction (the unique (order, template, event) makes a repeated event queue nothing);
it never raises, so the payment notify never fails for it. `sweep(...)` sends what is due: each message is
claimed by a conditional UPDATE (so two workers never send the same one), sent through subscribeMessage.send,
and marked sent, or retried with backoff and marked failed after MAX_ATTEMPTS. Field values are cut to
WeChat's limits.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from ..errors import GenError
from ..spec.messages import MessageTemplate
from .db import utcnow
from .message_models import SubscribeAcceptance, SubscribeMessage
from .models import User
from .order_models import Order, OrderLine

TEMPLATES_KEY = "message_templates"
"""Where a session's info holds the site's `commerce.messages` (set by subscription_routes' lifespan)."""
MAX_ATTEMPTS = 5
BACKOFF = timedelta(seconds=30)  # doubled after each failure
CLAIM = timedelta(minutes=2)
"""How long a claimed message is left to its worker before another may take it."""
SHANGHAI = ZoneInfo("Asia/Shanghai")
LIMITS = {
    "thing": 20,
    "character_string": 32,
    "number": 32,
    "letter": 32,
    "symbol": 5,
    "phrase": 5,
    "name": 10,
    "phone_number": 17,
    "car_number": 8,
    "amount": 11,
    "time": 32,
    "date": 32,
}
"""Characters WeChat accepts per field kind (the key without its number)."""
STATE_WORDS = {"paid": "已支付", "refunding": "退款中", "refunded": "已退款", "shipped": "已发货"}
FINAL_ERRORS = (43101, 47003, 40037)
"""Errcodes a retry cannot fix: the user refused or the acceptance is gone, bad data, a wrong template."""

log = logging.getLogger("generator.server")


class MessageSender(Protocol):
    def send_subscribe_message(self, body: dict[str, Any]) -> None: ...


def field_kind(key: str) -> str:
    return key.rstrip("0123456789")


def fit(key: str, value: str) -> str:
    """`value` cut to what WeChat accepts in field `key` (thing: 20 characters, ...)."""
    limit = LIMITS.get(field_kind(key), 20)
    if len(value) <= limit:
        return value
    return value[: limit - 1] + "…" if field_kind(key) == "thing" else value[:limit]


def order_values(order: Order, first_item: str, when: datetime) -> dict[str, str]:
    return {
        "order_no": order.order_no,
        "total": f"{order.total_fen // 100}.{order.total_fen % 100:02d}元",
        "first_item": first_item,
        "time": when.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M"),
        "state": STATE_WORDS.get(order.state, order.state),
    }


def message_body(template: MessageTemplate, values: dict[str, str], page: str) -> dict[str, Any]:
    data = {key: {"value": fit(key, values[value])} for key, value in template.fields.items()}
    return {"template_id": template.id, "page": template.page or page, "data": data}


def order_event(db: Session, order_no: str, event: str, when: datetime | None = None) -> int:
    """Queue the templates declared for `event` on the order (no open transaction on entry); the number of
    messages queued. Never raises: a failure is logged and the order is unaffected."""
    templates: Sequence[MessageTemplate] = db.info.get(TEMPLATES_KEY, ())
    queued = 0
    for template in (t for t in templates if t.event == event):
        try:
            queued += _queue(db, template, order_no, event, when or utcnow())
        except Exception:  # noqa: BLE001 (never fail the payment for a message)
            db.rollback()
            log.exception("subscribe message %s for order %s could not be queued", template.id, order_no)
    return queued


def _queue(db: Session, template: MessageTemplate, order_no: str, event: str, when: datetime) -> int:
    fresh = select(Order).where(Order.order_no == order_no).execution_options(populate_existing=True)
    order = db.execute(fresh).scalar_one_or_none()  # not the session's copy from before the event
    if order is None:
        db.rollback()
        return 0
    acceptance = db.execute(
        select(SubscribeAcceptance.id)
        .where(
            SubscribeAcceptance.user_id == order.user_id,
            SubscribeAcceptance.template_id == template.id,
            SubscribeAcceptance.used_at.is_(None),
        )
        .order_by(SubscribeAcceptance.id)
        .limit(1)
    ).scalar_one_or_none()
    if acceptance is None:
        db.rollback()
        return 0
    claimed = db.execute(
        update(SubscribeAcceptance)
        .where(SubscribeAcceptance.id == acceptance, SubscribeAcceptance.used_at.is_(None))
        .values(used_at=when)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]  # another event took it: none left for this one
        db.rollback()
        return 0
    first = db.execute(
        select(OrderLine.name).where(OrderLine.order_id == order.id).order_by(OrderLine.position).limit(1)
    ).scalar_one_or_none()
    openid = db.get_one(User, order.user_id).openid
    page = f"catalog/result/index?order={order.order_no}"
    body = message_body(template, order_values(order, first or "", when), page)
    db.add(
        SubscribeMessage(
            user_id=order.user_id,
            openid=openid,
            order_no=order.order_no,
            template_id=template.id,
            event=event,
            body=json.dumps(body, ensure_ascii=False),
            next_attempt_at=when,
        )
    )
    try:
        db.commit()
    except IntegrityError:  # this event was already queued for this template: keep the acceptance
        db.rollback()
        return 0
    return 1


def sweep(sessions: sessionmaker[Session], sender: MessageSender, now: datetime | None = None, limit: int = 50) -> int:
    """Send the messages that are due; the number sent. Safe in every worker at once."""
    now = now or utcnow()
    with sessions() as db:
        due = (
            db.execute(
                select(SubscribeMessage.id)
                .where(
                    SubscribeMessage.state == "pending",
                    SubscribeMessage.next_attempt_at <= now,
                    or_(SubscribeMessage.claimed_until.is_(None), SubscribeMessage.claimed_until < now),
                )
                .order_by(SubscribeMessage.id)
                .limit(limit)
            )
            .scalars()
            .all()
        )
        db.commit()
        sent = 0
        for message_id in due:
            sent += _send_one(db, sender, message_id, now)
    return sent


def _send_one(db: Session, sender: MessageSender, message_id: int, now: datetime) -> int:
    claimed = db.execute(
        update(SubscribeMessage)
        .where(
            SubscribeMessage.id == message_id,
            SubscribeMessage.state == "pending",
            or_(SubscribeMessage.claimed_until.is_(None), SubscribeMessage.claimed_until < now),
        )
        .values(claimed_until=now + CLAIM, attempts=SubscribeMessage.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]  # another worker has it
        db.commit()
        return 0
    message = db.get_one(SubscribeMessage, message_id)
    order_no, attempts = message.order_no, message.attempts
    body = {"touser": message.openid, **json.loads(message.body)}
    db.commit()  # nothing held while WeChat answers
    try:
        sender.send_subscribe_message(body)
    except GenError as exc:
        code = getattr(exc, "code", None)
        final = attempts >= MAX_ATTEMPTS or code in FINAL_ERRORS
        error = str(exc)[:300]
        _finish(
            db,
            message_id,
            state="failed" if final else "pending",
            last_error=error,
            next_attempt_at=now + BACKOFF * 2 ** (attempts - 1),
        )
        log.warning("subscribe message %d (order %s): %s", message_id, order_no, error)
        return 0
    _finish(db, message_id, state="sent", sent_at=now, last_error=None)
    return 1


def _finish(db: Session, message_id: int, **values: Any) -> None:
    db.execute(
        update(SubscribeMessage)
        .where(SubscribeMessage.id == message_id)
        .values(claimed_until=None, **values)
        .execution_options(synchronize_session=False)
    )
    db.commit()

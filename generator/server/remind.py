"""Re-engagement (`commerce.remind`): one subscribe message to a shopper absent for `inactive_days`, once per
absence, and only with an unused acceptance of the template (WeChat's rule: one acceptance, one message).

`due(...)` finds them, a batch at a time: `users.last_active_at` older than the cutoff (never active: never
messaged), an unused acceptance of the template, no reminder for this absence yet. `queue(...)` gives each,
in a transaction of its own, a `reminders` row (unique per user and absence, so two workers or two cron runs
queue it once), consumes one acceptance with a conditional UPDATE and puts the message in the subscribe
outbox, which `subscribe.sweep` sends. One shopper's failure is logged (their user id and the error's type)
and the others go on. The report names shoppers by `ref`, never by openid.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..errors import GenError
from ..plan.routes import route_path
from ..spec.growth import Remind, RemindValue
from ..spec.site import Commerce, SiteSpec
from . import coupons
from .growth_models import Reminder
from .message_models import SubscribeAcceptance, SubscribeMessage
from .models import User
from .subscribe import SHANGHAI, field_kind, fit

BATCH = 500
EVENT = "remind"
UNITS: dict[str, str] = {"coupons": "张", "points": "积分", "inactive_days": "天"}
"""Appended to a count in a `thing` field (number fields take digits only)."""
NO_LEVEL = "会员"
"""The level shown when commerce.members declares no levels."""

log = logging.getLogger("generator.server")


@dataclass(frozen=True)
class Due:
    """A shopper to remind: absent since `inactive_since` (their last activity)."""

    user_id: int
    ref: str
    inactive_since: datetime


@dataclass(frozen=True)
class Reminded:
    ref: str
    data: dict[str, str]
    """The template's fields as sent: WeChat's key -> value (cut to WeChat's limits)."""


@dataclass
class Report:
    template: str
    dry_run: bool
    reminded: list[Reminded] = field(default_factory=list)
    failed: int = 0
    """Shoppers whose reminder could not be queued (logged; the next run tries again)."""

    def lines(self) -> list[str]:
        """`would send <template> to <ref>: key=value, ...` (dry run) or `queued <template> for <ref>: ...`."""
        verb = "would send {} to {}" if self.dry_run else "queued {} for {}"
        return [
            verb.format(self.template, one.ref) + ": " + ", ".join(f"{key}={value}" for key, value in one.data.items())
            for one in self.reminded
        ]


def rule(commerce: Commerce | None) -> Remind:
    """The site's `commerce.remind`, or a GenError saying how to declare it."""
    remind = commerce.remind if commerce is not None else None
    if remind is None:
        raise GenError(
            "the site has no commerce.remind, so there is nobody to remind; add commerce.remind: "
            "{template: <an id of commerce.order_templates>, inactive_days: 30, "
            "fields: {thing1: shop, number2: coupons, time3: time}}"
        )
    return remind


def home_page(spec: SiteSpec) -> str:
    """The mini-program path of the site's first page (`site.home`, else the first tab's page)."""
    return route_path(spec.site.home or spec.tabs[0].page)


def due(session: Session, commerce: Commerce, now: datetime, after: int = 0, limit: int = BATCH) -> list[Due]:
    """Up to `limit` shoppers to remind at `now`, by user id above `after` (the next batch: the last id)."""
    remind = rule(commerce)
    cutoff = now - timedelta(days=remind.inactive_days)
    accepted = exists().where(
        SubscribeAcceptance.user_id == User.id,
        SubscribeAcceptance.template_id == remind.template,
        SubscribeAcceptance.used_at.is_(None),
    )
    reminded = exists().where(Reminder.user_id == User.id, Reminder.inactive_since == User.last_active_at)
    rows = session.execute(
        select(User.id, User.ref, User.last_active_at)
        .where(User.id > after, User.last_active_at.is_not(None), User.last_active_at < cutoff, accepted, ~reminded)
        .order_by(User.id)
        .limit(limit)
    ).all()
    return [Due(user_id, ref, since) for user_id, ref, since in rows if since is not None]


def values(session: Session, commerce: Commerce, shop_name: str, user: User, now: datetime) -> dict[RemindValue, str]:
    """Everything a reminder's field may show, for this shopper at `now`."""
    held = coupons.mine(session, user, {coupon.id: coupon for coupon in commerce.coupons}, now)
    since = user.last_active_at or now
    return {
        "shop": shop_name,
        "coupons": str(len(held)),
        "points": str(user.points),
        "level": commerce.members.level(user.points) or NO_LEVEL,
        "time": now.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M"),
        "inactive_days": str((now - since).days),
    }


def fields(remind: Remind, shown: dict[RemindValue, str]) -> dict[str, str]:
    """The template's data: each WeChat key with its value, a count in a `thing` field with its unit."""
    data = {}
    for key, name in remind.fields.items():
        value = shown[name]
        if field_kind(key) == "thing":
            value += UNITS.get(name, "")
        data[key] = fit(key, value)
    return data


def queue(
    session: Session,
    commerce: Commerce,
    shop_name: str,
    home: str,
    now: datetime,
    dry_run: bool = False,
    batch: int = BATCH,
) -> Report:
    """Queue the reminders due at `now` (`home`: the page a message opens unless remind.page is set), or with
    `dry_run` only list them and write nothing. No open transaction on entry; each shopper is committed alone."""
    remind = rule(commerce)
    report = Report(remind.template, dry_run)
    after = 0
    while True:
        found = due(session, commerce, now, after, batch)
        session.rollback()  # hold nothing between shoppers (SQLite's BEGIN IMMEDIATE takes the write lock)
        for one in found:
            try:
                reminded = _remind_one(session, commerce, remind, shop_name, home, one, now, dry_run)
            except Exception as exc:  # noqa: BLE001 (one shopper's failure must not stop the others)
                session.rollback()
                report.failed += 1
                log.error("reminder for user %d could not be queued (%s)", one.user_id, type(exc).__name__)
                continue
            if reminded is not None:
                report.reminded.append(reminded)
        if len(found) < batch:
            return report
        after = found[-1].user_id


def _remind_one(
    session: Session,
    commerce: Commerce,
    remind: Remind,
    shop_name: str,
    home: str,
    one: Due,
    now: datetime,
    dry_run: bool,
) -> Reminded | None:
    fresh = select(User).where(User.id == one.user_id).execution_options(populate_existing=True)
    user = session.execute(fresh).scalar_one_or_none()
    if user is None or user.last_active_at != one.inactive_since:  # gone, or came back since `due`
        session.rollback()
        return None
    data = fields(remind, values(session, commerce, shop_name, user, now))
    if dry_run:
        session.rollback()
        return Reminded(user.ref, data)
    reminder = Reminder(user_id=user.id, inactive_since=one.inactive_since, template_id=remind.template, created_at=now)
    session.add(reminder)
    try:
        session.flush()
    except IntegrityError:  # another worker or run queued this absence
        session.rollback()
        return None
    acceptance = session.execute(
        select(SubscribeAcceptance.id)
        .where(
            SubscribeAcceptance.user_id == user.id,
            SubscribeAcceptance.template_id == remind.template,
            SubscribeAcceptance.used_at.is_(None),
        )
        .order_by(SubscribeAcceptance.id)
        .limit(1)
    ).scalar_one_or_none()
    claimed = 0
    if acceptance is not None:
        result = session.execute(
            update(SubscribeAcceptance)
            .where(SubscribeAcceptance.id == acceptance, SubscribeAcceptance.used_at.is_(None))
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )
        claimed = result.rowcount  # type: ignore[attr-defined]
    if claimed != 1:  # an order message took the last acceptance meanwhile: no reminder for this absence yet
        session.rollback()
        return None
    body = {
        "template_id": remind.template,
        "page": remind.page or home,
        "data": {key: {"value": value} for key, value in data.items()},
    }
    session.add(
        SubscribeMessage(
            user_id=user.id,
            openid=user.openid,
            order_no=f"remind:{reminder.id}",
            template_id=remind.template,
            event=EVENT,
            body=json.dumps(body, ensure_ascii=False),
            next_attempt_at=now,
            created_at=now,
        )
    )
    session.commit()
    return Reminded(user.ref, data)

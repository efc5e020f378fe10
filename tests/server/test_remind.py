"""Re-engagement reminders (commerce.remind) on a real SQLite file and a real PostgreSQL database, with a test
clock: the coupons shop (sites/coupons) with member levels, the reminder template in order_templates and
commerce.remind appended.

What it proves: a shopper inactive 31 days who accepted the template gets exactly one message (its body:
template id, home page, every field), sent through the fake WeChat; a second run sends nothing for the same
absence; after coming back and going away again they get one more only if they accepted again; no
acceptance or no activity ever: never; 29 days: not yet; a dry run lists them and writes nothing; two runs
at once queue one reminder; batches cover every shopper; one shopper's failure is logged without their data
and the others go on; gen serve's job queues and its sweep sends; `gen remind` runs end to end (dry run,
then --fake-wechat) and says what to add when the site has no commerce.remind.
"""

from __future__ import annotations

import logging
import secrets
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from generator.build import load
from generator.server import coupons, remind, remind_routes, subscription_routes
from generator.server.app import create_app
from generator.server.db import make_engine, make_sessionmaker, utcnow
from generator.server.fake_wechat import FakeApiClient, FakeWeChatApi
from generator.server.growth_models import Reminder
from generator.server.message_models import SubscribeAcceptance, SubscribeMessage
from generator.server.models import User
from generator.server.remind_cli import remind as remind_command
from generator.server.settings import ENV_APPSECRET, ENV_APPSECRET_FILE, ENV_DATABASE_URL
from generator.server.subscribe import sweep
from generator.spec.site import SiteSpec

from .conftest import SHOP, race, shop_settings

COUPON_SHOP = SHOP.parent / "coupons"
TEMPLATE = "REMINDtemplate_01"
REMIND = f"""  order_templates: [{TEMPLATE}]
  members:
    levels:
      - {{name: 普通会员, points: 0}}
      - {{name: 银卡会员, points: 100}}
  remind:
    template: {TEMPLATE}
    inactive_days: 30
    fields: {{thing1: shop, number2: coupons, thing3: points, thing4: level, time5: time, number6: inactive_days}}
"""
AWAY = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
"""The test clock's last activity; NOW is 31 days later (10:00 in Shanghai)."""
NOW = AWAY + timedelta(days=31)


def site_with_remind(folder: Path, extra: str = REMIND) -> Path:
    site = folder / "site"
    shutil.copytree(COUPON_SHOP, site)
    with (site / "site.yaml").open("a", encoding="utf-8") as spec:
        spec.write(extra)
    return site


@dataclass
class Shop:
    spec: SiteSpec
    sessions: sessionmaker[Session]
    fake: FakeWeChatApi

    def queue(self, now: datetime = NOW, dry_run: bool = False, batch: int = remind.BATCH) -> remind.Report:
        assert self.spec.commerce is not None
        with self.sessions() as db:
            return remind.queue(db, self.spec.commerce, "测试小铺", remind.home_page(self.spec), now, dry_run, batch)

    def send(self, now: datetime = NOW) -> int:
        return sweep(self.sessions, FakeApiClient(self.fake, self.sessions), now, limit=500)

    def shopper(self, active: datetime | None = AWAY, accepted: int = 1, points: int = 0) -> User:
        with self.sessions() as db:
            openid = f"remind-{secrets.token_hex(6)}"
            user = User(ref=secrets.token_urlsafe(16), openid=openid, points=points, last_active_at=active)
            db.add(user)
            db.flush()
            db.add_all(SubscribeAcceptance(user_id=user.id, template_id=TEMPLATE) for _ in range(accepted))
            db.commit()
            return user

    def accept(self, user: User) -> None:
        with self.sessions() as db:
            db.add(SubscribeAcceptance(user_id=user.id, template_id=TEMPLATE))
            db.commit()

    def come_back(self, user: User, when: datetime) -> None:
        with self.sessions() as db:
            db.get_one(User, user.id).last_active_at = when
            db.commit()

    def count(self, model: Any) -> int:
        with self.sessions() as db:
            return int(db.execute(select(func.count()).select_from(model)).scalar_one())

    def unused(self, user: User) -> int:
        with self.sessions() as db:
            query = select(func.count()).where(
                SubscribeAcceptance.user_id == user.id, SubscribeAcceptance.used_at.is_(None)
            )
            return int(db.execute(query).scalar_one())


@pytest.fixture
def shop(database_url: str, tmp_path: Path) -> Iterator[Shop]:
    loaded, _theme = load(site_with_remind(tmp_path))
    engine = make_engine(database_url)
    sessions = make_sessionmaker(engine)
    assert loaded.spec.commerce is not None
    with sessions() as db:
        coupons.sync_coupons(db, loaded.spec.commerce.coupons)
        db.commit()
    yield Shop(loaded.spec, sessions, FakeWeChatApi(loaded.spec.site.appid, "fake-appsecret"))
    engine.dispose()


def give_coupon(shop: Shop, user: User, coupon_id: str, when: datetime) -> None:
    assert shop.spec.commerce is not None
    spec = next(c for c in shop.spec.commerce.coupons if c.id == coupon_id)
    with shop.sessions() as db:
        coupons.claim(db, spec, user, when)
        db.commit()


def test_a_shopper_away_31_days_who_accepted_gets_one_message(shop: Shop) -> None:
    user = shop.shopper(points=120)
    give_coupon(shop, user, "ten-off", NOW - timedelta(days=1))  # valid 7 days: held and usable now
    give_coupon(shop, user, "ten-off", AWAY)  # expired a week after AWAY: not counted
    report = shop.queue()
    data = {
        "thing1": "测试小铺",
        "number2": "1",
        "thing3": "120积分",
        "thing4": "银卡会员",
        "time5": "2026-07-02 10:00",
        "number6": "31",
    }
    assert report.reminded == [remind.Reminded(user.ref, data)] and report.failed == 0
    assert report.lines() == [
        f"queued {TEMPLATE} for {user.ref}: thing1=测试小铺, number2=1, thing3=120积分, thing4=银卡会员, "
        "time5=2026-07-02 10:00, number6=31"
    ]
    assert shop.unused(user) == 0
    assert shop.send() == 1
    assert shop.fake.sent == [
        {
            "touser": user.openid,
            "template_id": TEMPLATE,
            "page": "pages/home/index",
            "data": {key: {"value": value} for key, value in data.items()},
        }
    ]
    with shop.sessions() as db:
        reminder = db.execute(select(Reminder)).scalar_one()
        message = db.execute(select(SubscribeMessage)).scalar_one()
    assert (reminder.user_id, reminder.inactive_since, reminder.template_id) == (user.id, AWAY, TEMPLATE)
    assert (message.order_no, message.event, message.state) == (f"remind:{reminder.id}", "remind", "sent")


def test_a_second_run_sends_nothing_for_the_same_absence(shop: Shop) -> None:
    user = shop.shopper(accepted=2)  # a second acceptance left: still one reminder per absence
    assert len(shop.queue().reminded) == 1
    assert shop.queue(NOW + timedelta(days=5)).reminded == []
    assert shop.count(Reminder) == shop.count(SubscribeMessage) == 1
    assert shop.unused(user) == 1


def test_back_and_away_again_is_one_more_only_with_a_new_acceptance(shop: Shop) -> None:
    user = shop.shopper()
    assert len(shop.queue().reminded) == 1
    back = NOW + timedelta(days=1)
    shop.come_back(user, back)
    later = back + timedelta(days=31)
    assert shop.queue(later).reminded == []  # their one acceptance went to the first reminder
    shop.accept(user)
    assert [one.ref for one in shop.queue(later).reminded] == [user.ref]
    assert shop.queue(later + timedelta(days=1)).reminded == []
    with shop.sessions() as db:
        absences = db.execute(select(Reminder.inactive_since).order_by(Reminder.id)).scalars().all()
    assert absences == [AWAY, back]
    assert shop.send(later) == 2


def test_no_acceptance_or_no_activity_is_never_messaged(shop: Shop) -> None:
    shop.shopper(accepted=0)
    shop.shopper(active=None)
    with shop.sessions() as db:  # an acceptance of another template does not count
        other = db.get_one(User, shop.shopper(accepted=0).id)
        db.add(SubscribeAcceptance(user_id=other.id, template_id="OTHERtemplate_01"))
        db.commit()
    assert shop.queue(AWAY + timedelta(days=365)).reminded == []
    assert shop.count(Reminder) == shop.count(SubscribeMessage) == 0


def test_29_days_is_not_yet(shop: Shop) -> None:
    user = shop.shopper()
    assert shop.queue(AWAY + timedelta(days=29)).reminded == []
    assert shop.queue(AWAY + timedelta(days=30)).reminded == []  # exactly 30: not older than inactive_days
    assert [one.ref for one in shop.queue(AWAY + timedelta(days=30, minutes=1)).reminded] == [user.ref]


def test_a_dry_run_lists_the_shopper_and_writes_nothing(shop: Shop) -> None:
    user = shop.shopper(points=5)
    report = shop.queue(dry_run=True)
    assert report.lines() == [
        f"would send {TEMPLATE} to {user.ref}: thing1=测试小铺, number2=0, thing3=5积分, thing4=普通会员, "
        "time5=2026-07-02 10:00, number6=31"
    ]
    assert shop.count(Reminder) == shop.count(SubscribeMessage) == 0
    assert shop.unused(user) == 1
    assert len(shop.queue().reminded) == 1  # and the real run still sends it


def test_two_runs_at_once_queue_one_reminder(shop: Shop) -> None:
    user = shop.shopper(accepted=3)
    results = race(4, lambda _index: shop.queue())
    assert not [result for result in results if isinstance(result, BaseException)]
    reports = [result for result in results if isinstance(result, remind.Report)]
    assert sum(len(report.reminded) for report in reports) == 1
    assert sum(report.failed for report in reports) == 0
    assert shop.count(Reminder) == shop.count(SubscribeMessage) == 1
    assert shop.unused(user) == 2


def test_batches_cover_every_shopper(shop: Shop) -> None:
    users = [shop.shopper() for _ in range(5)]
    assert {one.ref for one in shop.queue(dry_run=True, batch=2).reminded} == {user.ref for user in users}
    assert {one.ref for one in shop.queue(batch=2).reminded} == {user.ref for user in users}
    assert shop.send() == 5


def test_one_failure_is_logged_without_data_and_the_others_go_on(
    shop: Shop, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    broken, fine = shop.shopper(), shop.shopper()
    real = remind.values

    def failing(db: Session, commerce: Any, name: str, user: User, now: datetime) -> dict[Any, str]:
        if user.id == broken.id:
            raise RuntimeError(f"boom {user.openid}")
        return real(db, commerce, name, user, now)

    monkeypatch.setattr(remind, "values", failing)
    with caplog.at_level(logging.ERROR, "generator.server"):
        report = shop.queue()
    assert [one.ref for one in report.reminded] == [fine.ref] and report.failed == 1
    assert caplog.messages == [f"reminder for user {broken.id} could not be queued (RuntimeError)"]
    assert shop.unused(broken) == 1
    monkeypatch.setattr(remind, "values", real)
    assert [one.ref for one in shop.queue().reminded] == [broken.ref]  # the next run tries again


def test_a_declared_page_and_home_are_used(tmp_path: Path) -> None:
    extra = REMIND + "    page: pages/contact/index\n"
    loaded, _theme = load(site_with_remind(tmp_path, extra))
    assert loaded.spec.commerce is not None and loaded.spec.commerce.remind is not None
    assert loaded.spec.commerce.remind.page == "pages/contact/index"
    assert remind.home_page(loaded.spec) == "pages/home/index"
    other = tmp_path / "other"
    other.mkdir()
    site = site_with_remind(other)
    text = (site / "site.yaml").read_text(encoding="utf-8")
    (site / "site.yaml").write_text(text.replace("  base_url:", "  home: contact\n  base_url:", 1), encoding="utf-8")
    assert remind.home_page(load(site)[0].spec) == "pages/contact/index"


def test_a_declared_page_is_the_messages_page(database_url: str, tmp_path: Path) -> None:
    loaded, _theme = load(site_with_remind(tmp_path, REMIND + "    page: pages/contact/index\n"))
    engine = make_engine(database_url)
    shop = Shop(loaded.spec, make_sessionmaker(engine), FakeWeChatApi(loaded.spec.site.appid, "fake-appsecret"))
    try:
        shop.shopper()
        assert len(shop.queue().reminded) == 1
        shop.send()
        assert [body["page"] for body in shop.fake.sent] == ["pages/contact/index"]
    finally:
        engine.dispose()


def test_gen_serve_queues_every_hour_and_the_sweep_sends(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(remind_routes, "REMIND_SECONDS", 0.05)
    monkeypatch.setattr(subscription_routes, "SWEEP_SECONDS", 0.05)
    app: FastAPI = create_app(shop_settings(database_url, tmp_path / "data", site_dir=site_with_remind(tmp_path)))
    with TestClient(app) as client:
        shop = Shop(app.state.spec, app.state.sessionmaker, app.state.fake_wechat_api)
        user = shop.shopper(active=utcnow() - timedelta(days=31))
        deadline = time.monotonic() + 20
        while not client.get("/_fake/messages").json() and time.monotonic() < deadline:
            time.sleep(0.05)
        sent = client.get("/_fake/messages").json()
        time.sleep(0.3)  # more rounds of the job: still one message
        assert client.get("/_fake/messages").json() == sent
    assert [(body["touser"], body["template_id"]) for body in sent] == [(user.openid, TEMPLATE)]
    assert shop.count(Reminder) == 1


def cli_env(database_url: str) -> dict[str, str | None]:
    return {ENV_DATABASE_URL: database_url, ENV_APPSECRET: None, ENV_APPSECRET_FILE: None}


def test_gen_remind_runs_end_to_end(database_url: str, tmp_path: Path) -> None:
    site = site_with_remind(tmp_path)
    engine = make_engine(database_url)
    shop = Shop(load(site)[0].spec, make_sessionmaker(engine), FakeWeChatApi("wx0123456789abcdef", "x"))
    try:
        user = shop.shopper(active=utcnow() - timedelta(days=31))
        shop.shopper(active=utcnow() - timedelta(days=3))  # still a regular
        runner = CliRunner()
        env = cli_env(database_url)
        dry = runner.invoke(remind_command, [str(site), "--dry-run", "--data", str(tmp_path / "d")], env=env)
        assert dry.exit_code == 0, dry.output
        assert f"would send {TEMPLATE} to {user.ref}: thing1=测试小铺, number2=0," in dry.output
        assert "dry run: 1 shopper(s) would get" in dry.output
        assert shop.count(Reminder) == shop.count(SubscribeMessage) == 0 and shop.unused(user) == 1

        sent = runner.invoke(remind_command, [str(site), "--fake-wechat", "--data", str(tmp_path / "d")], env=env)
        assert sent.exit_code == 0, sent.output
        assert f"queued {TEMPLATE} for {user.ref}: thing1=测试小铺" in sent.output
        assert 'fake WeChat received: {"data": {"number2": {"value": "0"}' in sent.output
        assert f'"template_id": "{TEMPLATE}", "to": "{user.ref}"' in sent.output
        assert "1 reminder(s) of REMINDtemplate_01 queued, 1 message(s) sent" in sent.output
        assert user.openid not in sent.output
        with shop.sessions() as db:
            assert db.execute(select(SubscribeMessage.state)).scalars().all() == ["sent"]

        again = runner.invoke(remind_command, [str(site), "--fake-wechat", "--data", str(tmp_path / "d")], env=env)
        assert again.exit_code == 0, again.output
        assert "0 reminder(s) of REMINDtemplate_01 queued, 0 message(s) sent" in again.output
    finally:
        engine.dispose()


def test_gen_remind_without_the_appsecret_says_what_to_set(database_url: str, tmp_path: Path) -> None:
    site = site_with_remind(tmp_path)
    result = CliRunner().invoke(remind_command, [str(site), "--data", str(tmp_path / "d")], env=cli_env(database_url))
    assert result.exit_code == 2, result.output
    assert "WECHAT_APPSECRET" in result.output and "Traceback" not in result.output


def test_gen_remind_without_commerce_remind_says_what_to_add(tmp_path: Path) -> None:
    result = CliRunner().invoke(remind_command, [str(SHOP), "--dry-run", "--data", str(tmp_path / "d")])
    assert result.exit_code == 2
    assert "add commerce.remind:" in result.output and "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)
    assert not (tmp_path / "d").exists()  # refused before the database was opened

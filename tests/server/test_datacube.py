"""The article-reads pull (`datacube.pull`) against the fake Official Account on SQLite and PostgreSQL:
missing days are fetched in windows of at most 3 days and stored as WeChat's totals, stored days are never
asked again, several pulls at once store each day once, WeChat's and the network's errors are logged and
end the round without raising; `gen serve` mounts the job with --fake-wechat or the Official Account's
credentials and fills the table, and `gen report` shows it.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from generator.cli import main
from generator.oa.client import Client, Credentials
from generator.oa.fake import FakeOaClient, FakeOfficialAccountApi, fake_user_read
from generator.server import article_routes
from generator.server.app import create_app
from generator.server.datacube import LOOKBACK_DAYS, figures_by_day, pull, windows
from generator.server.db import make_sessionmaker
from generator.server.event_models import ArticleReads
from generator.server.metrics_days import days_between, shift, today_in_shanghai
from generator.server.settings import Settings
from tests.server.conftest import SHOP, race

TODAY = "2026-11-15"


def stored(engine: Engine) -> dict[str, tuple[int, int, int]]:
    with Session(engine) as session:
        rows = session.execute(select(ArticleReads.day, ArticleReads.reads, ArticleReads.readers, ArticleReads.shares))
        return {day: (reads, readers, shares) for day, reads, readers, shares in rows}


@pytest.fixture
def sessions(db_engine: Engine) -> sessionmaker[Session]:
    return make_sessionmaker(db_engine)


def test_missing_days_are_fetched_in_windows_of_three(db_engine: Engine, sessions: sessionmaker[Session]) -> None:
    fake = FakeOfficialAccountApi()
    report = pull(sessions, FakeOaClient(fake), TODAY, lookback=10)
    expected_windows = [
        ("2026-11-05", "2026-11-07"),
        ("2026-11-08", "2026-11-10"),
        ("2026-11-11", "2026-11-13"),
        ("2026-11-14", "2026-11-14"),
    ]
    assert fake.datacube_calls == expected_windows == report.windows
    assert not report.failed
    days = days_between("2026-11-05", "2026-11-14")
    assert stored(db_engine) == {day: fake_user_read(day) for day in days}  # the totals, not a source's share
    assert report.stored == days


def test_a_second_pull_asks_for_nothing(db_engine: Engine, sessions: sessionmaker[Session]) -> None:
    fake = FakeOfficialAccountApi()
    pull(sessions, FakeOaClient(fake), TODAY, lookback=10)
    before = stored(db_engine)
    again = pull(sessions, FakeOaClient(fake), TODAY, lookback=10)
    assert again.windows == [] and again.stored == [] and len(fake.datacube_calls) == 4
    assert stored(db_engine) == before


def test_only_the_gaps_are_asked_and_stored_days_kept(db_engine: Engine, sessions: sessionmaker[Session]) -> None:
    with Session(db_engine) as session:
        session.add_all(
            [
                ArticleReads(day="2026-11-08", reads=1, readers=1, shares=1),
                ArticleReads(day="2026-11-12", reads=2, readers=2, shares=2),
            ]
        )
        session.commit()
    fake = FakeOfficialAccountApi()
    pull(sessions, FakeOaClient(fake), TODAY, lookback=10)
    assert fake.datacube_calls == [
        ("2026-11-05", "2026-11-07"),
        ("2026-11-09", "2026-11-11"),
        ("2026-11-13", "2026-11-14"),
    ]
    rows = stored(db_engine)
    assert rows["2026-11-08"] == (1, 1, 1) and rows["2026-11-12"] == (2, 2, 2) and len(rows) == 10


def test_windows_cut_runs_of_consecutive_days() -> None:
    assert windows([]) == []
    assert windows(["2026-12-31", "2027-01-01", "2027-01-02", "2027-01-03", "2027-01-05"]) == [
        ("2026-12-31", "2027-01-02"),
        ("2027-01-03", "2027-01-03"),
        ("2027-01-05", "2027-01-05"),
    ]


def test_an_answer_without_a_total_is_summed_and_unlisted_days_are_zero() -> None:
    entries: list[dict[str, Any]] = [
        {"ref_date": "2026-11-01", "user_source": 0, "int_page_read_count": 5, "int_page_read_user": 4},
        {
            "ref_date": "2026-11-01",
            "user_source": 2,
            "int_page_read_count": 7,
            "int_page_read_user": 1,
            "share_count": 3,
        },
        {"ref_date": "2026-10-31", "user_source": 99999999, "int_page_read_count": 99},  # not asked for
    ]
    assert figures_by_day(entries, "2026-11-01", "2026-11-02") == {
        "2026-11-01": {"reads": 12, "readers": 5, "shares": 3},
        "2026-11-02": {"reads": 0, "readers": 0, "shares": 0},
    }


def test_parallel_pulls_store_each_day_once(db_engine: Engine, sessions: sessionmaker[Session]) -> None:
    results = race(4, lambda _n: pull(sessions, FakeOaClient(), TODAY, lookback=9))
    assert all(not isinstance(result, BaseException) and not result.failed for result in results), results
    assert stored(db_engine) == {day: fake_user_read(day) for day in days_between("2026-11-06", "2026-11-14")}


@pytest.mark.parametrize(
    ("error", "shown"),
    [((61501, "date range error"), "errcode 61501"), ((45009, "api freq out of limit"), "errcode 45009")],
)
def test_a_wechat_error_is_logged_and_ends_the_round(
    db_engine: Engine,
    sessions: sessionmaker[Session],
    caplog: pytest.LogCaptureFixture,
    error: tuple[int, str],
    shown: str,
) -> None:
    fake = FakeOfficialAccountApi()
    fake.datacube_error = error
    with caplog.at_level(logging.ERROR, logger="generator.server"):
        report = pull(sessions, FakeOaClient(fake), TODAY, lookback=10)
    assert report.failed and report.stored == [] and len(fake.datacube_calls) == 1
    assert stored(db_engine) == {}
    assert any(
        shown in record.getMessage() and "2026-11-05..2026-11-07" in record.getMessage() for record in caplog.records
    )
    assert not any("fake-oa-token" in record.getMessage() for record in caplog.records)
    fake.datacube_error = None  # the next round asks again
    assert len(pull(sessions, FakeOaClient(fake), TODAY, lookback=10).stored) == 10


def test_a_wrong_secret_and_no_network_are_logged(
    db_engine: Engine, sessions: sessionmaker[Session], caplog: pytest.LogCaptureFixture
) -> None:
    wrong = FakeOaClient()
    wrong.credentials = Credentials(wrong.fake.appid, "not-the-secret")
    unreachable = Client(Credentials("wxnothere", "secret"), "http://127.0.0.1:9", timeout=2)
    with caplog.at_level(logging.ERROR, logger="generator.server"):
        assert pull(sessions, wrong, TODAY, lookback=3).failed
        assert pull(sessions, unreachable, TODAY, lookback=3).failed
    messages = [record.getMessage() for record in caplog.records]
    assert any("errcode 40125" in message for message in messages)
    assert any("cannot reach http://127.0.0.1:9" in message for message in messages)
    assert not any("not-the-secret" in message or "'secret'" in message for message in messages)
    assert stored(db_engine) == {}


def test_the_job_is_mounted_with_the_fake_or_the_credentials(
    monkeypatch: pytest.MonkeyPatch, settings: Settings
) -> None:
    for name in article_routes.OA_CREDENTIALS:
        monkeypatch.delenv(name, raising=False)
    real = Settings(site_dir=settings.site_dir, database_url=settings.database_url, data_dir=settings.data_dir)
    assert article_routes.enabled(settings) and not article_routes.enabled(real)
    monkeypatch.setenv("WECHAT_APPID", "wxsomething")
    assert not article_routes.enabled(real)
    monkeypatch.setenv("WECHAT_SECRET", "something")
    assert article_routes.enabled(real)
    assert isinstance(article_routes.official_account(real), Client)


def test_gen_serve_fills_the_table_and_gen_report_shows_it(
    monkeypatch: pytest.MonkeyPatch, settings: Settings, db_engine: Engine, database_url: str
) -> None:
    monkeypatch.setattr(article_routes, "FIRST_DELAY_SECONDS", 0.0)
    yesterday = shift(today_in_shanghai(), -1)
    with TestClient(create_app(settings)):
        deadline = time.monotonic() + 20
        while len(stored(db_engine)) < LOOKBACK_DAYS and time.monotonic() < deadline:
            time.sleep(0.1)
    rows = stored(db_engine)
    assert len(rows) == LOOKBACK_DAYS and rows[yesterday] == fake_user_read(yesterday)
    week = days_between(shift(yesterday, -6), yesterday)
    result = CliRunner().invoke(main, ["report", str(SHOP)], env={"DATABASE_URL": database_url})
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["article_reads"] == report["article_figures"]["reads"]
    assert report["article_figures"] == {
        "reads": sum(fake_user_read(day)[0] for day in week),
        "readers": sum(fake_user_read(day)[1] for day in week),
        "shares": sum(fake_user_read(day)[2] for day in week),
        "days": 7,
    }
    with Session(db_engine) as session:
        assert session.scalar(select(func.count()).select_from(ArticleReads)) == LOOKBACK_DAYS

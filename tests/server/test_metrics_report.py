"""`gen report` (CliRunner) on the synthetic shop in SQLite and PostgreSQL: JSON is `compute`'s figures (and
the rows' own), CSV one metric,value row each, HTML a self-contained, escaped page; the default range is the
last 7 full days; bad days exit 2 with the reason; a new data folder is migrated first.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from generator.cli import main
from generator.server.metrics import compute
from generator.server.metrics_days import shift, today_in_shanghai
from generator.server.metrics_report import as_html
from tests.server.conftest import SHOP as SHOP_SITE
from tests.server.metrics_data import DAYS, day_text, insert_rows
from tests.server.test_metrics import SHOP, expected

START, END = day_text(3), day_text(DAYS - 4)


@pytest.fixture
def filled(db_engine: Engine, database_url: str) -> str:
    insert_rows(db_engine, SHOP)
    return database_url


def run(database_url: str, *options: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["report", str(SHOP_SITE), *options], env={"DATABASE_URL": database_url})
    return result.exit_code, result.stdout, result.stderr


def test_json_is_what_compute_gives(filled: str, db_engine: Engine) -> None:
    code, out, err = run(filled, "--from", START, "--to", END, "--channel", "mp", "--format", "json")
    assert code == 0, err
    with Session(db_engine) as session:
        direct = compute(session, START, END, "mp", as_of=today_in_shanghai()).to_json()
    assert json.loads(out) == direct == expected(SHOP, START, END, "mp", today_in_shanghai())


def test_csv_has_one_row_per_metric(filled: str) -> None:
    code, out, err = run(filled, "--from", START, "--to", END, "--format", "csv")
    assert code == 0, err
    table = list(csv.reader(io.StringIO(out)))
    assert table[0] == ["metric", "value"]
    values = dict(table[1:])
    assert len(values) == len(table) - 1  # no metric twice
    want = expected(SHOP, START, END, "all", today_in_shanghai())
    assert values["visitors"] == str(want["visitors"])
    assert values["funnel.paid"] == str(want["funnel"]["paid"])
    assert values["article_reads"] == str(want["article_reads"]) == values["article_figures.reads"]
    assert float(values["retention_d1"]) == want["retention_d1"]
    days = {key.split(".")[1] for key in values if key.startswith("daily.")}
    assert days == {day["day"] for day in want["daily"]}
    assert values[f"daily.{END}.revenue_fen"] == str(want["daily"][-1]["revenue_fen"])


def test_html_is_one_self_contained_page(filled: str) -> None:
    code, out, err = run(filled, "--from", START, "--to", END, "--format", "html")
    assert code == 0, err
    assert out.startswith("<!doctype html>") and out.rstrip().endswith("</html>")
    assert not re.search(r"\b(src|href)=|<script|url\(|@import", out)
    want = expected(SHOP, START, END, "all", today_in_shanghai())
    assert f'<td class="n">{want["visitors"]}</td>' in out
    assert START in out and END in out


def test_html_escapes_what_it_shows(db_engine: Engine) -> None:
    with Session(db_engine) as session:
        metrics = compute(session, "2026-01-01", "2026-01-02", "all", as_of="2026-02-01")
    page = as_html(metrics, "<script>alert(1)</script>", "2026-01-01", "2026-01-02", "all")
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_default_range_is_the_last_seven_full_days(filled: str) -> None:
    code, out, err = run(filled)
    assert code == 0, err
    yesterday = shift(today_in_shanghai(), -1)
    assert [day["day"] for day in json.loads(out)["daily"]] == [shift(yesterday, n) for n in range(-6, 1)]
    code, out, _err = run(filled, "--to", END)
    assert [day["day"] for day in json.loads(out)["daily"]] == [shift(END, n) for n in range(-6, 1)]


@pytest.mark.parametrize(
    ("options", "reason"),
    [
        (("--from", "2026-13-01"), "'2026-13-01' is not a YYYY-MM-DD day"),
        (("--from", "2026-10-05", "--to", "2026-10-04"), "ends (2026-10-04) before it starts (2026-10-05)"),
        (("--to", "yesterday"), "'yesterday' is not a YYYY-MM-DD day"),
        (("--from", "2026-10-5"), "'2026-10-5' is not a YYYY-MM-DD day"),
    ],
)
def test_bad_days_exit_2_with_the_reason(database_url: str, options: tuple[str, ...], reason: str) -> None:
    code, out, err = run(database_url, *options)
    assert code == 2 and out == ""
    assert reason in err


def test_a_new_data_folder_is_migrated_first(tmp_path: Path) -> None:
    data = tmp_path / "data"
    result = CliRunner().invoke(
        main,
        ["report", str(SHOP_SITE), "--data", str(data), "--from", "2026-10-01", "--to", "2026-10-02"],
        env={"DATABASE_URL": None},
    )
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["visitors"] == 0
    assert (data / "shop.sqlite3").exists()

"""End to end: the GENERATED tracking code (utils/track.js, app.js, the pages) against `gen serve
--fake-wechat`, on SQLite and PostgreSQL.

tests/js/client.js launches the built mini-program with a scene, shows the home page, opens a product and
adds it to the cart, logs in (the member block), and sends the app to the background, which sends the
batch. The shop's database then holds exactly those events, in order, with one envelope (install, session,
scene, platform), the shopper who logged in, the time shown on app_hide, the visitor and its day; a second
launch of the same install is the same visitor with a new session.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from generator.server.db import make_engine
from generator.server.event_models import Event, Visitor, VisitorDay
from generator.server.models import User
from generator.server.settings import sqlite_url
from tests.server.conftest import postgres_database
from tests.test_client_e2e import Served
from tests.test_client_session import run_client
from tests.test_growth_e2e import copy_site, miniprogram  # noqa: F401  (the built growth shop)


@pytest.fixture(params=["sqlite", "postgresql"])
def shop(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Served, str]]:
    """The served growth shop and the URL of its database."""
    site = copy_site(tmp_path / "shop")
    data = tmp_path / "data"
    if request.param == "sqlite":
        served = Served(site, data, None)
        yield served, sqlite_url(data.resolve())
        served.stop()
        return
    with postgres_database() as url:
        served = Served(site, data, url)
        yield served, url
        served.stop()


def visit(miniprogram: Path, served: Served, storage: dict[str, Any] | None = None) -> dict[str, Any]:  # noqa: F811
    steps = ["view", "product", "member", "hide"]
    options = {"code": "viewer", "steps": steps, "scene": 1047, "product": "green", "storage": storage or {}}
    return run_client(miniprogram, served.url, "growth", options)


def test_what_a_shopper_does_arrives_with_its_envelope(miniprogram: Path, shop: tuple[Served, str]) -> None:  # noqa: F811
    served, url = shop
    first = visit(miniprogram, served)
    posts = [r for r in first["requests"] if r["path"] == "/events"]
    assert [(r["method"], r["status"]) for r in posts] == [("POST", 202)]
    engine = make_engine(url)
    try:
        with Session(engine) as db:
            rows = list(db.execute(select(Event).order_by(Event.id)).scalars())
            shopper = db.execute(select(User.id)).scalar_one()
            visitors = db.execute(select(Visitor.install_id, Visitor.user_id, Visitor.first_scene)).all()
            days = db.execute(select(VisitorDay.install_id)).scalars().all()
    finally:
        engine.dispose()
    assert [r.name for r in rows] == [
        "app_launch", "app_show", "page_view", "product_view", "add_to_cart", "app_hide",
    ]  # fmt: skip
    install = first["storage"]["mpgen-install"]
    assert {(r.install_id, r.platform, r.scene, r.user_id) for r in rows} == {(install, "mp", 1047, shopper)}
    assert len({r.session_id for r in rows}) == 1
    assert rows[2].fields == {"page": "home"} and rows[2].page == "pages/home/index"
    assert rows[3].fields == {"product_id": "green", "category": "tea"} and rows[3].page == "catalog/product/index"
    assert rows[4].fields == {"product_id": "green", "quantity": 1}
    assert rows[5].duration_ms is not None and 0 <= rows[5].duration_ms < 60_000
    assert visitors == [(install, shopper, 1047)] and days == [install]

    # The same phone launches again: the same install, a new session.
    again = visit(miniprogram, served, {"mpgen-install": install})
    assert again["storage"]["mpgen-install"] == install
    engine = make_engine(url)
    try:
        with Session(engine) as db:
            sessions = db.execute(select(Event.session_id).distinct()).scalars().all()
            installs = db.execute(select(Visitor.install_id)).scalars().all()
    finally:
        engine.dispose()
    assert len(sessions) == 2 and installs == [install]


def test_the_traffic_script_fills_a_shop_with_weeks_of_shoppers(tmp_path: Path) -> None:
    """scripts/traffic.py (the console's demo data) drives the generated code over simulated days."""
    import subprocess
    import sys

    from tests.test_client_session import node_or_skip

    node_or_skip()
    site = copy_site(tmp_path / "shop")
    served = Served(site, tmp_path / "data", None)
    try:
        command = [sys.executable, "scripts/traffic.py", str(site), "--api", served.url, "--shoppers", "4"]
        done = subprocess.run(command + ["--days", "3", "--seed", "3"], capture_output=True, text=True, timeout=300)
    finally:
        served.stop()
    assert done.returncode == 0, done.stderr
    assert done.stdout.count(" visits\n") == 3 and "gen report" in done.stdout
    engine = make_engine(sqlite_url((tmp_path / "data").resolve()))
    try:
        with Session(engine) as db:
            days = set(db.execute(select(VisitorDay.day)).scalars())
            names = set(db.execute(select(Event.name)).scalars())
    finally:
        engine.dispose()
    assert len(days) == 3  # one simulated day after the other, by the server's fake clock
    assert {"app_launch", "app_show", "page_view", "product_view", "app_hide"} <= names

"""POST /events on both databases: a batch is stored with its envelope and only the declared events and
fields; the session's shopper is attached (a stale session is no error); beacons in text/plain are taken;
malformed batches are 400s that name the place, not the value; visitors and their days are written once
under parallel batches; the Shanghai day follows the server's clock."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from generator.server import clock
from generator.server.event_models import Event, Visitor, VisitorDay
from generator.server.events import MAX_EVENTS

from .conftest import login, race

INSTALL = "m1a2b3c4d5e6f7g8"
NOON_SHANGHAI = datetime(2026, 6, 1, 4, 0, tzinfo=UTC)


def batch(*events: dict[str, Any], install: str = INSTALL, platform: str = "mp", **envelope: Any) -> dict[str, Any]:
    return {
        "install": install,
        "session": "s-0001-abcd",
        "platform": platform,
        "scene": 1007,
        **envelope,
        "events": list(events),
    }


def event(name: str, **extra: Any) -> dict[str, Any]:
    return {"event": name, "fields": extra.pop("fields", {}), "at": extra.pop("at", None), **extra}


@pytest.fixture
def moment(app: FastAPI) -> Iterator[list[datetime]]:
    """The server's clock: the first item of the list is now; tests move it."""
    now = [NOON_SHANGHAI]
    app.dependency_overrides[clock.now] = lambda: now[0]
    yield now
    app.dependency_overrides.clear()


def stored(engine: Engine) -> list[Event]:
    with Session(engine) as session:
        return list(session.execute(select(Event).order_by(Event.id)).scalars())


def test_a_batch_is_kept_with_its_envelope_and_only_what_is_declared(
    client: TestClient, db_engine: Engine, moment: list[datetime]
) -> None:
    at = int(NOON_SHANGHAI.timestamp() * 1000) - 1500
    body = batch(
        event("app_show", at=at, page="pages/home/index"),
        event("product_view", fields={"product_id": "green", "category": "tea", "phone": "13800138000"}),
        event("add_to_cart", fields={"product_id": "green", "quantity": {"nested": 1}}),
        event("app_hide", duration=61_000),
        event("made_up", fields={"x": 1}),
    )
    answer = client.post("/events", json=body)
    assert answer.status_code == 202 and answer.json() == {"accepted": 4, "dropped": 1}
    rows = stored(db_engine)
    assert [(r.name, r.platform, r.install_id, r.session_id, r.scene, r.user_id, r.day) for r in rows] == [
        (name, "mp", INSTALL, "s-0001-abcd", 1007, None, "2026-06-01")
        for name in ("app_show", "product_view", "add_to_cart", "app_hide")
    ]
    assert rows[0].page == "pages/home/index" and rows[0].client_at == datetime.fromtimestamp(at / 1000, UTC)
    assert rows[1].fields == {"product_id": "green", "category": "tea"}  # no undeclared phone
    assert rows[2].fields == {"product_id": "green"}  # a nested value is no field
    assert (rows[3].duration_ms, rows[0].duration_ms) == (61_000, None)
    assert all(r.server_at == NOON_SHANGHAI for r in rows)


def test_the_shoppers_session_ties_events_to_them_and_a_stale_one_is_no_error(
    client: TestClient, db_engine: Engine, moment: list[datetime]
) -> None:
    headers = login(client, "events-shopper")
    assert client.post("/events", json=batch(event("app_show")), headers=headers).status_code == 202
    stale = {"Authorization": "Bearer not-a-session"}
    assert client.post("/events", json=batch(event("app_hide")), headers=stale).status_code == 202
    first, second = stored(db_engine)
    assert first.user_id is not None and second.user_id is None
    with Session(db_engine) as session:
        assert session.execute(select(Visitor.user_id)).scalar_one() == first.user_id


def test_a_beacon_in_text_plain_is_taken(client: TestClient, db_engine: Engine, moment: list[datetime]) -> None:
    body = json.dumps(batch(event("page_view", fields={"page": "index", "target": "h5"}), platform="h5", scene=None))
    answer = client.post("/events", content=body.encode(), headers={"Content-Type": "text/plain;charset=UTF-8"})
    assert answer.status_code == 202
    [row] = stored(db_engine)
    assert (row.platform, row.scene, row.fields) == ("h5", None, {"page": "index", "target": "h5"})


@pytest.mark.parametrize(
    ("body", "where"),
    [
        (batch(), "events"),
        (batch(*[event("app_show")] * (MAX_EVENTS + 1)), "events"),
        (batch(event("app_show"), install="x"), "install"),
        (batch(event("app_show"), platform="ios"), "platform"),
        (batch(event("app_show"), scene=5), "scene"),
        (batch(event("app_hide", duration=-1)), "events.0.duration"),
    ],
)
def test_a_malformed_batch_is_a_400_naming_the_place(
    client: TestClient, db_engine: Engine, body: dict[str, Any], where: str
) -> None:
    answer = client.post("/events", json=body)
    assert answer.status_code == 400 and answer.json()["error"] == "bad_request"
    assert f"({where}:" in answer.json()["message"]
    assert stored(db_engine) == []


def test_other_media_types_and_broken_json_are_refused(client: TestClient) -> None:
    form = client.post("/events", content=b"a=1", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert form.status_code == 415
    broken = client.post("/events", content=b'{"install": "13800138000', headers={"Content-Type": "text/plain"})
    assert broken.status_code == 400 and "13800138000" not in broken.text


def test_a_wrong_phone_clock_is_stored_as_unknown(
    client: TestClient, db_engine: Engine, moment: list[datetime]
) -> None:
    far = int((NOON_SHANGHAI + timedelta(days=3)).timestamp() * 1000)
    client.post("/events", json=batch(event("app_show", at=far), event("app_hide", at=12)))
    assert [r.client_at for r in stored(db_engine)] == [None, None]


def test_visitors_and_their_days_follow_the_shanghai_calendar(
    client: TestClient, db_engine: Engine, moment: list[datetime]
) -> None:
    moment[0] = datetime(2026, 6, 1, 15, 59, tzinfo=UTC)  # 23:59 in Shanghai
    client.post("/events", json=batch(event("app_show")))
    client.post("/events", json=batch(event("app_hide")))
    moment[0] = datetime(2026, 6, 1, 16, 1, tzinfo=UTC)  # 00:01 the next day in Shanghai, still 1 June in UTC
    client.post("/events", json=batch(event("app_show")))
    client.post("/events", json=batch(event("app_show"), install="m-other-install"))
    with Session(db_engine) as session:
        visitors = session.execute(select(Visitor.install_id, Visitor.first_day, Visitor.first_scene)).all()
        days = session.execute(select(VisitorDay.install_id, VisitorDay.day).order_by(VisitorDay.day)).all()
    assert set(visitors) == {(INSTALL, "2026-06-01", 1007), ("m-other-install", "2026-06-02", 1007)}
    assert set(days) == {(INSTALL, "2026-06-01"), (INSTALL, "2026-06-02"), ("m-other-install", "2026-06-02")}
    assert [r.day for r in stored(db_engine)] == ["2026-06-01", "2026-06-01", "2026-06-02", "2026-06-02"]


def test_parallel_batches_of_one_install_write_it_once(
    client: TestClient, db_engine: Engine, moment: list[datetime]
) -> None:
    results = race(20, lambda n: client.post("/events", json=batch(event("page_view", fields={"page": f"p{n}"}))))
    assert [getattr(r, "status_code", r) for r in results] == [202] * 20
    with Session(db_engine) as session:
        assert session.execute(select(func.count()).select_from(Visitor)).scalar_one() == 1
        assert session.execute(select(func.count()).select_from(VisitorDay)).scalar_one() == 1
        assert session.execute(select(func.count()).select_from(Event)).scalar_one() == 20

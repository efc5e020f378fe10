"""Check-in, invites and the member card through the app (and their service functions under concurrency),
on a real SQLite file and a real PostgreSQL database, against the growth shop (sites/growth).

What it proves: one check-in per Asia/Shanghai day, however often it is tapped; the streak grows day by day
and starts again after a missed day; the reward comes each time the streak reaches 7, once; a reward coupon
is granted while its total lasts and is never offered to claim. A registration through a share link counts
once for the inviter (not an old shopper, not twice, not oneself), the reward comes at every 3 friends up to
`times`; the member card shows points and levels.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from generator.server import checkins, invites, order_routes
from generator.server.app import create_app
from generator.server.coupon_models import UserCoupon
from generator.server.growth_models import Checkin, Invite, PointsEntry, RewardGrant
from generator.server.models import User

from .conftest import login, make_users, race, shop_settings

GROWTH_SHOP = Path(__file__).parent / "sites" / "growth"
# 09:00 in Shanghai on 2 December 2026.
T0 = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def days(self, count: int) -> None:
        self.now += timedelta(days=count)


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> FastAPI:
    return create_app(shop_settings(database_url, tmp_path / "data", site_dir=GROWTH_SHOP.resolve()))


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def clock(app: FastAPI) -> Iterator[Clock]:
    moved = Clock()
    app.dependency_overrides[order_routes.now] = moved
    yield moved
    app.dependency_overrides.clear()


def check_in(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    answer = client.post("/checkin", headers=headers)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def held_coupons(client: TestClient, headers: dict[str, str]) -> list[str]:
    return [coupon["couponId"] for coupon in client.get("/coupons/mine", headers=headers).json()["coupons"]]


# --- check-in ------------------------------------------------------------------------------------------


def test_a_check_in_counts_once_a_day_and_a_streak_of_7_earns_the_reward_once(client: TestClient, clock: Clock) -> None:
    alice = login(client, "alice")
    first = client.get("/checkin", headers=alice).json()
    assert first == {
        "streak": 0,
        "checkedInToday": False,
        "rewardDays": 7,
        "reward": "连续签到礼",
        "rewarded": False,
        "pointsEarned": 0,
        "points": 0,
    }
    assert check_in(client, alice)["streak"] == 1
    again = check_in(client, alice)
    assert (again["streak"], again["checkedInToday"], again["pointsEarned"], again["points"]) == (1, True, 0, 2)
    for day in range(2, 7):
        clock.days(1)
        answer = check_in(client, alice)
        assert (answer["streak"], answer["rewarded"]) == (day, False)
    assert held_coupons(client, alice) == []
    clock.days(1)
    seventh = check_in(client, alice)
    assert seventh["streak"] == 7 and seventh["rewarded"] is True
    assert seventh["granted"]["text"] == "连续签到礼" and seventh["granted"]["granted"] is True
    assert held_coupons(client, alice) == ["streak"]
    assert seventh["granted"]["couponId"] in [
        c["id"] for c in client.get("/coupons/mine", headers=alice).json()["coupons"]
    ]
    repeat = check_in(client, alice)
    assert repeat["rewarded"] is False and held_coupons(client, alice) == ["streak"]
    assert repeat["points"] == 14
    clock.days(1)
    assert check_in(client, alice)["streak"] == 8


def test_a_missed_day_starts_the_streak_again(client: TestClient, clock: Clock) -> None:
    bob = login(client, "bob")
    check_in(client, bob)
    clock.days(1)
    assert check_in(client, bob)["streak"] == 2
    clock.days(1)
    assert client.get("/checkin", headers=bob).json()["streak"] == 2  # today is still open
    clock.days(1)
    assert client.get("/checkin", headers=bob).json()["streak"] == 0  # yesterday was missed
    assert check_in(client, bob)["streak"] == 1


def test_days_are_calendar_days_in_shanghai(client: TestClient, clock: Clock) -> None:
    carol = login(client, "carol")
    clock.now = datetime(2026, 12, 2, 15, 59, tzinfo=UTC)  # 23:59 in Shanghai
    check_in(client, carol)
    clock.now = datetime(2026, 12, 2, 16, 0, tzinfo=UTC)  # 00:00 of 3 December in Shanghai, same UTC day
    answer = check_in(client, carol)
    assert (answer["streak"], answer["pointsEarned"]) == (2, 2)


def test_the_streak_reward_comes_again_at_14_and_not_when_the_coupon_ran_out(
    app: FastAPI, client: TestClient, clock: Clock
) -> None:
    dave = login(client, "dave")
    rewarded = []
    for _day in range(14):
        rewarded.append(check_in(client, dave)["rewarded"])
        clock.days(1)
    assert [day + 1 for day, got in enumerate(rewarded) if got] == [7, 14]
    assert held_coupons(client, dave) == ["streak", "streak"]
    # The shop declared 3 of the streak coupon: a third shopper reaching 7 days after two have taken them
    # all meets the rule, and gets told the coupon ran out.
    sessions: sessionmaker[Session] = app.state.sessionmaker
    with sessions() as session:
        assert session.execute(select(func.count()).select_from(UserCoupon)).scalar_one() == 2
    erin = login(client, "erin")
    frank = login(client, "frank")
    clock.now = T0 + timedelta(days=30)
    for _day in range(7):
        check_in(client, erin)
        last = check_in(client, frank)
        clock.days(1)
    assert held_coupons(client, erin) == ["streak"]
    assert last["rewarded"] is True and last["granted"]["granted"] is False
    with sessions() as session:
        states = session.execute(select(RewardGrant.state).order_by(RewardGrant.id)).scalars().all()
    assert states == ["granted", "granted", "granted", "sold_out"]


def test_twenty_taps_at_once_are_one_check_in(app: FastAPI) -> None:
    sessions: sessionmaker[Session] = app.state.sessionmaker
    (user,) = make_users(sessions, 1, "taps")
    rule = app.state.spec.commerce.checkin
    declared = {coupon.id: coupon for coupon in app.state.spec.commerce.coupons}

    def tap(_index: int) -> int:
        with sessions() as session:
            state = checkins.check_in(session, user, rule, declared, T0)
            session.commit()
            return state.points

    results = race(20, tap)
    assert not [r for r in results if isinstance(r, BaseException)], results
    with sessions() as session:
        assert session.execute(select(func.count()).select_from(Checkin)).scalar_one() == 1
        assert session.get_one(User, user.id).points == 2
        assert session.execute(select(func.count()).select_from(PointsEntry)).scalar_one() == 1
    assert sorted(results) == [0] * 19 + [2]


# --- invites -------------------------------------------------------------------------------------------


def _ref(client: TestClient, code: str) -> str:
    answer = client.post("/session", json={"code": code})
    ref: str = answer.json()["ref"]
    return ref


def test_three_registered_friends_earn_the_reward_and_shares_alone_earn_nothing(
    client: TestClient, clock: Clock
) -> None:
    host = login(client, "host")
    ref = client.get("/invites", headers=host).json()["ref"]
    assert client.get("/invites", headers=host).json() == {
        "registered": 0,
        "friends": 3,
        "times": 2,
        "reward": "邀友满99减20",
        "rewards": [],
        "ref": ref,
    }
    login(client, "old-friend")  # registered before the share: never counts
    login(client, "old-friend", inviter=ref)
    login(client, "friend-1", inviter=ref)
    login(client, "friend-1", inviter=ref)  # the same friend again
    login(client, "friend-2", inviter=ref)
    login(client, "stranger", inviter="not-a-ref")
    login(client, "host", inviter=ref)  # oneself
    state = client.get("/invites", headers=host).json()
    assert (state["registered"], state["rewards"]) == (2, [])
    assert held_coupons(client, host) == []
    login(client, "friend-3", inviter=ref)
    state = client.get("/invites", headers=host).json()
    assert state["registered"] == 3 and [r["text"] for r in state["rewards"]] == ["邀友满99减20"]
    assert held_coupons(client, host) == ["friends"]
    for n in range(4, 10):
        login(client, f"friend-{n}", inviter=ref)
    state = client.get("/invites", headers=host).json()
    assert state["registered"] == 9 and len(state["rewards"]) == 2  # times: 2
    assert held_coupons(client, host) == ["friends", "friends"]


def test_parallel_registrations_are_counted_exactly(app: FastAPI) -> None:
    sessions: sessionmaker[Session] = app.state.sessionmaker
    (inviter,) = make_users(sessions, 1, "inviter")
    friends = make_users(sessions, 12, "friend")
    rule = app.state.spec.commerce.invites
    declared = {coupon.id: coupon for coupon in app.state.spec.commerce.coupons}

    def register(index: int) -> bool:
        with sessions() as session:
            # Friends 0..5 twice each: the same registration reported twice at once counts once.
            friend = session.get_one(User, friends[index % 6].id)
            counted = invites.attribute(session, friend, inviter.ref, rule, declared, T0)
            session.commit()
            return counted

    results = race(12, register)
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert results.count(True) == 6
    with sessions() as session:
        assert session.execute(select(func.count()).select_from(Invite)).scalar_one() == 6
        grants = session.execute(select(RewardGrant.ref).order_by(RewardGrant.ref)).scalars().all()
    assert grants == ["1", "2"]


# --- members and reward coupons -------------------------------------------------------------------------


def test_the_member_card_shows_points_and_levels(client: TestClient, clock: Clock) -> None:
    gina = login(client, "gina")
    card = client.get("/member", headers=gina).json()
    assert {k: card[k] for k in ("points", "level", "nextLevel", "pointsToNext", "pointsPerYuan", "coupons")} == {
        "points": 0,
        "level": "普通会员",
        "nextLevel": "银卡会员",
        "pointsToNext": 10,
        "pointsPerYuan": 1,
        "coupons": 0,
    }
    for _day in range(5):
        check_in(client, gina)
        clock.days(1)
    card = client.get("/member", headers=gina).json()
    assert (card["points"], card["level"], card["nextLevel"], card["pointsToNext"]) == (10, "银卡会员", "金卡会员", 90)


def test_reward_coupons_are_not_offered_to_claim(client: TestClient, clock: Clock) -> None:
    hana = login(client, "hana")
    offered = [coupon["id"] for coupon in client.get("/coupons", headers=hana).json()["coupons"]]
    assert "streak" not in offered and "friends" not in offered and "ten-off" in offered
    refused = client.post("/coupons/streak/claim", headers=hana)
    assert refused.status_code == 409 and refused.json()["error"] == "reward_only"


def test_growth_needs_a_session(client: TestClient) -> None:
    for method, path in (("GET", "/checkin"), ("POST", "/checkin"), ("GET", "/invites"), ("GET", "/member")):
        assert client.request(method, path).status_code == 401

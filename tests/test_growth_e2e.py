"""End to end: the GENERATED growth blocks against the real backend, `gen serve --fake-wechat`, on SQLite
and PostgreSQL (the growth shop of tests/server/sites/growth, built and served in its own process).

tests/js/client.js runs the built check-in, invite and member components and the share link in node (its
`growth` scenario), with the fake WeChat's login (one code is one shopper) and the server's fake clock
(POST /_fake/clock) to live through a week. What this proves: a shopper who checks in 7 days in a row gets
the streak coupon and the points; three friends who open the host's share link and register earn the host
the invite coupon, and a friend who was a shopper already earns nothing; the coupon a shopper earned is
used at checkout, the order's points arrive, and the subscribe message the shopper accepted went out.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from generator.build import build
from tests.server.conftest import postgres_database
from tests.test_client_e2e import Served
from tests.test_client_session import node_or_skip, run_client

GROWTH = Path(__file__).parent / "server" / "sites" / "growth"
CHECKIN_BLOCK = {"type": "checkin", "title": "每日签到", "rewardDays": 7, "reward": "连续签到礼", "points": 2}
INVITE_BLOCK = {"type": "invite", "title": "邀请好友", "friends": 3, "reward": "邀友满99减20"}


def copy_site(folder: Path) -> Path:
    return Path(shutil.copytree(GROWTH, folder, ignore=shutil.ignore_patterns(".mpgen-data", ".mpgen-cache", "dist")))


@pytest.fixture(scope="module")
def miniprogram(tmp_path_factory: pytest.TempPathFactory) -> Path:
    node_or_skip()
    site = copy_site(tmp_path_factory.mktemp("growth-build") / "shop")
    build(site, site / "out")
    return site / "out" / "miniprogram"


@pytest.fixture(params=["sqlite", "postgresql"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Served]:
    site = copy_site(tmp_path / "shop")
    if request.param == "sqlite":
        served = Served(site, tmp_path / "data", None)
        yield served
        served.stop()
        return
    with postgres_database() as url:
        served = Served(site, tmp_path / "data", url)
        yield served
        served.stop()


def growth(miniprogram: Path, server: Served, code: str, *steps: str, **options: Any) -> dict[str, Any]:
    result = run_client(
        miniprogram,
        server.url,
        "growth",
        {"code": code, "steps": list(steps), "checkin": CHECKIN_BLOCK, "invite": INVITE_BLOCK, **options},
    )
    assert not result["errors"], result["errors"]
    return result


def next_day(server: Served) -> None:
    httpx.post(server.url + "_fake/clock", json={"days": 1}, timeout=10).raise_for_status()


def sent_messages(server: Served, count: int) -> list[dict[str, Any]]:
    """What the fake WeChat received, once `count` messages arrived (the server sends every few seconds)."""
    deadline = time.monotonic() + 20
    while True:
        sent: list[dict[str, Any]] = httpx.get(server.url + "_fake/messages", timeout=10).json()
        if len(sent) >= count or time.monotonic() > deadline:
            return sent
        time.sleep(0.2)


def held(result: dict[str, Any]) -> list[str]:
    return [coupon["couponId"] for coupon in result["mine"]["coupons"]]


def test_a_week_of_check_ins_earns_the_streak_coupon_which_pays_part_of_an_order(
    miniprogram: Path, server: Served
) -> None:
    toasts = []
    for day in range(1, 8):
        r = growth(miniprogram, server, "week", "checkin")
        assert r["checkin"]["data"]["streak"] == day and r["checkin"]["data"]["checkedIn"] is True
        toasts.append(r["checkin"]["toast"]["title"])
        again = growth(miniprogram, server, "week", "checkin")  # a second tap the same day does nothing
        assert again["checkin"]["data"]["streak"] == day
        assert not [q for q in again["requests"] if q["method"] == "POST" and q["path"] == "/checkin"]
        next_day(server)
    assert toasts == ["签到成功 +2积分"] * 6 + ["奖励已到账"]
    r = growth(miniprogram, server, "week", "mine", "member")
    assert held(r) == ["streak"]
    assert (r["member"]["points"], r["member"]["level"], r["member"]["coupons"]) == (14, "银卡会员", 1)

    # The coupon (5 off from 20) pays part of an order; the order's points and its message follow.
    items = [{"productId": "green", "options": {}, "quantity": 2}]  # 25.00 + 8.00 shipping - 5.00
    bought = run_client(miniprogram, server.url, "buy", {"items": items, "code": "week", "coupon": 1})
    assert bought["result"]["kind"] == "paid", bought["result"]
    assert bought["result"]["totalText"] == "¥28.00"
    r = growth(miniprogram, server, "week", "mine", "member")
    assert held(r) == [] and r["member"]["points"] == 14 + 28
    sent = sent_messages(server, 1)
    assert [(m["template_id"], m["data"]["character_string1"]["value"]) for m in sent] == [
        ("TPL_order_paid_0001", bought["result"]["orderId"])
    ]


def test_three_friends_who_register_through_the_share_earn_the_invite_coupon(miniprogram: Path, server: Served) -> None:
    growth(miniprogram, server, "old-friend", "member")  # a shopper before the share
    host = growth(miniprogram, server, "host", "share", page="home")
    path = host["share"]["path"]
    ref = host["storage"]["mpgen-session"]["ref"]
    assert path.endswith("?inviter=" + ref) and "openid" not in path
    for code in ("old-friend", "friend-1", "friend-2"):
        growth(miniprogram, server, code, "member", launch={"inviter": ref})
    r = growth(miniprogram, server, "host", "invite", "mine")
    assert r["invite"]["registered"] == 2 and r["invite"]["progress"] == "，再邀请 1 位可获得奖励"
    assert held(r) == []
    growth(miniprogram, server, "friend-3", "member", launch={"inviter": ref})
    r = growth(miniprogram, server, "host", "invite", "mine")
    assert r["invite"]["registered"] == 3 and r["invite"]["progress"] == "，已获得 1 次奖励，再邀请 3 位可获得奖励"
    assert held(r) == ["friends"]


def test_a_percentage_coupon_for_one_product_is_reckoned_as_the_server_does(miniprogram: Path, server: Served) -> None:
    with server.as_shopper("percent") as shopper:
        shopper.post("coupons/gift-20/claim").raise_for_status()  # 20% off the gift box only
    items = [
        {"productId": "gift", "options": {"颜色": "红", "尺码": "M"}, "quantity": 1},  # 199.00, in scope
        {"productId": "green", "options": {}, "quantity": 1},  # 12.50, not in scope
    ]
    bought = run_client(miniprogram, server.url, "buy", {"items": items, "code": "percent", "coupon": 1})
    before = bought["checkoutBefore"]
    assert before["couponNames"] == ["不使用", "礼盒八折（8折）"]
    assert (before["discountText"], before["totalText"]) == ("¥39.80", "¥171.70")  # free shipping over 99
    refused = [q for q in bought["requests"] if q["status"] == 409]
    assert refused == []  # the client's total is the server's: no "price changed" round
    assert bought["result"]["kind"] == "paid" and bought["result"]["totalText"] == "¥171.70"


def test_a_coupon_for_other_products_is_not_applied(miniprogram: Path, server: Served) -> None:
    with server.as_shopper("scope") as shopper:
        shopper.post("coupons/gift-20/claim").raise_for_status()
    items = [{"productId": "green", "options": {}, "quantity": 2}]
    bought = run_client(miniprogram, server.url, "buy", {"items": items, "code": "scope", "coupon": 1})
    assert bought["checkoutBefore"]["discountText"] == "" and bought["checkoutBefore"]["totalText"] == "¥33.00"
    toasts = [c["args"][0]["title"] for c in bought["wx"] if c["api"] == "showToast"]
    assert "这张券不适用于所选商品" in toasts
    assert bought["result"]["kind"] == "paid" and bought["result"]["totalText"] == "¥33.00"

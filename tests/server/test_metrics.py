"""`metrics.compute` against the synthetic shop (metrics_data) on SQLite and PostgreSQL: every metric is
also computed here in plain Python from the generated rows, by the definitions in metrics' docstring, and
the two must agree for several ranges and channels; plus the edge cases (no visitors, refunds, followers
without a unionid, midnight in Shanghai, bad ranges).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from generator.server.metrics import compute
from tests.server.metrics_data import DAYS, SHANGHAI, Row, Shop, at, day_text, insert_rows, make_shop, shanghai_day

SHOP = make_shop()
AS_OF = day_text(DAYS)  # the day after the data: every day of it is over
PLATFORMS = {"all": ("mp", "h5"), "mp": ("mp",), "h5": ("h5",)}


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _plus(day: str, days: int) -> str:
    return (date.fromisoformat(day) + timedelta(days=days)).isoformat()


def expected(shop: Shop, start: str, end: str, channel: str, as_of: str = AS_OF) -> dict[str, Any]:
    """The metrics straight from the rows, written apart from the SQL."""
    platforms = PLATFORMS[channel]
    days = [_plus(start, n) for n in range((date.fromisoformat(end) - date.fromisoformat(start)).days + 1)]
    in_days = set(days)
    events = [e for e in shop.events if e["day"] in in_days and e["platform"] in platforms]
    seen = [vd for vd in shop.visitor_days if vd["day"] in in_days and vd["platform"] in platforms]
    visitors = {vd["install_id"] for vd in seen}
    user_of = {v["install_id"]: v["user_id"] for v in shop.visitors}

    opens = Counter(e["day"] for e in events if e["name"] == "app_show" and e["platform"] == "mp")
    for day, _session in {
        (e["day"], e["session_id"]) for e in events if e["name"] == "page_view" and e["platform"] == "h5"
    }:
        opens[day] += 1
    hides = [e["duration_ms"] for e in events if e["name"] == "app_hide" and e["duration_ms"] is not None]

    commerce = "mp" in platforms
    paid = [o for o in shop.orders if commerce and o["paid_at"] is not None and shanghai_day(o["paid_at"]) in in_days]
    payers = {o["user_id"] for o in paid}
    per_user = Counter(o["user_id"] for o in paid)
    net = sum(o["paid_fen"] - o["refunded_fen"] for o in paid)
    paid_installs = {i for i in visitors if user_of[i] is not None and user_of[i] in payers}

    def did(name: str) -> int:
        return len({e["install_id"] for e in events if e["name"] == name})

    def count(name: str) -> int:
        return sum(1 for e in events if e["name"] == name)

    def kept(after: int, kinds: tuple[str, ...]) -> tuple[int, int]:
        visited = {(vd["install_id"], vd["day"]) for vd in shop.visitor_days}
        cohort = [
            v
            for v in shop.visitors
            if v["platform"] in kinds and v["first_day"] in in_days and _plus(v["first_day"], after) < as_of
        ]
        back = [v for v in cohort if (v["install_id"], _plus(v["first_day"], after)) in visited]
        return len(cohort), len(back)

    claimed = [c for c in shop.user_coupons if commerce and shanghai_day(c["claimed_at"]) in in_days]

    users_by_unionid = {u["unionid"]: u["id"] for u in shop.users if u["unionid"]}
    mp_days = {(user_of[vd["install_id"]], vd["day"]) for vd in shop.visitor_days if vd["platform"] == "mp"}
    follows = [
        f
        for f in shop.followers
        if shanghai_day(f["subscribed_at"]) in in_days and _plus(shanghai_day(f["subscribed_at"]), 1) < as_of
    ]
    oa_cohort = [f for f in follows if f["unionid"] is not None]
    oa_back = [
        f
        for f in oa_cohort
        if (users_by_unionid.get(f["unionid"]), _plus(shanghai_day(f["subscribed_at"]), 1)) in mp_days
        and f["unionid"] in users_by_unionid
    ]
    reads = [a for a in shop.article_reads if a["day"] in in_days]
    mp_cohort, mp_back = kept(1, ("mp",))
    retention = {after: kept(after, platforms) for after in (1, 7, 30)}

    return {
        "opens": sum(opens.values()),
        "avg_stay_seconds": sum(hides) / len(hides) / 1000 if hides else None,
        "conversion_rate": _rate(len(paid_installs), len(visitors)),
        "avg_order_value_fen": round_half_up(net, len(paid)),
        "retention_d1": _rate(retention[1][1], retention[1][0]),
        "retention_d7": _rate(retention[7][1], retention[7][0]),
        "retention_d30": _rate(retention[30][1], retention[30][0]),
        "repurchase_rate": _rate(sum(1 for n in per_user.values() if n >= 2), len(payers)),
        "share_rate": _rate(count("share"), count("page_view") + count("product_view")),
        "article_reads": sum(a["reads"] for a in reads),
        "article_figures": {
            "reads": sum(a["reads"] for a in reads),
            "readers": sum(a["readers"] for a in reads),
            "shares": sum(a["shares"] for a in reads),
            "days": len(reads),
        },
        "coupon_redemption_rate": _rate(sum(1 for c in claimed if c["used_at"] is not None), len(claimed)),
        "funnel": {
            "product_view": did("product_view"),
            "add_to_cart": did("add_to_cart"),
            "checkout_start": did("checkout_start"),
            "paid": len(paid_installs),
        },
        "visitors": len(visitors),
        "paying_users": len(payers),
        "orders": len(paid),
        "mp_vs_oa_retention": {
            "mp_d1": _rate(mp_back, mp_cohort),
            "mp_cohort": mp_cohort,
            "oa_d1": _rate(len(oa_back), len(oa_cohort)),
            "oa_cohort": len(oa_cohort),
            "oa_without_unionid": sum(1 for f in follows if f["unionid"] is None),
        },
        "daily": [
            {
                "day": day,
                "opens": opens.get(day, 0),
                "visitors": sum(1 for vd in seen if vd["day"] == day),
                "paid_orders": sum(1 for o in paid if shanghai_day(o["paid_at"]) == day),
                "revenue_fen": sum(
                    o["paid_fen"] - o["refunded_fen"] for o in paid if shanghai_day(o["paid_at"]) == day
                ),
            }
            for day in days
        ],
    }


def round_half_up(total: int, count: int) -> int | None:
    if not count:
        return None
    whole, rest = divmod(total, count)
    return whole + (1 if 2 * rest >= count else 0)


@pytest.fixture
def shop_engine(db_engine: Engine) -> Iterator[Engine]:
    insert_rows(db_engine, SHOP)
    yield db_engine


RANGES = [
    (day_text(0), day_text(DAYS - 1)),  # everything
    (day_text(10), day_text(16)),  # a week, starting after the midnight order of day 10
    (day_text(11), day_text(11)),  # one day: the 00:00:10 order, not the 23:59:50 one
    (day_text(40), day_text(44)),  # the end: D7 and D30 partly or not yet over
]


@pytest.mark.parametrize("channel", ["all", "mp", "h5"])
def test_every_metric_matches_the_rows(shop_engine: Engine, channel: str) -> None:
    with Session(shop_engine) as session:
        for start, end in RANGES:
            got = compute(session, start, end, channel, as_of=AS_OF).to_json()
            assert got == expected(SHOP, start, end, channel), (start, end, channel)


def test_the_dataset_has_what_the_metrics_are_about() -> None:
    """The rows cover the cases the comparison is meant to exercise (a change of the generator that lost one
    would make the comparison prove less)."""
    whole = expected(SHOP, day_text(0), day_text(DAYS - 1), "all")
    assert whole["visitors"] > 250 and whole["opens"] > whole["visitors"]
    assert 0 < whole["retention_d1"] < 1 and 0 < whole["retention_d7"] < 1 and 0 < whole["retention_d30"] < 1
    assert 0 < whole["repurchase_rate"] < 1 and 0 < whole["coupon_redemption_rate"] < 1
    assert whole["funnel"]["paid"] > 0 and 0 < whole["mp_vs_oa_retention"]["oa_d1"] < 1
    assert whole["mp_vs_oa_retention"]["oa_without_unionid"] > 0
    assert any(o["refunded_fen"] == o["paid_fen"] for o in SHOP.orders if o["paid_fen"])
    assert any(0 < o["refunded_fen"] < (o["paid_fen"] or 0) for o in SHOP.orders)
    assert {o["state"] for o in SHOP.orders} >= {"paid", "refunded", "cancelled", "closed"}
    local = [e["server_at"].astimezone(SHANGHAI) for e in SHOP.events]
    assert any((t.hour, t.minute) == (23, 59) for t in local) and any((t.hour, t.minute) == (0, 1) for t in local)
    assert any(u["unionid"] is None for u in SHOP.users) and any(u["unionid"] for u in SHOP.users)
    assert {e["platform"] for e in SHOP.events} == {"mp", "h5"}


def test_no_visitors_gives_nulls_not_errors(db_engine: Engine) -> None:
    with Session(db_engine) as session:
        got = compute(session, "2026-01-01", "2026-01-07", "all", as_of="2026-03-01").to_json()
    assert got["visitors"] == 0 and got["opens"] == 0 and got["orders"] == 0
    for key in ("avg_stay_seconds", "conversion_rate", "avg_order_value_fen", "retention_d1", "retention_d7"):
        assert got[key] is None, key
    assert got["repurchase_rate"] is None and got["share_rate"] is None and got["coupon_redemption_rate"] is None
    assert got["mp_vs_oa_retention"] == {
        "mp_d1": None,
        "mp_cohort": 0,
        "oa_d1": None,
        "oa_cohort": 0,
        "oa_without_unionid": 0,
    }
    assert [d["day"] for d in got["daily"]] == [f"2026-01-0{n}" for n in range(1, 8)]
    assert all(d["opens"] == d["visitors"] == d["paid_orders"] == d["revenue_fen"] == 0 for d in got["daily"])


def _midnight_shop() -> Shop:
    """One shopper around the midnight between day 5 and day 6 (Shanghai), by hand."""
    shop = Shop()
    shop.users = [
        {"id": 1, "ref": "r1", "openid": "o1", "unionid": "U1", "created_at": at(0, 8, 0)},
        {"id": 2, "ref": "r2", "openid": "o2", "unionid": None, "created_at": at(0, 8, 0)},
    ]
    install = {"install_id": "install-a", "platform": "mp", "user_id": 1}
    common = {"install_id": "install-a", "platform": "mp", "session_id": "s1", "user_id": 1, "scene": 1001}
    common |= {"page": "pages/index/index", "fields": {}}
    shown, hidden = at(5, 23, 59, 30), at(6, 0, 1, 30)
    shop.events = [
        {**common, "name": "app_show", "duration_ms": None, "server_at": shown, "client_at": shown, "day": day_text(5)},
        {
            **common,
            "name": "app_hide",
            "duration_ms": 120_000,
            "server_at": hidden,
            "client_at": hidden,
            "day": day_text(6),
        },
    ]
    shop.visitors = [{**install, "first_day": day_text(5), "first_scene": 1001, "created_at": shown}]
    shop.visitor_days = [
        {"install_id": "install-a", "day": day, "platform": "mp"} for day in (day_text(5), day_text(6))
    ]

    def order(number: int, paid_at: datetime | None, paid: int, refunded: int, state: str) -> Row:
        created = paid_at or at(6, 12, 0)
        return {
            "id": number,
            "order_no": f"M{number}",
            "user_id": 1,
            "state": state,
            "goods_fen": paid,
            "shipping_fen": 0,
            "total_fen": paid,
            "address": {},
            "created_at": created,
            "expires_at": created + timedelta(minutes=30),
            "paid_at": paid_at,
            "paid_fen": paid if paid_at else None,
            "refunded_fen": refunded,
        }

    shop.orders = [
        order(1, at(5, 23, 59, 50), 10_000, 10_000, "refunded"),  # day 5, refunded in full
        order(2, at(6, 0, 0, 10), 3_001, 1_000, "paid"),  # day 6, refunded in part
        order(3, None, 5_000, 0, "cancelled"),
    ]
    shop.followers = [
        {"openid": "f1", "unionid": "U1", "subscribed": True, "subscribed_at": at(5, 23, 59)},
        {"openid": "f2", "unionid": None, "subscribed": True, "subscribed_at": at(5, 0, 1)},
    ]
    return shop


def test_midnight_refunds_and_followers_without_unionid(db_engine: Engine) -> None:
    insert_rows(db_engine, _midnight_shop())
    with Session(db_engine) as session:
        first = compute(session, day_text(5), day_text(5), "all", as_of=day_text(10))
        second = compute(session, day_text(6), day_text(6), "mp", as_of=day_text(10))
        both = compute(session, day_text(5), day_text(6), "all", as_of=day_text(10))
        unfinished = compute(session, day_text(5), day_text(5), "all", as_of=day_text(6))
        web = compute(session, day_text(5), day_text(6), "h5", as_of=day_text(10))
    assert (first.opens, first.orders, first.avg_order_value_fen, first.avg_stay_seconds) == (1, 1, 0, None)
    assert first.daily[0].revenue_fen == 0 and first.retention_d1 == 1.0 and first.retention_d7 is None
    assert (second.opens, second.orders, second.avg_order_value_fen, second.avg_stay_seconds) == (0, 1, 2001, 120.0)
    assert second.retention_d1 is None  # nobody was new on day 6
    assert (both.orders, both.paying_users, both.repurchase_rate, both.conversion_rate) == (2, 1, 1.0, 1.0)
    assert [(d.paid_orders, d.revenue_fen) for d in both.daily] == [(1, 0), (1, 2001)]
    assert both.avg_order_value_fen == 1001  # (0 + 2001) / 2 = 1000.5, half up
    assert first.mp_vs_oa_retention.oa_d1 == 1.0
    assert (first.mp_vs_oa_retention.oa_cohort, first.mp_vs_oa_retention.oa_without_unionid) == (1, 1)
    assert unfinished.retention_d1 is None and unfinished.mp_vs_oa_retention.oa_cohort == 0  # day 6 not over
    assert (web.visitors, web.orders, web.conversion_rate, web.avg_order_value_fen) == (0, 0, None, None)


def test_a_bad_range_is_refused(db_engine: Engine) -> None:
    with Session(db_engine) as session:
        for start, end, channel in (
            ("2026-10-02", "2026-10-01", "all"),
            ("2026-10-1", "2026-10-07", "all"),
            ("2026-02-30", "2026-03-01", "all"),
            ("2026-10-01", "2026-10-07", "oa"),
        ):
            with pytest.raises(ValueError):
                compute(session, start, end, channel)

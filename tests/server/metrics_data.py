"""A synthetic shop for the metrics tests, the same every run (`random.Random(SEED)`): ~300 installs over 45
days on both platforms with their events (launch/show/hide with durations, page and product views, carts,
checkouts, shares), shoppers with and without a unionid, orders (paid, refunded fully and partly, cancelled,
closed, repeat buyers), coupons claimed and used, Official Account followers and article reads; some
events, orders and follows at 23:59 and 00:01 Shanghai time.

`make_shop()` returns the rows as plain dicts keyed by column name; `insert(engine, shop)` bulk-inserts
them. `visitors`/`visitor_days` are derived from the events the way the ingestion writes them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

from sqlalchemy import Engine, insert

from generator.server.db import Base, import_models

SEED = 20261202
FIRST_DAY = date(2026, 10, 1)
DAYS = 45
INSTALLS = 300
USERS = 240
SHANGHAI = timezone(timedelta(hours=8))

Row = dict[str, Any]


@dataclass
class Shop:
    users: list[Row] = field(default_factory=list)
    events: list[Row] = field(default_factory=list)
    visitors: list[Row] = field(default_factory=list)
    visitor_days: list[Row] = field(default_factory=list)
    orders: list[Row] = field(default_factory=list)
    user_coupons: list[Row] = field(default_factory=list)
    followers: list[Row] = field(default_factory=list)
    article_reads: list[Row] = field(default_factory=list)

    def tables(self) -> list[tuple[str, list[Row]]]:
        """Parents first."""
        return [
            ("users", self.users),
            ("visitors", self.visitors),
            ("visitor_days", self.visitor_days),
            ("events", self.events),
            ("orders", self.orders),
            ("user_coupons", self.user_coupons),
            ("followers", self.followers),
            ("article_reads", self.article_reads),
        ]


def day_text(offset: int) -> str:
    return (FIRST_DAY + timedelta(days=offset)).isoformat()


def at(offset: int, hour: int, minute: int, second: int = 0) -> datetime:
    """A moment of Shanghai day FIRST_DAY+offset, in UTC."""
    local = datetime.combine(FIRST_DAY + timedelta(days=offset), time(hour, minute, second), SHANGHAI)
    return local.astimezone(UTC)


def shanghai_day(moment: datetime) -> str:
    return moment.astimezone(SHANGHAI).date().isoformat()


class _Maker:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.shop = Shop()
        self.sessions = 0

    def moment(self, offset: int) -> datetime:
        """A moment of the day; one in ten right before or after midnight."""
        rng = self.rng
        roll = rng.random()
        if roll < 0.05:
            return at(offset, 23, 59, rng.randrange(60))
        if roll < 0.10:
            return at(offset, 0, 1, rng.randrange(60))
        return at(offset, rng.randrange(7, 23), rng.randrange(60), rng.randrange(60))

    def users(self) -> None:
        for n in range(1, USERS + 1):
            unionid = f"union-{n}" if self.rng.random() < 0.7 else None
            self.shop.users.append(
                {
                    "id": n,
                    "ref": f"ref-{n}",
                    "openid": f"openid-{n}",
                    "unionid": unionid,
                    "created_at": at(0, 8, 0),
                    "points": 0,
                }
            )

    def event(self, install: Row, session: str, name: str, moment: datetime, **extra: Any) -> None:
        self.shop.events.append(
            {
                "name": name,
                "platform": install["platform"],
                "install_id": install["install_id"],
                "session_id": session,
                "user_id": install["user_id"],
                "scene": 1001 if install["platform"] == "mp" else None,
                "page": extra.pop("page", "pages/index/index"),
                "duration_ms": extra.pop("duration_ms", None),
                "fields": {},
                "client_at": moment,
                "server_at": moment,
                "day": shanghai_day(moment),
            }
        )

    def visit(self, install: Row, offset: int) -> None:
        """One session of `install` starting on day `offset`."""
        rng = self.rng
        self.sessions += 1
        session = f"s{self.sessions:06d}"
        start = self.moment(offset)
        step = timedelta(seconds=rng.randrange(5, 90))
        if install["platform"] == "mp":
            self.event(install, session, "app_launch", start)
            self.event(install, session, "app_show", start)
        moments = [start + step * n for n in range(1, 8)]
        self.event(install, session, "page_view", moments[0])
        if rng.random() < 0.6:
            self.event(install, session, "product_view", moments[1], page="pages/product/product")
            if rng.random() < 0.5:
                self.event(install, session, "add_to_cart", moments[2])
                if install["platform"] == "mp" and rng.random() < 0.6:
                    self.event(install, session, "checkout_start", moments[3])
        if rng.random() < 0.5:
            self.event(install, session, "page_view", moments[4], page="pages/about/about")
        if rng.random() < 0.15:
            self.event(install, session, "share", moments[5])
        if install["platform"] == "mp":
            if rng.random() < 0.1:
                self.event(install, session, "coupon_claim", moments[5])
            if rng.random() < 0.9:  # a hide may be lost (the app killed)
                shown = moments[6] - start
                self.event(install, session, "app_hide", moments[6], duration_ms=int(shown.total_seconds() * 1000))

    def installs(self) -> list[Row]:
        rng = self.rng
        made = []
        for n in range(INSTALLS):
            platform = "mp" if rng.random() < 0.72 else "h5"
            logged_in = rng.random() < (0.85 if platform == "mp" else 0.25)
            user_id = rng.randrange(1, USERS + 1) if logged_in else None
            install = {"install_id": f"install-{n:04d}", "platform": platform, "user_id": user_id}
            first = rng.randrange(DAYS)
            active = {first}
            for later in range(first + 1, DAYS):
                gap = later - first
                chance = 0.35 if gap in (1, 7, 30) else 0.08
                if rng.random() < chance:
                    active.add(later)
            for offset in sorted(active):
                for _ in range(rng.choice((1, 1, 2, 3))):
                    self.visit(install, offset)
            made.append(install)
        # An H5 session across midnight: it opens on both days.
        h5 = next(install for install in made if install["platform"] == "h5")
        self.sessions += 1
        crossing = f"s{self.sessions:06d}"
        self.event(h5, crossing, "page_view", at(20, 23, 59, 30))
        self.event(h5, crossing, "page_view", at(21, 0, 0, 30))
        return made

    def visitors_from_events(self, installs: list[Row]) -> None:
        by_install = {install["install_id"]: install for install in installs}
        seen: dict[str, set[str]] = {}
        first_scene: dict[str, int | None] = {}
        for event in sorted(self.shop.events, key=lambda e: e["server_at"]):
            days = seen.setdefault(event["install_id"], set())
            if not days:
                first_scene[event["install_id"]] = event["scene"]
            days.add(event["day"])
        for install_id, days in sorted(seen.items()):
            install = by_install[install_id]
            self.shop.visitors.append(
                {
                    "install_id": install_id,
                    "platform": install["platform"],
                    "first_day": min(days),
                    "first_scene": first_scene[install_id],
                    "user_id": install["user_id"],
                    "created_at": at(0, 8, 0),
                }
            )
            for day in sorted(days):
                self.shop.visitor_days.append({"install_id": install_id, "day": day, "platform": install["platform"]})

    def orders(self) -> None:
        rng = self.rng
        buyers = rng.sample(range(1, USERS + 1), 120)
        number = 0
        for user_id in buyers:
            for _ in range(rng.choice((1, 1, 1, 2, 3))):  # some repeat buyers
                number += 1
                offset = rng.randrange(DAYS)
                created = self.moment(offset)
                total = rng.randrange(990, 39900)
                state = rng.choices(
                    ["paid", "refunded", "part_refunded", "refunding", "cancelled", "closed", "pending_payment"],
                    [50, 8, 8, 4, 10, 10, 10],
                )[0]
                paid = state in ("paid", "refunded", "part_refunded", "refunding")
                refunded = (
                    total if state == "refunded" else rng.randrange(100, total) if state == "part_refunded" else 0
                )
                self.shop.orders.append(
                    {
                        "id": number,
                        "order_no": f"N{number:08d}",
                        "user_id": user_id,
                        "state": "paid" if state == "part_refunded" else state,
                        "goods_fen": total,
                        "shipping_fen": 0,
                        "discount_fen": 0,
                        "total_fen": total,
                        "coupon_id": None,
                        "address": {},
                        "note": "",
                        "created_at": created,
                        "expires_at": created + timedelta(minutes=30),
                        "paid_at": created + timedelta(seconds=rng.randrange(5, 50)) if paid else None,
                        "paid_fen": total if paid else None,
                        "refunded_fen": refunded,
                        "ended_at": created + timedelta(minutes=30) if state in ("cancelled", "closed") else None,
                    }
                )
        # Paid around midnight: 23:59:50 belongs to its day, 00:00:10 to the next.
        for extra, moment in ((number + 1, at(10, 23, 59, 50)), (number + 2, at(11, 0, 0, 10))):
            self.shop.orders.append(
                {
                    "id": extra,
                    "order_no": f"N{extra:08d}",
                    "user_id": buyers[0],
                    "state": "paid",
                    "goods_fen": 5000,
                    "shipping_fen": 0,
                    "discount_fen": 0,
                    "total_fen": 5000,
                    "coupon_id": None,
                    "address": {},
                    "note": "",
                    "created_at": moment - timedelta(seconds=5),
                    "expires_at": moment + timedelta(minutes=30),
                    "paid_at": moment,
                    "paid_fen": 5000,
                    "refunded_fen": 0,
                    "ended_at": None,
                }
            )

    def coupons(self) -> None:
        rng = self.rng
        standing = [o for o in self.shop.orders if o["paid_at"] is not None and o["state"] != "refunded"]
        for n in range(1, 161):
            claimed = self.moment(rng.randrange(DAYS))
            user_id = rng.randrange(1, USERS + 1)
            roll = rng.random()
            order = rng.choice(standing) if roll < 0.3 else None
            used_at = order["paid_at"] if order else claimed + timedelta(days=1) if roll < 0.45 else None
            self.shop.user_coupons.append(
                {
                    "code": f"CODE{n:06d}",
                    "user_id": order["user_id"] if order else user_id,
                    "coupon_id": "welcome",
                    "seq": n,
                    "claimed_at": claimed,
                    "valid_from": claimed,
                    "valid_until": claimed + timedelta(days=30),
                    "order_id": order["id"] if order else None,
                    "used_at": used_at,
                }
            )

    def followers(self) -> None:
        rng = self.rng
        unionid_of = {u["id"]: u["unionid"] for u in self.shop.users if u["unionid"] is not None}
        user_of = {v["install_id"]: v["user_id"] for v in self.shop.visitors}
        # (unionid, a later day its shopper used the mini-program): following the day before is a D1 return.
        returns = sorted(
            (unionid_of[user_of[vd["install_id"]]], vd["day"])
            for vd in self.shop.visitor_days
            if vd["platform"] == "mp" and user_of[vd["install_id"]] in unionid_of and vd["day"] > day_text(0)
        )
        for n in range(1, 121):
            roll = rng.random()
            followed = self.moment(rng.randrange(DAYS))
            if roll < 0.3:
                unionid, back = rng.choice(returns)
                followed = self.moment((date.fromisoformat(back) - FIRST_DAY).days - 1)
            elif roll < 0.6:
                unionid = rng.choice(sorted(unionid_of.values()))
            else:
                unionid = None if roll < 0.8 else f"union-stranger-{n}"
            gone = rng.random() < 0.2
            self.shop.followers.append(
                {
                    "openid": f"oa-openid-{n}",
                    "unionid": unionid,
                    "subscribed": not gone,
                    "subscribed_at": followed,
                    "unsubscribed_at": followed + timedelta(days=2) if gone else None,
                }
            )

    def article_reads(self) -> None:
        for offset in range(DAYS):
            if self.rng.random() < 0.1:
                continue  # a day WeChat did not report (yet)
            reads = self.rng.randrange(0, 500)
            self.shop.article_reads.append(
                {
                    "day": day_text(offset),
                    "reads": reads,
                    "readers": reads // 2,
                    "shares": reads // 10,
                    "fetched_at": at(offset, 9, 0) + timedelta(days=1),
                }
            )


def make_shop(seed: int = SEED) -> Shop:
    maker = _Maker(random.Random(seed))
    maker.users()
    installs = maker.installs()
    maker.visitors_from_events(installs)
    maker.orders()
    maker.coupons()
    maker.followers()
    maker.article_reads()
    return maker.shop


def insert_rows(engine: Engine, shop: Shop) -> None:
    """Bulk-insert the shop (executemany per table)."""
    import_models()
    tables = Base.metadata.tables
    with engine.begin() as connection:
        for name, rows in shop.tables():
            if rows:
                connection.execute(insert(tables[name]), rows)

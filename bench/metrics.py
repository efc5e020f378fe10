"""The metrics benchmark: `metrics.compute` over a 30-day range of a shop with 1,000,000 events and 100,000
orders, on PostgreSQL and on SQLite; prints the seconds per channel (the first run, then the best of three).

The shop: 60 days, 60,000 users, 80,000 installs (three in four in the mini-program) with their visitor
days, ~1,000,000 events (shows, hides with durations, page and product views, carts, checkouts, shares),
100,000 orders (paid, refunded, cancelled, ...), 30,000 claimed coupons, 20,000 followers and the article
reads. Loaded with COPY on PostgreSQL (a new database `mpgen_bench_<random>` in MPGEN_TEST_DATABASE_URL's
server, dropped afterwards) and executemany in big batches on SQLite (a temp file), both migrated to head
first, then ANALYZEd (VACUUM ANALYZE on PostgreSQL: the index-only scans need the visibility map, which
autovacuum keeps in a live shop).

    python bench/metrics.py [--events 1000000] [--orders 100000] [--only sqlite|postgresql]

(from the checkout's root; the checkout's `generator` is the one measured.)
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import sqlite3
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from datetime import time as clock
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's generator, not an install

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from generator.server.db import make_engine  # noqa: E402
from generator.server.metrics import compute  # noqa: E402
from generator.server.migrate import upgrade  # noqa: E402

SEED = 7
DAYS = 60
FIRST = date(2026, 9, 1)
SHANGHAI = timezone(timedelta(hours=8))
RANGE = ((FIRST + timedelta(days=25)).isoformat(), (FIRST + timedelta(days=54)).isoformat())  # 30 days
AS_OF = (FIRST + timedelta(days=DAYS)).isoformat()
BATCH = 20_000


@dataclass
class Rows:
    users: list[tuple[Any, ...]] = field(default_factory=list)
    visitors: list[tuple[Any, ...]] = field(default_factory=list)
    visitor_days: list[tuple[Any, ...]] = field(default_factory=list)
    events: list[tuple[Any, ...]] = field(default_factory=list)
    orders: list[tuple[Any, ...]] = field(default_factory=list)
    user_coupons: list[tuple[Any, ...]] = field(default_factory=list)
    followers: list[tuple[Any, ...]] = field(default_factory=list)
    article_reads: list[tuple[Any, ...]] = field(default_factory=list)


COLUMNS = {
    "users": ("id", "ref", "openid", "unionid", "created_at", "points"),
    "visitors": ("install_id", "platform", "first_day", "first_scene", "user_id", "created_at"),
    "visitor_days": ("install_id", "day", "platform"),
    "events": (
        "name",
        "platform",
        "install_id",
        "session_id",
        "user_id",
        "scene",
        "page",
        "duration_ms",
        "fields",
        "client_at",
        "server_at",
        "day",
    ),
    "orders": (
        "id",
        "order_no",
        "user_id",
        "state",
        "goods_fen",
        "shipping_fen",
        "discount_fen",
        "total_fen",
        "address",
        "note",
        "created_at",
        "expires_at",
        "paid_at",
        "paid_fen",
        "refunded_fen",
    ),
    "user_coupons": (
        "code",
        "user_id",
        "coupon_id",
        "seq",
        "claimed_at",
        "valid_from",
        "valid_until",
        "order_id",
        "used_at",
    ),
    "followers": ("openid", "unionid", "subscribed", "subscribed_at"),
    "article_reads": ("day", "reads", "readers", "shares", "fetched_at"),
}


def moment(rng: random.Random, offset: int) -> datetime:
    local = datetime.combine(FIRST + timedelta(days=offset), clock(), SHANGHAI)
    return (local + timedelta(seconds=rng.randrange(86_400))).astimezone(UTC)


def day_of(when: datetime) -> str:
    return when.astimezone(SHANGHAI).date().isoformat()


def make_rows(events_wanted: int, orders_wanted: int) -> Rows:
    rng = random.Random(SEED)
    rows = Rows()
    users = 60_000
    start = datetime(2026, 8, 1, tzinfo=UTC)
    rows.users = [(n, f"ref{n}", f"openid{n}", f"union{n}" if n % 3 else None, start, 0) for n in range(1, users + 1)]
    installs = 80_000
    per_install = events_wanted / installs * 0.82  # sessions overshoot the budget
    session = 0
    for n in range(installs):
        install = f"install-{n:06d}"
        platform = "mp" if n % 4 else "h5"
        user = rng.randrange(1, users + 1) if platform == "mp" or n % 8 == 0 else None
        first = rng.randrange(DAYS)
        days = sorted({first, *(d for d in range(first + 1, DAYS) if rng.random() < 0.06)})
        budget = max(4, round(rng.expovariate(1 / per_install)))
        rows.visitors.append((install, platform, FIRST.isoformat(), 1001, user, start))
        seen: set[str] = set()
        while budget > 0:
            session += 1
            offset = rng.choice(days)
            at = moment(rng, offset)
            names = ["app_show", "page_view", "product_view", "page_view", "app_hide"]
            if platform == "h5":
                names = ["page_view", "product_view", "page_view"]
            if rng.random() < 0.3:
                names[-1:-1] = ["add_to_cart", "checkout_start"] if platform == "mp" else ["add_to_cart"]
            if rng.random() < 0.1:
                names.insert(-1, "share")
            for step, name in enumerate(names):
                when = at + timedelta(seconds=20 * step)
                duration = 20_000 * step if name == "app_hide" else None
                day = day_of(when)
                seen.add(day)
                rows.events.append(
                    (name, platform, install, f"s{session}", user, 1001 if platform == "mp" else None, "p")
                    + (duration, "{}", when, when, day)
                )
            budget -= len(names)
        ordered = sorted(seen)
        rows.visitors[-1] = (install, platform, ordered[0], 1001, user, start)
        rows.visitor_days.extend((install, day, platform) for day in ordered)
    states = ["paid"] * 6 + ["refunded", "refunding", "cancelled", "closed", "pending_payment"]
    for n in range(1, orders_wanted + 1):
        created = moment(rng, rng.randrange(DAYS))
        state = rng.choice(states)
        total = rng.randrange(500, 50_000)
        paid = state in ("paid", "refunded", "refunding")
        refunded = total if state == "refunded" else 0
        rows.orders.append(
            (n, f"B{n:010d}", rng.randrange(1, users + 1), state, total, 0, 0, total, "{}", "")
            + (created, created + timedelta(minutes=30), created + timedelta(seconds=9) if paid else None)
            + (total if paid else None, refunded)
        )
    for n in range(1, 30_001):
        claimed = moment(rng, rng.randrange(DAYS))
        used = claimed + timedelta(hours=5) if rng.random() < 0.4 else None
        rows.user_coupons.append(
            (f"C{n:012d}", rng.randrange(1, users + 1), "welcome", n, claimed, claimed)
            + (claimed + timedelta(days=30), None, used)
        )
    rows.followers = [
        (f"oa{n}", f"union{rng.randrange(1, users + 1)}" if n % 5 else None, True, moment(rng, rng.randrange(DAYS)))
        for n in range(20_000)
    ]
    rows.article_reads = [((FIRST + timedelta(days=d)).isoformat(), 900, 400, 60, start) for d in range(DAYS)]
    return rows


def tables(rows: Rows) -> Iterator[tuple[str, list[tuple[Any, ...]]]]:
    for name in COLUMNS:
        yield name, getattr(rows, name)


@dataclass
class Loaded:
    url: str
    seconds: float


def load_postgresql(admin_url: str, rows: Rows) -> Iterator[Loaded]:
    name = f"mpgen_bench_{secrets.token_hex(4)}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        engine = make_engine(url)
        upgrade(engine)
        began = time.perf_counter()
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            for table, data in tables(rows):
                with cursor.copy(f"COPY {table} ({', '.join(COLUMNS[table])}) FROM STDIN") as copy:  # type: ignore[attr-defined]
                    for row in data:
                        copy.write_row(row)
            raw.commit()
        finally:
            raw.close()
        loaded = time.perf_counter() - began
        with create_engine(url, isolation_level="AUTOCOMMIT").connect() as connection:
            connection.execute(text("VACUUM ANALYZE"))
        engine.dispose()
        yield Loaded(url, loaded)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")  # SQLAlchemy's SQLite DATETIME format
    return value


def load_sqlite(folder: Path, rows: Rows) -> Iterator[Loaded]:
    path = folder / "bench.sqlite3"
    url = f"sqlite+pysqlite:///{path}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    began = time.perf_counter()
    connection = sqlite3.connect(path)
    try:
        for table, data in tables(rows):
            columns = COLUMNS[table]
            statement = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
            for offset in range(0, len(data), BATCH):
                connection.executemany(statement, [tuple(map(_sqlite_value, r)) for r in data[offset : offset + BATCH]])
        connection.commit()
        connection.execute("ANALYZE")
        connection.commit()
    finally:
        connection.close()
    yield Loaded(url, time.perf_counter() - began)


def time_compute(url: str) -> dict[str, dict[str, float]]:
    engine = make_engine(url)
    figures: dict[str, dict[str, float]] = {}
    try:
        for channel in ("all", "mp", "h5"):
            runs = []
            for _ in range(4):
                with Session(engine) as session:
                    began = time.perf_counter()
                    compute(session, *RANGE, channel, as_of=AS_OF)
                    runs.append(time.perf_counter() - began)
            figures[channel] = {"first": round(runs[0], 3), "best": round(min(runs[1:]), 3)}
    finally:
        engine.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    options = parser.parse_args()
    began = time.perf_counter()
    rows = make_rows(options.events, options.orders)
    print(f"made {len(rows.events):,} events, {len(rows.orders):,} orders in {time.perf_counter() - began:.1f} s")
    results: dict[str, Any] = {"range": RANGE, "events": len(rows.events), "orders": len(rows.orders)}
    if options.only != "sqlite":
        admin = os.environ.get("MPGEN_TEST_DATABASE_URL")
        if not admin:
            raise SystemExit("MPGEN_TEST_DATABASE_URL is not set: no PostgreSQL server to fill")
        for loaded in load_postgresql(admin, rows):
            print(f"PostgreSQL loaded in {loaded.seconds:.1f} s")
            results["postgresql"] = time_compute(loaded.url)
            print("PostgreSQL compute seconds:", json.dumps(results["postgresql"]))
    if options.only != "postgresql":
        with tempfile.TemporaryDirectory(prefix="mpgen-bench-metrics-") as folder:
            for loaded in load_sqlite(Path(folder), rows):
                print(f"SQLite loaded in {loaded.seconds:.1f} s")
                results["sqlite"] = time_compute(loaded.url)
                print("SQLite compute seconds:", json.dumps(results["sqlite"]))
    print(json.dumps(results))


if __name__ == "__main__":
    main()

"""The backend benchmark (issue 14): POST /orders per second, p50 and p99 at 50 concurrent shoppers against
`gen serve --fake-wechat` on SQLite and on PostgreSQL (1 and 2 workers), next to the raw database running the
same transaction's SQL in a tight loop (sqlite3, psycopg), and an oversell race after every server run.

How one server run goes: a copy of the test shop (tests/server/sites/shop) with ample stock of `green` is
served by `gen serve` in a subprocess (SQLite in a temp data folder, or DATABASE_URL on a fresh PostgreSQL
database made in MPGEN_TEST_DATABASE_URL's server and dropped afterwards); each client logs in (POST
/session), then loops POST /orders with a new Idempotency-Key (asyncio + httpx, one connection each) through
a warm-up and a fixed measured window. Orders/s counts the 201s completed in the window; latencies are those
requests' own. CPU is read from /proc over the window: the server's processes, this process (the load
generator, which shares the 2 cores) and the whole machine (other work on it shows there too).

The raw baseline is the four statements the server's transaction writes (insert the order, its idempotency
key, the conditional stock UPDATE, the order line) on the same migrated schema: 50 threads with a psycopg
connection each; on SQLite one thread, since SQLite has one writer at a time and more threads only queue on
its lock. The oversell race: every client at once orders the 小罐 SKU, stocked with fewer units than there
are attempts; exactly as many orders as units must succeed, and the database must show no unit sold twice.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import yaml
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from generator.build import load  # noqa: E402
from generator.server.db import make_engine  # noqa: E402
from generator.server.migrate import upgrade  # noqa: E402
from generator.server.orders import new_order_no  # noqa: E402
from generator.server.pricing import CartLine, PriceBook  # noqa: E402

ADMIN_URL_ENV = "MPGEN_TEST_DATABASE_URL"
SHOP = REPO / "tests" / "server" / "sites" / "shop"
CLIENTS = 50
PLENTY = 10_000_000
"""Units of `green`: the throughput run never runs short."""
RACE_OPTIONS = {"规格": "小罐"}
ADDRESS = {"userName": "李四", "telNumber": "13900005678", "detailInfo": "人民路 2 号"}
GOAL_RATE, GOAL_P99_MS, GOAL_RAW_RATIO = 300.0, 150.0, 0.5


@dataclass(frozen=True)
class Plan:
    clients: int
    warmup: float
    seconds: float
    race_units: int
    race_attempts: int


FULL = Plan(clients=CLIENTS, warmup=3.0, seconds=15.0, race_units=100, race_attempts=4 * CLIENTS)
QUICK = Plan(clients=8, warmup=0.5, seconds=2.0, race_units=10, race_attempts=24)


# --- the shop and its orders ---------------------------------------------------------------------------------


def bench_site(root: Path, race_units: int) -> Path:
    """The test shop with PLENTY of `green` and `race_units` of the 小罐 SKU."""
    spec = yaml.safe_load((SHOP / "site.yaml").read_text(encoding="utf-8"))
    for product in spec["catalog"]["products"]:
        if product["id"] == "green":
            product["stock"] = PLENTY
        for sku in product.get("skus", []):
            if product["id"] == "oolong" and sku["options"] == RACE_OPTIONS:
                sku["stock"] = race_units
    site = root / "shop"
    site.mkdir()
    (site / "site.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return site


@dataclass(frozen=True)
class Orders:
    """The two POST /orders bodies (at the server's own prices) and the stock keys they take."""

    throughput: dict[str, Any]
    race: dict[str, Any]
    throughput_key: str
    race_key: str
    unit_fen: int
    total_fen: int
    name: str


def order_bodies(site: Path) -> Orders:
    loaded, _theme = load(site)
    assert loaded.spec.commerce is not None
    book = PriceBook.from_spec(loaded.spec.catalog, loaded.spec.commerce)

    def body(line: CartLine) -> dict[str, Any]:
        quote = book.quote([line])
        item = {
            "productId": line.product_id,
            "options": dict(line.options),
            "quantity": line.quantity,
            "priceFen": quote.lines[0].item.unit_fen,
        }
        return {"items": [item], "address": ADDRESS, "totalFen": quote.total_fen}

    green, small = CartLine("green", {}, 1), CartLine("oolong", RACE_OPTIONS, 1)
    quote = book.quote([green])
    keys = [book.quote([line]).lines[0].item.stock_key for line in (green, small)]
    assert keys[0] is not None and keys[1] is not None, "both items must have tracked stock"
    return Orders(
        throughput=body(green),
        race=body(small),
        throughput_key=keys[0],
        race_key=keys[1],
        unit_fen=quote.lines[0].item.unit_fen,
        total_fen=quote.total_fen,
        name=quote.lines[0].item.name,
    )


# --- measuring ---------------------------------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of `values` (not empty)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def _process_tree(pid: int) -> list[int]:
    pids, queue = [], [pid]
    while queue:
        current = queue.pop()
        pids.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            queue += [int(child) for child in task.read_text().split()]
    return pids


def _cpu_seconds(pids: list[int]) -> float:
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def _machine_ticks() -> tuple[int, int]:
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return sum(values), values[3] + values[4]  # all, idle + iowait


@dataclass
class CpuWindow:
    """CPU used over the measured window: by the server's processes, this process, the whole machine."""

    server_pid: int | None
    started: tuple[float, float, tuple[int, int]] = (0.0, 0.0, (0, 0))
    server_pids: list[int] = field(default_factory=list)
    client_started: float = 0.0

    def start(self) -> None:
        self.server_pids = _process_tree(self.server_pid) if self.server_pid else []
        self.started = (time.perf_counter(), _cpu_seconds(self.server_pids), _machine_ticks())
        self.client_started = time.process_time()

    def stop(self) -> dict[str, float]:
        wall = time.perf_counter() - self.started[0]
        all_ticks, idle_ticks = _machine_ticks()
        busy = 1 - (idle_ticks - self.started[2][1]) / max(1, all_ticks - self.started[2][0])
        result = {
            "client_cores": round((time.process_time() - self.client_started) / wall, 2),
            "machine_busy": round(busy, 2),
        }
        if self.server_pid:
            result["server_cores"] = round((_cpu_seconds(self.server_pids) - self.started[1]) / wall, 2)
        return result


def summary(samples: list[tuple[float, float, int]], window: tuple[float, float]) -> dict[str, Any]:
    """Orders/s and latency of the requests that completed in the window; other answers by status."""
    start, stop = window
    done = [(began, ended, status) for began, ended, status in samples if start <= ended < stop]
    latencies = [(ended - began) * 1000 for began, ended, status in done if status == 201]
    errors = Counter(str(status) for _b, _e, status in done if status != 201)
    if not latencies:
        return {"orders": 0, "orders_per_second": 0.0, "errors": dict(errors)}
    return {
        "orders": len(latencies),
        "orders_per_second": round(len(latencies) / (stop - start), 1),
        "p50_ms": round(percentile(latencies, 0.50), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "errors": dict(errors),
    }


# --- gen serve in a subprocess -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def served(site: Path, data: Path, database_url: str | None, workers: int) -> Iterator[tuple[str, int]]:
    """`gen serve SITE --fake-wechat` on a free port until the block ends: (base URL, its process id)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    if database_url:
        env["DATABASE_URL"] = database_url
    command = [
        sys.executable,
        "-m",
        "generator",
        "serve",
        str(site),
        "--fake-wechat",
        "--port",
        str(port),
        "--data",
        str(data),
        "--workers",
        str(workers),
    ]
    log = (data.parent / f"serve-{port}.log").open("w+", encoding="utf-8")
    process = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"gen serve exited with {process.returncode}: {log.read()[-2000:]}")
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("gen serve did not answer /healthz within 120 s")
            time.sleep(0.2)
        if workers > 1:  # /healthz answers from the first worker up; wait for the others to be started
            while len(_process_tree(process.pid)) < workers + 1 and time.monotonic() < deadline:
                time.sleep(0.2)
            time.sleep(1.0)
        yield base, process.pid
    finally:
        os.killpg(process.pid, signal.SIGTERM)  # its own session: the supervisor and its workers only
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


def log_in(base: str, clients: int, tag: str) -> list[str]:
    with httpx.Client(base_url=base, timeout=30) as client:
        tokens = []
        for n in range(clients):
            answer = client.post("/session", json={"code": f"bench-{tag}-{n}"})
            answer.raise_for_status()
            tokens.append(answer.json()["session"])
        return tokens


async def _load(base: str, tokens: list[str], body: dict[str, Any], plan: Plan, cpu: CpuWindow) -> dict[str, Any]:
    limits = httpx.Limits(max_connections=len(tokens), max_keepalive_connections=len(tokens))
    samples: list[tuple[float, float, int]] = []
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:
        measure_from = time.perf_counter() + plan.warmup
        stop = measure_from + plan.seconds

        async def shopper(n: int) -> None:
            headers = {"Authorization": f"Bearer {tokens[n]}"}
            sequence = 0
            while (began := time.perf_counter()) < stop:
                sequence += 1
                headers["Idempotency-Key"] = f"bench-{n}-{sequence}"
                answer = await client.post("/orders", json=body, headers=headers)
                samples.append((began, time.perf_counter(), answer.status_code))

        async def window() -> dict[str, float]:
            await asyncio.sleep(max(0.0, measure_from - time.perf_counter()))
            cpu.start()
            await asyncio.sleep(max(0.0, stop - time.perf_counter()))
            return cpu.stop()

        usage, *_ = await asyncio.gather(window(), *(shopper(n) for n in range(len(tokens))))
    return {**summary(samples, (measure_from, stop)), "cpu": usage}


async def _race(base: str, tokens: list[str], body: dict[str, Any], attempts: int) -> Counter[str]:
    limits = httpx.Limits(max_connections=len(tokens))
    async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as client:

        async def attempt(n: int) -> str:
            headers = {"Authorization": f"Bearer {tokens[n % len(tokens)]}", "Idempotency-Key": f"race-{n:06d}"}
            answer = await client.post("/orders", json=body, headers=headers)
            return str(answer.status_code) if answer.status_code != 409 else answer.json().get("error", "409")

        return Counter(await asyncio.gather(*(attempt(n) for n in range(attempts))))


def stock_audit(database_url: str, keys: dict[str, int]) -> dict[str, Any]:
    """Per stock key: units the catalog gave, units left, units in order lines; oversold = sold beyond
    the catalog's units or not matching what left the stock."""
    engine = make_engine(database_url)
    audit: dict[str, Any] = {}
    try:
        with engine.connect() as connection:
            for key, units in keys.items():
                left = connection.execute(text("SELECT available FROM stock WHERE key = :k"), {"k": key}).scalar_one()
                sold = connection.execute(
                    text("SELECT COALESCE(SUM(quantity), 0) FROM order_lines WHERE stock_key = :k"), {"k": key}
                ).scalar_one()
                audit[key] = {"catalog": units, "left": int(left), "sold": int(sold)}
    finally:
        engine.dispose()
    audit["oversold"] = sum(
        max(0, e["sold"] - e["catalog"]) + abs(e["catalog"] - e["left"] - e["sold"]) + max(0, -e["left"])
        for e in audit.values()
    )
    return audit


def server_run(
    site: Path, orders: Orders, plan: Plan, workers: int, database_url: str | None, scratch: Path
) -> dict[str, Any]:
    data = scratch / f"data-{secrets.token_hex(3)}"
    with served(site, data, database_url, workers) as (base, pid):
        tokens = log_in(base, plan.clients, data.name)
        result = asyncio.run(_load(base, tokens, orders.throughput, plan, CpuWindow(pid)))
        race = asyncio.run(_race(base, tokens, orders.race, plan.race_attempts))
    url = database_url or f"sqlite+pysqlite:///{data / 'shop.sqlite3'}"
    audit = stock_audit(url, {orders.throughput_key: PLENTY, orders.race_key: plan.race_units})
    result["race"] = {
        "units": plan.race_units,
        "attempts": plan.race_attempts,
        "answers": dict(race),
        "created": race.get("201", 0),
        "oversold": audit["oversold"],
        "left": audit[orders.race_key]["left"],
    }
    result["workers"] = workers
    return result


# --- the raw database ----------------------------------------------------------------------------------------


INSERT_ORDER = (
    "INSERT INTO orders (order_no, user_id, state, goods_fen, shipping_fen, discount_fen, total_fen, address, note,"
    " created_at, expires_at) VALUES ({p}, {p}, 'pending_payment', {p}, {p}, 0, {p}, {p}, '', {p}, {p}) RETURNING id"
)
INSERT_KEY = (
    "INSERT INTO order_requests (user_id, key, request_hash, order_id, created_at) VALUES ({p}, {p}, {p}, {p}, {p})"
)
TAKE_STOCK = "UPDATE stock SET available = available - {p} WHERE key = {p} AND catalog IS NOT NULL AND available >= {p}"
INSERT_LINE = (
    "INSERT INTO order_lines (order_id, position, product_id, name, options, unit_fen, quantity, stock_key)"
    " VALUES ({p}, 0, 'green', {p}, '{{}}', {p}, 1, {p})"
)
HASH = "0" * 64


def _seed_raw(url: str, orders: Orders, clients: int) -> list[int]:
    """Migrate an empty database with the server's own migrations; add the shoppers and the stock row."""
    engine = make_engine(url)
    try:
        upgrade(engine)
        now = datetime.now(UTC)
        with engine.begin() as connection:
            connection.execute(
                text("INSERT INTO stock (key, available, catalog, updated_at) VALUES (:k, :n, :n, :t)"),
                {"k": orders.throughput_key, "n": PLENTY, "t": now},
            )
            for n in range(clients):
                connection.execute(
                    text("INSERT INTO users (ref, openid, created_at) VALUES (:r, :o, :t)"),
                    {"r": secrets.token_urlsafe(16), "o": f"raw-{n}", "t": now},
                )
            return list(connection.execute(text("SELECT id FROM users ORDER BY id")).scalars())
    finally:
        engine.dispose()


def _raw_transaction(
    execute: Callable[[str, tuple[Any, ...]], Any],
    orders: Orders,
    user: int,
    key: str,
    placeholder: str,
    now: Any,
    address: Any,
) -> None:
    """The server's writes for one order; raises LookupError when the stock is short (caller rolls back)."""
    p = placeholder
    shipping = orders.total_fen - orders.unit_fen
    order_id = execute(
        INSERT_ORDER.format(p=p),
        (new_order_no(datetime.now(UTC)), user, orders.unit_fen, shipping, orders.total_fen, address, now, now),
    ).fetchone()[0]
    execute(INSERT_KEY.format(p=p), (user, key, HASH, order_id, now))
    if execute(TAKE_STOCK.format(p=p), (1, orders.throughput_key, 1)).rowcount != 1:
        raise LookupError(orders.throughput_key)
    execute(INSERT_LINE.format(p=p), (order_id, orders.name, orders.unit_fen, orders.throughput_key))


def raw_sqlite(orders: Orders, plan: Plan, scratch: Path) -> dict[str, Any]:
    """One thread, the server's PRAGMAs and BEGIN IMMEDIATE: SQLite runs one writer at a time."""
    path = scratch / f"raw-{secrets.token_hex(3)}.sqlite3"
    (user, *_) = _seed_raw(f"sqlite+pysqlite:///{path}", orders, 1)
    connection = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "busy_timeout=30000", "foreign_keys=ON", "synchronous=NORMAL"):
        connection.execute(f"PRAGMA {pragma}")
    address = json.dumps(ADDRESS, ensure_ascii=False)
    samples: list[tuple[float, float, int]] = []
    cpu = CpuWindow(None)
    measure_from = time.perf_counter() + plan.warmup
    stop = measure_from + plan.seconds
    started = False
    sequence = 0
    while (began := time.perf_counter()) < stop:
        if not started and began >= measure_from:
            cpu.start()
            started = True
        sequence += 1
        now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        connection.execute("BEGIN IMMEDIATE")
        _raw_transaction(connection.execute, orders, user, f"raw-{sequence}", "?", now, address)
        connection.execute("COMMIT")
        samples.append((began, time.perf_counter(), 201))
    usage = cpu.stop()
    connection.close()
    return {**summary(samples, (measure_from, stop)), "cpu": usage, "threads": 1}


def raw_postgresql(url: str, orders: Orders, plan: Plan) -> dict[str, Any]:
    """`plan.clients` threads, each with its own psycopg connection, in a tight loop."""
    import psycopg
    from psycopg.types.json import Json

    users = _seed_raw(url, orders, plan.clients)
    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    samples: list[tuple[float, float, int]] = []
    measure_from = time.perf_counter() + plan.warmup + 1.0  # + the time to open 50 connections
    stop = measure_from + plan.seconds
    failures: list[BaseException] = []

    def client(user: int) -> None:
        mine: list[tuple[float, float, int]] = []
        try:
            with psycopg.connect(conninfo) as connection:
                sequence = 0
                while (began := time.perf_counter()) < stop:
                    sequence += 1
                    with connection.cursor() as cursor:
                        _raw_transaction(
                            cursor.execute, orders, user, f"raw-{sequence}", "%s", datetime.now(UTC), Json(ADDRESS)
                        )
                    connection.commit()
                    mine.append((began, time.perf_counter(), 201))
        except BaseException as exc:  # reported with the result, not lost in a thread
            failures.append(exc)
        samples.extend(mine)

    threads = [threading.Thread(target=client, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    cpu = CpuWindow(None)
    time.sleep(max(0.0, measure_from - time.perf_counter()))
    cpu.start()
    time.sleep(max(0.0, stop - time.perf_counter()))
    usage = cpu.stop()
    for thread in threads:
        thread.join()
    if failures:
        raise RuntimeError(f"raw psycopg loop failed: {failures[0]!r}")
    return {**summary(samples, (measure_from, stop)), "cpu": usage, "threads": len(users)}


@contextmanager
def postgres_database(admin_url: str) -> Iterator[str]:
    name = f"mpgen_bench_{secrets.token_hex(5)}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def postgres_version(admin_url: str) -> str:
    admin = create_engine(admin_url)
    try:
        with admin.connect() as connection:
            return str(connection.execute(text("SHOW server_version")).scalar_one())
    finally:
        admin.dispose()


# --- the case ------------------------------------------------------------------------------------------------


def serve_case(quick: bool) -> dict[str, Any]:
    plan = QUICK if quick else FULL
    scratch = Path(tempfile.mkdtemp(prefix="mpgen-bench-serve-"))
    admin_url = None if quick else os.environ.get(ADMIN_URL_ENV)
    result: dict[str, Any] = {
        "clients": plan.clients,
        "warmup_seconds": plan.warmup,
        "seconds": plan.seconds,
        "load_average_at_start": [round(v, 2) for v in os.getloadavg()],
        "sqlite": sqlite3.sqlite_version,
        "runs": {},
    }
    runs = result["runs"]
    try:
        site = bench_site(scratch, plan.race_units)
        orders = order_bodies(site)
        runs["sqlite_server_1w"] = server_run(site, orders, plan, 1, None, scratch)
        runs["sqlite_raw"] = raw_sqlite(orders, plan, scratch)
        if admin_url is None:
            result["postgresql"] = "skipped in --quick" if quick else f"not measured: {ADMIN_URL_ENV} is not set"
        else:
            result["postgresql"] = postgres_version(admin_url)
            for workers in (1, 2):
                with postgres_database(admin_url) as url:
                    runs[f"postgresql_server_{workers}w"] = server_run(site, orders, plan, workers, url, scratch)
            with postgres_database(admin_url) as url:
                runs["postgresql_raw"] = raw_postgresql(url, orders, plan)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    for name, run in runs.items():
        raw = runs.get(name.split("_")[0] + "_raw")
        if "_server_" in name and raw and raw["orders_per_second"]:
            run["ratio_to_raw"] = round(run["orders_per_second"] / raw["orders_per_second"], 2)
    result["load_average_at_end"] = [round(v, 2) for v in os.getloadavg()]
    return result


# --- report ---------------------------------------------------------------------------------------------------

LABELS = {
    "sqlite_server_1w": "SQLite, gen serve, 1 worker",
    "sqlite_raw": "SQLite, raw sqlite3 loop (1 thread)",
    "postgresql_server_1w": "PostgreSQL, gen serve, 1 worker",
    "postgresql_server_2w": "PostgreSQL, gen serve, 2 workers",
    "postgresql_raw": "PostgreSQL, raw psycopg loop ({threads} threads)",
}


def _ms(run: dict[str, Any], key: str) -> str:
    return f"{run[key]:.1f} ms" if key in run else "–"


def serve_lines(serve: dict[str, Any]) -> list[str]:
    """The results section: one table of the runs, the oversell races, and how the run was made."""
    lines = [
        f"## Backend: POST /orders at {serve['clients']} concurrent clients",
        "",
        f"{serve['warmup_seconds']:g} s warm-up, then {serve['seconds']:g} s measured. SQLite "
        f"{serve['sqlite']}; PostgreSQL {serve['postgresql']}. Load average (1, 5, 15 min) at start "
        f"{serve['load_average_at_start']}, at end {serve['load_average_at_end']}.",
        "",
        "| setup | orders/s | p50 | p99 | ratio to raw | errors | server CPU | load generator CPU | machine busy |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, run in serve["runs"].items():
        cpu = run["cpu"]
        errors = ", ".join(f"{n}× {status}" for status, n in run["errors"].items()) or "none"
        server = f"{cpu['server_cores']} cores" if "server_cores" in cpu else "–"
        lines.append(
            f"| {LABELS[name].format(threads=run.get('threads', ''))} | {run['orders_per_second']} | "
            f"{_ms(run, 'p50_ms')} | {_ms(run, 'p99_ms')} | {run.get('ratio_to_raw', '–')} | {errors} | {server} | "
            f"{cpu['client_cores']} cores | {cpu['machine_busy']:.0%} |"
        )
    lines += ["", "Oversell race after each server run (every client at once, one unit each):", ""]
    for name, run in serve["runs"].items():
        if "race" in run:
            race = run["race"]
            answers = ", ".join(f"{n}× {a}" for a, n in sorted(race["answers"].items()))
            lines.append(
                f"- {LABELS[name]}: {race['attempts']} attempts on {race['units']} units: {answers}; "
                f"{race['left']} left; oversold {race['oversold']}."
            )
    lines += [
        "",
        "The load generator (asyncio + httpx, one connection per client) runs on the same 2 cores as the server "
        "and the database; its CPU is in the table. SQLite's raw loop is one thread: SQLite has one writer at a "
        "time, so more threads would only queue on its lock. The raw loops run only the transaction's four "
        "writes (order, idempotency key, conditional stock UPDATE, order line); the server also looks up the "
        "session, checks the key, sweeps expired orders and prices the cart, in Python.",
        "",
    ]
    return lines


def serve_goals(serve: dict[str, Any]) -> list[tuple[str, bool, str]]:
    """Issue 14's goals against this run, on the best PostgreSQL setup measured."""
    runs = serve["runs"]
    goals: list[tuple[str, bool, str]] = []
    servers = {name: run for name, run in runs.items() if name.startswith("postgresql_server")}
    if servers:
        name, best = max(servers.items(), key=lambda item: item[1]["orders_per_second"])
        label = LABELS[name].split(", ", 1)[1]
        rate, p99, ratio = best["orders_per_second"], best.get("p99_ms", float("inf")), best.get("ratio_to_raw", 0)
        goals += [
            ("backend: ≥ 300 orders/s on PostgreSQL", rate >= GOAL_RATE, f"{rate}/s ({label})"),
            ("backend: p99 ≤ 150 ms on PostgreSQL", p99 <= GOAL_P99_MS, f"{p99} ms ({label})"),
            ("backend: ≥ 0.5× the raw database's rate", ratio >= GOAL_RAW_RATIO, f"{ratio}× ({label})"),
        ]
    oversold = sum(run["race"]["oversold"] for run in runs.values() if "race" in run)
    goals.append(("backend: zero oversold items", oversold == 0, str(oversold)))
    return goals


def serve_markdown(machine: str, serve: dict[str, Any]) -> str:
    """bench/results-serve.md: this case alone, with its goals."""
    rows = [f"| {goal} | {'met' if met else 'not met'} | {value} |" for goal, met, value in serve_goals(serve)]
    lines = [f"# mpgen backend benchmark ({machine})", "", *serve_lines(serve)]
    lines += ["## Goals", "", "| goal | | this run |", "|---|---|---|", *rows]
    return "\n".join(lines) + "\n"

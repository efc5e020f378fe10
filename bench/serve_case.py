"""The backend benchmark (issue 14): POST /orders per second, p50 and p99 at 50 concurrent shoppers against
`gen serve --fake-wechat` on SQLite and on PostgreSQL (1 and 2 workers), next to the raw database running the
same transaction's SQL in a tight loop (sqlite3, psycopg), and an oversell race after every server run.

How one server run goes: a copy of the test shop (tests/server/sites/shop) with ample stock of `green` is
served by `gen serve` in a subprocess (SQLite in a temp data folder, or DATABASE_URL on a fresh PostgreSQL
database made in MPGEN_TEST_DATABASE_URL's server and dropped afterwards); each client logs in (POST
/session), then loops POST /orders with a new Idempotency-Key (asyncio, one kept-alive connection each) through
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
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import httpx
import yaml
from goals import Goal, goal_table
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
"""Units of each item the throughput runs buy: they never run short."""
SPREAD = 50
"""Items of the spread load: `b00`..`b49`, one per client."""
RACE_OPTIONS = {"规格": "小罐"}
ADDRESS = {"userName": "李四", "telNumber": "13900005678", "detailInfo": "人民路 2 号"}
GOAL_RATE, GOAL_P99_MS, GOAL_RAW_RATIO = 300.0, 150.0, 0.5
MODES = {
    "one_item": "one item (every order takes the same stock row)",
    "spread": f"{SPREAD} items (client n buys item n)",
}


@dataclass(frozen=True)
class Plan:
    clients: int
    warmup: float
    seconds: float
    race_units: int
    race_attempts: int


FULL = Plan(clients=CLIENTS, warmup=3.0, seconds=15.0, race_units=100, race_attempts=4 * CLIENTS)
QUICK = Plan(clients=8, warmup=0.3, seconds=1.0, race_units=10, race_attempts=24)


# --- the shop and its orders ---------------------------------------------------------------------------------


def bench_site(root: Path, race_units: int) -> Path:
    """The test shop with PLENTY of `green`, SPREAD more items with PLENTY each, and `race_units` of the
    小罐 SKU."""
    spec = yaml.safe_load((SHOP / "site.yaml").read_text(encoding="utf-8"))
    products = spec["catalog"]["products"]
    for product in products:
        if product["id"] == "green":
            product["stock"] = PLENTY
        for sku in product.get("skus", []):
            if product["id"] == "oolong" and sku["options"] == RACE_OPTIONS:
                sku["stock"] = race_units
    products += [
        {"id": f"b{n:02d}", "name": f"基准茶 {n} 号", "price": 12.5, "category": "tea", "stock": PLENTY}
        for n in range(SPREAD)
    ]
    site = root / "shop"
    site.mkdir()
    (site / "site.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return site


@dataclass(frozen=True)
class Line:
    """One single-line POST /orders body at the server's own prices, and what the raw loop writes for it."""

    body: dict[str, Any]
    product_id: str
    name: str
    stock_key: str
    unit_fen: int
    total_fen: int


@dataclass(frozen=True)
class Orders:
    modes: dict[str, list[Line]]
    """Per load shape, the orders client n sends (line n modulo their number)."""
    race: Line

    def stock_keys(self) -> list[str]:
        return sorted({line.stock_key for lines in self.modes.values() for line in lines})


def order_bodies(site: Path) -> Orders:
    loaded, _theme = load(site)
    assert loaded.spec.commerce is not None
    book = PriceBook.from_spec(loaded.spec.catalog, loaded.spec.commerce)

    def line(product_id: str, options: dict[str, str] | None = None) -> Line:
        quote = book.quote([CartLine(product_id, options or {}, 1)])
        item = quote.lines[0].item
        assert item.stock_key is not None, f"{product_id} must have tracked stock"
        body = {
            "items": [{"productId": product_id, "options": item.options, "quantity": 1, "priceFen": item.unit_fen}],
            "address": ADDRESS,
            "totalFen": quote.total_fen,
        }
        return Line(body, product_id, item.name, item.stock_key, item.unit_fen, quote.total_fen)

    return Orders(
        modes={"one_item": [line("green")], "spread": [line(f"b{n:02d}") for n in range(SPREAD)]},
        race=line("oolong", RACE_OPTIONS),
    )


# --- measuring ---------------------------------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of `values` (not empty)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def _process_tree(pid: int) -> list[int]:
    """`pid` and its descendants (uvicorn's supervisor and its workers)."""
    pids, queue = [], [pid]
    while queue:
        current = queue.pop()
        pids.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            queue += [int(child) for child in task.read_text().split()]
    return pids


def _cpu_seconds(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def _database_backends(database: str) -> list[int]:
    """PostgreSQL's backend processes serving `database` (their title names it)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                title = (entry / "cmdline").read_bytes().decode(errors="replace")
            except OSError:
                continue
            if title.startswith("postgres:") and f" {database} " in title:
                pids.append(int(entry.name))
    return pids


def _machine_ticks() -> tuple[int, int]:
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return sum(values), values[3] + values[4]  # all, idle + iowait


@dataclass
class CpuWindow:
    """CPU used over the measured window, in cores: the server's processes, PostgreSQL's backends of the
    benchmark's database, this process (the load generator or the raw loop), and the rest of the machine
    (other work on it: the machine is shared)."""

    server_pid: int | None = None
    database: str | None = None
    began: float = 0.0
    client_began: float = 0.0
    machine_began: tuple[int, int] = (0, 0)
    pids_began: dict[str, dict[int, float]] = field(default_factory=dict)

    def _groups(self) -> dict[str, list[int]]:
        return {
            "server_cores": _process_tree(self.server_pid) if self.server_pid else [],
            "database_cores": _database_backends(self.database) if self.database else [],
        }

    def start(self) -> None:
        self.pids_began = {
            group: {pid: cpu for pid in pids if (cpu := _cpu_seconds(pid)) is not None}
            for group, pids in self._groups().items()
        }
        self.began, self.client_began, self.machine_began = time.perf_counter(), time.process_time(), _machine_ticks()

    def stop(self) -> dict[str, float]:
        wall = time.perf_counter() - self.began
        result = {"client_cores": round((time.process_time() - self.client_began) / wall, 2)}
        for group, pids in self._groups().items():
            began = self.pids_began.get(group, {})
            used = sum(cpu - began.get(pid, 0.0) for pid in pids if (cpu := _cpu_seconds(pid)) is not None)
            if pids or began:
                result[group] = round(used / wall, 2)
        all_ticks, idle_ticks = _machine_ticks()
        busy = 1 - (idle_ticks - self.machine_began[1]) / max(1, all_ticks - self.machine_began[0])
        result["machine_busy"] = round(busy, 2)
        ours = sum(value for key, value in result.items() if key.endswith("_cores"))
        result["other_cores"] = round(max(0.0, busy * (os.cpu_count() or 1) - ours), 2)
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


class KeepAlive:
    """A minimal HTTP/1.1 client on one kept-alive connection: POST a JSON body, read the status line, the
    headers and a Content-Length body (what uvicorn answers). The load generator uses it because httpx's
    async client cost 3.5-5.6 ms of CPU per request here, a third of the server's own, on the same 2 cores."""

    def __init__(self, base: str) -> None:
        parts = httpx.URL(base)
        self.host, self.port = parts.host, parts.port or 80
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def post(self, path: str, body: bytes, headers: dict[str, str]) -> int:
        """The answer's status; 0 when the connection failed (it is opened again for the next request)."""
        head = f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nContent-Type: application/json\r\n"
        head += f"Content-Length: {len(body)}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        try:
            if self.streams is None:
                self.streams = await asyncio.open_connection(self.host, self.port)
            reader, writer = self.streams
            writer.write(head.encode("ascii") + b"\r\n" + body)
            answer = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in answer.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            await reader.readexactly(length)
            return int(answer[9:12])
        except (OSError, asyncio.IncompleteReadError, ValueError):
            self.close()
            return 0

    def close(self) -> None:
        if self.streams is not None:
            self.streams[1].close()
            self.streams = None


async def _load(base: str, tokens: list[str], lines: list[Line], plan: Plan, cpu: CpuWindow) -> dict[str, Any]:
    samples: list[tuple[float, float, int]] = []
    payloads = [json.dumps(line.body).encode("ascii") for line in lines]
    measure_from = time.perf_counter() + plan.warmup
    stop = measure_from + plan.seconds

    async def shopper(n: int) -> None:
        client = KeepAlive(base)
        headers = {"Authorization": f"Bearer {tokens[n]}"}
        payload = payloads[n % len(payloads)]
        sequence = 0
        while (began := time.perf_counter()) < stop:
            sequence += 1
            headers["Idempotency-Key"] = f"bench-{lines[0].product_id}-{n}-{sequence}"
            status = await client.post("/orders", payload, headers)
            samples.append((began, time.perf_counter(), status))
        client.close()

    async def window() -> dict[str, float]:
        await asyncio.sleep(max(0.0, measure_from - time.perf_counter()))
        cpu.start()
        await asyncio.sleep(max(0.0, stop - time.perf_counter()))
        return cpu.stop()

    runs = asyncio.gather(window(), *(shopper(n) for n in range(len(tokens))))
    usage, *_ = await asyncio.wait_for(runs, timeout=plan.warmup + plan.seconds + 120)
    return {**summary(samples, (measure_from, stop)), "cpu": usage}


async def _race(base: str, tokens: list[str], line: Line, attempts: int) -> Counter[str]:
    limits = httpx.Limits(max_connections=len(tokens))
    async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as client:

        async def attempt(n: int) -> str:
            headers = {"Authorization": f"Bearer {tokens[n % len(tokens)]}", "Idempotency-Key": f"race-{n:06d}"}
            answer = await client.post("/orders", json=line.body, headers=headers)
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


T = TypeVar("T")


def _run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run`, also from a thread whose event loop is already running (a test runner's, or
    Playwright's): then in a thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def server_run(
    site: Path, orders: Orders, plan: Plan, workers: int, database_url: str | None, scratch: Path
) -> dict[str, Any]:
    """Each load shape in turn on one `gen serve`, then the oversell race, then the stock audit."""
    data = scratch / f"data-{secrets.token_hex(3)}"
    database = make_url(database_url).database if database_url else None
    modes: dict[str, Any] = {}
    with served(site, data, database_url, workers) as (base, pid):
        tokens = log_in(base, plan.clients, data.name)
        for mode, lines in orders.modes.items():
            modes[mode] = _run_async(_load(base, tokens, lines, plan, CpuWindow(pid, database)))
        race = _run_async(_race(base, tokens, orders.race, plan.race_attempts))
    url = database_url or f"sqlite+pysqlite:///{data / 'shop.sqlite3'}"
    audit = stock_audit(url, {**dict.fromkeys(orders.stock_keys(), PLENTY), orders.race.stock_key: plan.race_units})
    result: dict[str, Any] = {"workers": workers, "modes": modes}
    result["race"] = {
        "units": plan.race_units,
        "attempts": plan.race_attempts,
        "answers": dict(race),
        "created": race.get("201", 0),
        "oversold": audit["oversold"],
        "left": audit[orders.race.stock_key]["left"],
    }
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
    " VALUES ({p}, 0, {p}, {p}, '{{}}', {p}, 1, {p})"
)
HASH = "0" * 64


def _seed_raw(url: str, orders: Orders, clients: int) -> list[int]:
    """Migrate an empty database with the server's own migrations; add the shoppers and the stock rows."""
    engine = make_engine(url)
    try:
        upgrade(engine)
        now = datetime.now(UTC)
        with engine.begin() as connection:
            connection.execute(
                text("INSERT INTO stock (key, available, catalog, updated_at) VALUES (:k, :n, :n, :t)"),
                [{"k": key, "n": PLENTY, "t": now} for key in orders.stock_keys()],
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
    line: Line,
    user: int,
    key: str,
    placeholder: str,
    now: Any,
    address: Any,
) -> None:
    """The server's writes for one order of `line`, in the server's order; LookupError when the stock is
    short (never, with PLENTY: the caller does not roll back)."""
    p = placeholder
    shipping = line.total_fen - line.unit_fen
    order_id = execute(
        INSERT_ORDER.format(p=p),
        (new_order_no(datetime.now(UTC)), user, line.unit_fen, shipping, line.total_fen, address, now, now),
    ).fetchone()[0]
    execute(INSERT_KEY.format(p=p), (user, key, HASH, order_id, now))
    if execute(TAKE_STOCK.format(p=p), (1, line.stock_key, 1)).rowcount != 1:
        raise LookupError(line.stock_key)
    execute(INSERT_LINE.format(p=p), (order_id, line.product_id, line.name, line.unit_fen, line.stock_key))


def raw_sqlite(orders: Orders, plan: Plan, scratch: Path) -> dict[str, Any]:
    """One thread, the server's PRAGMAs and BEGIN IMMEDIATE: SQLite runs one writer at a time. The spread
    load cycles through its items."""
    path = scratch / f"raw-{secrets.token_hex(3)}.sqlite3"
    (user, *_) = _seed_raw(f"sqlite+pysqlite:///{path}", orders, 1)
    connection = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "busy_timeout=30000", "foreign_keys=ON", "synchronous=NORMAL"):
        connection.execute(f"PRAGMA {pragma}")
    address = json.dumps(ADDRESS, ensure_ascii=False)
    modes: dict[str, Any] = {}
    for mode, lines in orders.modes.items():
        samples: list[tuple[float, float, int]] = []
        cpu = CpuWindow()
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
            line = lines[sequence % len(lines)]
            connection.execute("BEGIN IMMEDIATE")
            _raw_transaction(connection.execute, line, user, f"raw-{mode}-{sequence}", "?", now, address)
            connection.execute("COMMIT")
            samples.append((began, time.perf_counter(), 201))
        modes[mode] = {**summary(samples, (measure_from, stop)), "cpu": cpu.stop()}
    connection.close()
    return {"threads": 1, "modes": modes}


def raw_postgresql(url: str, orders: Orders, plan: Plan) -> dict[str, Any]:
    """`plan.clients` threads, each with its own psycopg connection, in a tight loop; thread n orders line n
    of the load shape (modulo their number)."""
    users = _seed_raw(url, orders, plan.clients)
    modes = {mode: _raw_postgresql_load(url, users, lines, plan) for mode, lines in orders.modes.items()}
    return {"threads": len(users), "modes": modes}


def _raw_postgresql_load(url: str, users: list[int], lines: list[Line], plan: Plan) -> dict[str, Any]:
    import psycopg
    from psycopg.types.json import Json

    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    samples: list[tuple[float, float, int]] = []
    measure_from = time.perf_counter() + plan.warmup + 1.0  # + the time to open 50 connections
    stop = measure_from + plan.seconds
    failures: list[BaseException] = []

    def client(n: int, user: int) -> None:
        mine: list[tuple[float, float, int]] = []
        line = lines[n % len(lines)]
        try:
            with psycopg.connect(conninfo) as connection:
                sequence = 0
                while (began := time.perf_counter()) < stop:
                    sequence += 1
                    with connection.cursor() as cursor:
                        key = f"raw-{line.product_id}-{sequence}"
                        _raw_transaction(cursor.execute, line, user, key, "%s", datetime.now(UTC), Json(ADDRESS))
                    connection.commit()
                    mine.append((began, time.perf_counter(), 201))
        except BaseException as exc:  # reported with the result, not lost in a thread
            failures.append(exc)
        samples.extend(mine)

    threads = [threading.Thread(target=client, args=(n, user)) for n, user in enumerate(users)]
    for thread in threads:
        thread.start()
    cpu = CpuWindow(database=make_url(url).database)
    time.sleep(max(0.0, measure_from - time.perf_counter()))
    cpu.start()
    time.sleep(max(0.0, stop - time.perf_counter()))
    usage = cpu.stop()
    for thread in threads:
        thread.join()
    if failures:
        raise RuntimeError(f"raw psycopg loop failed: {failures[0]!r}")
    return {**summary(samples, (measure_from, stop)), "cpu": usage}


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
        for mode, measured in run["modes"].items():
            baseline = raw["modes"][mode]["orders_per_second"] if raw and "_server_" in name else 0
            if baseline:
                measured["ratio_to_raw"] = round(measured["orders_per_second"] / baseline, 2)
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


def _label(name: str, run: dict[str, Any]) -> str:
    return LABELS[name].format(threads=run.get("threads", ""))


def serve_lines(serve: dict[str, Any]) -> list[str]:
    """The results section: one table of the runs, CPU per order, the oversell races, how it was made."""
    lines = [
        f"## Backend: POST /orders at {serve['clients']} concurrent clients",
        "",
        f"{serve['warmup_seconds']:g} s warm-up, then {serve['seconds']:g} s measured, per load shape. SQLite "
        f"{serve['sqlite']}; PostgreSQL {serve['postgresql']}. Load average (1, 5, 15 min) at start "
        f"{serve['load_average_at_start']}, at end {serve['load_average_at_end']}.",
        "",
        "| setup | items | orders/s | p50 | p99 | ratio to raw | errors | CPU: server | database "
        "| load generator / raw loop | rest of the machine |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    per_order = []
    for name, run in serve["runs"].items():
        for mode, measured in run["modes"].items():
            cpu, rate = measured["cpu"], measured["orders_per_second"]
            errors = ", ".join(f"{n}× {status}" for status, n in measured["errors"].items()) or "none"
            server, database = (f"{cpu[key]}" if key in cpu else "–" for key in ("server_cores", "database_cores"))
            if name.startswith("sqlite"):
                database = "in the server / loop"
            lines.append(
                f"| {_label(name, run)} | {MODES[mode].split(' (')[0]} | {rate} | {_ms(measured, 'p50_ms')} | "
                f"{_ms(measured, 'p99_ms')} | {measured.get('ratio_to_raw', '–')} | {errors} | {server} | "
                f"{database} | {cpu['client_cores']} | {cpu['other_cores']} (machine {cpu['machine_busy']:.0%} busy) |"
            )
            if rate:
                parts = [
                    f"{label} {cpu[key] * 1000 / rate:.2f} ms"
                    for key, label in (("server_cores", "server"), ("database_cores", "database"))
                    if key in cpu
                ]
                parts.append(f"this process {cpu['client_cores'] * 1000 / rate:.2f} ms")
                per_order.append(f"- {_label(name, run)}, {MODES[mode].split(' (')[0]}: {', '.join(parts)}.")
    lines += ["", "Items: " + "; ".join(MODES.values()) + ".", "", "CPU per order (cores ÷ orders/s):", "", *per_order]
    lines += ["", "Oversell race after each server run (every client at once, one unit each):", ""]
    for name, run in serve["runs"].items():
        if "race" in run:
            race = run["race"]
            answers = ", ".join(f"{n}× {a}" for a, n in sorted(race["answers"].items()))
            lines.append(
                f"- {_label(name, run)}: {race['attempts']} attempts on {race['units']} units: {answers}; "
                f"{race['left']} left; oversold {race['oversold']}."
            )
    lines += [
        "",
        "CPU is in cores over the measured window (the machine has 2): the server's processes, PostgreSQL's "
        "backends of the benchmark's database, this process (the load generator: asyncio, one kept-alive "
        "HTTP/1.1 connection per client; or the raw loop), and whatever else ran on the machine meanwhile "
        "(it is shared). SQLite's raw loop is one thread: SQLite has one writer at a time, so more threads "
        "would only queue on its lock (and one item or many makes no difference to that lock). The raw loops "
        "run only the transaction's four writes (order, idempotency key, conditional stock UPDATE, order "
        "line); the server also looks up the session, checks the key, sweeps expired orders and prices the "
        "cart, in Python.",
        "",
    ]
    return lines


def serve_goals(serve: dict[str, Any]) -> list[Goal]:
    """Issue 14's goals against this run: per load shape, the best PostgreSQL server setup measured."""
    runs = serve["runs"]
    goals: list[Goal] = []
    servers = {name: run for name, run in runs.items() if name.startswith("postgresql_server")}
    for mode, shape in MODES.items():
        if not servers:
            break
        name, best = max(servers.items(), key=lambda item: item[1]["modes"][mode]["orders_per_second"])
        measured = best["modes"][mode]
        label, items = LABELS[name].split(", ", 2)[2], shape.split(" (")[0]
        rate, p99 = measured["orders_per_second"], measured.get("p99_ms", float("inf"))
        ratio = measured.get("ratio_to_raw", 0)
        goals += [
            Goal(f"backend, {items}: ≥ 300 orders/s on PostgreSQL", rate >= GOAL_RATE, f"{rate}/s ({label})"),
            Goal(f"backend, {items}: p99 ≤ 150 ms on PostgreSQL", p99 <= GOAL_P99_MS, f"{p99} ms ({label})"),
            Goal(f"backend, {items}: ≥ 0.5× the raw database's rate", ratio >= GOAL_RAW_RATIO, f"{ratio}× ({label})"),
        ]
    oversold = sum(run["race"]["oversold"] for run in runs.values() if "race" in run)
    goals.append(Goal("backend: zero oversold items", oversold == 0, str(oversold)))
    return goals


def serve_markdown(machine: str, serve: dict[str, Any]) -> str:
    """bench/results-serve.md: this case alone, with its goals."""
    lines = [f"# mpgen backend benchmark ({machine})", "", *serve_lines(serve)]
    lines += ["## Goals", "", *goal_table(serve_goals(serve))]
    return "\n".join(lines) + "\n"

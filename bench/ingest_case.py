"""The event-ingestion benchmark (issue 16): POST /events at 20 concurrent senders, and whether it slows the
shop, on SQLite and PostgreSQL, against `gen serve --fake-wechat`.

    python bench/ingest_case.py            # writes bench/results-ingest.md (PostgreSQL with MPGEN_TEST_DATABASE_URL)
    python bench/ingest_case.py --quick    # a second per run, SQLite only

Three runs per database, each on a fresh `gen serve` of the serve benchmark's shop (bench/serve_case.py):
- events alone: 20 senders, each on one kept-alive connection, POST batches of 10 declared events (what the
  mini-program's utils/track.js sends: app_show, page and product views, add to cart; half of the senders
  logged in) as fast as they are answered; events/s and the batch's p50/p99;
- orders alone: 10 shoppers POST /orders as fast as answered (orders/s, p50/p99);
- both at once: the shoppers as before, and the 20 senders paced at one batch each per PACE_SECONDS (400
  events/s: some 200 phones in use at once, each sending its 10 events every 5 s); the shop's figures next
  to "orders alone" say how much ingestion costs the shop (the goal: its p99 within 1.5x, its throughput
  at least 0.67x). "events alone" is the capacity: what one worker takes when nothing else runs.
CPU over each window is read from /proc as in the serve benchmark.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import shutil
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from serve_case import (  # noqa: E402
    ADMIN_URL_ENV,
    CpuWindow,
    KeepAlive,
    _run_async,
    bench_site,
    log_in,
    order_bodies,
    percentile,
    postgres_database,
    postgres_version,
    served,
)

SENDERS = 20
SHOPPERS = 10
BATCH = 10
PACE_SECONDS = 0.5
GOAL_P99_RATIO, GOAL_RATE_RATIO = 1.5, 0.67


@dataclass(frozen=True)
class Plan:
    warmup: float
    seconds: float


FULL = Plan(warmup=2.0, seconds=10.0)
QUICK = Plan(warmup=0.3, seconds=1.0)


def batch_body(sender: int, sequence: int) -> bytes:
    """One utils/track.js batch: the envelope and BATCH declared events."""
    events: list[dict[str, Any]] = [{"event": "app_show", "fields": {}, "page": "pages/home/index"}]
    for n in range(BATCH - 2):
        events.append(
            {
                "event": "product_view",
                "fields": {"product_id": "green", "category": "tea"},
                "page": "catalog/product/index",
            }
            if n % 2
            else {"event": "page_view", "fields": {"page": "home"}, "page": "pages/home/index"}
        )
    events.append({"event": "add_to_cart", "fields": {"product_id": "green", "quantity": 1}})
    now = int(time.time() * 1000)
    for event in events:
        event["at"] = now
    body = {"install": f"bench-install-{sender:04d}", "session": f"bench-session-{sender:04d}-{sequence // 50}",
            "platform": "mp", "scene": 1001, "events": events}  # fmt: skip
    return json.dumps(body).encode("utf-8")


def _stats(samples: list[tuple[float, float, int]], window: tuple[float, float], ok: int, per: int) -> dict[str, Any]:
    start, stop = window
    done = [(b, e, s) for b, e, s in samples if start <= e < stop]
    latencies = [(e - b) * 1000 for b, e, s in done if s == ok]
    errors = Counter(str(s) for _b, _e, s in done if s != ok)
    if not latencies:
        return {"per_second": 0.0, "errors": dict(errors)}
    return {
        "per_second": round(len(latencies) * per / (stop - start), 1),
        "p50_ms": round(percentile(latencies, 0.50), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "errors": dict(errors),
    }


async def _load(
    base: str, plan: Plan, cpu: CpuWindow, event_tokens: list[str] | None, order_tokens: list[str] | None,
    order_payload: bytes, pace: float,
) -> dict[str, Any]:  # fmt: skip
    event_samples: list[tuple[float, float, int]] = []
    order_samples: list[tuple[float, float, int]] = []
    measure_from = time.perf_counter() + plan.warmup
    stop = measure_from + plan.seconds

    async def sender(n: int, token: str) -> None:
        client = KeepAlive(base)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        sequence = 0
        while (began := time.perf_counter()) < stop:
            sequence += 1
            status = await client.post("/events", batch_body(n, sequence), headers)
            event_samples.append((began, time.perf_counter(), status))
            if pace:
                await asyncio.sleep(max(0.0, began + pace - time.perf_counter()))
        client.close()

    async def shopper(n: int, token: str) -> None:
        client = KeepAlive(base)
        headers = {"Authorization": f"Bearer {token}"}
        sequence = 0
        while (began := time.perf_counter()) < stop:
            sequence += 1
            headers["Idempotency-Key"] = f"ingest-{n}-{sequence}-{secrets.token_hex(3)}"
            status = await client.post("/orders", order_payload, headers)
            order_samples.append((began, time.perf_counter(), status))
        client.close()

    async def window() -> dict[str, float]:
        await asyncio.sleep(max(0.0, measure_from - time.perf_counter()))
        cpu.start()
        await asyncio.sleep(max(0.0, stop - time.perf_counter()))
        return cpu.stop()

    tasks = [sender(n, token) for n, token in enumerate(event_tokens or [])]
    tasks += [shopper(n, token) for n, token in enumerate(order_tokens or [])]
    usage, *_ = await asyncio.wait_for(asyncio.gather(window(), *tasks), timeout=plan.warmup + plan.seconds + 120)
    result: dict[str, Any] = {"cpu": usage}
    if event_tokens is not None:
        result["events"] = _stats(event_samples, (measure_from, stop), 202, BATCH)
    if order_tokens is not None:
        result["orders"] = _stats(order_samples, (measure_from, stop), 201, 1)
    return result


def database_run(site: Path, plan: Plan, database_url: str | None, scratch: Path) -> dict[str, Any]:
    payload = json.dumps(order_bodies(site).modes["spread"][0].body).encode("ascii")
    database = make_url(database_url).database if database_url else None
    runs: dict[str, Any] = {}
    for name, events, orders in (("events", True, False), ("orders", False, True), ("both", True, True)):
        data = scratch / f"data-{secrets.token_hex(3)}"
        with served(site, data, database_url, 1) as (base, pid):
            logged = log_in(base, SENDERS // 2 + SHOPPERS, data.name)
            event_tokens = [logged[n] if n < SENDERS // 2 else "" for n in range(SENDERS)] if events else None
            order_tokens = logged[SENDERS // 2 :] if orders else None
            cpu = CpuWindow(pid, database)
            pace = PACE_SECONDS if name == "both" else 0.0
            runs[name] = _run_async(_load(base, plan, cpu, event_tokens, order_tokens, payload, pace))
        shutil.rmtree(data, ignore_errors=True)
    alone, both = runs["orders"]["orders"], runs["both"]["orders"]
    if alone.get("p99_ms") and both.get("p99_ms"):
        runs["shop_p99_ratio"] = round(both["p99_ms"] / alone["p99_ms"], 2)
        runs["shop_rate_ratio"] = round(both["per_second"] / alone["per_second"], 2)
    return runs


def ingest_case(quick: bool) -> dict[str, Any]:
    plan = QUICK if quick else FULL
    scratch = Path(tempfile.mkdtemp(prefix="mpgen-bench-ingest-"))
    admin_url = None if quick else os.environ.get(ADMIN_URL_ENV)
    result: dict[str, Any] = {
        "senders": SENDERS,
        "batch": BATCH,
        "shoppers": SHOPPERS,
        "seconds": plan.seconds,
        "load_average_at_start": [round(v, 2) for v in os.getloadavg()],
        "sqlite": sqlite3.sqlite_version,
        "databases": {},
    }
    try:
        site = bench_site(scratch, 10)
        result["databases"]["sqlite"] = database_run(site, plan, None, scratch)
        if admin_url:
            result["postgresql"] = postgres_version(admin_url)
            with postgres_database(admin_url) as url:
                result["databases"]["postgresql"] = database_run(site, plan, url, scratch)
        else:
            result["postgresql"] = "skipped in --quick" if quick else f"not measured: {ADMIN_URL_ENV} is not set"
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    result["load_average_at_end"] = [round(v, 2) for v in os.getloadavg()]
    return result


def _figures(run: dict[str, Any]) -> str:
    if not run.get("per_second"):
        return f"– | – | – | {run.get('errors') or 'none'}"
    return f"{run['per_second']} | {run['p50_ms']} ms | {run['p99_ms']} ms | {run['errors'] or 'none'}"


def ingest_markdown(machine: str, result: dict[str, Any]) -> str:
    lines = [
        f"# mpgen event ingestion benchmark ({machine})",
        "",
        f"{result['senders']} senders posting batches of {result['batch']} events (as fast as answered in "
        f'"events", one batch per {PACE_SECONDS} s each in "both"), {result["shoppers"]} shoppers '
        f"posting orders as fast as answered, {result['seconds']} s measured per run, one `gen serve` "
        f"worker. SQLite {result['sqlite']}; PostgreSQL {result['postgresql']}. Load average at start "
        f"{result['load_average_at_start']}, at end {result['load_average_at_end']}.",
        "",
        "| database | run | what | per second | p50 | p99 | errors | CPU: server | database | machine busy |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for database, runs in result["databases"].items():
        for name in ("events", "orders", "both"):
            run = runs[name]
            cpu = run["cpu"]
            for what in ("events", "orders"):
                if what in run:
                    lines.append(
                        f"| {database} | {name} | {what} | {_figures(run[what])} | {cpu.get('server_cores', '–')} | "
                        f"{cpu.get('database_cores', '–')} | {cpu.get('machine_busy', '–')} |"
                    )
    lines += ["", "The shop under ingestion (orders with events beside them, against orders alone):", ""]
    for database, runs in result["databases"].items():
        p99, rate = runs.get("shop_p99_ratio"), runs.get("shop_rate_ratio")
        if p99 is None or rate is None:
            lines.append(f"- {database}: not measured (no orders completed)")
            continue
        verdict = "met" if p99 <= GOAL_P99_RATIO and rate >= GOAL_RATE_RATIO else "NOT met"
        lines.append(
            f"- {database}: p99 {p99}x, orders/s {rate}x (goal: p99 within {GOAL_P99_RATIO}x, "
            f"throughput at least {GOAL_RATE_RATIO}x: {verdict})"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    import platform

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", type=Path, default=BENCH)
    args = parser.parse_args()
    result = ingest_case(args.quick)
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    text = ingest_markdown(machine, result)
    if not args.quick:
        (args.out / "results-ingest.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()

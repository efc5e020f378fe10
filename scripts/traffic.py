"""Shoppers for a shop served by `gen serve --fake-wechat`: weeks of visits, purchases, check-ins and shares,
made by the GENERATED mini-program code, so the console's dashboard and `gen report` have figures to show.

    gen serve sites/beibei --fake-wechat &                  # the shop's backend, offline
    python scripts/traffic.py sites/beibei --api http://127.0.0.1:8081/ --shoppers 30 --days 21
    gen report sites/beibei --from 2026-12-01 --to 2026-12-21   # the days the script printed

The site is built as a development build talking to `--api` (into a temporary folder); each visit is one
run of tests/js/client.js (node, with a `wx` mock doing real HTTP) over that build: the app launches with a
WeChat scene, shows the home page, opens a product and adds it to the cart, sometimes logs in and checks
in, shares or buys (checkout and the fake WeChat Pay), then goes to the background, which sends its events.
Each shopper keeps one install id and one login code across the days, joins on a day of their own and comes
back with a stickiness of their own, so retention and repurchase are not flat. After each day the server's
fake clock moves one day forward (POST /_fake/clock), so events, check-ins and payments fall on the
simulated days. `--seed` makes a run repeatable (for the same server state).
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from generator.build import build  # noqa: E402
from generator.build import load as load_site  # noqa: E402

CLIENT_JS = REPO / "tests" / "js" / "client.js"
SCENES = (1001, 1007, 1008, 1047, 1089)  # 发现栏, 单人聊天, 群聊, 扫小程序码, 最近使用
BUY_CHANCE, CHECKIN_CHANCE, SHARE_CHANCE, LOGIN_CHANCE = 0.22, 0.5, 0.1, 0.6


@dataclass(frozen=True)
class Shopper:
    code: str
    install: str
    joins: int
    stickiness: float


def shoppers(rng: random.Random, count: int, days: int, seed: int) -> list[Shopper]:
    return [
        Shopper(
            code=f"traffic-{seed}-{n}",
            install=f"traffic{seed}x{n:05d}",
            joins=rng.randrange(max(1, days * 2 // 3)),
            stickiness=rng.choice((0.05, 0.15, 0.3, 0.5, 0.7)),
        )
        for n in range(count)
    ]


def run_client(miniprogram: Path, api: str, scenario: str, options: dict[str, Any]) -> dict[str, Any]:
    command = ["node", str(CLIENT_JS), str(miniprogram), api, scenario, json.dumps(options)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=CLIENT_JS.parent)
    if done.returncode != 0:
        raise RuntimeError(f"client.js {scenario} failed:\n{done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def visit(miniprogram: Path, api: str, shopper: Shopper, rng: random.Random, plan: dict[str, Any]) -> dict[str, str]:
    """One day's visit of one shopper; what they did."""
    storage = {"mpgen-install": shopper.install}
    steps = ["view", "product"]
    did = {"visit": "1"}
    if plan["checkin"] and rng.random() < CHECKIN_CHANCE:
        steps.append("checkin")
        did["checkin"] = "1"
    elif rng.random() < LOGIN_CHANCE:
        steps.append("member")
    if rng.random() < SHARE_CHANCE:
        steps.append("share")
        did["share"] = "1"
    steps.append("hide")
    options = {
        "code": shopper.code,
        "steps": steps,
        "scene": rng.choice(SCENES),
        "product": rng.choice(plan["products"]),
        "page": plan["home"],
        "storage": storage,
        "checkin": plan["checkin"],
    }
    run_client(miniprogram, api, "growth", options)
    if rng.random() < BUY_CHANCE:
        product = rng.choice(plan["buyable"])
        items = [{"productId": product, "options": {}, "quantity": rng.choice((1, 1, 2))}]
        options = {"items": items, "code": shopper.code, "storage": storage, "flushEvents": True}
        bought = run_client(miniprogram, api, "buy", options)
        did["buy"] = (bought.get("result") or {}).get("kind", "none")
    return did


def server_day(offset_seconds: float) -> str:
    """The server's (fake) day in Asia/Shanghai, as `gen report` takes it."""
    moment = datetime.now(UTC) + timedelta(seconds=offset_seconds)
    return moment.astimezone(ZoneInfo("Asia/Shanghai")).date().isoformat()


def site_plan(site: Path) -> dict[str, Any]:
    loaded, _theme = load_site(site)
    spec = loaded.spec
    if spec.catalog is None or spec.commerce is None:
        raise SystemExit(f"{site} sells nothing: traffic needs a site with catalog: and commerce:")
    products = [p for p in spec.catalog.products if p.stock is None or p.stock > 0]
    buyable = [p.id for p in products if not p.options and p.price > 0]
    if not buyable:
        raise SystemExit("no product without options to buy")
    checkin = None
    if spec.commerce.checkin is not None:
        rule = spec.commerce.checkin
        checkin = {"type": "checkin", "title": "签到", "rewardDays": rule.reward_days, "reward": ""}
        checkin["points"] = rule.points
    home = spec.tabs[0].page
    return {"products": [p.id for p in products], "buyable": buyable, "checkin": checkin, "home": home}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", type=Path)
    parser.add_argument("--api", default="http://127.0.0.1:8081/", help="The running gen serve --fake-wechat.")
    parser.add_argument("--shoppers", type=int, default=30)
    parser.add_argument("--days", type=int, default=21)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--parallel", type=int, default=3, help="node processes at once")
    args = parser.parse_args()
    api = args.api if args.api.endswith("/") else args.api + "/"
    probe = httpx.post(api + "_fake/clock", json={"days": 0}, timeout=10)
    if probe.status_code != 200:
        raise SystemExit(f"{api} is not a gen serve --fake-wechat (POST _fake/clock answered {probe.status_code})")
    offset: float = probe.json()["offsetSeconds"]
    days: list[str] = []
    plan = site_plan(args.site)
    rng = random.Random(args.seed)
    people = shoppers(rng, args.shoppers, args.days, args.seed)
    with tempfile.TemporaryDirectory(prefix="mpgen-traffic-") as scratch:
        build(args.site, Path(scratch) / "dist", dev_api=api)
        miniprogram = Path(scratch) / "dist" / "miniprogram"
        totals: dict[str, int] = {}
        for day in range(args.days):
            today = [s for s in people if s.joins == day or (s.joins < day and rng.random() < s.stickiness)]
            seeds = [rng.randrange(2**32) for _ in today]

            def one(pair: tuple[Shopper, int]) -> dict[str, str]:
                return visit(miniprogram, api, pair[0], random.Random(pair[1]), plan)

            with ThreadPoolExecutor(max_workers=args.parallel) as pool:
                done = list(pool.map(one, zip(today, seeds, strict=True)))
            for did in done:
                for key, value in did.items():
                    name = key if key != "buy" else f"buy:{value}"
                    totals[name] = totals.get(name, 0) + 1
            simulated = server_day(offset)
            days.append(simulated)
            print(f"{simulated}: {len(today)} visits", flush=True)
            offset = httpx.post(api + "_fake/clock", json={"days": 1}, timeout=10).json()["offsetSeconds"]
    print("done:", ", ".join(f"{k} {v}" for k, v in sorted(totals.items())))
    print(f"see them: gen report {args.site} --from {days[0]} --to {days[-1]}, or the console's dashboard")


if __name__ == "__main__":
    main()

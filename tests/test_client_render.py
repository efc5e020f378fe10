"""The result page as WeChat renders it (npm `miniprogram-simulate`, tests/js/commerce.js): it shows what the
backend answers to POST orders/{id}/query, not WeChat's word to the client.

While the page asks, it shows the waiting state; a paid order shows 支付成功 with the backend's total and
tracks pay_success; a closed order says so and tracks nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from generator.build import build
from tests.test_commerce_simulate import API, CATALOG, _node, finish, start, texts, write_commerce_site

SCENARIOS = ["result-paid", "result-closed"]


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    node = _node()
    site_dir = tmp_path_factory.mktemp("client-render") / "site"
    write_commerce_site(site_dir, CATALOG)
    build(site_dir, site_dir / "out")
    root: Path = site_dir / "out" / "miniprogram"
    procs = {name: start(node, root, name) for name in SCENARIOS}
    return {name: finish(name, proc) for name, proc in procs.items()}


def icon(snapshot: dict[str, Any]) -> str:
    (shown,) = snapshot["queries"][".result-icon"]
    return str(shown["attrs"]["type"])


def test_result_page_waits_for_the_backend_then_shows_paid(runs: dict[str, Any]) -> None:
    r = runs["result-paid"]
    assert r["errors"] == []
    assert texts(r["checking"], ".result-title") == ["正在确认支付结果…"]
    shop = [q for q in r["requests"] if q["url"].startswith(API) and q["url"] != API + "events"]
    assert [(q["url"], q["method"]) for q in shop] == [(API + "session", "POST"), (API + "orders/O1/query", "POST")]
    shown = r["shown"]
    assert icon(shown) == "success"
    assert texts(shown, ".result-title") == ["支付成功"]
    assert texts(shown, ".result-total") == ["¥86.80"]
    assert texts(shown, ".result-order") == ["订单号 O1"]
    assert texts(shown, ".result-button") == ["查看订单", "继续逛逛"]
    # the event goes to the shop's backend (POST events), not to wx.reportEvent
    assert r["events"] == []
    (batch,) = [q for q in r["requests"] if q["url"] == API + "events"]
    assert [(e["event"], e["fields"]) for e in batch["data"]["events"]] == [
        ("pay_success", {"order_id": "O1", "total_fen": 8680})
    ]


def test_result_page_shows_a_closed_order_as_closed(runs: dict[str, Any]) -> None:
    r = runs["result-closed"]
    assert r["errors"] == []
    shown = r["shown"]
    assert icon(shown) == "warn"
    assert texts(shown, ".result-title") == ["订单已关闭"]
    assert texts(shown, ".result-detail") == ["这笔订单没有支付，已经关闭"]
    assert "支付成功" not in shown["text"]
    assert r["events"] == [] and r["subscribe"] == []

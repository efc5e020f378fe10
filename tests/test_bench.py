"""The benchmark harness runs end to end on tiny inputs, so it cannot rot (no timing is asserted)."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

from .conftest import REPO


def test_bench_harness_runs_quick(tmp_path: Path) -> None:
    # A process of its own: the session's shared browser keeps Playwright's loop running in this one, and
    # the dev case starts its own Playwright.
    command = [sys.executable, str(REPO / "bench" / "run.py"), "--quick", "--out", str(tmp_path)]
    subprocess.run(command, check=True, cwd=REPO, timeout=600, stdout=subprocess.DEVNULL)
    results = saved = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert saved["quick"] is True and set(saved) >= {"images", "miniprogram", "h5", "serve"}
    assert results["images"]["mpgen_warm_encodes"] == 0 and results["images"]["flat_outputs"] == []
    assert results["miniprogram"]["package_files"] > 50
    h5 = results["h5"]["sizes"]["50"]
    assert h5["peak_rss_mb"] > 10 and h5["one_product_files_written"] >= 1
    assert h5["no_change_seconds"]["median"] > 0 and "ratio_theme_colour_vs_cold" in h5
    report = (tmp_path / "results-run.md").read_text(encoding="utf-8")
    assert "## Images" in report and "| goal | | this run | why not met |" in report
    dev = results["dev"]["50"]
    assert 0 < dev["product_rebuild_seconds"]["median"] < dev["product_edit_seconds"]["median"]
    served, raw = results["serve"]["runs"]["sqlite_server_1w"], results["serve"]["runs"]["sqlite_raw"]
    assert all(served["modes"][mode]["orders"] > 0 and raw["modes"][mode]["orders"] > 0 for mode in served["modes"])
    assert served["race"]["created"] == served["race"]["units"] and served["race"]["oversold"] == 0
    assert "POST /orders" in (tmp_path / "results-serve.md").read_text(encoding="utf-8")
    ingest = results["ingest"]["databases"]["sqlite"]
    assert ingest["events"]["events"]["per_second"] > 0 and ingest["both"]["orders"]["per_second"] > 0
    assert ingest["events"]["events"]["errors"] == {} and "shop_p99_ratio" in ingest
    assert "The shop under ingestion" in (tmp_path / "results-ingest.md").read_text(encoding="utf-8")


def bench_module(name: str) -> ModuleType:
    sys.path.insert(0, str(REPO / "bench"))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(REPO / "bench"))


def test_a_goal_not_met_says_why_in_the_runs_own_figures() -> None:
    h5_case, goals = bench_module("h5_case"), bench_module("goals")
    seconds = lambda median: {"median": median, "min": median, "max": median}  # noqa: E731
    entry = {
        "cold_seconds": seconds(1.2),
        "hugo_cold_seconds": seconds(0.5),
        "ratio_cold_vs_hugo": 2.4,
        "ratio_no_change_vs_cold": 0.2,
        "ratio_one_product_vs_cold": 0.8,
        "one_product_files_written": 6,
    }
    found = {goal.name: goal for goal in h5_case.h5_goals({"startup_seconds": seconds(0.4), "sizes": {"1000": entry}})}
    cold = found["H5: cold ≤ 1.0× Hugo at 1,000 products"]
    assert not cold.met and "0.40 s, 0.80× Hugo's whole build; the rest is 1.60×" in cold.why
    one = found["rebuild, one product changed, ≤ 0.05× cold (1,000)"]
    assert not one.met and one.why.startswith("the goal is 0.06 s, under the 0.40 s a new Python process takes")
    written = found["rebuild, one product changed, ≤ 10 files written (1,000)"]
    assert written.met
    table = goals.goal_table([cold, written])
    assert table[2].endswith(f"| not met | 2.4× | {cold.why} |") and table[3].endswith("| met | 6 |  |")

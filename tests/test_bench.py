"""The benchmark harness runs end to end on tiny inputs, so it cannot rot (no timing is asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

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
    assert "## Images" in (tmp_path / "results-run.md").read_text(encoding="utf-8")
    served, raw = results["serve"]["runs"]["sqlite_server_1w"], results["serve"]["runs"]["sqlite_raw"]
    assert all(served["modes"][mode]["orders"] > 0 and raw["modes"][mode]["orders"] > 0 for mode in served["modes"])
    assert served["race"]["created"] == served["race"]["units"] and served["race"]["oversold"] == 0
    assert "POST /orders" in (tmp_path / "results-serve.md").read_text(encoding="utf-8")
    ingest = results["ingest"]["databases"]["sqlite"]
    assert ingest["events"]["events"]["per_second"] > 0 and ingest["both"]["orders"]["per_second"] > 0
    assert ingest["events"]["events"]["errors"] == {} and "shop_p99_ratio" in ingest
    assert "The shop under ingestion" in (tmp_path / "results-ingest.md").read_text(encoding="utf-8")

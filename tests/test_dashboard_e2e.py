"""The dashboard as the shop owner sees it: `gen serve --fake-wechat` filled by scripts/traffic.py (the
generated mini-program code over three simulated days), an owner added with `gen admin add-user`, and real
Chromium on a phone screen opening /admin for those days. The cards show `gen report`'s figures, the three
charts (vendored ECharts, allowed by the console's Content-Security-Policy) are drawn, nothing errs in the
console, and the screenshot is of a dashboard, not a blank page."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner
from PIL import Image, ImageStat

from generator.cli import main
from tests.test_client_e2e import Served
from tests.test_client_session import node_or_skip
from tests.test_growth_e2e import copy_site

PASSWORD = "correct horse battery"


def test_the_dashboard_shows_the_reports_figures_with_its_charts(tmp_path: Path, page: object) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    node_or_skip()
    site = copy_site(tmp_path / "shop")
    data = tmp_path / "data"
    added = CliRunner().invoke(
        main,
        ["admin", "add-user", str(site), "boss", "--role", "owner", "--password-stdin", "--data", str(data)],
        input=PASSWORD + "\n",
        env={"DATABASE_URL": ""},
    )
    assert added.exit_code == 0, added.output
    served = Served(site, data, None)
    try:
        command = [sys.executable, "scripts/traffic.py", str(site), "--api", served.url, "--shoppers", "6"]
        done = subprocess.run(command + ["--days", "3", "--seed", "5"], capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        first, last = re.search(r"gen report \S+ --from (\S+) --to ([0-9-]+)", done.stdout).groups()  # type: ignore[union-attr]
        errors: list[str] = []
        # the browser's own favicon request is the server's 404, not the page's
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" and "404" not in m.text else None)
        page.on("response", lambda r: errors.append(r.url) if r.status >= 400 and "favicon" not in r.url else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.set_viewport_size({"width": 375, "height": 812})
        page.goto(served.url + f"admin?from={first}&to={last}")
        page.fill("input[name=username]", "boss")
        page.fill("input[name=password]", PASSWORD)
        page.click("button:has-text('登录')")
        expect(page.locator("#metrics-cards")).to_be_visible()
        for chart in ("chart-traffic", "chart-sales", "chart-funnel"):
            expect(page.locator(f"#{chart} canvas").first).to_be_visible()
        cards = dict(
            zip(
                page.locator("#metrics-cards .label").all_text_contents(),
                page.locator("#metrics-cards .figure").all_text_contents(),
                strict=True,
            )
        )
        shot = page.screenshot(full_page=True)
        (tmp_path / "dashboard.png").write_bytes(shot)
    finally:
        served.stop()
    report = CliRunner().invoke(
        main, ["report", str(site), "--from", first, "--to", last, "--data", str(data)], env={"DATABASE_URL": ""}
    )
    assert report.exit_code == 0, report.output
    figures = json.loads(report.stdout)
    assert figures["opens"] > 0 and figures["orders"] > 0
    assert cards["打开次数"] == str(figures["opens"])
    assert cards["访客 / 付费用户 / 订单"] == f"{figures['visitors']} / {figures['paying_users']} / {figures['orders']}"
    assert cards["客单价"] == f"¥{figures['avg_order_value_fen'] / 100:,.2f}"
    assert cards["转化率"] == f"{figures['conversion_rate'] * 100:.1f}%"
    assert errors == []
    image = Image.open(io.BytesIO(shot)).convert("L")
    assert image.height > 1500 and ImageStat.Stat(image).stddev[0] > 20  # cards and charts, not a blank page

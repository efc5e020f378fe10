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

import httpx
from click.testing import CliRunner
from PIL import Image, ImageStat

from generator.cli import main
from tests.server.conftest import add_operator
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
    add_operator(site, data, "boss", PASSWORD)
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


def test_the_owner_redeems_a_code_in_store_and_exports_a_form_in_chromium(tmp_path: Path, page: object) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    site = copy_site(tmp_path / "shop")
    data = tmp_path / "data"
    add_operator(site, data, "boss", PASSWORD)
    served = Served(site, data, None)
    try:
        with served.as_shopper("in-store") as shopper:
            shopper.post("coupons/ten-off/claim").raise_for_status()
            code = shopper.get("coupons/mine").json()["coupons"][0]["id"]
        booking = {"name": "=HYPERLINK(1)", "phone": "13800138000", "people": "2"}
        assert httpx.post(served.url + "forms/booking", json=booking, timeout=10).status_code == 200
        page.set_viewport_size({"width": 375, "height": 812})
        page.goto(served.url + "admin/coupons")
        page.fill("input[name=username]", "boss")
        page.fill("input[name=password]", PASSWORD)
        page.click("button:has-text('登录')")
        grouped = " ".join(code[i : i + 4] for i in range(0, len(code), 4)).lower()  # as a clerk types it
        page.fill("input[name=code]", grouped)
        page.click("button:has-text('核销')")
        expect(page.locator("h1")).to_have_text("确认核销")
        expect(page.locator("main")).to_contain_text("满20减10")
        page.click("button:has-text('确认')")
        expect(page.locator(".notice")).to_be_visible()
        page.fill("input[name=code]", code)
        page.click("button:has-text('核销')")
        expect(page.locator("main")).to_contain_text("到店使用")  # a second redemption is refused, saying when
        page.goto(served.url + "admin/forms/booking")
        with page.expect_download() as download:
            page.click("text=导出 CSV")
        csv_text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    finally:
        served.stop()
    assert "13800138000" in csv_text and "'=HYPERLINK(1)" in csv_text  # the formula is defused

"""`gen dev` save-to-visible, measured in Chromium as the live-reload test does.

A `gen dev` server on the example shop grown to 1,000 and 10,000 products; Chromium shows a product
page. One measure: the time from saving the file to the change being on screen: a product's price edited
in products.csv (the page reloads), then the theme's primary colour edited in themes/brand.yaml (the page
swaps its stylesheet). The server's own line says how long the rebuild took and how many files changed.
"""

from __future__ import annotations

import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from h5_case import branded, change_theme_colour

from sites import catalog_site

REPO = Path(__file__).resolve().parent.parent
PRODUCT = "p00007"


def _start(site: Path) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "generator", "dev", str(site), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=REPO,
    )
    deadline = time.monotonic() + 600
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        found = re.search(r"at (http://127\.0\.0\.1:\d+/)", line)
        if found:
            return process, found.group(1)
        if not line and process.poll() is not None:
            break
    process.kill()
    raise RuntimeError("gen dev did not start")


def _set_price(site: Path, price: str) -> None:
    path = site / "products.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(rf"^({PRODUCT},[^,]*,)[^,]*,", rf"\g<1>{price},", text, flags=re.M), encoding="utf-8")


def dev_case(quick: bool, repeats: int, scratch: Any) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    from generator.preview.shots import CHROMIUM_FLAGS, find_chromium

    results: dict[str, Any] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_FLAGS)
        for products in (50,) if quick else (1000, 10000):
            site = catalog_site(scratch(), products, 2)
            branded(site)
            process, url = _start(site)
            try:
                page = browser.new_context(viewport={"width": 375, "height": 812}).new_page()
                page.goto(url + f"product/{PRODUCT}.html")
                product: list[float] = []
                theme: list[float] = []
                for step in range(repeats):
                    price = f"{500 + step}.{step:02d}"
                    started = time.perf_counter()
                    _set_price(site, price)
                    page.wait_for_function(
                        f"() => document.querySelector('[data-price]').textContent.includes('{price}')", timeout=120_000
                    )
                    product.append(time.perf_counter() - started)
                    colour = change_theme_colour_to(site, step + 1)
                    started = time.perf_counter()
                    page.wait_for_function(
                        "(c) => getComputedStyle(document.querySelector('.topbar')).backgroundColor === c",
                        arg=colour,
                        timeout=120_000,
                    )
                    theme.append(time.perf_counter() - started)
                results[str(products)] = {
                    "product_edit_seconds": _stats(product),
                    "theme_colour_seconds": _stats(theme),
                }
            finally:
                process.terminate()
                process.wait(timeout=30)
        browser.close()
    return results


def change_theme_colour_to(site: Path, step: int) -> str:
    """Edit the theme's primary colour; the rgb() the top bar then shows."""
    change_theme_colour(site, step)
    hex_colour = re.search(r"#([0-9a-f]{6})", (site / "themes" / "brand.yaml").read_text(encoding="utf-8"))
    assert hex_colour
    value = hex_colour.group(1)
    return "rgb({}, {}, {})".format(*(int(value[i : i + 2], 16) for i in (0, 2, 4)))


def _stats(times: list[float]) -> dict[str, float]:
    return {"median": statistics.median(times), "min": min(times), "max": max(times)}


def dev_goals(results: dict[str, Any]) -> list[tuple[str, bool, str]]:
    entry = results.get("10000")
    if not entry:
        return []
    product, theme = entry["product_edit_seconds"]["median"], entry["theme_colour_seconds"]["median"]
    return [
        ("gen dev: product edit visible ≤ 0.5 s at 10,000 products", product <= 0.5, f"{product:.2f} s"),
        ("gen dev: theme colour visible ≤ 0.5 s at 10,000 products", theme <= 0.5, f"{theme:.2f} s"),
    ]


def dev_lines(results: dict[str, Any], t: Any) -> list[str]:
    lines = [
        "## gen dev: save to visible (Chromium)",
        "",
        "| products | product price edited (page reloads) | theme colour edited (stylesheet swapped) |",
        "|---|---|---|",
    ]
    for products, entry in results.items():
        lines.append(f"| {int(products):,} | {t(entry['product_edit_seconds'])} | {t(entry['theme_colour_seconds'])} |")
    return [*lines, ""]

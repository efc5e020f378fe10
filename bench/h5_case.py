"""The H5 site at scale, against Hugo on the same catalog with templates of comparable work.

Per catalog size (1,000 and 10,000 products; 100,000 with --huge): `gen build` in a new process, cold
(no output, no cache), with nothing changed, after one product's price changed and after the theme's
colour changed (each: seconds, files written, peak RSS), the largest H5 page; Hugo cold, unchanged and
after the same product edit.

What each renders. mpgen: the whole build (mini-program, H5 site, Official Account files, report): for H5
a page per product (gallery, price, stock, description, the open-in-WeChat block with its QR code
hook, the tab bar), category listings of 40 products with a pager, catalog.html, the home and shop pages,
the search index. Hugo (`HUGO_LAYOUTS`): the same H5 markup for the same pages: a page per product with
the same sections, each category's listing paginated at 40 with the same cards and pager, a catalog
page, the home page and a JSON search index of every product (bench/hugo_layouts/); no mini-program.

Start-up alone: a new Python process that imports mpgen's build and builds nothing, the fixed cost in
every cold build. Every timed process starts from bytecode, as after a pip install: bench/run.py writes
mpgen's .pyc files (`python -m compileall generator`) and unsets PYTHONDONTWRITEBYTECODE before timing,
so no process compiles mpgen from source.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from goals import Goal

from sites import catalog_site

REPO = Path(__file__).resolve().parent.parent

_MEASURED_BUILD = """
import json, sys
from pathlib import Path
from generator.build import build
result = build(Path(sys.argv[1]), keep_files=False)
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the (large) benchmark process across fork+exec
peak_kb = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
package = {
    "miniprogram_kb": round(result.budget.total_bytes / 1024, 1),
    "miniprogram_within_budget": not result.budget.errors,
    "catalog": result.site.catalog_delivery.reason,
}
written = {"changed": result.written.changed, "files": result.written.files}
print(json.dumps({"peak_mb": peak_kb / 1024, **written, **package}))
"""
_UP_TO_DATE = """
import sys
from click.testing import CliRunner
from generator.cli import main
result = CliRunner().invoke(main, ["build", sys.argv[1], "--quiet"])
assert result.exit_code in (0, 1), result.output
"""


def gen_build(site: Path) -> dict[str, Any]:
    """A build in a new process (the library call `gen build` makes): peak RSS, files written."""
    done = subprocess.run(
        [sys.executable, "-c", _MEASURED_BUILD, str(site)], check=True, capture_output=True, text=True, cwd=REPO
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def gen_build_cli(site: Path) -> None:
    """`gen build` as a user runs it: says "up to date" when nothing changed."""
    subprocess.run([sys.executable, "-c", _UP_TO_DATE, str(site)], check=True, capture_output=True, cwd=REPO)


def change_one_price(site: Path, step: int) -> None:
    """The price of the catalog's middle product, different at each step."""
    path = site / "products.csv"
    lines = path.read_text(encoding="utf-8").split("\n")
    # rows may span lines (quoted descriptions): find the middle record by its id
    middle = f"p{(sum(1 for line in lines if re.match(r'p[0-9]{5},', line)) // 2):05d},"
    index = next(i for i, line in enumerate(lines) if line.startswith(middle))
    cells = lines[index].split(",")
    cells[2] = f"{100 + step}.{step % 100:02d}"
    lines[index] = ",".join(cells)
    path.write_text("\n".join(lines), encoding="utf-8")


def change_theme_colour(site: Path, step: int) -> None:
    (site / "themes" / "brand.yaml").write_text(
        f'extends: warm\ncolors:\n  primary: "#{(0x204080 + step * 0x0A0A0A) % 0xFFFFFF:06x}"\n', encoding="utf-8"
    )


def branded(site: Path) -> None:
    """The site on a theme file of its own, as a designer edits it."""
    (site / "themes").mkdir(exist_ok=True)
    change_theme_colour(site, 0)
    spec = site / "site.yaml"
    spec.write_text(spec.read_text(encoding="utf-8").replace("theme: warm", "theme: brand"), encoding="utf-8")


def largest_h5_file(site: Path, pattern: str) -> tuple[str, int]:
    h5 = site / "dist" / "h5"
    biggest = max(h5.rglob(pattern), key=lambda p: p.stat().st_size)
    return biggest.relative_to(h5).as_posix(), biggest.stat().st_size


def start_up() -> None:
    """A new process that imports what `gen build` imports, and builds nothing."""
    subprocess.run([sys.executable, "-c", "import generator.build"], check=True, cwd=REPO)


def h5_case(quick: bool, repeats: int, huge: bool, timed: Any, retire: Any, scratch: Any) -> dict[str, Any]:
    hugo_bin, hugo_status = (None, "skipped in --quick") if quick else find_or_install_hugo()
    sizes = (50,) if quick else (1000, 10000, *((100_000,) if huge else ()))
    results: dict[str, Any] = {"hugo": hugo_status, "sizes": {}, "startup_seconds": timed(start_up, repeats)}
    for products in sizes:
        runs = 1 if products >= 100_000 else repeats
        root = scratch()
        site = catalog_site(root, products, 2)
        branded(site)
        facts: list[dict[str, Any]] = []

        def cold(site: Path = site, facts: list[dict[str, Any]] = facts) -> None:
            retire(site / "dist")
            retire(site / ".mpgen-cache")
            facts.append(gen_build(site))

        entry: dict[str, Any] = {"cold_seconds": timed(cold, runs)}
        entry["peak_rss_mb"] = round(max(f["peak_mb"] for f in facts), 1)
        entry["files"] = facts[-1]["files"]
        entry["miniprogram_kb"] = facts[-1]["miniprogram_kb"]
        entry["miniprogram_within_budget"] = facts[-1]["miniprogram_within_budget"]
        entry["catalog"] = facts[-1]["catalog"]
        entry["seconds_per_1000"] = round(entry["cold_seconds"]["median"] / products * 1000, 3)
        entry["largest_h5_file"] = largest_h5_file(site, "*.html")
        entry["largest_h5_script"] = largest_h5_file(site, "*.js")
        entry["no_change_seconds"] = timed(lambda site=site: gen_build_cli(site), runs)
        for name, change in (("one_product", change_one_price), ("theme_colour", change_theme_colour)):
            written: list[int] = []

            def changed(site: Path = site, change: Any = change, written: list[int] = written) -> None:
                change(site, len(written) + 1)
                written.append(gen_build(site)["changed"])

            entry[f"{name}_seconds"] = timed(changed, runs)
            entry[f"{name}_files_written"] = max(written)
        cold_median = entry["cold_seconds"]["median"]
        for name in ("no_change", "one_product", "theme_colour"):
            entry[f"ratio_{name}_vs_cold"] = round(entry[f"{name}_seconds"]["median"] / cold_median, 3)
        if hugo_bin:
            hugo = hugo_site(root, site)
            command = [hugo_bin, "--quiet", "-s", str(hugo)]

            def hugo_cold(hugo: Path = hugo, command: list[str] = command) -> None:
                retire(hugo / "public")
                subprocess.run(command, check=True, capture_output=True)

            def hugo_again(command: list[str] = command) -> None:
                subprocess.run(command, check=True, capture_output=True)

            entry["hugo_cold_seconds"] = timed(hugo_cold, runs)
            entry["hugo_no_change_seconds"] = timed(hugo_again, runs)
            product = hugo / "content" / "products" / "p00000.md"

            def hugo_one_product(product: Path = product, command: list[str] = command) -> None:
                product.write_text(product.read_text(encoding="utf-8").replace('price: "', 'price: "1'), "utf-8")
                subprocess.run(command, check=True, capture_output=True)

            entry["hugo_one_product_seconds"] = timed(hugo_one_product, runs)
            entry["hugo_files"] = sum(1 for p in (hugo / "public").rglob("*") if p.is_file())
            entry["ratio_cold_vs_hugo"] = round(cold_median / entry["hugo_cold_seconds"]["median"], 2)
        results["sizes"][str(products)] = entry
    return results


def h5_goals(results: dict[str, Any]) -> list[Goal]:
    """Issue 17's H5 goals; why a goal is not met, from the run's start-up and rebuild figures."""
    goals: list[Goal] = []
    sizes = results.get("sizes", {})
    start = results["startup_seconds"]["median"] if "startup_seconds" in results else 0.0
    for products, limit in (("1000", 1.0), ("10000", 0.7)):
        entry = sizes.get(products, {})
        if "ratio_cold_vs_hugo" in entry:
            ratio, hugo = entry["ratio_cold_vs_hugo"], entry["hugo_cold_seconds"]["median"]
            cold = entry["cold_seconds"]["median"]
            why = (
                f"start-up alone (a new Python process importing the build) is {start:.2f} s, "
                f"{start / hugo:.2f}× Hugo's whole build; the rest is {(cold - start) / hugo:.2f}×, and it "
                "makes the mini-program, the Official Account files and the report beside the H5 site"
            )
            name = f"H5: cold ≤ {limit}× Hugo at {int(products):,} products"
            goals.append(Goal(name, ratio <= limit, f"{ratio}×", why))
    for products, entry in sizes.items():
        n = f"{int(products):,}"
        cold = entry["cold_seconds"]["median"]
        no_change, one = entry["ratio_no_change_vs_cold"], entry["ratio_one_product_vs_cold"]
        floor = f"start-up alone (a new Python process importing the build) is {start / cold:.3f}× the cold build"
        one_why = (
            f"{under(0.05 * cold, start) or floor}; the new process then reads, validates and plans all {n} "
            f"products again to find the one that changed (it renders and writes "
            f"{entry['one_product_files_written']} files): only gen dev keeps the catalog between builds"
        )
        goals += [
            Goal(
                f"rebuild, nothing changed, ≤ 0.1× cold ({n})",
                no_change <= 0.1,
                f"{no_change}×",
                under(0.1 * cold, start) or floor,
            ),
            Goal(f"rebuild, one product changed, ≤ 0.05× cold ({n})", one <= 0.05, f"{one}×", one_why),
            Goal(
                f"rebuild, one product changed, ≤ 10 files written ({n})",
                entry["one_product_files_written"] <= 10,
                str(entry["one_product_files_written"]),
            ),
        ]
    if "100000" in sizes:
        entry = sizes["100000"]
        largest, size = entry["largest_h5_file"]
        per = [sizes[p]["seconds_per_1000"] for p in ("1000", "10000", "100000") if p in sizes]
        goals += [
            Goal("100,000 products: peak RSS ≤ 1 GB", entry["peak_rss_mb"] <= 1024, f"{entry['peak_rss_mb']} MB"),
            Goal(
                "100,000 products: the mini-program package within budget (no CDN photos)",
                bool(entry.get("miniprogram_within_budget")),
                f"{entry.get('miniprogram_kb')} KB",
            ),
            Goal("100,000 products: every H5 page ≤ 200 KB", size <= 200 * 1024, f"{largest}: {size / 1024:.0f} KB"),
            Goal(
                # linear or better: s per 1,000 products never grows by half as the catalog grows tenfold
                # (it falls at first, as the fixed start-up is shared by more products)
                "cold build linear (s per 1,000 products at 1k, 10k, 100k)",
                all(later <= 1.5 * earlier for earlier, later in zip(per, per[1:], strict=False)),
                " / ".join(f"{p:.3f}" for p in per),
            ),
        ]
    return goals


def under(goal_seconds: float, start: float) -> str:
    """Why a rebuild goal cannot be met when its time is below a new process's start-up ('' when not)."""
    if goal_seconds >= start:
        return ""
    return f"the goal is {goal_seconds:.2f} s, under the {start:.2f} s a new Python process takes to import the build"


def h5_lines(results: dict[str, Any], t: Any) -> list[str]:
    lines = [
        "## H5 at scale (and incremental rebuilds)",
        "",
        "`gen build` in a new process each time; the one-product and theme rows change the input, then build.",
        "",
        "| products | cold | s / 1,000 | peak RSS | nothing changed | one product (files written) "
        "| theme colour (files written) | largest H5 page | largest script | mini-program package |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for products, e in results.get("sizes", {}).items():
        largest, size = e["largest_h5_file"]
        script, script_size = e["largest_h5_script"]
        lines.append(
            f"| {int(products):,} | {t(e['cold_seconds'])} | {e['seconds_per_1000']} | {e['peak_rss_mb']} MB | "
            f"{t(e['no_change_seconds'])} ({e['ratio_no_change_vs_cold']}×) | {t(e['one_product_seconds'])} "
            f"({e['ratio_one_product_vs_cold']}×, {e['one_product_files_written']}) | {t(e['theme_colour_seconds'])} "
            f"({e['ratio_theme_colour_vs_cold']}×, {e['theme_colour_files_written']}) | {largest} "
            f"{size / 1024:.0f} KB | {script} {script_size / 1024:.0f} KB | {e.get('miniprogram_kb', '?')} KB"
            f"{'' if e.get('miniprogram_within_budget', True) else ' (over budget)'} |"
        )
    hugo_rows = [(p, e) for p, e in results.get("sizes", {}).items() if "hugo_cold_seconds" in e]
    if hugo_rows:
        lines += [
            "",
            "| products | Hugo cold | Hugo nothing changed | Hugo one product | Hugo files | mpgen cold ÷ Hugo cold |",
            "|---|---|---|---|---|---|",
        ]
        for products, e in hugo_rows:
            lines.append(
                f"| {int(products):,} | {t(e['hugo_cold_seconds'])} | {t(e['hugo_no_change_seconds'])} | "
                f"{t(e['hugo_one_product_seconds'])} | {e['hugo_files']} | {e['ratio_cold_vs_hugo']}× |"
            )
    lines += ["", f"Hugo: {results.get('hugo')}.", ""]
    if "startup_seconds" in results:
        lines += [
            "### Start-up",
            "",
            f"Start-up alone (a new Python process importing mpgen's build, nothing built; from bytecode): "
            f"{t(results['startup_seconds'])}.",
        ]
    return lines


# --- Hugo's side ------------------------------------------------------------------------------------------


def find_or_install_hugo() -> tuple[str | None, str]:
    """Hugo's binary, installed with apt-get when missing; else None and why."""
    found = shutil.which("hugo")
    if found:
        version = subprocess.run([found, "version"], capture_output=True, text=True).stdout.split(" ")[:2]
        return found, " ".join(version) or "found"
    try:
        done = subprocess.run(["apt-get", "install", "-y", "hugo"], capture_output=True, text=True, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as error:
        return None, f"not measured: `apt-get install -y hugo` could not run ({error})"
    if done.returncode != 0:
        return None, f"not measured: `apt-get install -y hugo` failed: {done.stderr.strip().splitlines()[-1:]}"
    return shutil.which("hugo"), "installed with apt-get"


HUGO_CONFIG = """baseURL = "/"
title = "基准商店"
relativeURLs = true
uglyURLs = true
disableKinds = ['RSS', 'sitemap', 'robotsTXT', 'taxonomy']
ignoreErrors = ['error-disable-taxonomy']
[taxonomies]
category = 'categories'
paginate = 40
[outputs]
home = ['HTML', 'JSON']
[params]
appid = "touristappid"
"""

HUGO_LAYOUTS = Path(__file__).resolve().parent / "hugo_layouts"
"""Hugo's templates for the same pages as mpgen's H5 site (the same markup, section by section)."""


def hugo_site(root: Path, site: Path) -> Path:
    """The same catalog as a Hugo site: a Markdown page per product, categories as a taxonomy, the catalog
    page as the products section's list."""
    hugo = root / f"hugo-{site.name}"
    content = hugo / "content" / "products"
    content.mkdir(parents=True)
    (hugo / "hugo.toml").write_text(HUGO_CONFIG, encoding="utf-8")
    (content / "_index.md").write_text('---\ntitle: "全部商品"\nurl: "/catalog.html"\n---\n', encoding="utf-8")
    with (site / "products.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            (content / f"{row['id']}.md").write_text(
                f'---\ntitle: "{row["name"]}"\nprice: "{row["price"]}"\nstock: {row["stock"]}\n'
                f'categories: ["分类{row["category"]}"]\n---\n{row["description"]}\n',
                encoding="utf-8",
            )
    shutil.copytree(HUGO_LAYOUTS, hugo / "layouts")
    return hugo

"""Taro 4 peer for the mini-program benchmark: the same shop as `catalog_site()`, written as a Taro React app.

`taro init` downloads its templates from the network, which this machine cannot reach, so the project is the
hand-written template in bench/taro/ (what `taro init` makes for React + TypeScript + webpack5, trimmed of lint
tooling). Its npm packages, pinned in bench/taro/package.json, are installed once into bench/.taro/ (git-ignored).

For one measurement the template is copied into a temporary folder whose node_modules is a symlink to
bench/.taro/node_modules, and the site-specific parts are generated from the mpgen site folder:

    src/data/catalog.json       categories (site.yaml) and products (products.csv)
    src/data/pages.json         the plain pages: title, paragraph, category and product count (site.yaml)
    src/pages/<id>/index.tsx    one small page per plain page, rendering components/ContentPage
    src/assets/tab/*.png        tab bar icons, drawn with Pillow

Then `taro build --type weapp` (NODE_ENV=production) is timed from cold: dist/ and every cache moved aside first.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from PIL import Image, ImageDraw

BENCH = Path(__file__).resolve().parent
TEMPLATE = BENCH / "taro"
INSTALL = BENCH / ".taro"  # git-ignored
MPCHECK = BENCH.parent.parent / "shared" / "tools" / "mpcheck"
INSTALL_TIMEOUT = 900
BUILD_TIMEOUT = 900
CACHES = ("dist", ".temp", ".swc", "node_modules/.cache", "node_modules/.taro")


class NotMeasured(Exception):
    """Why Taro could not be measured: becomes the status line."""


def _wanted_versions() -> dict[str, str]:
    manifest = json.loads((TEMPLATE / "package.json").read_text(encoding="utf-8"))
    return {**manifest["dependencies"], **manifest["devDependencies"]}


def _installed_version(package: str) -> str | None:
    manifest = INSTALL / "node_modules" / package / "package.json"
    if not manifest.is_file():
        return None
    return json.loads(manifest.read_text(encoding="utf-8")).get("version")


def ensure_installed() -> str:
    """Install the pinned packages into bench/.taro unless they are there already; returns Taro's version."""
    wanted = _wanted_versions()
    if any(_installed_version(name) != version for name, version in wanted.items()):
        npm = shutil.which("npm")
        if npm is None:
            raise NotMeasured("npm is not installed")
        INSTALL.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(TEMPLATE / "package.json", INSTALL / "package.json")
        done = _run(
            [npm, "install", "--no-audit", "--no-fund"], INSTALL, INSTALL_TIMEOUT, "`npm install` in bench/.taro"
        )
        if done.returncode != 0:
            raise NotMeasured(f"`npm install` in bench/.taro failed: {_tail(done.stderr)}")
        wrong = {name: found for name, version in wanted.items() if (found := _installed_version(name)) != version}
        if wrong:
            raise NotMeasured(f"`npm install` left the wrong versions: {wrong}")
    return wanted["@tarojs/cli"]


def _run(
    command: list[str], cwd: Path, timeout: int, what: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as error:
        raise NotMeasured(f"{what} did not finish within {timeout} s") from error


def _tail(text: str, lines: int = 3) -> str:
    return " | ".join(line.strip() for line in text.strip().splitlines()[-lines:])


# --- the project ----------------------------------------------------------------------------------------------


def _tab_icon(path: Path, kind: str, colour: str) -> None:
    """An 81 px tab bar icon: a house for home, four squares for categories."""
    image = Image.new("RGBA", (81, 81), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if kind == "home":
        draw.polygon([(40, 8), (72, 38), (8, 38)], fill=colour)
        draw.rectangle([16, 38, 64, 72], fill=colour)
    else:
        for x in (10, 44):
            for y in (10, 44):
                draw.rounded_rectangle([x, y, x + 27, y + 27], radius=6, fill=colour)
    image.save(path, optimize=True)


def _content_page(page: dict[str, Any]) -> dict[str, Any]:
    blocks = page.get("blocks") or []
    text = next((b["body"] for b in blocks if b.get("type") == "text"), "")
    listing = next((b for b in blocks if b.get("type") == "products"), {})
    return {
        "id": page["id"],
        "title": page.get("title", page["id"]),
        "text": text,
        "category": listing.get("category", ""),
        "limit": listing.get("limit", 4),
    }


def make_project(site: Path, project: Path) -> int:
    """Copy the template to `project` and generate its site-specific files; returns the number of pages."""
    shutil.copytree(TEMPLATE, project, ignore=shutil.ignore_patterns("node_modules", "dist", ".swc", ".temp"))
    (project / "node_modules").symlink_to(INSTALL / "node_modules", target_is_directory=True)
    spec = yaml.safe_load((site / "site.yaml").read_text(encoding="utf-8"))
    catalog = spec["catalog"]
    with (site / catalog["products_file"]).open(encoding="utf-8", newline="") as f:
        products = [
            {
                "id": row["id"],
                "name": row["name"],
                "price": float(row["price"]),
                "category": row["category"],
                "description": row["description"],
                "stock": int(row["stock"]),
            }
            for row in csv.DictReader(f)
        ]
    categories = [{"id": c["id"], "name": c["name"]} for c in catalog["categories"]]
    data = project / "src" / "data"
    (data / "catalog.json").write_text(
        json.dumps({"categories": categories, "products": products}, ensure_ascii=False, indent=2) + "\n",
        encoding="utf-8",
    )
    tabs = {tab["page"] for tab in spec.get("tabs", [])}
    content = [_content_page(page) for page in spec["pages"] if page["id"] not in tabs]
    (data / "pages.json").write_text(json.dumps(content, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    for page in content:
        folder = project / "src" / "pages" / page["id"]
        folder.mkdir(parents=True)
        component = "Page" + re.sub(r"\W", "", page["id"].title())
        (folder / "index.tsx").write_text(
            "import ContentPage from '../../components/ContentPage'\n\n"
            f"export default function {component}() {{\n  return <ContentPage id={json.dumps(page['id'])} />\n}}\n",
            encoding="utf-8",
        )
        title = json.dumps(page["title"], ensure_ascii=False)
        (folder / "index.config.ts").write_text(
            f"export default definePageConfig({{\n  navigationBarTitleText: {title}\n}})\n", encoding="utf-8"
        )
    icons = project / "src" / "assets" / "tab"
    icons.mkdir(parents=True)
    for kind, name in (("home", "home"), ("category", "category")):
        _tab_icon(icons / f"{name}.png", kind, "#8a7968")
        _tab_icon(icons / f"{name}-active.png", kind, "#d9622b")
    return len(tabs) + len(content) + 2  # + the catalog's category and product pages


# --- measuring ------------------------------------------------------------------------------------------------


def _retire(path: Path) -> None:
    """Move a folder aside instead of deleting it: a big delete right before a run slows the next writes."""
    if path.exists():
        path.rename(path.with_name(f".{path.name}.old-{time.monotonic_ns()}"))


def _files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()]


def _build(project: Path) -> subprocess.CompletedProcess[str]:
    cli = INSTALL / "node_modules" / "@tarojs" / "cli" / "bin" / "taro"
    env = {**os.environ, "NODE_ENV": "production", "CI": "true"}
    done = _run(
        ["node", str(cli), "build", "--type", "weapp"], project, BUILD_TIMEOUT, "`taro build --type weapp`", env
    )
    output = done.stdout + done.stderr
    if done.returncode != 0 or re.search(r"编译失败|Failed to compile", output):
        raise NotMeasured(f"`taro build --type weapp` failed (exit {done.returncode}): {_tail(output, 5)}")
    return done


def _mpcheck(dist: Path) -> dict[str, Any]:
    if not MPCHECK.exists():
        return {"status": f"not run: {MPCHECK} is missing"}
    done = subprocess.run([str(MPCHECK), "--json", str(dist)], capture_output=True, text=True, timeout=600)
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        return {"status": f"could not run (exit {done.returncode}): {_tail(done.stdout + done.stderr)}"}
    return {
        "ok": report["ok"],
        "errors": report["errors"],
        "warnings": report["warnings"],
        "problems": [f"{p['path']}: {p['severity']}: {p['message']}" for p in report["problems"][:10]],
    }


def taro_case(site: Path, repeats: int, timed: Callable[[Callable[[], Any], int], dict[str, float]]) -> dict[str, Any]:
    """Cold production builds of the Taro version of `site`; a `not measured: ...` status when Taro can't run."""
    root = Path(tempfile.mkdtemp(prefix="taro-bench-"))
    try:
        version = ensure_installed()
        project = root / "shop"
        pages = make_project(site, project)
        log: list[subprocess.CompletedProcess[str]] = []

        def cold() -> None:
            for cache in CACHES:
                _retire(project / cache)
            log.append(_build(project))

        cold_seconds = timed(cold, repeats)
        dist = project / "dist"
        app = json.loads((dist / "app.json").read_text(encoding="utf-8"))
        built = len(app["pages"]) + sum(len(sub["pages"]) for sub in app.get("subPackages", []))
        files = _files(dist)
        result = {
            "status": "measured" if built == pages else f"measured, but app.json lists {built} pages, not {pages}",
            "version": version,
            "cold_seconds": cold_seconds,
            "package_bytes": sum(p.stat().st_size for p in files),
            "package_files": len(files),
            "pages": built,
            "clean_build": all("Compiled successfully" in done.stdout + done.stderr for done in log),  # no warnings
            "mpcheck": _mpcheck(dist),
        }
    except NotMeasured as reason:
        return {"status": f"not measured: {reason}"}
    finally:
        shutil.rmtree(root, ignore_errors=True)
        for old in INSTALL.joinpath("node_modules").glob(".*.old-*"):  # caches moved aside in the shared install
            shutil.rmtree(old, ignore_errors=True)
    return result

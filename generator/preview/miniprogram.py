"""Mini-program pages for `gen preview`: rendered with npm miniprogram-simulate, laid out as on a phone.

Node renders every page of the built package in one process (`mp_preview/render.js`: WeChat's WXML
compiler, the page's data and lifecycle, WXSS converted to CSS with 750rpx = the screen width); this
module pairs the pages with the H5 ones, and writes each as an HTML document with WeChat's built-in
component styles, the navigation bar and the tab bar, which `preview.py` photographs in Chromium. The
documents and node's intermediate files go into a scratch folder the caller makes with `tempfile`; only
the screenshots reach the preview folder, through `write.py`.

The npm packages are pinned by `mp_preview/package-lock.json` and installed with `npm ci` on first use
into the user's cache (`~/.cache/mpgen/mp-preview-<hash>`), like WeChat's compilers for mpcheck: the
wheel stays small and a fresh machine needs only node and npm. Without them the H5 shots still work
and the reason is reported instead of the mini-program shots.
"""

from __future__ import annotations

import fcntl
import hashlib
import html
import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..plan.routes import CATEGORY_PAGE, PRODUCT_PAGE, WEBVIEW_PAGE
from ..plan.site import Site
from ..targets.h5 import h5_page_file

NODE_DIR = Path(__file__).parent / "mp_preview"
HARNESS = NODE_DIR / "render.js"
COMPILER = NODE_DIR / "compile.js"
WECHAT_CSS = NODE_DIR / "wechat.css"
MIN_NODE = 18
SANDBOX_NODE = 20  # node's permission model: the page code may read the package, write its result, no more
INSTALL_TIMEOUT = 600
RENDER_TIMEOUT = 600
STATUS_BAR = 44
NAV_BAR = 44
TAB_BAR = 50 + 34  # the bar and the home indicator below it


class Unavailable(Exception):
    """Mini-program shots cannot be taken on this machine; the message says why and what to do."""


@dataclass
class MpPage:
    """One mini-program page to photograph, and the H5 page that shows the same thing."""

    name: str  # file stem of its document and of its shot in preview/mp/
    path: str  # page path in the package, e.g. catalog/product/index
    query: dict[str, str] = field(default_factory=dict)
    h5: str | None = None  # the H5 file of the same page, relative to h5/
    cart: str = ""  # a product to put in the cart first, as its page does (for the cart and checkout)


@dataclass
class MpRender:
    """A page rendered into an HTML document ready for the screenshot, or why it could not be."""

    page: MpPage
    document: Path | None
    title: str
    errors: list[str]


def cache_root() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "mpgen"


def pages_to_shoot(site: Site, h5_files: list[str], package: Path) -> list[MpPage]:
    """An MP page for every H5 page that has one (same order), then the pages only the mini-program has."""
    by_h5 = {h5_page_file(route, site.home): route.path for route in site.routes}
    pages: list[MpPage] = []
    covered: set[str] = set()
    for file in h5_files:
        folder, _, rest = file.partition("/")
        page: MpPage | None = None
        stem = _stem(file)
        if file in by_h5:
            page = MpPage(stem, by_h5[file], h5=file)
        elif folder == "product" and rest.endswith(".html"):
            page = MpPage(stem, PRODUCT_PAGE, {"id": rest.removesuffix(".html")}, h5=file)
        elif folder == "category" and rest.endswith(".html"):
            page = MpPage(stem, CATEGORY_PAGE, {"id": rest.removesuffix(".html")}, h5=file)
        if page:
            pages.append(page)
            covered.add(page.path)
    products = (site.catalog_data or {}).get("products", {})
    buyable = next((pid for pid, product in products.items() if product.get("stockState") != "out"), "")
    for path in _app_pages(package):
        if path in covered or path == WEBVIEW_PAGE:  # the web-view page shows an outside address
            continue
        cart = buyable if path.rsplit("/", 2)[-2] in ("cart", "checkout") else ""
        pages.append(MpPage(_stem(path), path, cart=cart))
    return pages


def _stem(file: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", file.removesuffix(".html")).strip("-")


def _app_pages(package: Path) -> list[str]:
    app = _read_json(package / "app.json")
    paths = list(app.get("pages", []))
    for sub in app.get("subpackages", app.get("subPackages", [])):
        paths += [f"{sub['root'].strip('/')}/{page}" for page in sub.get("pages", [])]
    return paths


def _read_json(file: Path) -> dict[str, Any]:
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


# --- node and the npm packages --------------------------------------------------------------------


@dataclass(frozen=True)
class Node:
    path: str
    major: int
    modules: Path  # node_modules holding miniprogram-simulate


def node_modules() -> Node:
    """Node and the pinned npm packages, installed into the user's cache on first use."""
    node = shutil.which("node")
    if node is None:
        raise Unavailable(
            "node is not installed (install Node.js 18 or newer with npm, e.g. apt-get install nodejs npm)"
        )
    version = subprocess.run([node, "--version"], capture_output=True, text=True).stdout.strip()
    major = re.match(r"v(\d+)", version)
    if not major or int(major.group(1)) < MIN_NODE:
        raise Unavailable(f"node {version or '?'} is too old; mini-program shots need Node.js {MIN_NODE} or newer")
    lock = (NODE_DIR / "package-lock.json").read_bytes()
    home = cache_root()
    install = home / f"mp-preview-{hashlib.sha256(lock).hexdigest()[:12]}"
    modules = install / "node_modules"
    ready = install / ".installed"
    found = Node(node, int(major.group(1)), modules)
    if ready.exists():
        return found
    try:
        home.mkdir(parents=True, exist_ok=True)
        with open(home / ".mp-preview.lock", "w") as lock_file:
            fcntl.flock(lock_file, fcntl.LOCK_EX)  # two previews at once install once
            if not ready.exists():
                _npm_ci(install)
    except OSError as exc:
        raise Unavailable(f"cannot install the renderer into {home}: {exc} (set XDG_CACHE_HOME)") from None
    return found


def _npm_ci(install: Path) -> None:
    npm = shutil.which("npm")
    if npm is None:
        raise Unavailable("npm is not installed; it is needed once to install miniprogram-simulate")
    tmp = Path(tempfile.mkdtemp(prefix=f"{install.name}.tmp-", dir=install.parent))
    try:
        for name in ("package.json", "package-lock.json"):
            shutil.copyfile(NODE_DIR / name, tmp / name)
        command = [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error",
                   "--cache", str(install.parent / "npm-cache")]  # fmt: skip
        try:
            done = subprocess.run(command, cwd=tmp, capture_output=True, text=True, timeout=INSTALL_TIMEOUT)
        except subprocess.TimeoutExpired:
            raise Unavailable(
                f"npm ci did not finish in {INSTALL_TIMEOUT} s (is the npm registry reachable?)"
            ) from None
        if done.returncode != 0:
            tail = "; ".join((done.stderr or done.stdout).strip().splitlines()[-3:])
            raise Unavailable(f"installing miniprogram-simulate with npm failed: {tail}")
        for binary in (tmp / "node_modules" / "miniprogram-compiler" / "bin").glob("*/*"):
            binary.chmod(0o755)  # npm unpacks WeChat's compilers without the execute bit
        (tmp / ".installed").write_text("", encoding="utf-8")
        shutil.rmtree(install, ignore_errors=True)
        os.replace(tmp, install)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# --- rendering --------------------------------------------------------------------------------------


def site_code(site_dir: Path) -> list[str]:
    """The site's own mini-program code (template overrides), as opposed to mpgen's built-in templates."""
    folder = site_dir / "templates" / "miniprogram"
    if not folder.is_dir():
        return []
    return sorted(str(p.relative_to(site_dir)) for p in folder.rglob("*") if p.suffix in (".js", ".wxs"))


def _run_node(node: Node, args: list[str], what: str, stdin: str = "") -> None:
    # Only NODE_PATH: the page code sees none of the user's environment (tokens, secrets).
    env = {"NODE_PATH": str(node.modules)}
    try:
        done = subprocess.run(
            [node.path, *args], input=stdin, capture_output=True, text=True, env=env, timeout=RENDER_TIMEOUT
        )
    except subprocess.TimeoutExpired:
        raise Unavailable(f"{what} took longer than {RENDER_TIMEOUT} s") from None
    if done.returncode != 0:
        lines = [line for line in done.stderr.strip().splitlines() if "ExperimentalWarning" not in line]
        raise Unavailable(f"{what} failed: {'; '.join(lines[-3:])}")


def _sandbox(node: Node, read: list[Path], write: list[Path], code: list[str]) -> list[str]:
    """Node's permission flags: read only `read`, write only `write`, start no process or worker."""
    if node.major < SANDBOX_NODE:
        if code:  # mpgen's own templates are trusted; a site's own page code only runs sandboxed
            raise Unavailable(
                f"node {node.major} cannot sandbox the site's own page code ({', '.join(code[:3])}); "
                f"install Node.js {SANDBOX_NODE} or newer"
            )
        return []
    flag = "--permission" if node.major >= 23 else "--experimental-permission"
    return [
        flag,
        "--no-warnings",  # that the permission model is experimental
        *(f"--allow-fs-read={p.resolve()}" for p in read),
        *(f"--allow-fs-write={p.resolve()}" for p in write),
    ]


def render_pages(
    package: Path,
    pages: list[MpPage],
    scratch: Path,
    width: int,
    code: list[str] | None = None,
    catalog: tuple[str, Path] | None = None,
) -> list[MpRender]:
    """Render every page in one node process and write its phone-sized document into `scratch`, a
    temporary folder of the caller's (the documents live until their screenshots are taken).

    `code` lists the site's own page code (`site_code()`): it runs only where node can sandbox it.
    `catalog`: the base URL a fetched catalog comes from and the built folder that holds it, which the
    renderer answers those requests from (every other request stays pending)."""
    documents = scratch / "mp"
    node = node_modules()
    documents.mkdir(parents=True, exist_ok=True)
    image_base = package.resolve().as_uri() + "/"  # the documents sit outside the package, in scratch
    compiled = documents / "wxml.js"
    output = documents / "render.json"
    output.write_text("", encoding="utf-8")
    job = {
        "root": str(package.resolve()),
        "output": str(output.resolve()),
        "width": width,
        "imageBase": image_base,
        "productPage": PRODUCT_PAGE,
        "pages": [{"name": p.name, "path": p.path, "query": p.query, "cart": p.cart} for p in pages],
        **({"catalog": {"base": catalog[0], "folder": str(catalog[1].resolve())}} if catalog else {}),
    }
    readable = [node.modules, NODE_DIR, package, compiled, *([catalog[1]] if catalog else [])]
    sandbox = _sandbox(node, readable, [output], code or [])
    try:
        _run_node(node, [str(COMPILER), str(package.resolve()), str(compiled.resolve())], "compiling the WXML")
        harness = [*sandbox, str(HARNESS), str(compiled.resolve())]
        _run_node(node, harness, "the mini-program renderer", stdin=json.dumps(job))
        results: dict[str, dict[str, Any]] = json.loads(output.read_text(encoding="utf-8"))["results"]
    finally:
        compiled.unlink(missing_ok=True)
        output.unlink(missing_ok=True)
    app = _read_json(package / "app.json")
    theme = _read_json(package / "theme.json").get("light", {})
    wechat_css = WECHAT_CSS.read_text(encoding="utf-8")
    renders = []
    for page in pages:
        result = results.get(page.name, {"error": "not rendered"})
        errors = [str(e) for e in result.get("errors", [])]
        if "error" in result:
            errors.insert(0, str(result["error"]).splitlines()[0])
            renders.append(MpRender(page, None, "", errors))
            continue
        config = _window(app, _read_json(package / f"{page.path}.json"), theme)
        title = result.get("title") or config["title"]
        document = documents / f"{page.name}.html"
        document.write_text(
            _document(page, result["html"], result["css"], title, config, app, theme, image_base, wechat_css),
            encoding="utf-8",
        )
        renders.append(MpRender(page, document, title, errors))
    return renders


def _themed(value: object, theme: dict[str, Any]) -> str:
    """app.json values like `@navBackground` come from theme.json (the light variant)."""
    text = str(value or "")
    return str(theme.get(text[1:], "")) if text.startswith("@") else text


def _window(app: dict[str, Any], page_json: dict[str, Any], theme: dict[str, Any]) -> dict[str, str]:
    window = {**app.get("window", {}), **page_json}
    return {
        "title": _themed(window.get("navigationBarTitleText"), theme),
        "background": _themed(window.get("navigationBarBackgroundColor"), theme) or "#000000",
        "text": _themed(window.get("navigationBarTextStyle"), theme) or "white",
        "page": _themed(window.get("backgroundColor"), theme) or "#ffffff",
    }


def _css_text(css: str) -> str:
    return css.replace("</", "<\\/")  # a stylesheet cannot end the <style> element early


def _document(
    page: MpPage,
    body: str,
    css: str,
    title: str,
    window: dict[str, str],
    app: dict[str, Any],
    theme: dict[str, Any],
    image_base: str,
    wechat_css: str,
) -> str:
    tab_bar = app.get("tabBar") or {}
    tabs = tab_bar.get("list", [])
    current = next((i for i, tab in enumerate(tabs) if tab.get("pagePath") == page.path), None)
    white = window["text"] == "white"
    first = _app_pages_from(app)[:1]
    back = "" if current is not None or [page.path] == first else '<div class="mp-nav-back"></div>'
    nav = (
        f'<div class="mp-chrome-top" style="background:{html.escape(window["background"])};'
        f'color:{"#fff" if white else "#000"}"><div class="mp-status"></div><div class="mp-nav">{back}'
        f'<div class="mp-nav-title">{html.escape(title)}</div>'
        f'<div class="mp-capsule{" mp-capsule-white" if white else ""}"></div></div></div>'
    )
    chrome = STATUS_BAR + NAV_BAR
    bar = ""
    if current is not None:
        chrome += TAB_BAR
        color = _themed(tab_bar.get("color"), theme) or "#7A7E83"
        selected = _themed(tab_bar.get("selectedColor"), theme) or "#07c160"
        background = _themed(tab_bar.get("backgroundColor"), theme) or "#ffffff"
        border = "mp-tabbar-white" if _themed(tab_bar.get("borderStyle"), theme) == "white" else ""
        items = []
        for i, tab in enumerate(tabs):
            icon = _themed(tab.get("selectedIconPath" if i == current else "iconPath"), theme)
            img = f'<img src="{html.escape(image_base + icon.lstrip("/"))}" alt="">' if icon else ""
            items.append(
                f'<div class="mp-tab" style="color:{html.escape(selected if i == current else color)}">'
                f"{img}<span>{html.escape(str(tab.get('text', '')))}</span></div>"
            )
        bar = (
            f'<div class="mp-tabbar {border}" style="background:{html.escape(background)}">{"".join(items)}'
            f'<div class="mp-home-bar" style="color:#000"></div></div>'
        )
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)} (mini-program)</title>
<style>{_css_text(wechat_css)}</style>
<style>{_css_text(css)}</style>
<style>body {{ background: {html.escape(window["page"])}; --mp-chrome-height: {chrome}px; }}</style>
</head><body data-mp-page="{html.escape(page.path)}">
{nav}<page>{body}</page>{bar}
</body></html>
"""


def _app_pages_from(app: dict[str, Any]) -> list[str]:
    return [str(p) for p in app.get("pages", [])]

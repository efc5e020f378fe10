"""`gen preview`'s mini-program shots: pages rendered with miniprogram-simulate, measured in real Chromium.

The starter site with `commerce:` is built once; `generator.preview.miniprogram` renders its pages in one
node process (installing the pinned npm packages into the user's cache on first use) and writes each as
a phone-sized document, which the tests open in Chromium to measure what WeChat would lay out.

Needs node (and npm once) and Chromium; skipped without them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from generator.build import build
from generator.plan.planner import CATEGORY_PAGE, PRODUCT_PAGE, WEBVIEW_PAGE
from generator.preview import miniprogram as mp
from generator.preview.shots import h5_pages
from generator.starter import create_starter

COMMERCE = """
commerce:
  api: https://api.example.com/shop
  shipping_fee: 8
"""


def _starter_shop(folder: Path) -> Path:
    site_file = create_starter(folder, "小店")
    site_file.write_text(site_file.read_text(encoding="utf-8") + COMMERCE, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    site = _starter_shop(tmp_path_factory.mktemp("mp-preview") / "shop")
    result = build(site, site / "dist")
    package = site / "dist" / "miniprogram"
    return {
        "site": site,
        "result": result,
        "package": package,
        "pages": mp.pages_to_shoot(result.site, h5_pages(result), package),
    }


@pytest.fixture(scope="module")
def renders(shop: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> dict[str, mp.MpRender]:
    if shutil.which("node") is None:
        pytest.skip("node is not installed; mini-program shots need node and npm")
    done = mp.render_pages(shop["package"], shop["pages"], tmp_path_factory.mktemp("scratch"), 375)
    return {r.page.name: r for r in done}


def test_every_h5_page_has_its_mini_program_page_and_the_mp_only_pages_follow(shop: dict[str, Any]) -> None:
    pages = {p.name: p for p in shop["pages"]}
    home = pages["index"]
    assert (home.path, home.h5) == ("pages/home/index", "index.html")
    product = pages["product-sample-1"]
    assert (product.path, product.query, product.h5) == (PRODUCT_PAGE, {"id": "sample-1"}, "product/sample-1.html")
    category = next(p for p in shop["pages"] if p.path == CATEGORY_PAGE)
    assert category.h5 == f"category/{category.query['id']}.html"
    only_mp = [p for p in shop["pages"] if p.h5 is None]
    assert {p.path.split("/")[1] for p in only_mp} >= {"cart", "checkout", "result", "orders"}
    assert {p.path: p.cart for p in only_mp if p.cart} == {
        "catalog/cart/index": "sample-1",
        "catalog/checkout/index": "sample-1",
    }
    assert WEBVIEW_PAGE not in {p.path for p in shop["pages"]}
    assert shop["pages"].index(home) == 0 and shop["pages"][-len(only_mp) :] == only_mp


def test_pages_render_without_errors_into_documents(renders: dict[str, mp.MpRender]) -> None:
    assert all(r.document is not None and r.document.is_file() for r in renders.values())
    assert {name: r.errors for name, r in renders.items() if r.errors} == {}
    # the product page sets its title to the product's name (wx.setNavigationBarTitle in onLoad)
    assert renders["product-sample-1"].title == "示例商品一"


def test_rendering_writes_only_into_its_scratch_folder(shop: dict[str, Any], tmp_path: Path) -> None:
    """node's intermediate files and the documents are scratch: nothing lands in the site or its build."""
    if shutil.which("node") is None:
        pytest.skip("node is not installed; mini-program shots need node and npm")
    site = shop["site"]
    before = sorted(p.relative_to(site).as_posix() for p in site.rglob("*"))
    home = [p for p in shop["pages"] if p.name == "index"]
    (render,) = mp.render_pages(shop["package"], home, tmp_path / "scratch", 375)
    assert sorted(p.relative_to(site).as_posix() for p in site.rglob("*")) == before
    assert render.document == tmp_path / "scratch" / "mp" / "index.html"
    assert sorted(p.name for p in (tmp_path / "scratch").rglob("*")) == ["index.html", "mp"]  # node's files are gone


def test_cart_and_checkout_show_the_line_the_product_page_added(renders: dict[str, mp.MpRender], page) -> None:
    for name in ("catalog-cart-index", "catalog-checkout-index"):
        assert renders[name].errors == []
        page.goto(renders[name].document.as_uri())
        names = page.evaluate("() => [...document.querySelectorAll('.main--line-name')].map((e) => e.textContent)")
        assert names == ["示例商品一"], name


def test_documents_lay_out_like_wechat(renders: dict[str, mp.MpRender], page) -> None:
    page.goto(renders["product-sample-1"].document.as_uri())
    layout = page.evaluate(
        """() => {
          const box = (el) => el && el.getBoundingClientRect();
          const nav = document.querySelector('.mp-chrome-top');
          return {
            gallery: box(document.querySelector('.main--gallery')).width,          // 750rpx
            page: getComputedStyle(document.querySelector('page')).backgroundColor,
            nav: getComputedStyle(nav).backgroundColor,
            title: document.querySelector('.mp-nav-title').textContent,
            contact: box(document.querySelector('.main--bar-contact')).width,       // 120rpx !important
            tabs: document.querySelectorAll('.mp-tab').length,
          };
        }"""
    )
    assert layout["gallery"] == 375
    assert layout["contact"] == 60
    assert layout["title"] == "示例商品一"
    assert layout["nav"] == "rgb(200, 71, 42)"  # the warm theme's brand colour, from app.json via theme.json
    assert layout["page"] == "rgb(255, 248, 243)"  # `page { background-color: var(--color-background) }`
    assert layout["tabs"] == 0  # not a tab page
    page.goto(renders["index"].document.as_uri())
    tabs = page.evaluate("() => [...document.querySelectorAll('.mp-tab')].map((t) => t.textContent)")
    assert tabs == ["首页", "商品", "关于"]
    photos = page.evaluate("() => [...document.querySelectorAll('wx-image > img')].map((img) => img.naturalWidth)")
    assert photos and all(photos), photos  # the banner and product photos load from the package
    # WeChat's v2 button: a <button> whose WXSS sets no width is 184 px wide, centred in its block
    page.goto(renders["pages-about"].document.as_uri())
    buttons = page.evaluate(
        """() => [...document.querySelectorAll('wx-button.block-contact--contact-button')].map((b) => {
          const box = b.getBoundingClientRect(), parent = b.parentElement.getBoundingClientRect();
          return {width: box.width, left: box.left - parent.left, right: parent.right - box.right};
        })"""
    )
    assert buttons and all(b["width"] == 184 and abs(b["left"] - b["right"]) < 1 for b in buttons), buttons


def test_preview_puts_mp_and_h5_side_by_side(chromium_path: str, tmp_path: Path) -> None:
    if shutil.which("node") is None:
        pytest.skip("node is not installed; mini-program shots need node and npm")
    site = _starter_shop(tmp_path / "shop")
    done = subprocess.run([sys.executable, "-m", "generator", "preview", str(site)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "13 mini-program pages -> " in done.stdout and "mini-program:" not in done.stdout
    folder = site / "preview"
    assert (folder / "index.png").is_file() and (folder / "product-sample-1.png").is_file()
    for name in ("index", "product-sample-1", "catalog-checkout-index"):
        image = Image.open(folder / "mp" / f"{name}.png")
        assert image.width == 750
        assert len(image.convert("RGB").getcolors(1_000_000) or []) > 10, f"{name} is blank"
    sheet = (folder / "index.html").read_text(encoding="utf-8")
    pair = sheet[sheet.index('src="mp/product-sample-1.png"') :].split("</figure>")[0]
    assert 'src="product-sample-1.png"' in pair  # MP | H5 in one card
    assert "Mini-program shots skipped" not in sheet
    # the rendered documents were scratch (a temporary folder); only the shots and the sheet are kept
    assert [p.name for p in folder.rglob("*.html")] == ["index.html"] and not list(folder.rglob("*.json"))
    assert not (site / "dist" / "preview").exists()


def test_preview_without_node_still_shoots_h5_and_says_why(chromium_path: str, tmp_path: Path) -> None:
    site = _starter_shop(tmp_path / "shop")
    env = {**os.environ, "PATH": str(Path(sys.executable).parent)}  # python, but no node
    if shutil.which("node", path=env["PATH"]):
        pytest.skip("node sits next to python here; cannot hide it")
    done = subprocess.run(
        [sys.executable, "-m", "generator", "preview", str(site)], capture_output=True, text=True, env=env
    )
    assert done.returncode == 0, done.stdout + done.stderr
    folder = site / "preview"
    assert "mini-program shots skipped: node is not installed" in done.stdout
    assert (folder / "index.png").is_file() and not list(folder.glob("mp/*.png"))
    sheet = (folder / "index.html").read_text(encoding="utf-8")
    assert "Mini-program shots skipped: node is not installed" in sheet


def test_missing_node_is_reported_not_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mp.shutil, "which", lambda name, **kw: None)
    with pytest.raises(mp.Unavailable, match="node is not installed"):
        mp.node_modules()


LINES = """(texts) => texts.map((text) => {
  const button = [...document.querySelectorAll('wx-button')].find((b) => b.textContent.trim() === text);
  if (!button) return {text, lines: 0};
  const range = document.createRange();
  range.selectNodeContents(button);
  const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
  const style = getComputedStyle(button);
  const height = button.getBoundingClientRect().height;
  return {text, lines: tops.size, height, lineHeight: parseFloat(style.lineHeight)};
})"""


@pytest.mark.parametrize(
    ("name", "texts"),
    [("product-sample-1", ["加入购物车", "立即购买"]), ("catalog-checkout-index", ["返回购物车", "微信支付"])],
)
def test_bottom_bar_buttons_fit_on_one_line(renders: dict[str, mp.MpRender], page, name: str, texts: list[str]) -> None:
    """WeChat's v2 button adds `padding: 8px 24px` and a 184 px width that outranks a single class."""
    page.goto(renders[name].document.as_uri())
    for button in page.evaluate(LINES, texts):
        assert button["lines"] == 1, f"{name}: {button}"
        assert button["height"] < 2 * button["lineHeight"], f"{name}: {button}"


SNOOP = """\
// A site's own page code, run by the preview: it must see nothing but the package.
const report = (what, attempt) => {
  try { console.error(`${what}: ${attempt()}`); } catch (err) { console.error(`${what}: denied ${err.code}`); }
};
report('read', () => require('fs').readFileSync(SECRET_FILE, 'utf8'));
report('write', () => { require('fs').writeFileSync(SECRET_FILE + '.new', 'x'); return 'written'; });
report('spawn', () => require('child_process').execFileSync('true') && 'spawned');
report('env', () => process.env.WECHAT_SECRET || 'none');
Page(require('../../utils/page.js')([[ page_id | js ]], [[ data | js ]]));
"""


def test_the_sites_own_page_code_runs_sandboxed(tmp_path: Path) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed; mini-program shots need node and npm")
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret", encoding="utf-8")
    site = _starter_shop(tmp_path / "shop")
    override = site / "templates" / "miniprogram" / "pages" / "page" / "index.js"
    override.parent.mkdir(parents=True)
    override.write_text(SNOOP.replace("SECRET_FILE", json.dumps(str(secret))), encoding="utf-8")
    result = build(site, site / "dist")
    package = site / "dist" / "miniprogram"
    pages = [p for p in mp.pages_to_shoot(result.site, h5_pages(result), package) if p.name == "index"]
    assert mp.site_code(site) == ["templates/miniprogram/pages/page/index.js"]
    os.environ["WECHAT_SECRET"] = "s3cret"
    try:
        if mp.node_modules().major < mp.SANDBOX_NODE:
            with pytest.raises(mp.Unavailable, match="cannot sandbox the site's own page code"):
                mp.render_pages(package, pages, tmp_path / "scratch", 375, mp.site_code(site))
            return
        [render] = mp.render_pages(package, pages, tmp_path / "scratch", 375, mp.site_code(site))
    finally:
        del os.environ["WECHAT_SECRET"]
    said = [line for line in render.errors if line.split(":")[0] in ("read", "write", "spawn", "env")]
    assert said == ["read: denied ERR_ACCESS_DENIED", "write: denied ERR_ACCESS_DENIED",
                    "spawn: denied ERR_ACCESS_DENIED", "env: none"]  # fmt: skip
    assert render.document is not None and not secret.with_name("secret.txt.new").exists()


def test_first_use_installs_the_pinned_packages_into_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What a fresh machine does once: npm ci of mp_preview/package-lock.json into ~/.cache/mpgen."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node and npm are needed to install the renderer")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    node = mp.node_modules()
    assert node.modules.parent.parent == tmp_path / "mpgen"
    assert json.loads((node.modules / "miniprogram-simulate" / "package.json").read_text())["version"] == "1.6.2"
    assert all(os.access(wcc, os.X_OK) for wcc in (node.modules / "miniprogram-compiler" / "bin" / "linux").iterdir())
    assert mp.node_modules() == node  # installed once
    assert [p.name for p in (tmp_path / "mpgen").iterdir() if ".tmp-" in p.name] == []


def test_without_npm_the_first_use_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(mp.shutil, "which", lambda name, **kw: node if name == "node" else None)
    with pytest.raises(mp.Unavailable, match="npm is not installed"):
        mp.node_modules()


FORM_AND_BUTTON_SITE = """\
site: {name: 小店}
tabs:
  - {page: home, text: 首页, icon: home}
  - {page: about, text: 关于, icon: user}
pages:
  - id: home
    title: 首页
    blocks:
      - {type: button, text: 预约到店, page: about}
      - {type: button, text: 了解更多, page: about, style: secondary}
      - type: form
        endpoint: https://example.com/api/book
        fields:
          - {name: name, label: 称呼}
          - {name: store, label: 门店, type: select, options: [一店, 二店]}
          - {name: day, label: 日期, type: date}
  - {id: about, title: 关于}
"""


def test_buttons_span_their_block_and_form_fields_share_one_height(tmp_path: Path, page) -> None:
    """The shots showed a button block at WeChat's 184 px (full width in H5) and inputs 14 px lower than pickers."""
    if shutil.which("node") is None:
        pytest.skip("node is not installed; mini-program shots need node and npm")
    site = tmp_path / "site"
    site.mkdir()
    (site / "site.yaml").write_text(FORM_AND_BUTTON_SITE, encoding="utf-8")
    result = build(site, site / "dist")
    package = site / "dist" / "miniprogram"
    home = [p for p in mp.pages_to_shoot(result.site, h5_pages(result), package) if p.name == "index"]
    (render,) = mp.render_pages(package, home, tmp_path / "scratch", 375)
    page.goto(render.document.as_uri())
    layout = page.evaluate(
        """() => {
          const box = (el) => el.getBoundingClientRect();
          const buttons = [...document.querySelectorAll('wx-button')]
            .filter((b) => /预约到店|了解更多/.test(b.textContent));
          return {
            buttons: buttons.map((b) => ({width: box(b).width, block: box(b.parentElement).width
              - parseFloat(getComputedStyle(b.parentElement).paddingLeft)
              - parseFloat(getComputedStyle(b.parentElement).paddingRight)})),
            fields: [...document.querySelectorAll('[class*="field-input"]')].map((f) => Math.round(box(f).height)),
          };
        }"""
    )
    assert len(layout["buttons"]) == 2 and all(abs(b["width"] - b["block"]) < 1 for b in layout["buttons"]), layout
    assert len(layout["fields"]) == 3 and len(set(layout["fields"])) == 1, layout


def test_a_fetched_catalog_is_shown_from_the_built_folder(tmp_path: Path) -> None:
    """A remote catalog's pages ask the server; the preview answers from dist/catalog/, photos too."""
    if shutil.which("node") is None:
        pytest.skip("node is not installed; mini-program shots need node and npm")
    site = Path(shutil.copytree(Path(__file__).parent / "sites" / "remote", tmp_path / "site"))
    result = build(site, site / "dist")
    package = site / "dist" / "miniprogram"
    delivery = result.site.catalog_delivery
    pages = [p for p in mp.pages_to_shoot(result.site, h5_pages(result), package) if p.name in PICKED]
    catalog = (delivery.base, site / "dist" / delivery.folder)
    renders = {r.page.name: r for r in mp.render_pages(package, pages, tmp_path / "scratch", 375, None, catalog)}
    assert set(renders) == set(PICKED) and {n: r.errors for n, r in renders.items() if r.errors} == {}
    product = renders["product-oolong"]
    assert product.title == "乌龙茶" and product.document is not None
    document = product.document.read_text(encoding="utf-8")
    assert "¥30.00" in document and (site / "dist" / "catalog" / "img").as_uri() in document
    listing = renders["category-tea"].document
    assert listing is not None and "茶 1 号" in listing.read_text(encoding="utf-8")


PICKED = ("product-oolong", "category-tea")

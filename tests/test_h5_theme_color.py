"""The brand colour lives in the H5 stylesheet only: a theme colour change rewrites site.css, not the pages
(what made `gen dev` rewrite every page of a large catalog on a designer's save), and the browser's
toolbar colour (meta theme-color) is set from the stylesheet by site.js."""

from __future__ import annotations

from pathlib import Path

from generator.build import build

from .conftest import MINIMAL_SITE

CATALOG = """catalog:
  categories: [{id: all, name: 全部}]
  products:
    - {id: a, name: 商品甲, price: 10, category: all}
    - {id: b, name: 商品乙, price: 20, category: all}
"""


def h5_files(site: Path) -> dict[str, bytes]:
    folder = site / "dist" / "h5"
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_a_theme_colour_change_rewrites_the_stylesheet_and_no_page(make_site) -> None:
    site = make_site(MINIMAL_SITE + CATALOG)
    build(site)
    before = h5_files(site)
    text = (site / "site.yaml").read_text(encoding="utf-8")
    (site / "site.yaml").write_text(text + 'theme: {colors: {primary: "#1F5FA8"}}\n', encoding="utf-8")
    build(site)
    after = h5_files(site)
    changed = sorted(path for path in after if after[path] != before.get(path))
    assert "assets/site.css" in changed
    assert [path for path in changed if path.endswith(".html")] == []
    assert "#1F5FA8" in after["assets/site.css"].decode("utf-8")


def test_the_toolbar_takes_the_brand_colour_from_the_stylesheet(make_site, page) -> None:
    site = make_site(MINIMAL_SITE + 'theme: {colors: {primary: "#1F5FA8"}}\n')
    build(site)
    html = (site / "dist" / "h5" / "index.html").read_text(encoding="utf-8")
    assert "theme-color" not in html
    page.goto((site / "dist" / "h5" / "index.html").as_uri())
    assert page.get_attribute('meta[name="theme-color"]', "content") == "#1F5FA8"

"""The H5 site of a large catalog stays small page by page: categories are paged (PAGE_SIZE products each,
with a pager), catalog.html shows a few products of the first categories and links the rest, and the search
covers every product from an index script loaded when the shopper types."""

from __future__ import annotations

import re

from generator.build import build
from generator.targets.h5 import CATALOG_EACH, CATALOG_GROUPS, PAGE_SIZE

from .conftest import MINIMAL_SITE, StaticServer

CATEGORIES = CATALOG_GROUPS + 5


def large_site(products: int) -> str:
    categories = ", ".join(f"{{id: c{n:02d}, name: 分类{n}}}" for n in range(CATEGORIES))
    rows = "\n".join(
        # category c00 holds most of them, so its listing runs over several pages
        f"    - {{id: p{n:04d}, name: 商品{n}号, price: {n % 90 + 1}, category: c{0 if n % 4 else n % CATEGORIES:02d}}}"
        for n in range(products)
    )
    return MINIMAL_SITE + f"catalog:\n  categories: [{categories}]\n  products:\n{rows}\n"


def test_a_large_catalog_is_paged_and_every_page_stays_small(make_site) -> None:
    site = make_site(large_site(1200))
    build(site)
    h5 = site / "dist" / "h5"
    sizes = {p.relative_to(h5).as_posix(): p.stat().st_size for p in h5.rglob("*.html")}
    assert max(sizes.values()) < 200 * 1024, max(sizes.items(), key=lambda item: item[1])
    listed: list[str] = []
    pages = sorted(p for p in sizes if p == "category/c00.html" or p.startswith("category/c00/"))
    for file in pages:
        text = (h5 / file).read_text(encoding="utf-8")
        cards = re.findall(r'data-product="([^"]+)"', text)
        assert 0 < len(cards) <= PAGE_SIZE
        listed += cards
    in_c00 = [f"p{n:04d}" for n in range(1200) if n % 4 or n % CATEGORIES == 0]
    assert sorted(listed) == sorted(in_c00)  # each product of the category on exactly one page
    assert len(pages) == -(-len(in_c00) // PAGE_SIZE)
    second = (h5 / "category/c00/2.html").read_text(encoding="utf-8")
    assert 'href="../../category/c00.html" rel="prev"' in second and 'href="3.html" rel="next"' in second
    assert '<span class="pager-page" aria-current="page">2</span>' in second
    assert '<a class="pager-page" href="4.html">4</a><span class="pager-gap" aria-hidden="true">…</span>' in second
    catalog = (h5 / "catalog.html").read_text(encoding="utf-8")
    assert len(re.findall(r'data-product="', catalog)) <= CATALOG_GROUPS * CATALOG_EACH
    assert catalog.count('<li><a href="category/') == CATEGORIES - CATALOG_GROUPS  # the other categories
    assert f"全部 {len(in_c00)} 件" in catalog and "搜索 1200 件商品" in catalog
    shards = sorted((h5 / "assets" / "search").glob("*.js"))
    assert [p.name for p in shards] == ["0.js"]  # 1,200 products: one part
    assert shards[0].read_text(encoding="utf-8").count('"p') == 1200
    assert 'data-search-shards="1"' in catalog


def test_the_pager_and_the_search_work_in_a_browser(make_site, page, monkeypatch) -> None:
    from generator.targets import h5

    monkeypatch.setattr(h5, "SEARCH_SHARD_ROWS", 100)  # three parts of the index
    site = make_site(large_site(300))
    build(site)
    assert sorted(p.name for p in (site / "dist" / "h5" / "assets" / "search").iterdir()) == ["0.js", "1.js", "2.js"]
    loaded: list[str] = []
    page.on(
        "request", lambda request: loaded.append(request.url.rsplit("/", 1)[-1]) if "/search/" in request.url else None
    )
    server = StaticServer(site / "dist" / "h5", "/shop/")
    try:
        page.goto(server.url + "category/c00.html")
        page.click("a[rel=next]")
        assert page.url == server.url + "category/c00/2.html"
        assert page.locator(".product-card").count() == PAGE_SIZE
        page.click("a[rel=prev]")
        assert page.url == server.url + "category/c00.html"
        page.goto(server.url + "catalog.html")
        page.fill(".search-input", "商品29")  # 商品29号 and 商品290号 .. 商品299号
        page.wait_for_function("() => document.querySelectorAll('.search-result').length > 0")
        names = sorted(page.locator(".search-result-name").all_text_contents())
        assert names == sorted(["商品29号", *[f"商品{n}号" for n in range(290, 300)]])
        assert page.locator(".search-status").text_content() == "找到 11 件商品"  # every part read
        page.click("text=商品295号")
        assert page.url == server.url + "product/p0295.html"
        loaded.clear()
        page.goto(server.url + "catalog.html")
        page.fill(".search-input", "商品")  # every product: the first part holds more than enough
        page.wait_for_function("() => document.querySelectorAll('.search-result').length === 50")
        assert "50 件以上" in page.locator(".search-status").text_content()
        assert loaded == ["0.js"]
    finally:
        server.close()


def test_pages_handed_to_the_writer_are_let_go_and_the_output_is_the_same(make_site, tmp_path) -> None:
    """`gen build` keeps only what it reports: pages written while rendering leave the memory."""
    site = make_site(large_site(700))
    kept = build(site, tmp_path / "kept")
    lean = build(site, tmp_path / "lean", keep_files=False)
    kept_pages = [f for f in kept.files if f.path.startswith("h5/product/")]
    lean_pages = [f for f in lean.files if f.path.startswith("h5/product/")]
    assert len(kept_pages) == 700 and len(lean_pages) < 300
    assert any(f.path == "report.json" for f in lean.files)
    assert lean.written is not None and kept.written is not None and lean.written.files == kept.written.files

    def tree(folder):
        return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}

    assert tree(tmp_path / "lean") == tree(tmp_path / "kept")


PAGE_HELPER_BUILD = """
import sys
from pathlib import Path
from generator.targets import page_helper
page_helper.MIN_PRODUCTS = 100
forked = []
real_init = page_helper.PageHelper.__init__
def counted(self, *args):
    forked.append(len(args[1]))
    real_init(self, *args)
page_helper.PageHelper.__init__ = counted
from generator.build import PlanMemo, build
memo = PlanMemo() if sys.argv[4:] == ["memo"] else None  # as gen dev builds
result = build(Path(sys.argv[1]), Path(sys.argv[2]), jobs=int(sys.argv[3]), keep_files=False, plan_memo=memo)
print(sum(forked), result.site.previous.reused)
"""


def test_a_helper_process_renders_part_of_the_pages_and_the_output_is_the_same(make_site, tmp_path) -> None:
    """With two processes (a build of its own, single-threaded as `gen build` is), the pages are the
    same as one process makes; the helper's page keys are kept, so the next build reuses its pages."""
    import subprocess
    import sys

    from .conftest import REPO

    site = make_site(large_site(700))

    def run(out: str, jobs: int, *memo: str) -> tuple[int, int]:
        done = subprocess.run(
            [sys.executable, "-c", PAGE_HELPER_BUILD, str(site), str(tmp_path / out), str(jobs), *memo],
            capture_output=True, text=True, cwd=REPO, timeout=300,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        helped, reused = done.stdout.split()[-2:]
        return int(helped), int(reused)

    helped, reused = run("two", 2)
    assert helped > 300 and reused == 0  # the helper rendered most product pages
    assert run("one", 1) == (0, 0)
    assert run("memo", 2, "memo")[0] == 0  # under gen dev's memo, pages are taken again here: no helper

    def tree(folder):
        return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}

    assert tree(tmp_path / "two") == tree(tmp_path / "one")
    assert run("two", 2)[1] > 700  # every product page again, including those the helper rendered


HELPER_CLI = """
import sys
from generator.targets import page_helper
page_helper.MIN_PRODUCTS = 100
from generator.cli import main
main(["build", sys.argv[1]])
"""


def test_a_mistake_on_a_page_the_helper_renders_is_the_same_clear_error(make_site) -> None:
    import subprocess
    import sys

    from .conftest import REPO

    site = make_site(large_site(700))
    (site / "templates" / "h5").mkdir(parents=True)
    (site / "templates" / "h5" / "product.html").write_text(
        '{% extends "base.html" %}\n{% block content %}\n'
        '{% if product.id == "p0699" %}{{ no_such_value }}{% endif %}{{ product.name }}\n{% endblock %}\n',
        encoding="utf-8",
    )
    done = subprocess.run([sys.executable, "-c", HELPER_CLI, str(site)], capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "templates/h5/product.html:3  'no_such_value' is undefined" in done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert not (site / "dist").exists()  # a failed build writes nothing

"""`gen build` when nothing changed: it checks what the last build read and wrote, says it is up to date,
and builds again as soon as an input, an output, an option or mpgen itself differs."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from generator import build_state
from generator.cli import main

from .conftest import MINIMAL_SITE


def gen_build(site: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["build", str(site), *args])


def built(result: Result) -> bool:
    assert result.exit_code in (0, 1), result.output
    if "up to date:" in result.output:
        return False
    assert "built " in result.output, result.output
    return True


@pytest.fixture
def site(make_site) -> Path:
    folder = make_site()
    assert built(gen_build(folder))
    return folder


def test_a_second_build_with_nothing_changed_is_up_to_date_and_says_the_same(site: Path) -> None:
    result = gen_build(site)
    assert not built(result)
    assert "nothing changed since the last build" in result.output
    assert "main " in result.output and "KB of 2048 KB" in result.output  # the package table again
    assert not built(gen_build(site))


def test_an_edited_input_builds_again_and_the_output_follows(site: Path) -> None:
    (site / "site.yaml").write_text(MINIMAL_SITE.replace("欢迎", "欢迎光临"), encoding="utf-8")
    assert built(gen_build(site))
    assert "欢迎光临" in (site / "dist" / "h5" / "index.html").read_text(encoding="utf-8")
    assert not built(gen_build(site))


def test_a_new_file_in_the_site_folder_is_an_input(site: Path) -> None:
    (site / "images" / "new.png").write_bytes((site / "images").iterdir().__next__().read_bytes())
    assert built(gen_build(site))


def test_a_touched_input_builds_again_even_with_the_same_bytes(site: Path) -> None:
    stat = (site / "site.yaml").stat()
    os.utime(site / "site.yaml", ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    result = gen_build(site)
    assert built(result)
    assert "0 changed" in result.output  # built again, wrote nothing new


def test_an_output_deleted_or_edited_by_hand_is_made_again(site: Path) -> None:
    page = site / "dist" / "h5" / "index.html"
    original = page.read_bytes()
    page.unlink()
    assert built(gen_build(site))
    assert page.read_bytes() == original
    page.write_bytes(b"edited by hand")
    assert built(gen_build(site))
    assert page.read_bytes() == original
    (site / "dist" / "stray.txt").write_text("x", encoding="utf-8")
    assert built(gen_build(site))
    assert not (site / "dist" / "stray.txt").exists()


def test_what_mpgen_writes_in_the_site_folder_is_not_an_input(site: Path) -> None:
    (site / ".mpgen-cache" / "scratch").write_text("x", encoding="utf-8")
    preview = site / "preview"
    preview.mkdir()
    (preview / ".mpgen-output").write_text("Made by mpgen `gen preview`", encoding="utf-8")
    (preview / "index.html").write_text("<p>shots</p>", encoding="utf-8")
    (site / ".git").mkdir()
    (site / ".git" / "index").write_bytes(b"git")
    assert not built(gen_build(site))


def test_other_options_or_another_output_folder_build(site: Path, tmp_path: Path) -> None:
    assert built(gen_build(site, "--out", str(tmp_path / "elsewhere")))
    assert not built(gen_build(site, "--out", str(tmp_path / "elsewhere")))
    assert not built(gen_build(site))  # each output folder keeps its own state
    assert built(gen_build(site, "--no-cache"))  # "process everything again" is never a shortcut


def test_a_change_to_mpgen_itself_builds_again(site: Path, monkeypatch) -> None:
    monkeypatch.setattr(build_state, "code_digest", lambda: "another mpgen")
    assert built(gen_build(site))
    assert not built(gen_build(site))


def test_an_edit_made_while_the_build_runs_is_seen_by_the_next_build(make_site, monkeypatch) -> None:
    folder = make_site()
    from generator import build as build_module

    real_plan = build_module.plan

    def plan_then_edit(*args, **kwargs):
        planned = real_plan(*args, **kwargs)  # the spec was read: now the designer saves again
        (folder / "site.yaml").write_text(MINIMAL_SITE.replace("欢迎", "再次欢迎"), encoding="utf-8")
        return planned

    monkeypatch.setattr(build_module, "plan", plan_then_edit)
    assert built(gen_build(folder))
    monkeypatch.setattr(build_module, "plan", real_plan)
    assert built(gen_build(folder))
    assert "再次欢迎" in (folder / "dist" / "h5" / "index.html").read_text(encoding="utf-8")


def test_a_broken_budget_fails_again_while_nothing_changes(make_site) -> None:
    long_text = "".join(f"\n      - {{type: text, body: {'欢迎' * 9_000}}}" for _ in range(4))
    spec = MINIMAL_SITE.replace("\n      - type: text", long_text + "\n      - type: text")
    folder = make_site(spec + "budgets: {package_kb: 100}\n")
    first = gen_build(folder)
    assert first.exit_code == 1 and "breaks its size budget" in first.output
    again = gen_build(folder)
    assert again.exit_code == 1 and not built(again)
    assert "breaks its size budget" in again.output


def test_a_failed_build_leaves_no_state_that_hides_the_failure(site: Path) -> None:
    (site / "site.yaml").write_text("site: {name: 小店}\npages: []\n", encoding="utf-8")
    assert gen_build(site).exit_code == 2
    assert gen_build(site).exit_code == 2  # still checked, still refused
    (site / "site.yaml").write_text(MINIMAL_SITE, encoding="utf-8")
    assert built(gen_build(site))  # back as it was: the old state's times no longer match either


# --- pages taken from the last build ----------------------------------------------------------------------

CATALOG_SITE = """\
site: {name: 小店, theme: brand}
tabs:
  - {page: home, text: 首页, icon: home}
  - {page: shop, text: 分类, icon: category}
pages:
  - id: home
    title: 首页
    blocks:
      - {type: banner, slides: [{image: images/banner.jpg, product: p003}]}
      - {type: products, title: 推荐, limit: 4}
  - id: shop
    title: 分类
    blocks: [{type: categories, layout: list}]
catalog:
  categories:
    - {id: tea, name: 茶}
    - {id: cup, name: 杯}
  products_file: products.csv
"""


def products_csv(rows: int, price_of: dict[int, str] | None = None) -> str:
    lines = ["id,name,price,category,description,stock"]
    for i in range(rows):
        price = (price_of or {}).get(i, f"{10 + i}.00")
        lines.append(f"p{i:03d},商品{i},{price},{'tea' if i % 2 else 'cup'},第 {i} 号商品。,{i % 7}")
    return "\n".join(lines) + "\n"


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def catalog_site(make_site) -> Path:
    folder = make_site(CATALOG_SITE, name="shop")
    (folder / "images" / "banner.jpg").write_bytes(next((folder / "images").glob("*.jpg")).read_bytes())
    (folder / "products.csv").write_text(products_csv(90), encoding="utf-8")
    (folder / "themes").mkdir()
    (folder / "themes" / "brand.yaml").write_text('extends: warm\ncolors:\n  primary: "#c0392b"\n', encoding="utf-8")
    return folder


EDITS = {
    "one price": lambda site: (site / "products.csv").write_text(products_csv(90, {5: "99.50"}), encoding="utf-8"),
    "a product's name (the banner's link label)": lambda site: (site / "products.csv").write_text(
        products_csv(90).replace("商品3,", "新品3,"), encoding="utf-8"
    ),
    "a category's name": lambda site: (site / "site.yaml").write_text(
        CATALOG_SITE.replace("name: 茶}", "name: 好茶}"), encoding="utf-8"
    ),
    "the theme's colour": lambda site: (site / "themes" / "brand.yaml").write_text(
        'extends: warm\ncolors:\n  primary: "#2255aa"\n', encoding="utf-8"
    ),
    "the site's name": lambda site: (site / "site.yaml").write_text(
        CATALOG_SITE.replace("name: 小店", "name: 大店"), encoding="utf-8"
    ),
    "a tab's text": lambda site: (site / "site.yaml").write_text(
        CATALOG_SITE.replace("text: 分类", "text: 全部"), encoding="utf-8"
    ),
    "the banner's photo": lambda site: (site / "images" / "banner.jpg").write_bytes(
        sorted((site / "images").glob("*.jpg"))[-1].read_bytes()
    ),
    "a product removed": lambda site: (site / "products.csv").write_text(products_csv(89), encoding="utf-8"),
}


@pytest.mark.parametrize("edit", list(EDITS))
def test_a_rebuild_that_reuses_pages_makes_what_a_clean_build_makes(make_site, tmp_path: Path, edit: str) -> None:
    """The oracle of page reuse: after each kind of edit, the output equals a build from nothing."""
    from generator.build import build

    site = catalog_site(make_site)
    build(site)
    EDITS[edit](site)
    again = build(site)
    clean = build(site, tmp_path / "clean", use_cache=False)
    assert tree(site / "dist") == tree(tmp_path / "clean")
    assert again.written is not None and clean.written is not None
    site_wide = ("a category's name", "the site's name", "a tab's text")  # every page shows them
    assert again.site.previous.reused > 0 or edit in site_wide


def test_one_changed_price_renders_only_the_pages_that_show_it(make_site) -> None:
    from generator.build import build

    site = catalog_site(make_site)
    build(site)
    EDITS["one price"](site)
    again = build(site)
    assert again.written is not None
    pages = [f.path for f in again.files if f.path.startswith("h5/") and f.path.endswith(".html")]
    rendered = len(pages) - again.site.previous.reused
    assert rendered <= 4, rendered  # the product, its category page, the catalog and the home page's cards
    assert again.written.changed <= 10, again.written.changed


def test_the_built_in_h5_templates_leave_the_theme_to_the_stylesheet() -> None:
    """Page keys leave the theme out (a theme edit renders no page again): no built-in H5 page template
    may read it. A site's own templates may; their pages are keyed with the theme."""
    from .conftest import REPO

    templates = [*(REPO / "templates" / "h5").glob("*.html"), *(REPO / "templates" / "blocks").glob("*/h5.html")]
    assert templates
    readers = [p.name for p in templates if "theme" in p.read_text(encoding="utf-8")]
    assert readers == []


SHOP = (
    MINIMAL_SITE
    + """\
catalog:
  categories: [{id: tea, name: 茶}]
  products:
    - {id: green, name: 绿茶, price: 12, category: tea}
    - {id: black, name: 红茶, price: 15, category: tea}
"""
)


def test_pages_kept_from_the_last_build_are_copied_where_hard_links_fail(
    make_site, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """A kept page travels without its bytes; on a file system without hard links the writer copies the
    last build's file, byte for byte."""
    site = make_site(SHOP)
    assert built(gen_build(site))
    before = {p.relative_to(site / "dist").as_posix(): p.read_bytes() for p in (site / "dist" / "h5").rglob("*.html")}

    def no_links(*_args: object) -> None:
        raise OSError(1, "hard links are not supported here")

    copied: list[str] = []
    copy = shutil.copyfile
    monkeypatch.setattr(os, "link", no_links)
    monkeypatch.setattr(shutil, "copyfile", lambda old, new: copied.append(new) or copy(old, new))
    (site / "site.yaml").write_text(SHOP.replace("price: 15", "price: 16"), encoding="utf-8")
    assert built(gen_build(site))
    after = {p.relative_to(site / "dist").as_posix(): p.read_bytes() for p in (site / "dist" / "h5").rglob("*.html")}
    assert set(after) == set(before) and all(after.values())
    assert after["h5/product/green.html"] == before["h5/product/green.html"]  # kept: copied, never read
    assert any(path.endswith("h5/product/green.html") for path in copied)
    assert b"16.00" in after["h5/product/black.html"]


def test_the_recorded_output_is_what_a_walk_of_the_output_finds(make_site) -> None:  # type: ignore[no-untyped-def]
    """The state takes a kept (linked) file's stamps from the last build instead of a stat: the same."""
    site = make_site(SHOP)
    assert built(gen_build(site))
    (site / "site.yaml").write_text(SHOP.replace("price: 15", "price: 17"), encoding="utf-8")
    assert built(gen_build(site))
    key = build_state.build_key(site, None, None, True, None)
    assert key is not None
    state = build_state.read_state(key)
    assert state is not None
    walked = build_state.snapshot_outputs(site / "dist")
    assert {path: tuple(stamp) for path, stamp in state["outputs"].items()} == walked
    assert not built(gen_build(site))


def test_gen_devs_plan_memo_serves_a_theme_only_edit_and_nothing_else(make_site, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """After a save that changed only SITE/themes/, gen dev's build takes its last plan with the new
    theme, and writes what a build from scratch writes; any other edit plans again."""
    from generator import build as build_module

    site = make_site(SHOP.replace("  name: 小店", "  name: 小店\n  theme: brand"))
    (site / "themes").mkdir()
    (site / "themes" / "brand.yaml").write_text('extends: warm\ncolors:\n  primary: "#204080"\n', encoding="utf-8")
    memo = build_module.PlanMemo()
    planned: list[Path] = []
    real = build_module.plan_site
    monkeypatch.setattr(build_module, "plan_site", lambda *args: planned.append(args[2]) or real(*args))
    build_module.build(site, sync=True, plan_memo=memo)
    (site / "themes" / "brand.yaml").write_text('extends: warm\ncolors:\n  primary: "#a03010"\n', encoding="utf-8")
    fingerprinted: list[object] = []
    from generator.targets import h5 as h5_module

    real_fingerprint = h5_module._H5Renderer.fingerprint
    monkeypatch.setattr(
        h5_module._H5Renderer, "fingerprint", lambda self, v: fingerprinted.append(v) or real_fingerprint(self, v)
    )
    result = build_module.build(site, sync=True, plan_memo=memo)
    assert len(planned) == 1 and result.site.theme.colors.primary.lower() == "#a03010"
    assert fingerprinted == []  # every page's key is the one it had: no values worked out again
    fresh = build_module.build(site, site / "fresh", use_cache=False)
    assert files_in(site / "dist") == files_in(site / "fresh") and fresh.site.theme == result.site.theme
    (site / "site.yaml").write_text((site / "site.yaml").read_text(encoding="utf-8").replace("price: 15", "price: 18"))
    build_module.build(site, sync=True, plan_memo=memo)
    assert len(planned) == 3 and fingerprinted  # the fresh build and this one planned again


def files_in(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}

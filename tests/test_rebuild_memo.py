"""gen dev's memo of the last build (generator/rebuild_memo.py): after any edit, what it builds is what a
build from nothing builds, and after one CSV row's edit only that row's work is done again."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from generator.build import PlanMemo, build
from generator.errors import SpecError
from generator.rebuild_memo import RebuildMemo, Shelf

from .test_build_state import EDITS, catalog_site, products_csv, tree

PHOTO_ROWS = "p090,带图商品,12.00,tea,有照片。,3,images/a.jpg\np091,另一件,13.00,cup,,,images/b.jpg\n"


def photo(path: Path, size: tuple[int, int], colour: str) -> None:
    Image.new("RGB", size, colour).save(path, quality=90)


def dev_build(site: Path, memo: PlanMemo) -> object:
    return build(site, site / "devout", sync=True, plan_memo=memo)


@pytest.mark.parametrize("edit", list(EDITS))
def test_under_the_memo_a_rebuild_makes_what_a_clean_build_makes(make_site, tmp_path: Path, edit: str) -> None:
    site = catalog_site(make_site)
    memo = PlanMemo()
    dev_build(site, memo)
    EDITS[edit](site)
    dev_build(site, memo)
    build(site, tmp_path / "clean", use_cache=False)
    assert tree(site / "devout") == tree(tmp_path / "clean")


def test_one_edited_row_is_the_only_product_worked_out_again(make_site, monkeypatch) -> None:
    from generator.targets import h5

    monkeypatch.setattr(h5, "SEARCH_SHARD_ROWS", 30)  # three search shards
    site = catalog_site(make_site)
    memo = PlanMemo()
    dev_build(site, memo)
    EDITS["one price"](site)
    result = dev_build(site, memo)
    hits = memo.rebuild.hits()
    assert hits["csv-row"] == hits["catalog-entry"] == 89  # of 90 rows
    # every product page's key but the edited one's (the listing pages show that product too: one of two)
    assert hits["h5-product-page"] == 89
    assert hits["h5-search-shard"] == 2  # the edited row's shard is made again
    assert result.written is not None and result.written.changed <= 10  # type: ignore[attr-defined]
    product = result.site.spec.catalog.products[5]  # type: ignore[attr-defined, union-attr]
    assert str(product.price) == "99.50"


def test_a_photo_changed_under_the_same_name_shows_on_its_product_page(make_site, tmp_path: Path) -> None:
    site = catalog_site(make_site)
    photo(site / "images" / "a.jpg", (800, 800), "#c0392b")
    photo(site / "images" / "b.jpg", (800, 800), "#2255aa")
    rows = products_csv(90).replace(
        "id,name,price,category,description,stock", "id,name,price,category,description,stock,images"
    )
    (site / "products.csv").write_text(rows + PHOTO_ROWS, encoding="utf-8")
    memo = PlanMemo()
    dev_build(site, memo)
    photo(site / "images" / "a.jpg", (800, 400), "#27ae60")  # another picture, of another shape
    dev_build(site, memo)
    build(site, tmp_path / "clean", use_cache=False)
    assert tree(site / "devout") == tree(tmp_path / "clean")
    assert memo.rebuild.hits()["csv-row"] == 92  # the rows are as they were; their photo is not


def test_a_bad_row_is_reported_at_its_line_with_the_memo_full(make_site) -> None:
    site = catalog_site(make_site)
    memo = PlanMemo()
    dev_build(site, memo)
    (site / "products.csv").write_text(products_csv(90, {40: "十元"}), encoding="utf-8")
    with pytest.raises(SpecError) as raised:
        dev_build(site, memo)
    message = raised.value.format_message()
    assert "products.csv:42" in message and "price" in message  # row 40 is on line 42 (after the header)
    EDITS["one price"](site)  # fixed (and another price edited): the memo of the last good build still serves
    dev_build(site, memo)
    assert memo.rebuild.hits()["csv-row"] == 89


def test_a_shelf_gives_a_value_back_only_for_what_it_was_made_from() -> None:
    shelf, same, other = Shelf(), [1, 2], [1, 3]
    made: list[str] = []
    shelf.begin()
    assert shelf.get("k", (same,), lambda: made.append("first") or "v1") == "v1"
    shelf.commit()
    shelf.begin()
    assert shelf.get("k", (same,), lambda: made.append("again") or "v2") == "v1"
    assert shelf.get("k", (other,), lambda: made.append("other") or "v3") == "v3"
    assert shelf.get("j", (same,), lambda: made.append("key") or "v4") == "v4"  # another key
    shelf.commit()
    assert made == ["first", "other", "key"]


def test_a_failed_build_and_a_stage_not_run_take_nothing_from_the_memo() -> None:
    memo, row = RebuildMemo(), object()
    memo.begin()
    memo.shelf("rows").keep("r", (row,), "product")
    memo.shelf("pages").keep("p", (row,), "key")
    memo.commit()
    memo.begin()
    memo.shelf("pages").keep("other", (row,), "key")  # this build fails: never committed
    memo.begin()
    assert memo.shelf("pages").take("p", (row,)) == "key"
    memo.commit()  # only the pages' stage ran: the rows' shelf keeps what it had
    assert memo.shelf("rows").take("r", (row,)) == "product"

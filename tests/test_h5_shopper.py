"""The H5 site as a shopper uses it, in real Chromium at 375x812: the way to search, the product gallery by
touch and keyboard, what the first screen loads, banner text alternatives, the open-in-mini-program panel."""

from __future__ import annotations

import pytest

from generator.build import build

from .conftest import REPO, StaticServer

BEIBEI = REPO / "sites" / "beibei"


@pytest.fixture(scope="module")
def beibei(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("beibei") / "dist"
    build(BEIBEI, out)
    server = StaticServer(out / "h5", prefix="/shop/")
    yield server, out / "h5"
    server.close()


@pytest.mark.parametrize("start", ["index.html", "pages/shop.html"])
def test_home_and_category_tab_lead_to_the_search(beibei, page, start: str) -> None:
    server, _ = beibei
    page.goto(server.url + start)
    entry = page.get_by_role("link", name="搜索商品")
    assert entry.is_visible()
    box = entry.bounding_box()
    assert box is not None and box["y"] < 812 and box["height"] >= 44  # on the first screen, a full tap target
    entry.click()
    page.wait_for_url(server.url + "catalog.html#search-input")
    assert page.evaluate("document.activeElement.id") == "search-input"


def test_pages_without_a_catalog_or_categories_have_no_search_entry(beibei) -> None:
    _, h5 = beibei
    assert "search-entry" not in (h5 / "pages" / "stores.html").read_text(encoding="utf-8")
    assert "search-entry" not in (h5 / "catalog.html").read_text(encoding="utf-8")

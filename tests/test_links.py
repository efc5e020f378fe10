"""Links: the plan makes target-neutral `Link` values; the mini-program, H5 and Official Account format them."""

from __future__ import annotations

import json
import re
from urllib.parse import unquote

from hypothesis import given
from hypothesis import strategies as st

from generator.blocks.base import view
from generator.build import build
from generator.plan.image_ref import ImageRef
from generator.plan.links import Link, h5_file, h5_url, miniprogram_link, miniprogram_path
from generator.targets.miniprogram import miniprogram_data

PATHS = {"home": "pages/home/index", "about": "pages/about/index", "deep": "more/deep/index"}
TABS = frozenset({"home"})

# An outside address with escapes and characters that quoting changes: each target must keep it exactly.
ESCAPED_URL = "https://example.com/a%20b/%E4%B8%AD?q=1%2B1&r=x+y#top"

SITE = """\
site: {name: 小店, appid: wx1234567890abcdef, base_url: "https://m.example.com/"}
tabs:
  - {page: home, text: 首页, icon: home}
  - {page: about, text: 关于, icon: user}
pages:
  - id: home
    title: 首页
    blocks:
      - {type: button, text: 官网, url: "%s"}
      - {type: button, text: 关于, page: about}
  - id: about
    title: 关于
official_account:
  menu:
    - {name: 关于, page: about}
"""


def test_miniprogram_formats_each_kind_of_link() -> None:
    assert miniprogram_link(Link("page", "home"), PATHS, TABS) == {"kind": "tab", "url": "/pages/home/index"}
    assert miniprogram_link(Link("page", "deep"), PATHS, TABS) == {"kind": "page", "url": "/more/deep/index"}
    product = {"kind": "page", "url": "/catalog/product/index?id=p1"}
    assert miniprogram_link(Link("product", "p1"), PATHS, TABS) == product
    assert miniprogram_path(Link("category", "c1"), PATHS) == "/catalog/category/index?id=c1"
    assert miniprogram_path(Link("url", "https://e.com/?a=1&b=2"), PATHS) == (
        "/pages/webview/index?url=https%3A%2F%2Fe.com%2F%3Fa%3D1%26b%3D2"
    )


def test_h5_formats_each_kind_of_link() -> None:
    assert h5_file(Link("page", "home"), home_page="home") == "index.html"
    assert h5_file(Link("page", "about"), home_page="home") == "pages/about.html"
    assert h5_file(Link("page", "deep"), home_page="home") == "pages/deep.html"  # the H5 site has no subpackages
    assert h5_file(Link("product", "p1"), home_page="home") == "product/p1.html"
    assert h5_file(Link("category", "c1"), home_page="home") == "category/c1.html"
    assert h5_file(Link("url", "https://e.com/"), home_page="home") == ""
    assert h5_url("https://m.example.com/shop", "index.html") == "https://m.example.com/shop/"
    assert h5_url("https://m.example.com/shop/", "pages/a.html") == "https://m.example.com/shop/pages/a.html"


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40))
def test_the_web_view_page_gets_back_exactly_the_address(tail: str) -> None:
    """pages/webview/index.js reads `decodeURIComponent(query.url)`: one decode gives the address back."""
    address = "https://example.com/" + tail
    path = miniprogram_path(Link("url", address), PATHS)
    assert unquote(path.split("?url=", 1)[1]) == address


def test_an_outside_address_reaches_every_target_as_written(make_site) -> None:
    """The H5 site decoded the mini-program's web-view URL twice (`%20` became a space, `%2B` a plus)."""
    site_dir = make_site(SITE % ESCAPED_URL)
    result = build(site_dir, write=False, use_cache=False)
    files = {f.path: f.data.decode() for f in result.files if f.path.endswith((".html", ".js", ".json"))}
    hrefs = re.findall(r'class="btn [^"]*" href="([^"]*)"', files["h5/index.html"])
    assert hrefs == [ESCAPED_URL.replace("&", "&amp;"), "pages/about.html"]
    data = miniprogram_data(result.site, [view(block) for block in result.site.routes[0].blocks])
    webview = data[0]["link"]["url"]
    assert unquote(webview.removeprefix("/pages/webview/index?url=")) == ESCAPED_URL
    assert data[1]["link"] == {"kind": "tab", "url": "/pages/about/index"}


def test_planned_links_are_target_neutral(make_site) -> None:
    """No mini-program path in the plan's links: each target formats them."""
    result = build(make_site(SITE % "https://example.com/"), write=False, use_cache=False)
    links = [view(block)["link"] for block in result.site.routes[0].blocks]
    assert links == [Link("url", "https://example.com/"), Link("page", "about")]


def test_official_account_menu_carries_both_targets_addresses(make_site) -> None:
    result = build(make_site(SITE % "https://example.com/"), write=False, use_cache=False)
    menu = json.loads(next(f.data for f in result.files if f.path == "official-account/menu.json"))
    assert menu["button"][0] == {
        "type": "miniprogram",
        "name": "关于",
        "url": "https://m.example.com/pages/about.html",
        "appid": "wx1234567890abcdef",
        "pagepath": "pages/about/index",
    }


IMAGE_SITE = """\
site: {name: 小店, cdn: "https://cdn.example.com/shop"}
tabs:
  - {page: home, text: 首页, icon: home}
  - {page: about, text: 关于, icon: user}
pages:
  - id: home
    title: 首页
    blocks:
      - {type: image, image: images/banner.jpg, alt: 春季}
  - id: about
    title: 关于
"""


def test_planned_images_are_target_neutral(make_site) -> None:
    """The plan names the image; the mini-program shows its published URL, the H5 site its own variants."""
    result = build(make_site(IMAGE_SITE), write=False, use_cache=False)
    block = view(result.site.routes[0].blocks[0])
    assert block["image"] == ImageRef("images/banner.jpg", "main")
    url = miniprogram_data(result.site, block)["image"]
    assert re.fullmatch(r"https://cdn\.example\.com/shop/banner-[0-9a-f]{10}\.jpg", url)
    html = next(f.data.decode() for f in result.files if f.path == "h5/index.html")
    picture = result.site.h5_pictures[block["image"]]
    assert f'src="{picture.src}"' in html and "cdn.example.com" not in html

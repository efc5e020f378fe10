"""Unit tests of the plan stage (`generator.plan.planner`) on a small site folder, with stand-in processed images
(no image is decoded, nothing is rendered): routes and page paths, the package plan and why, preloads,
the images each package needs and their widest slot, published image names, catalog data and stock."""

from __future__ import annotations

import hashlib
import re
from dataclasses import FrozenInstanceError
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from generator.assets.images import TAB_ICON_SIZE, ProcessedImage
from generator.blocks.base import Planned, view
from generator.build import load
from generator.plan.image_ref import ImageRef
from generator.plan.planner import plan_site as plan
from generator.plan.planner import stock_state, stock_text
from generator.plan.publish import h5_variants, publish, publish_images
from generator.plan.site import ImageNeed, PageRoute, Site
from generator.spec.catalog import Product

from .conftest import write_site

IMAGES = ("banner.jpg", "team.jpg", "car1.jpg", "car2.jpg", "toys.jpg", "tab.png", "tab-on.png", "Spring Banner.JPG")

SITE = """\
site:
  name: 小店
tabs:
  - {page: home, text: 首页, icon: home}
  - {page: about, text: 关于, icon: images/tab.png, selected_icon: images/tab-on.png}
pages:
  - id: home
    title: 首页
    blocks:
      - type: banner
        slides:
          - {image: images/banner.jpg, product: car}
      - {type: products, layout: grid, category: toys}
      - {type: image, image: "images/Spring Banner.JPG"}
  - id: about
    title: 关于
    blocks:
      - {type: text, body: 你好}
    children:
      - id: team
        title: 团队
        blocks:
          - {type: image, image: images/banner.jpg}
          - {type: image, image: images/team.jpg}
        children:
          - id: history
            title: 历史
  - id: contact
    title: 联系
    blocks:
      - {type: categories}
      - {type: button, text: 官网, url: 'https://example.cn/a?b=1'}
catalog:
  categories:
    - {id: toys, name: 玩具, image: images/toys.jpg}
    - {id: food, name: 食品}
  products:
    - {id: car, name: 小汽车, price: 19.9, category: toys, images: [images/car1.jpg, images/car2.jpg], stock: 3}
    - {id: cake, name: 蛋糕, price: 5, original_price: 8, category: food, stock: 0}
    - id: kite
      name: 风筝
      price: 10
      category: toys
      options: [{name: 颜色, values: [红, 蓝]}]
      skus: [{options: {颜色: 红}, stock: 10}, {options: {颜色: 蓝}, price: 12, stock: 2}]
"""

PLAIN = """\
site:
  name: 小店
tabs:
  - {page: home, text: 首页, icon: home}
  - {page: about, text: 关于, icon: user}
pages:
  - id: home
    title: 首页
    blocks:
      - {type: text, body: 欢迎}
  - id: about
    title: 关于
"""


def stand_in(need: ImageNeed) -> ProcessedImage:
    """A processed image that says which need it was made for (distinct bytes, so distinct names)."""
    data = f"{need.spec_path}@{need.width}".encode()
    fmt = "png" if need.spec_path.endswith(".png") else "jpg"
    return ProcessedImage(data, fmt, need.width, need.width // 2, 80, len(data), True)


def plan_site(folder: Path, cdn: str | None = None) -> tuple[Site, list[ImageNeed]]:
    """The stages up to rendering, with stand-in images: what the planner needs and what it plans."""
    loaded, theme = load(folder)
    planned = plan(loaded.spec, theme, loaded.site_dir)
    needs = list(planned.needs)
    published = publish_images(needs, {need: stand_in(need) for need in needs}, cdn)
    return publish(planned, published), needs


def site_folder(tmp_path: Path, text: str = SITE, extra: str = "") -> Path:
    folder = write_site(tmp_path / "site", text + extra, images=False)
    (folder / "images").mkdir()
    for name in IMAGES:
        (folder / "images" / name).write_bytes(b"not decoded by the plan")
    return folder


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory) -> tuple[Site, list[ImageNeed]]:
    return plan_site(site_folder(tmp_path_factory.mktemp("plan")))


def test_every_page_has_a_route_by_its_level(planned: tuple[Site, list[ImageNeed]]) -> None:
    site, _ = planned
    routes = [(r.page.id, r.path, r.level, r.is_tab, r.parent) for r in site.routes]
    assert routes == [
        ("home", "pages/home/index", 1, True, None),
        ("about", "pages/about/index", 1, True, None),
        ("team", "more/team/index", 2, False, "about"),
        ("history", "more/history/index", 3, False, "team"),
        ("contact", "pages/contact/index", 1, False, None),
    ]
    assert site.home == "pages/home/index"
    assert site.tab_pages == ("pages/home/index", "pages/about/index")


def test_a_page_uses_the_components_of_its_blocks_in_first_use_order(planned: tuple[Site, list[ImageNeed]]) -> None:
    components = {r.page.id: r.components for r in planned[0].routes}
    assert components["home"] == ("block-banner", "block-products", "block-image")
    assert components["about"] == ("block-text", "block-links")  # its sub-pages, listed
    assert components["team"] == ("block-image", "block-links")
    assert components["history"] == ()
    assert components["contact"] == ("block-categories", "block-button")


def test_the_package_plan_says_what_goes_where_and_why(planned: tuple[Site, list[ImageNeed]]) -> None:
    site, _ = planned
    packages = {p.name: p for p in site.packages}
    assert list(packages) == ["main", "catalog", "more"]
    main, catalog, more = packages["main"], packages["catalog"], packages["more"]
    assert (main.root, main.pages) == (
        "",
        ("pages/home/index", "pages/about/index", "pages/contact/index", "pages/webview/index"),
    )
    assert (catalog.root, catalog.pages) == ("catalog", ("product/index", "category/index"))
    assert (more.root, more.pages) == ("more", ("team/index", "history/index"))
    assert all(p.reason for p in site.packages)
    # a tab page that links into a subpackage downloads it in advance; the other pages do not
    assert catalog.preloaded_by == ("pages/home/index",)  # its banner opens a product
    assert more.preloaded_by == ("pages/about/index",)  # it lists its sub-page
    assert main.preloaded_by == ()
    assert site.uses_webview  # the button's outside address opens in the web-view page


def test_a_site_without_catalog_subpages_or_outside_links_is_one_package(tmp_path: Path) -> None:
    site, needs = plan_site(site_folder(tmp_path, PLAIN))
    assert [(p.name, p.pages) for p in site.packages] == [("main", ("pages/home/index", "pages/about/index"))]
    assert not site.uses_webview and site.catalog_data is None and needs == [] and site.images == ()


def test_commerce_adds_its_pages_to_the_catalog_package(tmp_path: Path) -> None:
    site, _ = plan_site(site_folder(tmp_path, extra="commerce: {api: 'https://api.example.cn'}\n"))
    catalog = next(p for p in site.packages if p.name == "catalog")
    assert catalog.pages == (
        "product/index",
        "category/index",
        "cart/index",
        "checkout/index",
        "result/index",
        "orders/index",
    )
    assert "cart" in catalog.reason


def test_the_first_page_may_be_another_than_the_first_tab(tmp_path: Path) -> None:
    site, _ = plan_site(site_folder(tmp_path, PLAIN.replace("  name: 小店", "  name: 小店\n  home: about")))
    assert site.home == "pages/about/index"


def test_each_package_needs_each_image_once_at_its_widest_slot(planned: tuple[Site, list[ImageNeed]]) -> None:
    _, needs = planned
    found = {(n.spec_path, n.package): (n.width, n.kind) for n in needs}
    assert found == {
        ("images/banner.jpg", "main"): (718, "photo"),  # full width; the deep page reuses it
        ("images/Spring Banner.JPG", "main"): (718, "photo"),
        ("images/car1.jpg", "main"): (351, "photo"),  # a card of the two-column grid
        ("images/toys.jpg", "main"): (96, "photo"),  # a round category icon
        ("images/team.jpg", "more"): (718, "photo"),  # shown on a deep page only
        ("images/car1.jpg", "catalog"): (750, "photo"),  # the product gallery, wider than the card
        ("images/car2.jpg", "catalog"): (750, "photo"),
        ("images/tab.png", "tab-icons"): (TAB_ICON_SIZE, "tab-icon"),
        ("images/tab-on.png", "tab-icons"): (TAB_ICON_SIZE, "tab-icon"),
    }
    first = {(n.spec_path, n.package): n.ref for n in needs}
    assert first[("images/banner.jpg", "main")] == ("pages", 0, "blocks", 0, "slides", 0, "image")
    assert first[("images/car1.jpg", "main")] == ("catalog", "products", 0, "images", 0)
    assert first[("images/tab-on.png", "tab-icons")] == ("tabs", 1, "selected_icon")


def test_published_images_have_readable_content_hashed_names(planned: tuple[Site, list[ImageNeed]]) -> None:
    site, needs = planned
    assert [a.output_path for a in site.images] == sorted(a.output_path for a in site.images)
    assert len(site.images) == len(needs)
    by_need = {(a.spec_path, a.package): a for a in site.images}
    spring = by_need[("images/Spring Banner.JPG", "main")]
    digest = hashlib.sha256(spring.image.data).hexdigest()[:10]
    assert spring.output_path == f"miniprogram/assets/img/spring-banner-{digest}.jpg"
    assert spring.url == f"/assets/img/spring-banner-{digest}.jpg" and not spring.on_cdn
    assert re.fullmatch(
        r"miniprogram/catalog/img/car2-[0-9a-f]{10}\.jpg", by_need[("images/car2.jpg", "catalog")].output_path
    )
    assert by_need[("images/team.jpg", "more")].output_path.startswith("miniprogram/more/img/team-")
    tab = by_need[("images/tab.png", "tab-icons")]
    assert tab.output_path.startswith("miniprogram/assets/tabbar/tab-") and tab.output_path.endswith(".png")
    icon, selected = site.tab_icon_files[1]
    assert icon == tab.url.lstrip("/") and selected.startswith("assets/tabbar/tab-on-")
    assert list(site.tab_icon_files) == [1]  # tab 0 uses a built-in icon


def test_with_a_cdn_photos_leave_the_packages_and_tab_icons_stay(tmp_path: Path) -> None:
    site, _ = plan_site(site_folder(tmp_path), cdn="https://cdn.example.cn/shop/")
    places = {(a.spec_path, a.package): (a.output_path, a.url, a.on_cdn) for a in site.images}
    path, url, on_cdn = places[("images/banner.jpg", "main")]
    assert path.startswith("cdn/banner-") and url == "https://cdn.example.cn/shop/" + path.removeprefix("cdn/")
    assert on_cdn
    assert not places[("images/tab.png", "tab-icons")][2]
    assert places[("images/tab.png", "tab-icons")][0].startswith("miniprogram/assets/tabbar/")


def test_the_h5_site_gets_a_1x_fallback_and_webp_of_each_photo() -> None:
    photo = ImageNeed("images/a.jpg", "main", 718, "photo", ("pages", 0))
    assert [(job.width, job.web_format) for job in h5_variants(photo)] == [(359, "auto"), (718, "webp"), (359, "webp")]
    assert h5_variants(ImageNeed("images/t.png", "tab-icons", 81, "tab-icon", ("tabs", 0))) == ()


def test_catalog_data_holds_every_product_and_category(planned: tuple[Site, list[ImageNeed]]) -> None:
    data: dict[str, Any] | None = planned[0].catalog_data
    assert data is not None
    assert list(data["products"]) == ["car", "cake", "kite"]
    assert [(c["id"], c["name"], c["productIds"]) for c in data["categories"]] == [
        ("toys", "玩具", ["car", "kite"]),
        ("food", "食品", ["cake"]),
    ]
    car, cake, kite = (data["products"][p] for p in ("car", "cake", "kite"))
    assert (car["priceText"], car["priceFen"], car["stockState"], car["stockText"]) == (
        "¥19.90",
        1990,
        "low",
        "仅剩 3 件",
    )
    # images are planned per package; each target formats its own URL for them
    assert len(car["images"]) == 2 and all(image.package == "catalog" for image in car["images"])
    assert (cake["originalPriceText"], cake["soldOut"], cake["stockText"], cake["images"]) == (
        "¥8.00",
        True,
        "已售罄",
        [],
    )
    assert car["categoryName"] == "玩具" and cake["categoryName"] == "食品"
    assert kite["options"] == [{"name": "颜色", "values": ["红", "蓝"]}]
    assert [(s["options"], s["priceFen"], s["stock"]) for s in kite["skus"]] == [
        ({"颜色": "红"}, 1000, 10),
        ({"颜色": "蓝"}, 1200, 2),
    ]
    assert kite["stockState"] == "in"  # 12 in all, over the low-stock mark


def test_the_privacy_page_is_planned_from_what_the_site_collects(tmp_path: Path) -> None:
    extra = "privacy: {company: 小店有限公司, contact: 'shop@example.cn'}\n"
    text = PLAIN.replace(
        "      - {type: text, body: 欢迎}\n",
        "      - {type: form, endpoint: 'https://x.cn/f', fields: [{name: tel, label: 电话, type: tel}]}\n",
    )
    site, _ = plan_site(site_folder(tmp_path, text, extra))
    privacy = site.routes[-1]
    assert (privacy.page.id, privacy.path, privacy.is_tab, privacy.components) == (
        "privacy",
        "pages/privacy/index",
        False,
        ("block-text",),
    )
    assert "pages/privacy/index" in site.packages[0].pages
    shown = repr(privacy.blocks)
    assert "电话" in shown and "小店有限公司" in shown and "shop@example.cn" in shown


def product(**fields: Any) -> Product:
    return Product.model_validate({"id": "p", "name": "品", "price": Decimal("1"), "category": "c", **fields})


@pytest.mark.parametrize(
    ("fields", "state", "text"),
    [
        ({}, "untracked", ""),
        ({"stock": 0}, "out", "已售罄"),
        ({"stock": 5}, "low", "仅剩 5 件"),
        ({"stock": 6}, "in", "有货"),
        (
            {"stock": 0, "options": [{"name": "码", "values": ["S", "M"]}],
             "skus": [{"options": {"码": "S"}, "stock": 1}, {"options": {"码": "M"}, "stock": 2}]},
            "low",
            "仅剩 3 件",
        ),
        (
            {"stock": 0, "options": [{"name": "码", "values": ["S", "M"]}],
             "skus": [{"options": {"码": "S"}, "stock": 1}, {"options": {"码": "M"}}]},
            "out",  # a SKU without a stock count leaves the product's own count in charge
            "已售罄",
        ),
    ],
)  # fmt: skip
def test_stock_state_and_text(fields: dict[str, Any], state: str, text: str) -> None:
    assert (stock_state(product(**fields)), stock_text(product(**fields))) == (state, text)


def images_in(value: Any) -> set[ImageRef]:
    """Every `ImageRef` in planned data."""
    if isinstance(value, ImageRef):
        return {value}
    if isinstance(value, PageRoute):
        return images_in(value.blocks)
    if isinstance(value, Planned):
        return images_in(view(value))
    if isinstance(value, dict):
        return {ref for item in value.values() for ref in images_in(item)}
    if isinstance(value, list | tuple):
        return {ref for item in value for ref in images_in(item)}
    return set()


def test_one_pass_plans_the_data_and_lists_exactly_the_images_its_slots_show(tmp_path: Path) -> None:
    loaded, theme = load(site_folder(tmp_path))
    planned = plan(loaded.spec, theme, loaded.site_dir)
    site = planned.site
    shown = images_in((site.routes, site.catalog_data)) | {icon for _, *icons in planned.tab_icons for icon in icons}
    assert {ref.key for ref in shown} == {(n.spec_path, n.package) for n in planned.needs} | set(planned.reuse)
    # a deep page shows the main package's copy, wide enough, instead of its own (car1 is wider in the catalog)
    assert planned.reuse == {("images/banner.jpg", "more"): ("images/banner.jpg", "main")}
    assert plan(loaded.spec, theme, loaded.site_dir) == planned  # nothing carried from one plan to the next
    with pytest.raises(FrozenInstanceError):
        planned.needs = ()  # type: ignore[misc]
    needs = list(planned.needs)
    published = publish(planned, publish_images(needs, {need: stand_in(need) for need in needs}, None))
    assert all(ref.key in published.image_assets for ref in images_in((site.routes, site.catalog_data)))

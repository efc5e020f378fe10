"""Plan stage: a valid spec and its theme become routes, links, image slots and per-page data."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..assets.images import TAB_ICON_SIZE, Kind
from ..blocks.base import (
    NO_IMAGE,
    SLOT_CATEGORY,
    SLOT_GALLERY,
    SLOT_ROW,
    CategoryCard,
    LinkTarget,
    Planned,
    PlannedBlock,
    ProductCard,
    view,
)
from ..blocks.links import LinkItem, PlannedLinks
from ..blocks.text import PlannedText
from ..load.source import SpecPath
from ..rebuild_memo import RebuildMemo
from ..spec.catalog import Category, Product
from ..spec.site import BUILTIN_ICONS, Page, SiteSpec, iter_pages
from ..textdata import paragraphs, price_fen, price_text
from ..theme.theme import Theme
from .catalog_delivery import choose_delivery
from .image_ref import ImageRef, PlannedImage
from .links import Link, miniprogram_path
from .routes import CATALOG_ROOT, CATEGORY_PAGE, COMMERCE_PAGES, DEEP_ROOT, PRODUCT_PAGE, WEBVIEW_PAGE, route_path
from .site import (
    H5_ONLY,
    MAIN_PACKAGE,
    TAB_ICONS,
    ImageNeed,
    PackagePlan,
    PageRoute,
    PlannedSite,
    Site,
)

LOW_STOCK = 5


def plan_site(spec: SiteSpec, theme: Theme, site_dir: Path, memo: RebuildMemo | None = None) -> PlannedSite:
    """Plan the site once; the images it needs follow from the slots the blocks, pages and catalog fill.
    With `memo` (gen dev), a product the loader handed over as it was last time keeps its catalog entry."""
    return Planner(spec, theme, site_dir, memo).plan()


class Planner:
    """Plans a site in one pass: routes, page data and catalog data, with each image slot an `ImageRef`
    and recorded as a need of the package that shows it. The package is passed down explicitly."""

    def __init__(self, spec: SiteSpec, theme: Theme, site_dir: Path, memo: RebuildMemo | None = None) -> None:
        self.spec = spec
        self.memo = memo
        self.theme = theme
        self.site_dir = site_dir
        self.tab_ids = {tab.page for tab in spec.tabs}
        self.uses_webview = False
        catalog = spec.catalog
        self.products = {p.id: p for p in catalog.products} if catalog else {}
        self.product_index = {p.id: i for i, p in enumerate(catalog.products)} if catalog else {}
        self.categories = {c.id: c for c in catalog.categories} if catalog else {}
        self.category_index = {c.id: i for i, c in enumerate(catalog.categories)} if catalog else {}
        self.page_paths = {page.id: route_path(page.id, level) for page, _, level in iter_pages(spec.pages)}
        self.page_paths["privacy"] = route_path("privacy")
        self.has_privacy_page = spec.privacy is not None
        self.commerce = spec.commerce
        self.needs: dict[tuple[str, str], ImageNeed] = {}
        self.recording: list[tuple[str, int, SpecPath, str, Kind]] | None = None  # image() calls, when noted
        self._by_category: dict[str, list[Product]] | None = None

    def plan(self) -> PlannedSite:
        routes = []
        parents: dict[str, str] = {}
        for page, _, _ in iter_pages(self.spec.pages):
            for child in page.children:
                parents[child.id] = page.id
        for page, path, level in iter_pages(self.spec.pages):
            package = MAIN_PACKAGE if level == 1 else DEEP_ROOT
            blocks = [block.plan(self, path + ("blocks", b), package) for b, block in enumerate(page.blocks)]
            if page.children:
                items = tuple(LinkItem(child.title, self.page_link(child.id)) for child in page.children)
                blocks.append(PlannedLinks(items))
            components = tuple(dict.fromkeys(f"block-{b.type}" for b in blocks))
            routes.append(
                PageRoute(
                    page=page,
                    path=self.page_paths[page.id],
                    level=level,
                    is_tab=page.id in self.tab_ids,
                    parent=parents.get(page.id),
                    blocks=tuple(blocks),
                    components=components,
                )
            )
        if self.spec.privacy is not None:
            routes.append(self.privacy_route())
        home_id = self.spec.site.home or self.spec.tabs[0].page
        catalog_data = self.catalog_data() if self.spec.catalog else None
        logo = self.spec.site.logo
        logo_ref = self.image(logo, TAB_ICON_SIZE, ("site", "logo"), H5_ONLY, "tab-icon") if logo else None
        tab_icons = []
        for i, tab in enumerate(self.spec.tabs):
            if tab.icon in BUILTIN_ICONS:
                continue
            icon = self.image(tab.icon, TAB_ICON_SIZE, ("tabs", i, "icon"), TAB_ICONS, "tab-icon")
            selected = tab.selected_icon
            ref = ("tabs", i, "selected_icon")
            chosen = self.image(selected, TAB_ICON_SIZE, ref, TAB_ICONS, "tab-icon") if selected else icon
            tab_icons.append((i, icon, chosen))
        needs = dict(self.needs)
        reuse: dict[tuple[str, str], tuple[str, str]] = {}
        for (spec_path, package), need in self.needs.items():
            main = needs.get((spec_path, MAIN_PACKAGE))
            if package in (CATALOG_ROOT, DEEP_ROOT) and main is not None and main.width >= need.width:
                del needs[(spec_path, package)]
                reuse[(spec_path, package)] = (spec_path, MAIN_PACKAGE)
        site = Site(
            spec=self.spec,
            theme=self.theme,
            site_dir=self.site_dir,
            routes=tuple(routes),
            home=self.page_paths[home_id],
            images=(),
            catalog_data=catalog_data,
            uses_webview=self.uses_webview,
            catalog_delivery=choose_delivery(self.spec),
            tab_pages=tuple(self.page_paths[t.page] for t in self.spec.tabs),
            packages=self.package_plan(routes, catalog_data is not None),
            home_page=home_id,
            page_paths=self.page_paths,
        )
        return PlannedSite(site, tuple(needs.values()), reuse, logo_ref, tuple(tab_icons))

    def privacy_route(self) -> PageRoute:
        """隐私说明: what the site collects, derived from the spec (forms, checkout, login, tracking)."""
        spec, privacy = self.spec, self.spec.privacy
        assert privacy is not None
        collected = [
            what
            for page, _, _ in iter_pages(spec.pages)
            for block in page.blocks
            if (what := block.collects(page.title))
        ]
        if spec.commerce is not None:
            collected.append("下单时：收货人、联系电话和收货地址，只用于配送和售后。")
            collected.append("微信登录标识（openid）：用于识别您的账户、订单、优惠券和签到记录。")
            collected.append("购物车保存在您的手机上，不会上传，直到您下单。")
        events = spec.analytics.all_events()
        fields = sorted({f for e in events.values() for f in e.fields})
        usage = (
            f"使用情况统计（如打开次数、页面浏览、商品浏览）：只包含 {'、'.join(fields)}，"
            "不含姓名、电话、地址等个人信息"
        )
        if spec.events_endpoint():
            usage += "；为统计访问人数和留存，会在您的设备上保存一个随机编号（不含任何个人信息），登录后与您的账户关联"
        collected.append(usage + "。")
        contact = f"{privacy.company}负责处理上述信息。查询、更正或删除您的信息，请联系：{privacy.contact}。"
        blocks: list[PlannedBlock] = [
            PlannedText("我们收集哪些信息", "left", tuple(collected)),
            PlannedText("如何联系我们", "left", (contact,)),
        ]
        if privacy.updated:
            blocks.append(PlannedText("", "left", (f"更新日期：{privacy.updated}",)))
        page = Page(id="privacy", title="隐私说明", share=False)
        return PageRoute(
            page=page,
            path=self.page_paths["privacy"],
            level=1,
            is_tab=False,
            parent=None,
            blocks=tuple(blocks),
            components=("block-text",),
        )

    def package_plan(self, routes: list[PageRoute], has_catalog: bool) -> tuple[PackagePlan, ...]:
        main_routes = [r for r in routes if not r.path.startswith(DEEP_ROOT + "/")]
        deep_routes = [r for r in routes if r.path.startswith(DEEP_ROOT + "/")]

        def opens(route: PageRoute, root: str) -> bool:
            """Whether a tap on the page can open a page of the subpackage at `root`."""
            return any(miniprogram_path(link, self.page_paths).startswith(f"/{root}/") for link in links_in(route))

        def preloaders(root: str) -> tuple[str, ...]:
            return tuple(r.path for r in main_routes if r.is_tab and opens(r, root))

        plans = [
            PackagePlan(
                MAIN_PACKAGE,
                "",
                tuple(r.path for r in main_routes) + ((WEBVIEW_PAGE,) if self.uses_webview else ()),
                "tab pages and other top-level pages, what they show, code several packages use, and the tab icons",
            )
        ]
        if has_catalog:
            pages = (PRODUCT_PAGE, CATEGORY_PAGE) + (COMMERCE_PAGES if self.spec.commerce else ())
            plans.append(
                PackagePlan(
                    CATALOG_ROOT,
                    CATALOG_ROOT,
                    tuple(p.removeprefix(CATALOG_ROOT + "/") for p in pages),
                    "category listing, product detail and the catalog data, with images and code only they use"
                    + ("; cart, checkout, payment result and orders" if self.spec.commerce else ""),
                    preloaders(CATALOG_ROOT),
                )
            )
        if deep_routes:
            plans.append(
                PackagePlan(
                    DEEP_ROOT,
                    DEEP_ROOT,
                    tuple(r.path.removeprefix(DEEP_ROOT + "/") for r in deep_routes),
                    "pages of levels 2 and 3 (opened from other pages), with images and code only they use",
                    preloaders(DEEP_ROOT),
                )
            )
        return tuple(plans)

    # --- links and images ---------------------------------------------------------------------

    def page_link(self, page_id: str) -> Link:
        return Link("page", page_id)

    def link(self, target: LinkTarget) -> Link | None:
        if target.page:
            return self.page_link(target.page)
        if target.product:
            return Link("product", target.product)
        if target.category:
            return Link("category", target.category)
        if target.url:
            self.uses_webview = True  # the mini-program shows an outside address in its web-view page
            return Link("url", target.url)
        return None

    def backend_url(self, path: str) -> str:
        commerce = self.spec.commerce
        assert commerce is not None, "validated: a block that needs the backend needs commerce:"
        return (commerce.api if commerce.api.endswith("/") else commerce.api + "/") + path

    def image(self, spec_path: str, width: int, ref: SpecPath, package: str, kind: Kind = "photo") -> ImageRef:
        """A spec image shown `width` rpx wide in `package`, recorded as a need of that package."""
        if self.recording is not None:
            self.recording.append((spec_path, width, ref, package, kind))
        key = (spec_path, package)
        known = self.needs.get(key)
        if known is None:
            self.needs[key] = ImageNeed(spec_path, package, width, kind, ref)
        elif known.width < width:
            self.needs[key] = ImageNeed(spec_path, package, width, kind, known.ref)
        return ImageRef(*key)

    # --- catalog ----------------------------------------------------------------------------------

    def category_card(self, category: Category, package: str, with_image: bool) -> CategoryCard:
        image: PlannedImage = NO_IMAGE
        if with_image and category.image:
            ref = ("catalog", "categories", self.category_index[category.id], "image")
            image = self.image(category.image, SLOT_CATEGORY, ref, package)
        return CategoryCard(category.id, category.name, image, category.name[:1], Link("category", category.id))

    def product_card(self, product: Product, slot: int, package: str) -> ProductCard:
        image: PlannedImage = NO_IMAGE
        if product.images:
            image = self.image(product.images[0], slot, self.product_ref(product) + ("images", 0), package)
        return ProductCard(
            id=product.id,
            name=product.name,
            price_text=price_text(product.price),
            original_price_text=price_text(product.original_price) if product.original_price else "",
            image=image,
            tags=tuple(product.tags),
            sold_out=stock_state(product) == "out",
            link=Link("product", product.id),
        )

    def products_of(self, category_id: str) -> Sequence[Product]:
        """The category's products in catalog order (grouped once per plan: a page's products blocks
        and the catalog data each ask, and the catalog may hold 100,000 products)."""
        if self._by_category is None:
            self._by_category = {category_id: [] for category_id in self.categories}
            for product in self.products.values():
                self._by_category[product.category].append(product)
        return self._by_category.get(category_id, ())

    def product_ref(self, product: Product) -> SpecPath:
        return ("catalog", "products", self.product_index[product.id])

    def catalog_data(self, package: str = CATALOG_ROOT) -> dict[str, Any]:
        shelf = self.memo.shelf("catalog-entry") if self.memo is not None else None
        products = {}
        for product in self.products.values():
            if shelf is None:
                products[product.id] = self.catalog_entry(product, package)
                continue
            # what an entry is made from besides its product: its place (in its images' spec paths)
            key = (product.id, self.product_index[product.id], package, self.categories[product.category].name)
            known = shelf.take(key, (product,))
            if known is None:
                self.recording = []
                known = (self.catalog_entry(product, package), tuple(self.recording))
                self.recording = None
            else:
                for call in known[1]:  # the image needs the entry's making noted
                    self.image(*call)
            shelf.keep(key, (product,), known)
            products[product.id] = known[0]
        categories = []
        for category in self.categories.values():
            card = view(self.category_card(category, package, with_image=False))
            card["description"] = category.description
            card["productIds"] = [product.id for product in self.products_of(category.id)]
            categories.append(card)
        return {"products": products, "categories": categories}

    def catalog_entry(self, product: Product, package: str) -> dict[str, Any]:
        """A product as the catalog's pages show it. Never changed once made (gen dev's memo shares it)."""
        skus = []
        for sku in product.skus:
            price = sku.price if sku.price is not None else product.price
            skus.append(
                {
                    "options": dict(sku.options),
                    "priceText": price_text(price),
                    "priceFen": price_fen(price),
                    "stock": -1 if sku.stock is None else sku.stock,
                }
            )
        return {
            **view(self.product_card(product, SLOT_ROW, package)),
            "images": [
                self.image(image, SLOT_GALLERY, self.product_ref(product) + ("images", i), package)
                for i, image in enumerate(product.images)
            ],
            "priceFen": price_fen(product.price),
            "stock": -1 if product.stock is None else product.stock,
            "paragraphs": paragraphs(product.description),
            "stockState": stock_state(product),
            "stockText": stock_text(product),
            "options": [{"name": o.name, "values": list(o.values)} for o in product.options],
            "skus": skus,
            "category": product.category,
            "categoryName": self.categories[product.category].name,
        }


def links_in(value: Any) -> list[Link]:
    """Every `Link` in planned data (a route's blocks, cards), in order."""
    if isinstance(value, PageRoute):
        return links_in(value.blocks)
    if isinstance(value, Link):
        return [value]
    if isinstance(value, Planned):
        return [link for item in vars(value).values() for link in links_in(item)]
    if isinstance(value, dict):
        return [link for item in value.values() for link in links_in(item)]
    if isinstance(value, list | tuple):
        return [link for item in value for link in links_in(item)]
    return []


def stock_state(product: Product) -> str:
    stock = product.stock
    if product.skus and all(s.stock is not None for s in product.skus):
        stock = sum(s.stock or 0 for s in product.skus)
    if stock is None:
        return "untracked"
    if stock == 0:
        return "out"
    return "low" if stock <= LOW_STOCK else "in"


def stock_text(product: Product) -> str:
    state = stock_state(product)
    if state == "out":
        return "已售罄"
    if state == "low":
        stock = product.stock if not product.skus else sum(s.stock or 0 for s in product.skus)
        return f"仅剩 {stock} 件"
    if state == "in":
        return "有货"
    return ""

"""Plan stage: a valid spec and its theme become routes, links, image slots and per-page data."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from .spec import (
    ArticleBlock,
    BannerBlock,
    Block,
    ButtonBlock,
    CategoriesBlock,
    ContactBlock,
    FormBlock,
    ImageBlock,
    LinkTarget,
    NoticeBlock,
    Page,
    Product,
    ProductsBlock,
    SiteSpec,
    TextBlock,
)
from .textdata import article_sections, paragraphs, price_fen, price_text
from .theme import Theme
from .validate import iter_pages

CATALOG_ROOT = "catalog"
"""Subpackage holding the category listing and product detail pages (keeps the main package small)."""
MAIN_PACKAGE = "main"
PRODUCT_PAGE = f"{CATALOG_ROOT}/product/index"
CATEGORY_PAGE = f"{CATALOG_ROOT}/category/index"
WEBVIEW_PAGE = "pages/webview/index"
LOW_STOCK = 5
INPUT_TYPES = {"number": "digit", "tel": "number"}
"""Form field type -> the mini-program <input type> that brings up the right keyboard."""


@dataclass(frozen=True)
class ImageAsset:
    """A spec image and the package path it is published under (content-hashed name)."""

    source: Path
    spec_path: str
    package_path: str  # e.g. assets/img/banner-1a2b3c4d5e.jpg


@dataclass(frozen=True)
class PageRoute:
    """One spec page in the mini-program."""

    page: Page
    path: str  # pages/<id>/index
    level: int
    is_tab: bool
    parent: str | None
    blocks: tuple[dict[str, Any], ...]
    components: tuple[str, ...]  # block component names the page uses, in first-use order


@dataclass(frozen=True)
class Site:
    """Everything the renderers need, resolved once."""

    spec: SiteSpec
    theme: Theme
    site_dir: Path
    routes: tuple[PageRoute, ...]
    home: str  # route path of the first page
    images: tuple[ImageAsset, ...]
    catalog_data: dict[str, Any] | None
    uses_webview: bool
    tab_pages: tuple[str, ...] = field(default=())


def plan_site(spec: SiteSpec, theme: Theme, site_dir: Path) -> Site:
    return _Planner(spec, theme, site_dir).plan()


class _Planner:
    def __init__(self, spec: SiteSpec, theme: Theme, site_dir: Path) -> None:
        self.spec = spec
        self.theme = theme
        self.site_dir = site_dir
        self.images: dict[str, ImageAsset] = {}
        self.tab_ids = {tab.page for tab in spec.tabs}
        self.uses_webview = False
        catalog = spec.catalog
        self.products = {p.id: p for p in catalog.products} if catalog else {}
        self.categories = {c.id: c for c in catalog.categories} if catalog else {}

    def plan(self) -> Site:
        # Two passes: the first records which package shows each image, so an image that only the
        # catalog subpackage shows is published inside it and costs the main package nothing.
        self.placement: dict[str, str] | None = None
        self.usage: dict[str, set[str]] = {}
        self.plan_pass()
        self.placement = {
            path: CATALOG_ROOT if packages == {CATALOG_ROOT} else MAIN_PACKAGE for path, packages in self.usage.items()
        }
        self.images = {}
        self.uses_webview = False
        return self.plan_pass()

    def plan_pass(self) -> Site:
        self.package = MAIN_PACKAGE
        routes = []
        parents: dict[str, str] = {}
        for page, _, _ in iter_pages(self.spec.pages):
            for child in page.children:
                parents[child.id] = page.id
        for page, _, level in iter_pages(self.spec.pages):
            blocks = [self.block_data(block) for block in page.blocks]
            if page.children:
                blocks.append(
                    {
                        "type": "links",
                        "items": [{"title": child.title, "link": self.page_link(child.id)} for child in page.children],
                    }
                )
            components = tuple(dict.fromkeys(f"block-{b['type']}" for b in blocks))
            routes.append(
                PageRoute(
                    page=page,
                    path=page_path(page.id),
                    level=level,
                    is_tab=page.id in self.tab_ids,
                    parent=parents.get(page.id),
                    blocks=tuple(blocks),
                    components=components,
                )
            )
        home_id = self.spec.site.home or self.spec.tabs[0].page
        self.package = CATALOG_ROOT
        catalog_data = self.catalog_data() if self.spec.catalog else None
        self.package = MAIN_PACKAGE
        for tab in self.spec.tabs:  # tab icons given as images are published like any other image
            if tab.icon.endswith((".png", ".jpg", ".jpeg", ".gif")):
                self.image(tab.icon)
            if tab.selected_icon:
                self.image(tab.selected_icon)
        logo = self.spec.site.logo
        if logo:
            self.image(logo)
        return Site(
            spec=self.spec,
            theme=self.theme,
            site_dir=self.site_dir,
            routes=tuple(routes),
            home=page_path(home_id),
            images=tuple(sorted(self.images.values(), key=lambda i: i.package_path)),
            catalog_data=catalog_data,
            uses_webview=self.uses_webview,
            tab_pages=tuple(page_path(t.page) for t in self.spec.tabs),
        )

    # --- links and images ---------------------------------------------------------------------

    def page_link(self, page_id: str) -> dict[str, str]:
        return {"kind": "tab" if page_id in self.tab_ids else "page", "url": "/" + page_path(page_id)}

    def link(self, target: LinkTarget) -> dict[str, str] | None:
        if target.page:
            return self.page_link(target.page)
        if target.product:
            return {"kind": "page", "url": f"/{PRODUCT_PAGE}?id={target.product}"}
        if target.category:
            return {"kind": "page", "url": f"/{CATEGORY_PAGE}?id={target.category}"}
        if target.url:
            self.uses_webview = True
            return {"kind": "page", "url": f"/{WEBVIEW_PAGE}?url={quote(target.url, safe='')}"}
        return None

    def image(self, spec_path: str) -> str:
        """Register an image of the spec; returns its absolute package URL."""
        if self.placement is None:
            self.usage.setdefault(spec_path, set()).add(self.package)
            return ""
        asset = self.images.get(spec_path)
        if asset is None:
            source = (self.site_dir / spec_path).resolve()
            digest = hashlib.sha256(source.read_bytes()).hexdigest()[:10]
            stem = re.sub(r"[^a-z0-9-]+", "-", Path(spec_path).stem.lower()).strip("-")[:32] or "img"
            suffix = Path(spec_path).suffix.lower().replace(".jpeg", ".jpg")
            folder = "assets/img" if self.placement[spec_path] == MAIN_PACKAGE else f"{CATALOG_ROOT}/img"
            asset = ImageAsset(source, spec_path, f"{folder}/{stem}-{digest}{suffix}")
            self.images[spec_path] = asset
        return "/" + asset.package_path

    # --- blocks -----------------------------------------------------------------------------------

    def block_data(self, block: Block) -> dict[str, Any]:
        match block:
            case BannerBlock():
                return {
                    "type": "banner",
                    "autoplay": block.autoplay,
                    "interval": block.interval,
                    "slides": [
                        {"image": self.image(s.image), "title": s.title, "link": self.link(s)} for s in block.slides
                    ],
                }
            case ProductsBlock():
                return self.products_block(block)
            case CategoriesBlock():
                ids = block.categories or list(self.categories)
                return {
                    "type": "categories",
                    "title": block.title,
                    "layout": block.layout,
                    "items": [self.category_card(self.categories[c]) for c in ids],
                }
            case TextBlock():
                return {
                    "type": "text",
                    "title": block.title,
                    "align": block.align,
                    "paragraphs": paragraphs(block.body),
                }
            case ImageBlock():
                return {"type": "image", "image": self.image(block.image), "alt": block.alt, "link": self.link(block)}
            case NoticeBlock():
                return {"type": "notice", "text": block.text, "link": self.link(block)}
            case ArticleBlock():
                return {
                    "type": "article",
                    "title": block.title,
                    "author": block.author,
                    "date": block.date or "",
                    "cover": self.image(block.cover) if block.cover else "",
                    "sections": article_sections(block.body),
                }
            case FormBlock():
                return {
                    "type": "form",
                    "title": block.title,
                    "endpoint": block.endpoint,
                    "submitText": block.submit_text,
                    "successMessage": block.success_message,
                    "errorMessage": block.error_message,
                    "fields": [
                        {
                            "name": f.name,
                            "label": f.label,
                            "type": f.type,
                            "required": f.required,
                            "placeholder": f.placeholder,
                            "options": list(f.options),
                            "inputType": INPUT_TYPES.get(f.type, "text"),
                            "maxLength": f.max_length,
                        }
                        for f in block.fields
                    ],
                }
            case ContactBlock():
                return {
                    "type": "contact",
                    "title": block.title,
                    "text": block.text,
                    "buttonText": block.button_text,
                    "phone": block.phone or "",
                    "address": block.address,
                    "hours": block.hours,
                }
            case ButtonBlock():
                return {"type": "button", "text": block.text, "style": block.style, "link": self.link(block)}
        raise AssertionError(f"unplanned block {block!r}")

    def products_block(self, block: ProductsBlock) -> dict[str, Any]:
        if block.products is not None:
            chosen = [self.products[p] for p in block.products]
        elif block.category is not None:
            chosen = [p for p in self.products.values() if p.category == block.category]
        else:
            chosen = list(self.products.values())
        chosen = chosen[: block.limit]
        more = None
        if block.category and block.more:
            more = {"kind": "page", "url": f"/{CATEGORY_PAGE}?id={block.category}"}
        return {
            "type": "products",
            "title": block.title,
            "layout": block.layout,
            "items": [self.product_card(p) for p in chosen],
            "more": more,
        }

    # --- catalog ----------------------------------------------------------------------------------

    def category_card(self, category: Any) -> dict[str, Any]:
        return {
            "id": category.id,
            "name": category.name,
            "image": self.image(category.image) if category.image else "",
            "initial": category.name[:1],
            "link": {"kind": "page", "url": f"/{CATEGORY_PAGE}?id={category.id}"},
        }

    def product_card(self, product: Product) -> dict[str, Any]:
        state = stock_state(product)
        return {
            "id": product.id,
            "name": product.name,
            "priceText": price_text(product.price),
            "originalPriceText": price_text(product.original_price) if product.original_price else "",
            "image": self.image(product.images[0]) if product.images else "",
            "tags": list(product.tags),
            "soldOut": state == "out",
            "link": {"kind": "page", "url": f"/{PRODUCT_PAGE}?id={product.id}"},
        }

    def catalog_data(self) -> dict[str, Any]:
        products = {}
        for product in self.products.values():
            state = stock_state(product)
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
            products[product.id] = {
                **self.product_card(product),
                "images": [self.image(i) for i in product.images],
                "priceFen": price_fen(product.price),
                "paragraphs": paragraphs(product.description),
                "stockState": state,
                "stockText": stock_text(product),
                "options": [{"name": o.name, "values": list(o.values)} for o in product.options],
                "skus": skus,
                "category": product.category,
                "categoryName": self.categories[product.category].name,
            }
        categories = []
        for category in self.categories.values():
            card = self.category_card(category)
            card["description"] = category.description
            card["productIds"] = [p.id for p in self.products.values() if p.category == category.id]
            categories.append(card)
        return {"products": products, "categories": categories}


def page_path(page_id: str) -> str:
    return f"pages/{page_id}/index"


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

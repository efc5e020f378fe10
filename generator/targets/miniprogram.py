"""Mini-program renderer: app.json, pages, block components, catalog subpackage, tab icons, theme.json."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from typing import Any

from ..assets.icons import render_icon
from ..blocks.base import view
from ..plan.catalog_delivery import LIST_PAGE_SIZE
from ..plan.image_ref import ImageRef, PlannedImage
from ..plan.links import Link, miniprogram_link
from ..plan.routes import CATALOG_ROOT, CATEGORY_PAGE, CHECKOUT_PAGE, COMMERCE_PAGES, PRODUCT_PAGE, WEBVIEW_PAGE
from ..plan.site import PageRoute, Site
from ..spec.site import BUILTIN_ICONS
from ..templates_env import template_env
from ..textdata import js_literal, price_fen
from ..theme.css import color_variables, css_variables, declarations
from ..theme.theme import Colors, TabBarColors, expand_hex, navigation_text_style
from ..write.output import OutputFile, text_file
from .placement import Package, place_modules
from .target import BatchTarget

ROOT = "miniprogram"
LIB_VERSION = "3.0.0"
PRIVACY_POPUP = "components/privacy-popup/index"
CSS_COMMENTS = re.compile(r"/\*.*?\*/", re.DOTALL)
PRODUCT_URL = f"/{PRODUCT_PAGE}?id="  # + a product id: its page
UTILS = ("utils/nav.js", "utils/block-behavior.js", "utils/request.js", "utils/track.js", "utils/page.js")
COMMERCE_UTILS = (
    "utils/money.js",
    "utils/cart.js",
    "utils/checkout.js",
    "utils/mask.js",
    "utils/session.js",
    "utils/subscribe.js",
)


def analytics_config(spec: Any) -> dict[str, Any]:
    events = spec.analytics.all_events()
    return {"endpoint": spec.events_endpoint(), "events": {name: list(e.fields) for name, e in events.items()}}


def render_miniprogram(site: Site) -> list[OutputFile]:
    return _Renderer(site).render()


TARGET = BatchTarget("miniprogram", ROOT, render_miniprogram)


def miniprogram_data(site: Site, value: Any) -> Any:
    """Planned data as the mini-program's pages read it: each `Link` the `{kind, url}` that utils/nav.js
    opens, each `ImageRef` the URL of its published file."""
    page_paths, tab_pages = site.page_paths, frozenset(tab.page for tab in site.spec.tabs)
    assets = site.image_assets

    def convert(value: Any) -> Any:
        if isinstance(value, str | int | float | bool | None):
            return value
        if isinstance(value, ImageRef):
            return assets[value.key].url
        if isinstance(value, Link):
            return miniprogram_link(value, page_paths, tab_pages)
        if isinstance(value, dict):
            return {key: convert(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [convert(item) for item in value]
        return value

    return convert(value)


def _json(value: Any) -> str:
    # Not \u-escaped: readable in DevTools; json.dumps keeps `</` harmless in .json files.
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=False) + "\n"


class _Renderer:
    def __init__(self, site: Site) -> None:
        self.site = site
        self.env = template_env("miniprogram", site.site_dir)
        self.files: list[OutputFile] = []
        self.dark = site.theme.dark is not None

    def add_text(self, path: str, text: str, origin: str) -> None:
        self.files.append(text_file(f"{ROOT}/{path}", text, origin))

    def add_template(self, path: str, template: str | None = None, **context: Any) -> None:
        name = template or path
        self.add_text(path, self.env.get_template(name).render(**context), f"templates/miniprogram/{name}")

    def render(self) -> list[OutputFile]:
        site = self.site
        used_components = sorted({c for route in site.routes for c in route.components})
        self.add_text("app.json", _json(self.app_json()), "generator.targets.miniprogram")
        self.add_template("app.js", commerce=site.spec.commerce is not None)
        self.add_template(
            "app.wxss",
            theme=site.theme,
            light_variables=declarations(css_variables(site.theme, "rpx")),
            dark_variables=declarations(color_variables(site.theme.dark.colors), "    ") if site.theme.dark else "",
        )
        self.add_text("project.config.json", _json(self.project_config()), "generator.targets.miniprogram")
        self.add_text(
            "sitemap.json", _json({"rules": [{"action": "allow", "page": "*"}]}), "generator.targets.miniprogram"
        )
        if self.dark:
            self.add_text("theme.json", _json(self.theme_json()), "generator.targets.miniprogram")
        for util in UTILS:
            self.add_template(util, commerce=site.spec.commerce is not None)
        self.add_text(
            "utils/analytics-config.js",
            "// Declared tracking events and their only fields (site.yaml `analytics:`). Generated; do not edit.\n"
            f"module.exports = {js_literal(analytics_config(site.spec))};\n",
            "generator.targets.miniprogram",
        )
        for component in used_components:
            for ext in ("wxml", "wxss", "js"):
                self.add_template(f"components/{component}/index.{ext}", product_url=PRODUCT_URL)
            self.add_text(
                f"components/{component}/index.json",
                _json({"component": True, "usingComponents": {}}),
                "generator.targets.miniprogram",
            )
        for route in site.routes:
            self.render_page(route)
        if site.uses_webview:
            for ext in ("wxml", "js"):
                self.add_template(f"{WEBVIEW_PAGE}.{ext}")
            self.add_text(
                f"{WEBVIEW_PAGE}.json",
                _json({"navigationBarTitleText": site.spec.site.name}),
                "generator.targets.miniprogram",
            )
        if site.catalog_data is not None:
            self.render_catalog()
        self.render_tab_icons()
        for asset in site.images:
            if asset.output_path.startswith(f"{ROOT}/"):
                self.files.append(OutputFile(asset.output_path, asset.image.data, asset.spec_path))
        packages = [
            Package(p.root, tuple(f"{p.root}/{page}" if p.root else page for page in p.pages)) for p in site.packages
        ]
        return place_modules(self.files, f"{ROOT}/", packages)

    # --- app-level files --------------------------------------------------------------------------

    def app_json(self) -> dict[str, Any]:
        site = self.site
        spec = site.spec
        main = site.packages[0]
        pages = [site.home, *(p for p in main.pages if p != site.home)]  # the first page is the entry page
        theme = site.theme
        window: dict[str, Any]
        tab_bar: dict[str, Any]
        if self.dark:
            window = {
                "navigationBarBackgroundColor": "@navBackground",
                "navigationBarTextStyle": "@navTextStyle",
                "navigationBarTitleText": spec.site.name,
                "backgroundColor": "@pageBackground",
                "backgroundTextStyle": "@pageTextStyle",
            }
            tab_bar = {
                "color": "@tabColor",
                "selectedColor": "@tabSelectedColor",
                "backgroundColor": "@tabBackground",
                "borderStyle": "@tabBorder",
            }
        else:
            window = {**self.window(theme.colors), "navigationBarTitleText": spec.site.name}
            tab_bar = self.tab_bar_colors(theme.tab_bar)
        tab_bar["list"] = [
            {"pagePath": path, "text": tab.text, **self.tab_icon_paths(i)}
            for i, (tab, path) in enumerate(zip(spec.tabs, site.tab_pages, strict=True))
        ]
        app: dict[str, Any] = {"pages": pages, "window": window, "tabBar": tab_bar}
        subpackages = [p for p in site.packages if p.root]
        if subpackages:
            app["subpackages"] = [{"root": p.root, "name": p.name, "pages": list(p.pages)} for p in subpackages]
        preload: dict[str, list[str]] = {}
        for package in subpackages:
            for page in package.preloaded_by:
                preload.setdefault(page, []).append(package.root)
        if preload:
            app["preloadRule"] = {page: {"network": "all", "packages": roots} for page, roots in preload.items()}
        if self.dark:
            app["darkmode"] = True
            app["themeLocation"] = "theme.json"
        if site.spec.commerce is not None and site.catalog_data is not None:
            app["requiredPrivateInfos"] = ["chooseAddress"]  # declared, as WeChat requires, for the checkout
            app["__usePrivacyCheck__"] = True
        app["style"] = "v2"
        app["sitemapLocation"] = "sitemap.json"
        app["lazyCodeLoading"] = "requiredComponents"
        return app

    @staticmethod
    def window(colors: Colors) -> dict[str, Any]:
        primary = expand_hex(colors.primary)
        return {
            "navigationBarBackgroundColor": primary,
            "navigationBarTextStyle": navigation_text_style(primary),
            "backgroundColor": expand_hex(colors.background),
            "backgroundTextStyle": "light" if navigation_text_style(colors.background) == "white" else "dark",
        }

    @staticmethod
    def tab_bar_colors(colors: TabBarColors) -> dict[str, Any]:
        return {
            "color": expand_hex(colors.color),
            "selectedColor": expand_hex(colors.selected_color),
            "backgroundColor": expand_hex(colors.background),
            "borderStyle": colors.border,
        }

    def theme_json(self) -> dict[str, Any]:
        theme = self.site.theme
        assert theme.dark is not None

        def variant(colors: Colors, tab: TabBarColors, mode: str) -> dict[str, str]:
            window = self.window(colors)
            values = {
                "navBackground": window["navigationBarBackgroundColor"],
                "navTextStyle": window["navigationBarTextStyle"],
                "pageBackground": window["backgroundColor"],
                "pageTextStyle": window["backgroundTextStyle"],
                "tabColor": expand_hex(tab.color),
                "tabSelectedColor": expand_hex(tab.selected_color),
                "tabBackground": expand_hex(tab.background),
                "tabBorder": tab.border,
            }
            for i, tab_spec in enumerate(self.site.spec.tabs):
                if tab_spec.icon in BUILTIN_ICONS:
                    values[f"tabIcon{i}"] = f"assets/tabbar/{tab_spec.icon}-{mode}.png"
                    values[f"tabIconSelected{i}"] = f"assets/tabbar/{tab_spec.icon}-{mode}-selected.png"
            return values

        return {
            "light": variant(theme.colors, theme.tab_bar, "light"),
            "dark": variant(theme.dark.colors, theme.dark.tab_bar, "dark"),
        }

    def tab_icon_paths(self, index: int) -> dict[str, str]:
        tab = self.site.spec.tabs[index]
        if tab.icon not in BUILTIN_ICONS:
            icon, selected = self.site.tab_icon_files[index]
            return {"iconPath": icon, "selectedIconPath": selected}
        if self.dark:
            return {"iconPath": f"@tabIcon{index}", "selectedIconPath": f"@tabIconSelected{index}"}
        return {
            "iconPath": f"assets/tabbar/{tab.icon}-light.png",
            "selectedIconPath": f"assets/tabbar/{tab.icon}-light-selected.png",
        }

    def render_tab_icons(self) -> None:
        theme = self.site.theme
        variants = [("light", theme.tab_bar)]
        if theme.dark:
            variants.append(("dark", theme.dark.tab_bar))
        for name in sorted({tab.icon for tab in self.site.spec.tabs if tab.icon in BUILTIN_ICONS}):
            for mode, colors in variants:
                for suffix, color in (("", colors.color), ("-selected", colors.selected_color)):
                    self.files.append(
                        OutputFile(
                            f"{ROOT}/assets/tabbar/{name}-{mode}{suffix}.png",
                            render_icon(name, color),
                            f"generator.assets.icons:{name}",
                        )
                    )

    def project_config(self) -> dict[str, Any]:
        spec = self.site.spec
        return {
            "appid": spec.site.appid,
            "projectname": spec.site.name,
            "compileType": "miniprogram",
            "libVersion": LIB_VERSION,
            # minified, minifyWXML and minifyWXSS: what DevTools' code-quality panel asks of an upload
            "setting": {
                "es6": True,
                "enhance": True,
                "postcss": True,
                "minified": True,
                "minifyWXML": True,
                "minifyWXSS": True,
                "urlCheck": not self.site.dev_api,  # a development backend is not a listed https domain
            },
            "description": "Generated by mpgen from site.yaml; edit the spec, not these files.",
        }

    # --- pages ----------------------------------------------------------------------------------------

    def render_page(self, route: PageRoute) -> None:
        page = route.page
        blocks = [block.miniprogram_view(view(block)) for block in route.blocks]
        data = {"title": page.title, "blocks": miniprogram_data(self.site, blocks)}
        if page.share:
            data["shareTitle"] = page.title if route.path != self.site.home else self.site.spec.site.name
            data["sharePath"] = "/" + route.path
        self.add_template(
            f"{route.path}.wxml", "pages/page/index.wxml", blocks=[f"block-{b.type}" for b in route.blocks]
        )
        self.add_template(f"{route.path}.js", "pages/page/index.js", page_id=page.id, data=data)
        page_css = self.env.get_template("pages/page/index.wxss").render()
        if CSS_COMMENTS.sub("", page_css).strip():  # only when a site's own template adds page styles
            self.add_text(f"{route.path}.wxss", page_css, "templates/miniprogram/pages/page/index.wxss")
        using = {c: f"/components/{c}/index" for c in route.components}
        self.add_text(
            f"{route.path}.json",
            _json({"navigationBarTitleText": page.title, "usingComponents": using}),
            "generator.targets.miniprogram",
        )

    def render_catalog(self) -> None:
        assert self.site.catalog_data is not None
        delivery = self.site.catalog_delivery
        if not delivery.remote:  # else the remote_catalog target writes it as JSON pages
            self.add_template(
                f"{CATALOG_ROOT}/data.js",
                packed=pack_catalog(self.site, self.site.catalog_data),
                product_url=PRODUCT_URL,
            )
        self.add_template(
            "utils/catalog.js",
            remote=delivery.remote,
            base=delivery.base,
            product_url=PRODUCT_URL,
            page_size=LIST_PAGE_SIZE,
        )
        commerce = self.site.spec.commerce
        titles = {PRODUCT_PAGE: self.site.spec.site.name, CATEGORY_PAGE: self.site.spec.site.name}
        if commerce is not None:
            titles.update(zip(COMMERCE_PAGES, ("购物车", "确认订单", "支付结果", "我的订单"), strict=True))
            self.render_commerce_utils()
        for page, title in titles.items():
            for ext in ("wxml", "wxss", "js"):
                self.add_template(f"{page}.{ext}", commerce=commerce is not None)
            using = {"privacy-popup": f"/{PRIVACY_POPUP}"} if page == CHECKOUT_PAGE else {}
            self.add_text(
                f"{page}.json",
                _json({"navigationBarTitleText": title, "usingComponents": using}),
                "generator.targets.miniprogram",
            )
        if commerce is not None:
            for ext in ("wxml", "wxss", "js"):
                self.add_template(f"{PRIVACY_POPUP}.{ext}")
            self.add_text(
                f"{PRIVACY_POPUP}.json",
                _json({"component": True, "usingComponents": {}}),
                "generator.targets.miniprogram",
            )

    def render_commerce_utils(self) -> None:
        commerce = self.site.spec.commerce
        assert commerce is not None
        config = {
            "api": commerce.api if commerce.api.endswith("/") else commerce.api + "/",
            "shippingFen": price_fen(commerce.shipping_fee),
            "freeShippingOverFen": price_fen(commerce.free_shipping_over) if commerce.free_shipping_over else None,
            "maxQuantity": commerce.max_quantity,
            "home": self.site.home,
            "orderTemplateIds": list(commerce.order_templates),
        }
        self.add_text(
            "utils/commerce-config.js",
            "// The site's commerce settings (from site.yaml `commerce:`). Generated; do not edit.\n"
            f"module.exports = {js_literal(config)};\n",
            "generator.targets.miniprogram",
        )
        for util in COMMERCE_UTILS:
            self.add_template(util)


def pack_catalog(site: Site, catalog: dict[str, Any]) -> dict[str, Any]:
    """The catalog with its products as rows under one list of field names, without the link every
    product page has: half the bytes of one object per product. catalog/data.js unpacks it on load.
    Under gen dev's memo a product's row is the last build's while its entry and pictures are."""
    products = list(catalog["products"].values())
    for product in products:
        assert product["link"] == Link("product", product["id"]), product["id"]
    fields = tuple(sorted({field for product in products for field in product} - {"link"}))
    assets = site.image_assets

    def url(image: PlannedImage) -> str:
        return assets[image.key].url if image else ""

    # Only these columns hold planned values (a 10,000-product catalog is not walked cell by cell).
    columns: dict[str, Callable[[Any], Any]] = {"image": url, "images": lambda images: [url(i) for i in images]}
    getters = [(field, columns.get(field)) for field in fields]

    def row(product: dict[str, Any]) -> list[Any]:
        return [convert(product.get(field)) if convert else product.get(field) for field, convert in getters]

    if site.memo is None:
        rows = [row(product) for product in products]
    else:
        shelf = site.memo.shelf(("packed-row", fields))
        rows = [
            shelf.get(
                (product["id"], url(product["image"]), tuple(url(i) for i in product["images"]))
                if product["images"]
                else product["id"],
                (product,),
                functools.partial(row, product),
            )
            for product in products
        ]
    return {"categories": miniprogram_data(site, catalog["categories"]), "fields": list(fields), "rows": rows}

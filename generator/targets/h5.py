"""H5 renderer: the same pages, catalog and theme as a static mobile site, with relative links everywhere."""

from __future__ import annotations

import dataclasses
import functools
import itertools
import json
import posixpath
import threading
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import jinja2
from markupsafe import Markup, escape
from pydantic import BaseModel

from ..assets.icons import render_badge, render_icon
from ..blocks.base import view
from ..build_state import code_digest
from ..plan.image_ref import ImageRef, PlannedImage
from ..plan.links import H5_HOME_FILE, Link, h5_file, h5_url, miniprogram_path
from ..plan.links import h5_page_file as page_file
from ..plan.site import H5Picture, PageRoute, Site
from ..rebuild_memo import RebuildMemo
from ..spec.site import BUILTIN_ICONS
from ..templates_env import template_env
from ..textdata import js_literal
from ..theme.css import color_variables, css_variables, declarations
from ..theme.theme import expand_hex
from ..write.output import OutputFile, kept_file, text_file
from ..write.previous import page_key
from . import page_helper
from .h5_fold import FirstScreen, first_screen, first_screen_of_gallery, first_screen_of_products
from .page_helper import PageHelper
from .target import Sink, StreamingTarget

ROOT = "h5"
HOME_FILE = H5_HOME_FILE
CATALOG_FILE = "catalog.html"
BADGE_FILE = "assets/icon.png"
# Heights (px at 375 px wide) above the first block or product, for the first-screen estimate (h5_fold).
SEARCH_ENTRY = 16 + 44
CATALOG_TOP = 16 + 44 + 24 + 44
CATEGORY_TOP = 45 + 24
CATEGORY_DESCRIPTION = 16 + 2 * 21
NOTHING_FIRST = FirstScreen()
PAGE_SIZE = 40
"""Products per category page: a category of thousands is a series of pages (category/<id>.html, then
category/<id>/2.html, ...), each small whatever the catalog's size."""
CATALOG_EACH = 4
CATALOG_GROUPS = 30
"""catalog.html shows the first CATALOG_EACH products of the first CATALOG_GROUPS categories, and the other
categories as links: it stays small for any catalog, and the search covers every product."""
SEARCH_INDEX_FOLDER = "assets/search"
SEARCH_SHARD_ROWS = 2000
"""Products per search index script (assets/search/<n>.js, about 100 KB each): the search loads them one
by one until it has SEARCH_RESULTS matches, so a big catalog's search starts with one small download."""
SEARCH_RESULTS = 50


def h5_page_file(route: PageRoute, home: str) -> str:
    """The file of a planned route below the H5 root (`home`: the route path of the first page); for gen preview."""
    return page_file(route.page.id, route.path == home)


def _page_file(site: Site, page_id: str) -> str:
    return page_file(page_id, page_id == site.home_page)


@dataclass
class PageContext:
    """Link and image helpers for one page: everything relative to that page's folder."""

    site: Site
    file: str  # this page, relative to the h5 root
    routes_by_id: dict[str, PageRoute]
    env: jinja2.Environment
    first: FirstScreen = field(default_factory=FirstScreen)  # what this page shows on a phone's first screen

    @property
    def root(self) -> str:
        depth = self.file.count("/")
        return "../" * depth

    def page_href(self, target: str) -> str:
        """A file of the H5 site, relative to this page: the folder works under any path on any host."""
        folder = posixpath.dirname(self.file)
        if folder and target.startswith(folder + "/"):
            return target[len(folder) + 1 :]  # a sibling: product/a.html -> b.html
        return self.root + target

    def asset(self, target: str) -> str:
        return self.root + target

    def absolute(self, target: str) -> str:
        """An address under site.base_url, for what must be absolute (canonical, share image); '' without one."""
        base = self.site.spec.site.base_url
        return h5_url(base, target) if base else ""

    def href(self, link: Link | None) -> str:
        """The H5 address of a planned link, relative to this page (an outside address as it is); '' for none."""
        if link is None:
            return ""
        if link.kind == "url":
            return link.target
        return self.page_href(h5_file(link, self.site.home_page))

    def picture(self, image: PlannedImage, alt: str, sizes: str, lazy: bool | None = None, css: str = "") -> Markup:
        """<picture> with WebP and JPEG/PNG at 1x and 2x, sized to avoid layout shift. It loads eagerly when it
        is on the page's first screen (`lazy=None`, or `lazy=False` to insist) and with high priority when it
        is the largest image there; lazily otherwise."""
        eager = image in self.first.eager if lazy is None else not lazy
        loading = ' loading="eager"' if eager else ' loading="lazy" decoding="async"'
        if eager and image == self.first.lcp:
            loading += ' fetchpriority="high"'
        css_attr = f' class="{escape(css)}"' if css else ""
        picture: H5Picture | None = self.site.h5_pictures.get(image) if image else None
        if picture is None:  # (every planned photo has its H5 picture: this is an empty slot)
            return Markup(f'<img src="" alt="{escape(alt)}"{loading}{css_attr}>')

        def srcset(entries: tuple[tuple[str, int], ...]) -> str:
            return ", ".join(f"{self.asset(path)} {width}w" for path, width in entries)

        attributes = f'width="{picture.width}" height="{picture.height}"'
        sources = ""
        if picture.webp:
            sources = f'<source type="image/webp" srcset="{escape(srcset(picture.webp))}" sizes="{escape(sizes)}">'
        img = (
            f'<img src="{escape(self.asset(picture.src))}" srcset="{escape(srcset(picture.fallback))}" '
            f'sizes="{escape(sizes)}" alt="{escape(alt)}" {attributes}{loading}{css_attr}>'
        )
        return Markup(f"<picture>{sources}{img}</picture>")

    def deferred_picture(self, image: PlannedImage, alt: str, sizes: str) -> Markup:
        """A picture that no browser fetches at load, not even within its lazy-loading distance (a carousel's
        slides further off to the side): site.js puts it in place as the carousel nears it; without
        scripts it is an ordinary lazy picture."""
        return Markup(f"<noscript data-deferred>{self.picture(image, alt, sizes, lazy=True)}</noscript>")

    def link_label(self, link: Link | None) -> str:
        """What a planned link leads to, in words: a product's or category's name, a page's title."""
        if link is None:
            return ""
        data = self.site.catalog_data or {}
        if link.kind == "product":
            return str(data.get("products", {}).get(link.target, {}).get("name", ""))
        if link.kind == "category":
            return next((str(c["name"]) for c in data.get("categories", []) if c["id"] == link.target), "")
        route = self.routes_by_id.get(link.target) if link.kind == "page" else None
        return route.page.title if route else ""

    def open_in_miniprogram(self, mp_path: str, label: str) -> Markup:
        """For what only works inside WeChat: a button (and, drawn by assets/qr.js, its QR code) that opens
        the mini-program page through WeChat's plain URL scheme (明文 URL Scheme). WeChat opens it from a
        browser outside WeChat, for paths declared in the mini-program console; inside WeChat's own browser
        it does not, so site.js shows the way out there instead."""
        path, _, query = mp_path.lstrip("/").partition("?")
        appid = self.site.spec.site.appid
        scheme = f"weixin://dl/business/?appid={quote(appid, safe='')}&path={quote(path, safe='')}"
        if query:
            scheme += f"&query={quote(query, safe='')}"
        macro = _open_in_miniprogram_macro(self.env)
        return Markup(macro(label=label, scheme=scheme, path=path, site_name=self.site.spec.site.name))


@functools.lru_cache(maxsize=8)
def _open_in_miniprogram_macro(env: jinja2.Environment) -> Any:
    """The macro of open_in_miniprogram.html: a call costs a third of rendering a template (a product
    page has one, so this is a fifth of rendering 10,000 of them)."""
    return env.get_template("open_in_miniprogram.html").module.open_in_miniprogram  # type: ignore[attr-defined]


SINK_BATCH = 256
MadeFrom = tuple[tuple[object, ...], Hashable]
"""What a page is made from, for gen dev's memo (`_H5Renderer.page`)."""


def render_h5(site: Site, sink: Sink | None = None, keep: bool = True) -> list[OutputFile]:
    """Every file of the H5 site; with a `sink`, also handed over in batches while rendering goes on
    (and with `keep=False` let go once handed over: only the files of the last batch are returned)."""
    return _H5Renderer(site, sink, keep).render()


TARGET = StreamingTarget("h5", ROOT, render_h5)  # hands its files over while it renders


class _H5Renderer:
    def __init__(self, site: Site, sink: Sink | None = None, keep: bool = True) -> None:
        self.site = site
        self.sink = sink
        self.keep = keep or sink is None
        self.helper: PageHelper | None = None
        self.handed_over = 0
        self.env = template_env("h5", site.site_dir)
        self.files: list[OutputFile] = []
        self.routes_by_id = {r.page.id: r for r in site.routes}
        self.unit = site.theme.spacing.unit
        self.shared = self.shared_digest()
        site.previous.shared = self.shared
        self.links = self.context("")  # resolves the labels of links for page keys

    # --- pages made before ------------------------------------------------------------------------

    def shared_digest(self) -> str:
        """What every page may read besides its own values: the spec but its products (which reach a page
        only through its values), the plan's page table, mpgen's templates and the site's own. The theme
        only with templates of the site's own: the built-in ones leave it to site.css (a colour change
        rewrites no page), and what the theme shapes on a page (the first-screen estimate) is a value."""
        site = self.site
        own_templates = sorted(
            (str(p.relative_to(site.site_dir)), p.read_bytes())
            for p in (site.site_dir / "templates").rglob("*")
            if p.is_file()
        )
        return page_key(
            site.spec.model_dump_json(exclude={"catalog": {"products"}}),
            site.theme.model_dump_json() if own_templates else "",
            json.dumps([site.home_page, site.logo_icon, dict(site.page_paths), site.uses_webview, site.dev_api]),
            code_digest(),
            repr(own_templates).encode(),
        )

    def fingerprint(self, value: Any) -> str:
        """A stable serialisation of a page's values; images as the H5 files they show, links with the
        labels they show. Raises TypeError for a value it cannot serialise (the page is then rendered)."""
        return json.dumps(value, default=self._plain, ensure_ascii=False, separators=(",", ":"))

    def _plain(self, value: Any) -> Any:
        if isinstance(value, ImageRef):
            picture = self.site.h5_pictures.get(value)
            shown = [picture.src, picture.width, picture.height, picture.fallback, picture.webp] if picture else None
            return ["image", value.spec_path, value.package, shown]
        if isinstance(value, Link):
            return ["link", value.kind, value.target, self.links.link_label(value)]
        if isinstance(value, frozenset | set):
            return sorted(self.fingerprint(item) for item in value)
        if isinstance(value, BaseModel):
            return value.model_dump(mode="json")
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return [type(value).__name__, *(getattr(value, f.name) for f in dataclasses.fields(value))]
        raise TypeError(f"no stable form for {type(value).__name__}")

    def context(self, file: str, first: FirstScreen = NOTHING_FIRST) -> PageContext:
        return PageContext(self.site, file, self.routes_by_id, self.env, first)

    def render(self) -> list[OutputFile]:
        self.helper = self.start_helper()  # first: before this process hands anything to the writer's thread
        try:
            return self.render_all()
        except BaseException:
            if self.helper is not None:
                self.helper.abort()
            raise

    def render_all(self) -> list[OutputFile]:
        self.render_assets()
        for route in self.site.routes:
            self.render_route(route)
        if self.site.catalog_data is not None:
            self.render_catalog()
        for asset in self.site.images:
            if asset.output_path.startswith(f"{ROOT}/"):
                self.files.append(OutputFile(asset.output_path, asset.image.data, asset.spec_path))
        for picture in self.site.h5_pictures.values():
            for path, data, origin in picture.files:
                self.files.append(OutputFile(path, data, origin))
        self.hand_over(force=True)
        return list({f.path: f for f in self.files}.values())

    def start_helper(self) -> PageHelper | None:
        """A helper process for the last part of the product pages, on a big catalog with cores to spare;
        never from a process that runs threads already (gen dev's server), as forking one is unsafe, nor
        under gen dev's memo (its pages are taken again here, which the helper could not)."""
        if self.sink is None or self.site.memo is not None or threading.active_count() > 1:
            return None
        if not page_helper.wanted(self.site, self.site.jobs):
            return None
        ids = list((self.site.catalog_data or {})["products"])
        cut = int(len(ids) * (1 - page_helper.HELPER_SHARE))
        return PageHelper(self.site, ids[cut:], _render_product_pages)

    def take_from_helper(self, wait: bool = False) -> None:
        if self.helper is None:
            return
        for batch in self.helper.rest() if wait else self.helper.ready():
            self.files += batch
            self.hand_over()
        if wait:
            self.site.previous.new_keys.update(self.helper.page_keys)
            self.site.previous.reused += self.helper.reused
            self.helper = None

    def hand_over(self, force: bool = False) -> None:
        if self.sink is not None and (force or len(self.files) - self.handed_over >= SINK_BATCH):
            self.sink(self.files[self.handed_over :])
            if self.keep:
                self.handed_over = len(self.files)
            elif not force:
                self.files = []  # written by the sink's writer: not kept (a page per product adds up)

    # --- shared parts ---------------------------------------------------------------------------

    def block_styles(self) -> str:
        """The styles of the blocks the site shows (`templates/blocks/<type>/h5.css`), each block's own:
        their selectors name only the block's markup, so their order among themselves does not matter."""
        used = sorted({block.type for route in self.site.routes for block in route.blocks})
        styles = []
        for block_type in used:
            try:
                styles.append(self.env.get_template(f"blocks/{block_type}.css").render().strip("\n"))
            except jinja2.TemplateNotFound:
                continue  # a block with no styles of its own
        return "\n\n".join(styles)

    def render_assets(self) -> None:
        theme = self.site.theme
        light = css_variables(theme, "px") + self.tab_variables(theme.tab_bar)
        dark = ""
        if theme.dark:
            dark = declarations(color_variables(theme.dark.colors) + self.tab_variables(theme.dark.tab_bar), "    ")
        css = self.env.get_template("assets/site.css").render(
            theme=theme,
            light_variables=Markup(declarations(light)),
            dark_variables=Markup(dark),
            block_styles=Markup(self.block_styles()),
        )
        self.files.append(text_file(f"{ROOT}/assets/site.css", css, "templates/h5/assets/site.css"))
        for script in ("assets/site.js", "assets/qr.js"):
            js = self.env.loader.get_source(self.env, script)[0]  # type: ignore[union-attr]
            self.files.append(text_file(f"{ROOT}/{script}", js, f"templates/h5/{script}"))
        if not self.site.logo_icon:
            badge = render_badge(self.site.theme.colors.primary)
            self.files.append(OutputFile(f"{ROOT}/{BADGE_FILE}", badge, "generator.assets.icons"))
        for index in range(len(self.site.spec.tabs)):
            for selected in (False, True):
                self.files.append(OutputFile(self.tab_icon_path(index, selected), *self.tab_icon(index, selected)))

    @staticmethod
    def tab_variables(tab_bar: Any) -> list[tuple[str, str]]:
        return [
            ("--tab-color", expand_hex(tab_bar.color)),
            ("--tab-selected-color", expand_hex(tab_bar.selected_color)),
            ("--tab-background", expand_hex(tab_bar.background)),
        ]

    def tab_icon_path(self, index: int, selected: bool) -> str:
        return f"{ROOT}/assets/tabbar/tab{index}{'-selected' if selected else ''}.png"

    def tab_icon(self, index: int, selected: bool) -> tuple[bytes, str]:
        tab = self.site.spec.tabs[index]
        if tab.icon in BUILTIN_ICONS:
            colors = self.site.theme.tab_bar
            return render_icon(tab.icon, colors.selected_color if selected else colors.color), "generator.assets.icons"
        icon, chosen = self.site.tab_icon_files[index]
        wanted = "miniprogram/" + (chosen if selected else icon)
        asset = next(a for a in self.site.images if a.output_path == wanted)
        return asset.image.data, asset.spec_path

    def tabs(self, ctx: PageContext, active_page: str | None) -> list[dict[str, Any]]:
        tabs = []
        for index, tab in enumerate(self.site.spec.tabs):
            active = tab.page == active_page
            tabs.append(
                {
                    "text": tab.text,
                    "href": ctx.page_href(_page_file(self.site, tab.page)),
                    "icon": ctx.asset(self.tab_icon_path(index, active).removeprefix(ROOT + "/")),
                    "active": active,
                }
            )
        return tabs

    def page(
        self,
        template: str,
        file: str,
        title: str,
        active_tab: str | None,  # the id of the tab's page
        back: str,
        first: FirstScreen = NOTHING_FIRST,
        derived: Callable[[], dict[str, Any]] | None = None,
        made_from: Callable[[], MadeFrom | None] | None = None,
        **context: Any,
    ) -> OutputFile:
        """Render one page, or take it from the last build when it was made from the same values; returns
        the file it adds.
        `derived` gives more values made from the others (only when the page is rendered). `made_from`
        gives the objects every other argument follows from, and what else the page shows of them (its
        pictures): gen dev takes the page's key again while they are the same (`rebuild_memo.py`)."""
        path = f"{ROOT}/{file}"

        def values_key() -> str:
            try:
                values = self.fingerprint([first, context])
            except TypeError:
                return ""
            return page_key(self.shared, template, file, title, str(active_tab), back, values)

        key = self.site.previous.known_key(path, self.shared) or ""
        if not key:
            memo = self.site.memo
            made = made_from() if made_from is not None and memo is not None else None
            if memo is not None and made is not None:
                objects, shown = made
                key = memo.shelf("h5-page-key").get((path, self.shared, shown), objects, values_key)
            else:
                key = values_key()
        made_before = self.site.previous.reuse(path, key) if key else None
        if made_before is not None:
            kept = kept_file(path, made_before, f"templates/h5/{template}")
            self.files.append(kept)
            self.hand_over()
            return kept
        if derived is not None:
            context.update(derived())
        ctx = self.context(file, first)
        spec = self.site.spec.site
        og_image = context.pop("og_image", "") or ""
        html = self.env.get_template(template).render(
            ctx=ctx,
            site=spec,
            theme=self.site.theme,
            title=title,
            description=context.pop("description", "") or spec.description or spec.name,
            tabs=self.tabs(ctx, active_tab),
            back=ctx.page_href(back) if back else "",
            canonical=ctx.absolute(file),
            og_image=(ctx.absolute(og_image) or ctx.asset(og_image)) if og_image else "",
            body_class=context.pop("body_class", "page-" + file.replace("/", "-").removesuffix(".html")),
            icon=ctx.asset(self.site.logo_icon or BADGE_FILE),
            **self.tracking(file, context.get("product")),
            **context,
        )
        rendered = text_file(path, html, f"templates/h5/{template}")
        self.files.append(rendered)
        self.hand_over()
        return rendered

    def tracking(self, file: str, product: dict[str, Any] | None) -> dict[str, str]:
        """The page's events for site.js (only with an analytics endpoint): page_view, product_view."""
        analytics = self.site.spec.analytics
        endpoint = self.site.spec.events_endpoint()
        if not endpoint:
            return {"analytics": "", "track": ""}
        events: list[dict[str, Any]] = [
            {"event": "page_view", "fields": {"page": file.removesuffix(".html"), "target": "h5"}}
        ]
        if product is not None:
            fields = {"product_id": product["id"], "category": product["category"], "target": "h5"}
            events.append({"event": "product_view", "fields": fields})
        declared = analytics.all_events()
        events = [
            {"event": e["event"], "fields": {k: v for k, v in e["fields"].items() if k in declared[e["event"]].fields}}
            for e in events
            if e["event"] in declared
        ]
        settings = {"endpoint": endpoint, "events": {name: True for name in declared}}
        return {"analytics": js_literal(settings), "track": js_literal(events)}

    def first_picture(self, blocks: tuple[dict[str, Any], ...]) -> str:
        for block in blocks:
            for key in ("image", "cover"):
                if block.get(key):
                    return self.picture_src(block[key])
            for slide in block.get("slides", []):
                return self.picture_src(slide["image"])
        return ""

    def picture_src(self, image: PlannedImage) -> str:
        picture = self.site.h5_pictures.get(image) if image else None
        return picture.src if picture else ""

    # --- pages ------------------------------------------------------------------------------------

    def render_route(self, route: PageRoute) -> None:
        file = _page_file(self.site, route.page.id)
        parent = next((r for r in self.site.routes if r.page.id == route.parent), None)
        back = _page_file(self.site, parent.page.id) if parent else ("" if route.is_tab else HOME_FILE)
        title = self.site.spec.site.name if file == HOME_FILE else route.page.title
        search = self.has_search_entry(route, file)
        blocks = tuple(view(block) for block in route.blocks)
        self.page(
            "page.html",
            file,
            title,
            route.page.id if route.is_tab else None,
            back,
            first_screen(blocks, self.site.h5_pictures, self.unit, top=SEARCH_ENTRY if search else 0),
            blocks=[{**block, "block_index": i} for i, block in enumerate(blocks)],
            page_path=miniprogram_path(Link("page", route.page.id), self.site.page_paths),  # to open it in WeChat
            og_image=self.first_picture(blocks),
            search=search,
        )

    def has_search_entry(self, route: PageRoute, file: str) -> bool:
        """The home page and the tab pages that list categories lead to the catalog's search."""
        if self.site.catalog_data is None:
            return False
        return file == HOME_FILE or (route.is_tab and any(b.type == "categories" for b in route.blocks))

    def render_catalog(self) -> None:
        data = self.site.catalog_data
        assert data is not None
        products = data["products"]
        groups = [
            {
                "category": category,
                "items": [products[pid] for pid in category["productIds"][:CATALOG_EACH]],
                "count": len(category["productIds"]),
            }
            for category in data["categories"][:CATALOG_GROUPS]
        ]
        more = [
            {"category": category, "count": len(category["productIds"])}
            for category in data["categories"][CATALOG_GROUPS:]
        ]
        shards = search_index(products, [c["name"] for c in data["categories"]], self.site.memo)
        for number, shard in enumerate(shards):
            self.files.append(text_file(f"{ROOT}/{SEARCH_INDEX_FOLDER}/{number}.js", shard, "generator.targets.h5"))
        self.page(
            "catalog.html",
            CATALOG_FILE,
            "全部商品",
            None,
            HOME_FILE,
            # the groups follow each other on the first screen (their headings make it an upper bound)
            first_screen_of_products(
                [item for group in groups[:3] for item in group["items"]],
                self.site.h5_pictures,
                self.unit,
                top=CATALOG_TOP,
            ),
            groups=groups,
            more=more,
            total=len(products),
            search_index=SEARCH_INDEX_FOLDER + "/",
            search_shards=len(shards),
            search_results=SEARCH_RESULTS,
        )
        nav = [{"id": category["id"], "name": category["name"]} for category in data["categories"]]
        for category in data["categories"]:
            ids = category["productIds"]
            pages = max(1, -(-len(ids) // PAGE_SIZE))
            for number in range(1, pages + 1):
                items = [products[pid] for pid in ids[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]]
                file = category_page_file(category["id"], number)
                listing = {key: value for key, value in category.items() if key != "productIds"}
                page_pager = pager(category["id"], number, pages)
                self.page(
                    "category.html",
                    file,
                    category["name"] if number == 1 else f"{category['name']}（第 {number} 页）",
                    None,
                    CATALOG_FILE,
                    first_screen_of_products(
                        items,
                        self.site.h5_pictures,
                        self.unit,
                        top=CATEGORY_TOP + (CATEGORY_DESCRIPTION if category["description"] and number == 1 else 0),
                    ),
                    categories=nav,
                    category=listing,
                    items=items,
                    description=category["description"],
                    pager=page_pager,
                    made_from=functools.partial(self.listing_made_from, items, [nav, listing, page_pager]),
                )
        own = len(products) - (len(self.helper.ids) if self.helper is not None else 0)  # the helper has the rest
        mine = itertools.islice(products.values(), own)
        if self.site.memo is not None:
            self.product_pages_again(mine)
        else:
            for number, product in enumerate(mine):
                self.product_page(product)
                if number % 64 == 0:
                    self.take_from_helper()
        self.take_from_helper(wait=True)

    def product_pages_again(self, products: Iterable[dict[str, Any]]) -> None:
        """Under gen dev's memo, every product page; one made from the very same product with the same
        pictures, under the same shared digest, is taken as the last build left it without a call of `page`
        (at 10,000 products those calls were most of the H5 target's time on a save). Its file is still
        checked to be as that build wrote it."""
        assert self.site.memo is not None
        shelf = self.site.memo.shelf("h5-product-page")
        previous, shared, picture = self.site.previous, self.shared, self.shown_picture
        for product in products:
            path = f"{ROOT}/product/{product['id']}.html"
            made_from = (product, tuple(map(picture, gallery_refs(product))), shared)
            last = shelf.take(path, made_from)
            if last is not None and previous.reuse(path, last[0]) == last[1].length:
                self.files.append(last[1])
                self.hand_over()
                shelf.keep(path, made_from, last)
                continue
            file = self.product_page(product)
            key = previous.new_keys.get(path)
            if key:  # (none: a value without a stable form; the page is rendered every time)
                shelf.keep(path, made_from, (key, file if file.kept else kept_file(path, file.length, file.origin)))

    def product_page(self, product: dict[str, Any]) -> OutputFile:
        refs = gallery_refs(product)
        return self.page(
            "product.html",
            f"product/{product['id']}.html",
            product["name"],
            None,
            f"category/{product['category']}.html",
            first_screen_of_gallery(product["images"][0] if product["images"] else ""),
            product=product,
            derived=functools.partial(self.product_values, product),
            made_from=lambda: ((product,), tuple(self.shown_picture(ref) for ref in refs)),
        )

    def listing_made_from(self, items: list[dict[str, Any]], small: list[Any]) -> MadeFrom | None:
        """A listing's `made_from` under gen dev's memo: its products, and what it shows besides them (a
        few small values, the theme's unit its first screen is estimated with, the products' pictures)."""
        try:
            shown = (self.fingerprint(small), self.unit, tuple(self.shown_picture(item["image"]) for item in items))
        except TypeError:
            return None
        return tuple(items), shown

    def shown_picture(self, ref: Any) -> Hashable:
        """What a page shows of an image slot: the H5 files (content-named) and their sizes."""
        picture = self.site.h5_pictures.get(ref) if isinstance(ref, ImageRef) else None
        return (picture.src, picture.width, picture.height, picture.fallback, picture.webp) if picture else None

    def product_values(self, product: dict[str, Any]) -> dict[str, Any]:
        """What a product page shows that follows from the product (and the site's page table)."""
        return {
            "skus_json": Markup(js_literal(product["skus"])),
            "mp_path": miniprogram_path(product["link"], self.site.page_paths),
            "description": (product["paragraphs"] or [""])[0][:120],
            "og_image": self.picture_src(product["images"][0]) if product["images"] else "",
        }


def _render_product_pages(site: Site, ids: list[str]) -> Iterator[list[OutputFile]]:
    """In the page helper: the product pages of `ids`, a batch at a time."""
    renderer = _H5Renderer(site)
    products = (site.catalog_data or {})["products"]
    for start in range(0, len(ids), SINK_BATCH):
        renderer.files = []
        for product_id in ids[start : start + SINK_BATCH]:
            renderer.product_page(products[product_id])
        yield renderer.files


def category_page_file(category_id: str, number: int) -> str:
    """Page `number` of a category's listing: category/<id>.html first, then category/<id>/<n>.html."""
    return f"category/{category_id}.html" if number == 1 else f"category/{category_id}/{number}.html"


def pager(category_id: str, number: int, pages: int) -> dict[str, Any] | None:
    """Previous, next and nearby page numbers of a listing of several pages; None for one page."""
    if pages <= 1:
        return None
    nearby = sorted({1, pages, *range(max(1, number - 2), min(pages, number + 2) + 1)})
    return {
        "number": number,
        "pages": pages,
        "previous": category_page_file(category_id, number - 1) if number > 1 else "",
        "next": category_page_file(category_id, number + 1) if number < pages else "",
        "nearby": [
            {"number": n, "file": category_page_file(category_id, n), "gap": i > 0 and n - nearby[i - 1] > 1}
            for i, n in enumerate(nearby)
        ],
    }


def gallery_refs(product: dict[str, Any]) -> list[Any]:
    """The image slots a product page shows: its picture, then its gallery's."""
    return [product["image"], *product["images"]] if product["images"] else [product["image"]]


def search_index(products: dict[str, Any], categories: list[str], memo: RebuildMemo | None = None) -> list[str]:
    """The catalog's search index as scripts (a script loads from file:// too, where fetch cannot) of
    SEARCH_SHARD_ROWS products each. Each defines its shard as the category names and one row per product,
    [id, name, price text, sold out, category index, tags]; site.js searches name, category and tags.
    Under gen dev's memo, a shard made from the very same catalog entries is taken again."""
    index = {name: i for i, name in enumerate(categories)}
    entries = list(products.values())
    starts = range(0, len(entries), SEARCH_SHARD_ROWS) if entries else range(1)
    shelf = memo.shelf("h5-search-shard") if memo is not None else None
    names = js_literal(categories)
    define = "(window.mpgenSearch = window.mpgenSearch || {})"
    scripts = []
    for number, start in enumerate(starts):
        shard = tuple(entries[start : start + SEARCH_SHARD_ROWS])
        made_from = (*categories, *shard)
        script = shelf.take(number, made_from) if shelf is not None else None
        if script is None:
            rows = [
                [
                    product["id"],
                    product["name"],
                    product["priceText"],
                    1 if product["soldOut"] else 0,
                    index.get(product["categoryName"], -1),
                    " ".join(product["tags"]),
                ]
                for product in shard
            ]
            script = f"{define}[{number}] = {{categories: {names}, rows: {js_literal(rows)}}};\n"
        if shelf is not None:
            shelf.keep(number, made_from, script)
        scripts.append(script)
    return scripts

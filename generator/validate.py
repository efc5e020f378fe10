"""Validate stage: turn plain data into a `SiteSpec`, reporting every problem with file:line and spec path."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .errors import Position, Problem, SpecError, format_path
from .source import Document, SourceMap, SpecPath, read_yaml
from .spec import BUILTIN_ICONS, GROWTH_BLOCKS, LinkTarget, Page, Product, SiteSpec
from .spec_messages import clean_location as _clean_location
from .spec_messages import did_you_mean as _did_you_mean
from .spec_messages import problems_from_validation as problems_from_validation
from .validate_csv import CSV_BOOLEANS as CSV_BOOLEANS
from .validate_csv import CSV_COLUMNS as CSV_COLUMNS
from .validate_csv import merge_products_csv
from .validate_paths import IMAGE_SUFFIXES as IMAGE_SUFFIXES
from .validate_paths import TAB_ICON_SUFFIXES as TAB_ICON_SUFFIXES
from .validate_paths import check_image, check_tab_image
from .validate_paths import resolve_site_path as resolve_site_path

SITE_FILE = "site.yaml"
MAX_PAGE_DEPTH = 3
RESERVED_PAGE_IDS = ("webview", "privacy")  # built-in pages: external https links, the privacy notice


@dataclass(frozen=True)
class LoadedSpec:
    """A valid spec, its folder, and where each of its values came from."""

    spec: SiteSpec
    site_dir: Path
    source: SourceMap
    theme_overrides: Document | None
    problems: tuple[Problem, ...]
    """Cross-reference problems: reported together with the theme's, by the caller."""
    warnings: tuple[Problem, ...] = ()
    """Advice that does not stop the build (e.g. a menu that does not follow "3+1")."""


def load_spec(site_dir: Path) -> LoadedSpec:
    """Read and validate `SITE/site.yaml` (and its products CSV).

    Raises SpecError listing every problem of shape and type; problems between values (references,
    files, tree depth) come back in `LoadedSpec.problems`.
    """
    site_file = site_dir / SITE_FILE
    if not site_file.is_file():
        raise SpecError(
            [Problem(Position(str(site_file)), "", f"no {SITE_FILE} here; run `gen init {site_dir}` to start a site")]
        )
    doc = read_yaml(site_file, SITE_FILE)
    data, source = doc.data, doc.source
    if not data:
        raise SpecError(
            [
                Problem(
                    Position(str(site_file)),
                    "",
                    f"is empty; describe the site in it, or run `gen init {site_dir}` in a new folder "
                    "for a starter site to edit",
                )
            ]
        )
    problems: list[Problem] = []
    merge_products_csv(site_dir, data, source, problems)
    try:
        spec = SiteSpec.model_validate(data)
    except ValidationError as exc:
        problems.extend(problems_from_validation(exc, data, source, SiteSpec))
        partial = _without_broken_parts(data, exc)
        if partial is not None:  # also report what is wrong between the parts that are well-formed
            problems.extend(
                check_references(partial.spec, source, site_dir, partial.original_path, partial.dropped_ids)
            )
        raise SpecError(problems) from None
    problems.extend(check_references(spec, source, site_dir))
    warnings: list[Problem] = []
    if spec.official_account is not None:
        oa_problems, warnings = check_official_account(spec, source)
        problems.extend(oa_problems)
    overrides = None
    if isinstance(data.get("theme"), dict):
        overrides = Document(data["theme"], _sub_source(source, ("theme",)))
    return LoadedSpec(spec, site_dir, source, overrides, tuple(problems), tuple(warnings))


def _sub_source(source: SourceMap, prefix: SpecPath) -> SourceMap:
    sub = SourceMap()
    n = len(prefix)
    sub.values = {p[n:]: v for p, v in source.values.items() if p[:n] == prefix}
    sub.keys = {p[n:]: v for p, v in source.keys.items() if p[:n] == prefix}
    sub.block_scalars = {p[n:] for p in source.block_scalars if p[:n] == prefix}
    sub.typed = {p[n:]: v for p, v in source.typed.items() if p[:n] == prefix}
    return sub


# --- partial validation ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _PartialSpec:
    """The spec without the list items (blocks, pages, products...) and keys that failed validation."""

    spec: SiteSpec
    kept: dict[SpecPath, list[int]]  # list path (original indices) -> original index of each kept item
    dropped_ids: frozenset[str]

    def original_path(self, path: SpecPath) -> SpecPath:
        """Translate a path in the partial spec back to the user's file (list indices shift)."""
        out: list[str | int] = []
        for part in path:
            if isinstance(part, int) and tuple(out) in self.kept:
                part = self.kept[tuple(out)][part]
            out.append(part)
        return tuple(out)


def _without_broken_parts(data: Any, exc: ValidationError) -> _PartialSpec | None:
    """Drop each failing list item (or unknown key) and validate the rest, so reference checks can run too."""
    drop_items: set[SpecPath] = set()
    drop_keys: set[SpecPath] = set()
    for error in exc.errors(include_url=False):
        path, _ = _clean_location(error["loc"], data, SiteSpec)
        item = next((path[:i] for i in range(len(path), 0, -1) if isinstance(path[i - 1], int)), None)
        if item is not None:
            drop_items.add(item)
        elif error["type"] == "extra_forbidden":
            drop_keys.add(path)
        else:
            return None  # a required top-level value is broken: nothing sensible to check against
    kept: dict[SpecPath, list[int]] = {}
    dropped_ids: set[str] = set()

    def prune(node: Any, path: SpecPath) -> Any:
        if isinstance(node, dict):
            return {k: prune(v, path + (k,)) for k, v in node.items() if path + (k,) not in drop_keys}
        if isinstance(node, list):
            indices = [i for i in range(len(node)) if path + (i,) not in drop_items]
            for i in range(len(node)):
                if i not in indices:
                    dropped_ids.update(_ids_in(node[i]))
            kept[path] = indices
            return [prune(node[i], path + (i,)) for i in indices]
        return node

    try:
        spec = SiteSpec.model_validate(prune(data, ()))
    except ValidationError:
        return None
    return _PartialSpec(spec, kept, frozenset(dropped_ids))


def _ids_in(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("id"), str):
            yield node["id"]
        for value in node.values():
            yield from _ids_in(value)
    elif isinstance(node, list):
        for value in node:
            yield from _ids_in(value)


# --- cross-references ----------------------------------------------------------------------------------


def iter_pages(pages: list[Page], path: SpecPath = ("pages",), depth: int = 1) -> Iterator[tuple[Page, SpecPath, int]]:
    """Every page of the tree with its spec path and level (1 = top)."""
    for index, page in enumerate(pages):
        here = path + (index,)
        yield page, here, depth
        yield from iter_pages(page.children, here + ("children",), depth + 1)


def check_references(
    spec: SiteSpec,
    source: SourceMap,
    site_dir: Path,
    original_path: Callable[[SpecPath], SpecPath] = lambda path: path,
    dropped_ids: frozenset[str] = frozenset(),
) -> list[Problem]:
    """Rules no single field can check: tree depth, unique ids, references, files.

    On a partial spec, `original_path` maps paths back to the file and references to `dropped_ids`
    (items already reported as broken) are not reported again.
    """
    problems: list[Problem] = []

    def report(path: SpecPath, message: str) -> None:
        path = original_path(path)
        problems.append(Problem(source.value(path), format_path(path), message))

    def where(path: SpecPath) -> str:
        return format_path(original_path(path))

    def unique(seen: dict[str, SpecPath], value: str, path: SpecPath, noun: str) -> None:
        if value not in seen:
            seen[value] = path
        elif noun == "tab page":
            report(path, f"page {value!r} already has a tab (at {where(seen[value])}); remove one")
        else:
            report(path, f"duplicate {noun} {value!r} (also at {where(seen[value])}); give each {noun} its own id")

    page_ids: dict[str, SpecPath] = {}
    for page, path, depth in iter_pages(spec.pages):
        if depth > MAX_PAGE_DEPTH:
            report(
                path,
                f"page {page.id!r} is on level {depth}; pages nest at most {MAX_PAGE_DEPTH} levels deep "
                "(the seed rule keeps users within 3 taps): move it up a level",
            )
        if page.id in RESERVED_PAGE_IDS:
            report(path + ("id",), f"page id {page.id!r} is reserved for a built-in page; choose another id")
        unique(page_ids, page.id, path + ("id",), "page")
    top_level = {page.id for page in spec.pages}

    catalog = spec.catalog
    category_ids: dict[str, SpecPath] = {}
    product_ids: dict[str, SpecPath] = {}
    if catalog:
        for i, category in enumerate(catalog.categories):
            unique(category_ids, category.id, ("catalog", "categories", i, "id"), "category")
        for i, product in enumerate(catalog.products):
            unique(product_ids, product.id, ("catalog", "products", i, "id"), "product")

    def check_ref(kind: str, ref: str | None, path: SpecPath) -> None:
        if ref is None:
            return
        table = {"page": page_ids, "product": product_ids, "category": category_ids}[kind]
        if ref in table or ref in dropped_ids:
            return
        if kind != "page" and catalog is None:
            report(
                path, f"links to {kind} {ref!r} but the site has no catalog; add a `catalog:` section or link elsewhere"
            )
            return
        hint = _did_you_mean(ref, table)
        report(path, f"no {kind} with id {ref!r}{hint}; use the id of an existing {kind}")

    def check_link(link: LinkTarget, path: SpecPath) -> None:
        for kind in ("page", "product", "category"):
            check_ref(kind, getattr(link, kind), path + (kind,))

    # tabs
    tab_pages: dict[str, SpecPath] = {}
    for i, tab in enumerate(spec.tabs):
        path = ("tabs", i, "page")
        if tab.page not in page_ids:
            check_ref("page", tab.page, path)
        elif tab.page not in top_level:
            report(
                path,
                f"page {tab.page!r} is a sub-page; a tab must show a top-level page "
                "(WeChat keeps tab pages in the main package)",
            )
        unique(tab_pages, tab.page, path, "tab page")
        limit_kb = spec.budgets.tab_icon_kb
        if tab.icon in BUILTIN_ICONS:
            pass
        elif "/" not in tab.icon and "." not in tab.icon:
            report(
                ("tabs", i, "icon"),
                f"no built-in icon {tab.icon!r}{_did_you_mean(tab.icon, BUILTIN_ICONS)}; built-in icons: "
                f"{', '.join(BUILTIN_ICONS)}, or give an image path",
            )
        else:
            check_tab_image(tab.icon, ("tabs", i, "icon"), site_dir, limit_kb, report)
        if tab.selected_icon:
            check_tab_image(tab.selected_icon, ("tabs", i, "selected_icon"), site_dir, limit_kb, report)
    if spec.site.home:
        if spec.site.home in page_ids and spec.site.home not in top_level:
            report(("site", "home"), f"page {spec.site.home!r} is a sub-page; the first page must be a top-level page")
        else:
            check_ref("page", spec.site.home, ("site", "home"))
    if spec.site.logo:
        check_image(spec.site.logo, ("site", "logo"), site_dir, report)

    # blocks
    for page, page_path, _ in iter_pages(spec.pages):
        for b, block in enumerate(page.blocks):
            path = page_path + ("blocks", b)
            if isinstance(block, LinkTarget):
                check_link(block, path)
            match block.type:
                case "banner":
                    for s, slide in enumerate(block.slides):
                        check_link(slide, path + ("slides", s))
                        check_image(slide.image, path + ("slides", s, "image"), site_dir, report)
                case "image":
                    check_image(block.image, path + ("image",), site_dir, report)
                case "article" if block.cover:
                    check_image(block.cover, path + ("cover",), site_dir, report)
                case "products":
                    check_ref("category", block.category, path + ("category",))
                    for p, ref in enumerate(block.products or []):
                        check_ref("product", ref, path + ("products", p))
                    if block.category is None and block.products is None and catalog is None:
                        report(path, "shows products but the site has no catalog; add a `catalog:` section")
                case "categories":
                    if catalog is None:
                        report(path, "shows categories but the site has no catalog; add a `catalog:` section")
                    for c, ref in enumerate(block.categories or []):
                        check_ref("category", ref, path + ("categories", c))
                case kind if kind in GROWTH_BLOCKS and spec.commerce is None:
                    report(
                        path + ("type",),
                        f"a {block.type} block talks to your backend; add a `commerce:` section with its api",
                    )
                case "form":
                    names: dict[str, SpecPath] = {}
                    for f, form_field in enumerate(block.fields):
                        unique(names, form_field.name, path + ("fields", f, "name"), "field name")

    if spec.commerce is not None and catalog is None:
        report(("commerce",), "selling needs products; add a `catalog:` section or remove `commerce:`")
    if catalog:
        for i, category in enumerate(catalog.categories):
            if category.image:
                check_image(category.image, ("catalog", "categories", i, "image"), site_dir, report)
        for i, product in enumerate(catalog.products):
            _check_product(product, ("catalog", "products", i), site_dir, report, check_ref)
    return problems


def _check_product(product: Product, path: SpecPath, site_dir: Path, report: Any, check_ref: Any) -> None:
    check_ref("category", product.category, path + ("category",))
    if product.original_price is not None and product.original_price < product.price:
        report(
            path + ("original_price",),
            f"original price {product.original_price} is below the price {product.price}; "
            "swap them or remove original_price",
        )
    for j, image in enumerate(product.images):
        check_image(image, path + ("images", j), site_dir, report)
    option_values = {option.name: option.values for option in product.options}
    for s, sku in enumerate(product.skus):
        for name, value in sku.options.items():
            if name not in option_values:
                report(
                    path + ("skus", s, "options", name),
                    f"no option named {name!r}; options: {', '.join(option_values) or 'none'}",
                )
            elif value not in option_values[name]:
                report(
                    path + ("skus", s, "options", name),
                    f"{value!r} is not a value of option {name!r}; values: {', '.join(option_values[name])}",
                )


def check_official_account(spec: SiteSpec, source: SourceMap) -> tuple[list[Problem], list[Problem]]:
    """References of the menu and replies, WeChat's needs (an https fallback, an AppID), and the "3+1" advice."""
    oa = spec.official_account
    assert oa is not None
    problems: list[Problem] = []
    warnings: list[Problem] = []

    def report(bucket: list[Problem], path: SpecPath, message: str) -> None:
        bucket.append(Problem(source.value(path), format_path(path), message))

    pages = {page.id for page, _, _ in iter_pages(spec.pages)}
    products = {p.id for p in spec.catalog.products} if spec.catalog else set()
    clicks = oa.replies.clicks

    categories = {c.id for c in spec.catalog.categories} if spec.catalog else set()

    def check_target(path: SpecPath, page: str | None, product: str | None, category: str | None = None) -> None:
        for kind, ref, known in (
            ("page", page, pages),
            ("product", product, products),
            ("category", category, categories),
        ):
            if ref is None:
                continue
            if ref not in known:
                report(problems, path + (kind,), f"no {kind} with id {ref!r}{_did_you_mean(ref, known)}")
            elif not spec.site.base_url:
                report(
                    problems,
                    path + (kind,),
                    "links into the mini-program, which WeChat requires with an https fallback page for old "
                    "clients; set site.base_url to where the H5 site is published",
                )

    has_contact_block = any(b.type == "contact" for page, _, _ in iter_pages(spec.pages) for b in page.blocks)
    for m, button in enumerate(oa.menu):
        leaves = (
            [(("official_account", "menu", m), button)]
            if button.items is None
            else [(("official_account", "menu", m, "items", i), item) for i, item in enumerate(button.items)]
        )
        for path, leaf in leaves:
            check_target(path, leaf.page, leaf.product, leaf.category)
            if leaf.key and leaf.key not in clicks:
                report(
                    problems,
                    path + ("key",),
                    f"no reply for key {leaf.key!r}; add it under official_account.replies.clicks",
                )
            if leaf.contact and oa.replies.contact is None and not has_contact_block:
                report(
                    problems,
                    path + ("contact",),
                    "nothing to reply with: add a contact block to a page, or official_account.replies.contact",
                )
    replies = oa.replies
    for name, reply in (("subscribe", replies.subscribe), ("contact", replies.contact)):
        if reply is not None:
            check_target(("official_account", "replies", name), reply.page, reply.product, reply.category)
    for k, keyword in enumerate(replies.keywords):
        check_target(("official_account", "replies", "keywords", k), keyword.page, keyword.product, keyword.category)
    for key, reply in clicks.items():
        check_target(("official_account", "replies", "clicks", key), reply.page, reply.product, reply.category)
    uses_miniprogram = any(leaf.page or leaf.product or leaf.category for b in oa.menu for leaf in b.leaves())
    if uses_miniprogram and spec.site.appid == "touristappid":
        report(
            warnings,
            ("site", "appid"),
            "the menu opens the mini-program, but the AppID is the test one "
            "(touristappid); set the real AppID before `gen oa push`",
        )
    last = oa.menu[-1].leaves()[-1]
    if len(oa.menu) != 3 or not last.contact:
        report(
            warnings,
            ("official_account", "menu"),
            'the menu does not follow "3+1": three menus, the last one ending in a `contact: true` entry ("联系我们")',
        )
    return problems, warnings

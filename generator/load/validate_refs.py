"""Cross-references: rules no single field can check (page tree depth, unique ids, links to pages,
products and categories, the images and tab icons each part names)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..errors import Problem, format_path
from ..spec.catalog import Product
from ..spec.site import BUILTIN_ICONS, SiteSpec
from ..spec.site import iter_pages as iter_pages  # (where it was; the page tree walk is the spec's)
from .messages import did_you_mean as _did_you_mean
from .source import SourceMap, SpecPath
from .validate_paths import Report, check_image, check_tab_image

MAX_PAGE_DEPTH = 3
RESERVED_PAGE_IDS = ("webview", "privacy")  # built-in pages: external https links, the privacy notice

CheckRef = Callable[[str, str | None, SpecPath], None]
"""Reports a reference (kind "page", "product" or "category") that names no such item."""


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
    if spec.commerce is not None:
        _check_growth(spec, report)
    if catalog is not None and catalog.delivery == "remote" and spec.site.cdn is None and spec.commerce is None:
        report(
            ("catalog", "delivery"),
            "a remote catalog is fetched from the CDN or the shop's backend, and the site has neither; set "
            "site.cdn or add `commerce:` with its api, or use delivery: package",
        )
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
    site_names: dict[str, dict[str, SpecPath]] = {}
    for page, page_path, _ in iter_pages(spec.pages):
        for b, block in enumerate(page.blocks):
            path = page_path + ("blocks", b)
            if block.needs_catalog() and catalog is None:
                report(path, f"shows {block.type} but the site has no catalog; add a `catalog:` section")
            if block.needs_backend() and spec.commerce is None:
                report(
                    path + ("type",),
                    f"a {block.type} block talks to your backend; add a `commerce:` section with its api"
                    + ("" if block.needs_commerce else ", or give the block an endpoint of your own"),
                )
            if spec.commerce is not None:
                for where_, message in block.commerce_problems(spec.commerce):
                    report(path + where_, message)
            for name in block.site_unique_names():
                unique(site_names.setdefault(name.noun, {}), name.value, path + name.path, name.noun)
            for ref in block.references():
                if ref.kind == "image":
                    check_image(ref.value, path + ref.path, site_dir, report)
                else:
                    check_ref(ref.kind, ref.value, path + ref.path)
            names: dict[tuple[str, str], SpecPath] = {}
            for name in block.unique_names():
                if (name.noun, name.value) in names:
                    first = where(path + names[(name.noun, name.value)])
                    report(
                        path + name.path,
                        f"duplicate {name.noun} {name.value!r} (also at {first}); give each {name.noun} its own id",
                    )
                else:
                    names[(name.noun, name.value)] = name.path

    if spec.commerce is not None and catalog is None:
        report(("commerce",), "selling needs products; add a `catalog:` section or remove `commerce:`")
    for c, coupon in enumerate(spec.commerce.coupons if spec.commerce else []):
        for j, product_id in enumerate(coupon.products):
            check_ref("product", product_id, ("commerce", "coupons", c, "products", j))
        for j, category_id in enumerate(coupon.categories):
            check_ref("category", category_id, ("commerce", "coupons", c, "categories", j))
    if spec.commerce is not None:
        _check_growth(spec, report)
    if catalog:
        for i, category in enumerate(catalog.categories):
            if category.image:
                check_image(category.image, ("catalog", "categories", i, "image"), site_dir, report)
        for i, product in enumerate(catalog.products):
            _check_product(product, ("catalog", "products", i), site_dir, report, check_ref)
    return problems


def _check_product(product: Product, path: SpecPath, site_dir: Path, report: Report, check_ref: CheckRef) -> None:
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


def _check_growth(spec: SiteSpec, report: Report) -> None:
    """Rewards name declared coupons; the follower gift is announced by a subscribe reply."""
    commerce = spec.commerce
    assert commerce is not None
    coupons = [coupon.id for coupon in commerce.coupons]
    named: list[tuple[str | None, SpecPath]] = [
        (rule.reward.coupon, ("commerce", name, "reward", "coupon"))
        for name, rule in (("checkin", commerce.checkin), ("invites", commerce.invites))
        if rule is not None
    ]
    if commerce.follower_gift is not None:
        named.append((commerce.follower_gift.coupon, ("commerce", "follower_gift", "coupon")))
    for coupon_id, path in named:
        if coupon_id is not None and coupon_id not in coupons:
            known = f"; declared: {', '.join(coupons)}" if coupons else "; declare it under commerce.coupons"
            report(path, f"no coupon {coupon_id!r} in commerce.coupons{_did_you_mean(coupon_id, coupons)}{known}")
    if commerce.follower_gift is not None:
        account = spec.official_account
        if account is None or account.replies.subscribe is None:
            report(
                ("commerce", "follower_gift"),
                "a follower gift needs official_account.replies.subscribe: the reply that tells the new "
                "follower about it and links to the page where it waits",
            )

"""Official Account checks: the menu's and replies' references, WeChat's needs (an https fallback, an AppID),
and the "3+1" menu advice."""

from __future__ import annotations

from ..errors import Problem, format_path
from ..spec.site import SiteSpec, iter_pages
from .messages import did_you_mean as _did_you_mean
from .source import SourceMap, SpecPath


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

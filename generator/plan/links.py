"""Links as the plan makes them: where a tap leads, in no target's words; each target formats them itself.

The planner puts `Link` values in the page data; the mini-program renderer turns them into the
`{kind, url}` objects its `utils/nav.js` opens, the H5 renderer into relative file addresses, the
Official Account renderer into menu and reply entries that carry both.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote

from .routes import CATEGORY_PAGE, PRODUCT_PAGE, WEBVIEW_PAGE

LinkKind = Literal["page", "product", "category", "url"]

H5_HOME_FILE = "index.html"


@dataclass(frozen=True, slots=True)
class Link:
    """Where a tap leads: a spec page, a product or category page, or an outside https:// address."""

    kind: LinkKind
    target: str  # the page, product or category id, or the address itself


# --- the mini-program ------------------------------------------------------------------------------------


def miniprogram_path(link: Link, page_paths: Mapping[str, str]) -> str:
    """`/pages/about/index`, `/catalog/product/index?id=p1`, or the web-view page showing an address.

    `page_paths` maps a page id to its route path (`Site.page_paths`)."""
    if link.kind == "product":
        return f"/{PRODUCT_PAGE}?id={link.target}"
    if link.kind == "category":
        return f"/{CATEGORY_PAGE}?id={link.target}"
    if link.kind == "url":
        return f"/{WEBVIEW_PAGE}?url={quote(link.target, safe='')}"
    return "/" + page_paths[link.target]


def miniprogram_link(link: Link, page_paths: Mapping[str, str], tab_pages: frozenset[str]) -> dict[str, str]:
    """What `utils/nav.js` opens: `{kind: 'tab' | 'page', url}` (a tab page opens with switchTab)."""
    kind = "tab" if link.kind == "page" and link.target in tab_pages else "page"
    return {"kind": kind, "url": miniprogram_path(link, page_paths)}


# --- the H5 site --------------------------------------------------------------------------------------------


def h5_page_file(page_id: str, is_home: bool) -> str:
    """A spec page's file below the H5 root: the home page is the site's index.html."""
    return H5_HOME_FILE if is_home else f"pages/{page_id}.html"


def h5_file(link: Link, home_page: str) -> str:
    """The file a link opens below the H5 root ('' for an outside address, which is not a file).

    `home_page` is the id of the page served as index.html."""
    if link.kind == "product":
        return f"product/{link.target}.html"
    if link.kind == "category":
        return f"category/{link.target}.html"
    if link.kind == "url":
        return ""
    return h5_page_file(link.target, link.target == home_page)


def h5_url(base_url: str, file: str) -> str:
    """`https://m.example.com/shop/` + `pages/about.html`; the home page is the folder itself."""
    return f"{base_url.rstrip('/')}/{'' if file == H5_HOME_FILE else file}"

"""Where pages live in the mini-program: the package roots and every page path, built here and nowhere else."""

from __future__ import annotations

CATALOG_ROOT = "catalog"
"""Subpackage holding the category listing and product detail pages (keeps the main package small)."""
DEEP_ROOT = "more"
"""Subpackage holding the pages of levels 2 and 3, which only open from other pages."""
PRODUCT_PAGE = f"{CATALOG_ROOT}/product/index"
CATEGORY_PAGE = f"{CATALOG_ROOT}/category/index"
WEBVIEW_PAGE = "pages/webview/index"
CART_PAGE = f"{CATALOG_ROOT}/cart/index"
CHECKOUT_PAGE = f"{CATALOG_ROOT}/checkout/index"
COMMERCE_PAGES = (CART_PAGE, CHECKOUT_PAGE, f"{CATALOG_ROOT}/result/index", f"{CATALOG_ROOT}/orders/index")


def route_path(page_id: str, level: int = 1) -> str:
    """A spec page's mini-program path: `pages/<id>/index` at level 1, in the deep subpackage below it."""
    return f"pages/{page_id}/index" if level == 1 else f"{DEEP_ROOT}/{page_id}/index"

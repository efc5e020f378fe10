"""Where the mini-program reads its catalog from: the catalog subpackage, or JSON pages fetched as the
shopper browses (from `site.cdn`, else the shop's backend at `commerce.api`), and why.

A packaged catalog costs the package its data and every product photo only the catalog shows; past a few
hundred products (or a few dozen photos without a CDN) the catalog subpackage heads for WeChat's 2 MB
limit, so `catalog.delivery: auto` moves it out when there is somewhere to fetch it from. The choice is
explained in words (`gen build` prints it, report.json keeps it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ..spec.site import SiteSpec

PACKAGED_PRODUCTS_MAX = 500
"""Most products `auto` keeps in the package: their data alone is ~200 KB of the subpackage's 2 MB."""
PACKAGED_PHOTOS_MAX = 40
"""Most product photos `auto` keeps in the package without a CDN (~50 KB each in a 2 MB subpackage)."""
LIST_PAGE_SIZE = 40
"""Products per listing page, packaged or fetched: the category page shows more as the shopper scrolls."""
REMOTE_FOLDER = "catalog/"
"""Below the CDN base or the backend's address, and below the output folder (uploaded to the CDN's
`catalog/`, or served by `gen serve`)."""


@dataclass(frozen=True)
class CatalogDelivery:
    """The planner's choice for the catalog: `remote` with the base URL its JSON is fetched from and the
    folder below the output where the build writes it, and the reason in a sentence."""

    remote: bool = False
    base: str = ""  # https://cdn.example.com/shop/catalog/ or https://api.example.com/catalog/ (ends with /)
    served_by: Literal["", "cdn", "backend"] = ""
    reason: str = ""

    @property
    def folder(self) -> str:
        """Below the output folder, where the build writes a fetched catalog ('' for a packaged one)."""
        return REMOTE_FOLDER if self.remote else ""

    def as_json(self) -> dict[str, object]:
        return {
            "delivery": "remote" if self.remote else "package",
            **({"base": self.base, "folder": self.folder, "served_by": self.served_by} if self.remote else {}),
            "why": self.reason,
        }


def choose_delivery(spec: SiteSpec) -> CatalogDelivery:
    """The catalog's delivery for this spec (validated: `remote` has a CDN or a backend)."""
    catalog = spec.catalog
    if catalog is None:
        return CatalogDelivery(reason="no catalog")
    count = len(catalog.products)
    photos = sum(len(p.images) for p in catalog.products)
    cdn, api = spec.site.cdn, spec.commerce.api if spec.commerce else None
    home = _remote_home(cdn, api)
    products = f"{count:,} products"
    if catalog.delivery == "package":
        return CatalogDelivery(reason=f"{products} in the catalog subpackage (catalog.delivery: package)")
    if catalog.delivery == "remote":
        assert home is not None, "validate_refs requires a CDN or a backend for a remote catalog"
        return _remote(home, f"{products} fetched page by page from {home[0]} (catalog.delivery: remote)")
    too_many = count > PACKAGED_PRODUCTS_MAX
    too_many_photos = cdn is None and photos > PACKAGED_PHOTOS_MAX
    if not too_many and not too_many_photos:
        return CatalogDelivery(reason=f"{products} in the catalog subpackage (small enough for the package)")
    weight = (
        f"more than {PACKAGED_PRODUCTS_MAX:,} products"
        if too_many
        else f"{photos:,} product photos, more than {PACKAGED_PHOTOS_MAX} without a CDN"
    )
    if home is None:
        return CatalogDelivery(
            reason=f"{products} in the catalog subpackage, though {weight} weigh it down: set site.cdn or add "
            "commerce.api to fetch the catalog page by page instead"
        )
    return _remote(home, f"{products} fetched page by page from {home[0]} ({weight} would weigh down the package)")


def _remote_home(cdn: str | None, api: str | None) -> tuple[str, Literal["cdn", "backend"]] | None:
    if cdn is not None:
        return f"{cdn.rstrip('/')}/{REMOTE_FOLDER}", "cdn"
    if api is not None:
        return f"{api.rstrip('/')}/{REMOTE_FOLDER}", "backend"
    return None


def _remote(home: tuple[str, Literal["cdn", "backend"]], reason: str) -> CatalogDelivery:
    base, served_by = home
    return CatalogDelivery(True, base, served_by, reason)

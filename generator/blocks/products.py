"""The products block: catalog products as a grid of cards or a list of rows."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field, StringConstraints

from ..load.source_map import SpecPath
from ..plan.links import Link
from ..spec.catalog import Product
from ..spec.model import Id, UserText
from .base import SLOT_GRID, SLOT_ROW, BlockPlanner, BlockSpec, PlannedBlock, ProductCard, Reference


class ProductsBlock(BlockSpec):
    type: Literal["products"]
    title: Annotated[UserText, StringConstraints(max_length=40)] = ""
    """Heading above the products."""
    category: Id | None = None
    """Show products of this category."""
    products: list[Id] | None = None
    """Show exactly these products, in this order (instead of a category)."""
    limit: int = Field(default=6, ge=1, le=50)
    """Most products to show."""
    layout: Literal["grid", "list"] = "grid"
    """Two-column grid of cards, or a list of rows."""
    more: bool = True
    """Show a "more" link to the category (when `category` is set)."""

    def references(self) -> Iterator[Reference]:
        if self.category is not None:
            yield Reference("category", self.category, ("category",))
        for p, ref in enumerate(self.products or []):
            yield Reference("product", ref, ("products", p))

    def needs_catalog(self) -> bool:
        return self.category is None and self.products is None  # (otherwise its references say it)

    def plan(self, planner: BlockPlanner, path: SpecPath, package: str) -> PlannedProducts:
        products = planner.products
        chosen: Sequence[Product]
        if self.products is not None:
            chosen = [products[p] for p in self.products]
        elif self.category is not None:
            chosen = planner.products_of(self.category)
        else:
            chosen = list(itertools.islice(products.values(), self.limit))
        slot = SLOT_GRID if self.layout == "grid" else SLOT_ROW
        return PlannedProducts(
            title=self.title,
            layout=self.layout,
            items=tuple(planner.product_card(p, slot, package) for p in chosen[: self.limit]),
            more=Link("category", self.category) if self.category and self.more else None,
        )


@dataclass(frozen=True)
class PlannedProducts(PlannedBlock):
    type: ClassVar[str] = "products"
    title: str
    layout: str
    items: tuple[ProductCard, ...]
    more: Link | None

    def miniprogram_view(self, data: dict[str, Any]) -> dict[str, Any]:
        """Cards without what the component can do without: empty fields, and the link to the product's
        own page (the component opens it from the id). A third of a card's bytes, on every page that
        lists products."""
        items = []
        for item in data["items"]:
            card = {key: value for key, value in item.items() if CARD_DEFAULTS.get(key, ...) != value}
            if card.get("link") == Link("product", item["id"]):
                del card["link"]
            items.append(card)
        return {**data, "items": items}


CARD_DEFAULTS: dict[str, Any] = {"image": "", "originalPriceText": "", "soldOut": False, "tags": []}
"""A card's fields at these values are left out of the mini-program's page data."""


BLOCK = ProductsBlock

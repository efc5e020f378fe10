"""The categories block: catalog categories as an icon grid or a list of rows."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, ClassVar, Literal

from pydantic import StringConstraints

from ..load.source_map import SpecPath
from ..spec.model import Id, UserText
from .base import BlockPlanner, BlockSpec, CategoryCard, PlannedBlock, Reference


class CategoriesBlock(BlockSpec):
    type: Literal["categories"]
    title: Annotated[UserText, StringConstraints(max_length=40)] = ""
    """Heading above the categories."""
    categories: list[Id] | None = None
    """Categories to show, in this order; default all."""
    layout: Literal["grid", "list"] = "grid"
    """Icon grid (4 per row) or a list of rows."""

    def references(self) -> Iterator[Reference]:
        for c, ref in enumerate(self.categories or []):
            yield Reference("category", ref, ("categories", c))

    def needs_catalog(self) -> bool:
        return True

    def plan(self, planner: BlockPlanner, path: SpecPath, package: str) -> PlannedCategories:
        categories = planner.categories
        ids = self.categories or list(categories)
        return PlannedCategories(
            title=self.title,
            layout=self.layout,
            items=tuple(planner.category_card(categories[c], package, with_image=True) for c in ids),
        )


@dataclass(frozen=True)
class PlannedCategories(PlannedBlock):
    type: ClassVar[str] = "categories"
    title: str
    layout: str
    items: tuple[CategoryCard, ...]


BLOCK = CategoriesBlock

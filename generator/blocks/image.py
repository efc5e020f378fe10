"""The image block: one full-width image, optionally a link."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, ClassVar, Literal

from pydantic import StringConstraints

from ..load.source_map import SpecPath
from ..plan.image_ref import ImageRef
from ..plan.links import Link
from ..spec.model import ImagePath, UserText
from .base import SLOT_FULL, BlockPlanner, BlockSpec, LinkTarget, PlannedBlock, Reference


class ImageBlock(LinkTarget, BlockSpec):
    type: Literal["image"]
    image: ImagePath
    """Image file."""
    alt: Annotated[UserText, StringConstraints(max_length=120)] = ""
    """What the image shows (read by screen readers)."""

    def references(self) -> Iterator[Reference]:
        yield from super().references()
        yield Reference("image", self.image, ("image",))

    def plan(self, planner: BlockPlanner, path: SpecPath, package: str) -> PlannedImageBlock:
        return PlannedImageBlock(
            image=planner.image(self.image, SLOT_FULL, path + ("image",), package),
            alt=self.alt,
            link=planner.link(self),
        )


@dataclass(frozen=True)
class PlannedImageBlock(PlannedBlock):
    type: ClassVar[str] = "image"
    image: ImageRef
    alt: str
    link: Link | None


BLOCK = ImageBlock

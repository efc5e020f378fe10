"""The banner block: a carousel of slides, each an image with an optional caption and link."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, ClassVar, Literal

from pydantic import Field, StringConstraints

from ..load.source_map import SpecPath
from ..plan.image_ref import ImageRef
from ..plan.links import Link
from ..spec.model import ImagePath, UserText
from .base import SLOT_FULL, BlockPlanner, BlockSpec, LinkTarget, Planned, PlannedBlock, Reference


class Slide(LinkTarget):
    image: ImagePath
    """Slide image (750x360 px or larger, same ratio)."""
    title: Annotated[UserText, StringConstraints(max_length=60)] = ""
    """Caption drawn over the slide; also the image's alt text."""


class BannerBlock(BlockSpec):
    type: Literal["banner"]
    slides: list[Slide] = Field(min_length=1, max_length=8)
    """Slides of the carousel."""
    autoplay: bool = True
    """Advance the slides by themselves."""
    interval: int = Field(default=4000, ge=1500, le=20000)
    """Milliseconds between slides."""

    def references(self) -> Iterator[Reference]:
        for s, slide in enumerate(self.slides):
            for ref in slide.references():
                yield Reference(ref.kind, ref.value, ("slides", s) + ref.path)
            yield Reference("image", slide.image, ("slides", s, "image"))

    def plan(self, planner: BlockPlanner, path: SpecPath, package: str) -> PlannedBanner:
        return PlannedBanner(
            autoplay=self.autoplay,
            interval=self.interval,
            slides=tuple(
                PlannedSlide(
                    image=planner.image(slide.image, SLOT_FULL, path + ("slides", i, "image"), package),
                    title=slide.title,
                    link=planner.link(slide),
                )
                for i, slide in enumerate(self.slides)
            ),
        )


@dataclass(frozen=True)
class PlannedSlide(Planned):
    image: ImageRef
    title: str
    link: Link | None


@dataclass(frozen=True)
class PlannedBanner(PlannedBlock):
    type: ClassVar[str] = "banner"
    autoplay: bool
    interval: int
    slides: tuple[PlannedSlide, ...]


BLOCK = BannerBlock

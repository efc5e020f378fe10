"""The article block: a title, byline, cover image and body text with subheadings."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, ClassVar, Literal

from pydantic import StringConstraints

from ..load.source_map import SpecPath
from ..plan.image_ref import PlannedImage
from ..spec.model import ImagePath, ShortText, Text, UserText
from ..textdata import article_sections
from .base import NO_IMAGE, SLOT_ARTICLE, BlockPlanner, BlockSpec, Planned, PlannedBlock, Reference


class ArticleBlock(BlockSpec):
    type: Literal["article"]
    title: ShortText
    """Article title."""
    author: Annotated[UserText, StringConstraints(max_length=40)] = ""
    """Author or department."""
    date: Annotated[UserText, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}$")] | None = None
    """Publication date, YYYY-MM-DD."""
    cover: ImagePath | None = None
    """Cover image."""
    body: Text
    """Text; blank lines separate paragraphs; a line starting with `## ` is a subheading."""

    def references(self) -> Iterator[Reference]:
        if self.cover:
            yield Reference("image", self.cover, ("cover",))

    def plan(self, planner: BlockPlanner, path: SpecPath, package: str) -> PlannedArticle:
        cover = planner.image(self.cover, SLOT_ARTICLE, path + ("cover",), package) if self.cover else NO_IMAGE
        return PlannedArticle(
            title=self.title,
            author=self.author,
            date=self.date or "",
            cover=cover,
            sections=tuple(ArticleSection(s["kind"], s["text"]) for s in article_sections(self.body)),
        )


@dataclass(frozen=True)
class ArticleSection(Planned):
    kind: str  # "h": a subheading, "p": a paragraph
    text: str


@dataclass(frozen=True)
class PlannedArticle(PlannedBlock):
    type: ClassVar[str] = "article"
    title: str
    author: str
    date: str
    cover: PlannedImage
    sections: tuple[ArticleSection, ...]


BLOCK = ArticleBlock

"""The text block: an optional heading and paragraphs of plain text."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, ClassVar, Literal

from pydantic import StringConstraints

from ..load.source_map import SpecPath
from ..spec.model import Text, UserText
from ..textdata import paragraphs
from .base import BlockPlanner, BlockSpec, PlannedBlock


class TextBlock(BlockSpec):
    type: Literal["text"]
    title: Annotated[UserText, StringConstraints(max_length=60)] = ""
    """Optional heading."""
    body: Text
    """Plain text; blank lines separate paragraphs."""
    align: Literal["left", "center"] = "left"
    """Text alignment."""

    def plan(self, planner: BlockPlanner, path: SpecPath, package: str) -> PlannedText:
        return PlannedText(title=self.title, align=self.align, paragraphs=tuple(paragraphs(self.body)))


@dataclass(frozen=True)
class PlannedText(PlannedBlock):
    """Also what the build writes itself as text (the privacy page)."""

    type: ClassVar[str] = "text"
    title: str
    align: str
    paragraphs: tuple[str, ...]


BLOCK = TextBlock

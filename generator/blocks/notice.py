"""The notice block: one line of news, optionally a link."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, ClassVar, Literal

from pydantic import StringConstraints

from ..load.source_map import SpecPath
from ..plan.links import Link
from ..spec.model import UserText
from .base import BlockPlanner, BlockSpec, LinkTarget, PlannedBlock


class NoticeBlock(LinkTarget, BlockSpec):
    type: Literal["notice"]
    text: Annotated[UserText, StringConstraints(min_length=1, max_length=200)]
    """One line of news, scrolling when longer than the screen."""

    def plan(self, planner: BlockPlanner, path: SpecPath, package: str) -> PlannedNotice:
        return PlannedNotice(text=self.text, link=planner.link(self))


@dataclass(frozen=True)
class PlannedNotice(PlannedBlock):
    type: ClassVar[str] = "notice"
    text: str
    link: Link | None


BLOCK = NoticeBlock

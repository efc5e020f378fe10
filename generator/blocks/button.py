"""The button block: one full-width button that opens a page, product, category or address."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, ClassVar, Literal

from pydantic import StringConstraints, model_validator

from ..load.source_map import SpecPath
from ..plan.links import Link
from ..spec.model import UserText
from .base import BlockPlanner, BlockSpec, LinkTarget, PlannedBlock


class ButtonBlock(LinkTarget, BlockSpec):
    type: Literal["button"]
    text: Annotated[UserText, StringConstraints(min_length=1, max_length=20)]
    """Button label."""
    style: Literal["primary", "secondary"] = "primary"
    """Filled brand-color button, or an outlined one."""

    @model_validator(mode="after")
    def _needs_target(self) -> ButtonBlock:
        if not self.has_target:
            raise ValueError("a button needs a target; add one of page, product, category, url")
        return self

    def plan(self, planner: BlockPlanner, path: SpecPath, package: str) -> PlannedButton:
        return PlannedButton(text=self.text, style=self.style, link=planner.link(self))


@dataclass(frozen=True)
class PlannedButton(PlannedBlock):
    type: ClassVar[str] = "button"
    text: str
    style: str
    link: Link | None


BLOCK = ButtonBlock

"""The member block: the member's points and level (GET member), with links to orders and coupons."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, ClassVar, Literal

from pydantic import StringConstraints

from ..load.source_map import SpecPath
from ..spec.model import UserText
from .base import BlockPlanner, BlockSpec, PlannedBlock


class MemberBlock(BlockSpec):
    needs_commerce: ClassVar[bool] = True
    type: Literal["member"]
    title: Annotated[UserText, StringConstraints(max_length=40)] = "我的"
    """Heading; shows the member's points and level (GET member) and links to orders and coupons."""

    def plan(self, planner: BlockPlanner, path: SpecPath, package: str) -> PlannedMember:
        return PlannedMember(title=self.title)


@dataclass(frozen=True)
class PlannedMember(PlannedBlock):
    type: ClassVar[str] = "member"
    title: str


BLOCK = MemberBlock

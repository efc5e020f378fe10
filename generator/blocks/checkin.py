"""The check-in block: a daily check-in whose streak earns a reward (granted by the backend)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, ClassVar, Literal

from pydantic import Field, StringConstraints

from ..load.source_map import SpecPath
from ..spec.model import UserText
from .base import BlockPlanner, BlockSpec, PlannedBlock


class CheckinBlock(BlockSpec):
    needs_commerce: ClassVar[bool] = True
    type: Literal["checkin"]
    title: Annotated[UserText, StringConstraints(max_length=40)] = "每日签到"
    """Heading."""
    reward_days: int = Field(default=7, ge=2, le=31)
    """Days in a row that earn the reward (the seed's rule: 7)."""
    reward: Annotated[UserText, StringConstraints(min_length=1, max_length=30)]
    """What the streak earns, e.g. 满50减10优惠券 (granted by the backend)."""

    def plan(self, planner: BlockPlanner, path: SpecPath, package: str) -> PlannedCheckin:
        return PlannedCheckin(title=self.title, reward_days=self.reward_days, reward=self.reward)


@dataclass(frozen=True)
class PlannedCheckin(PlannedBlock):
    type: ClassVar[str] = "checkin"
    title: str
    reward_days: int
    reward: str


BLOCK = CheckinBlock

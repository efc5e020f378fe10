"""The invite block: invite friends who register (never rewards for forwarding itself)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, ClassVar, Literal

from pydantic import Field, StringConstraints

from ..load.source_map import SpecPath
from ..spec.model import UserText
from .base import BlockPlanner, BlockSpec, PlannedBlock


class InviteBlock(BlockSpec):
    needs_commerce: ClassVar[bool] = True
    type: Literal["invite"]
    title: Annotated[UserText, StringConstraints(max_length=40)] = "邀请好友"
    """Heading."""
    friends: int = Field(default=3, ge=1, le=20)
    """Invited friends who must register (not just receive a share) to earn the reward."""
    reward: Annotated[UserText, StringConstraints(min_length=1, max_length=30)]
    """What the inviter earns, e.g. 满99减20优惠券. Rewards for forwarding itself are against WeChat's rules."""

    def plan(self, planner: BlockPlanner, path: SpecPath, package: str) -> PlannedInvite:
        return PlannedInvite(title=self.title, friends=self.friends, reward=self.reward)


@dataclass(frozen=True)
class PlannedInvite(PlannedBlock):
    type: ClassVar[str] = "invite"
    title: str
    friends: int
    reward: str


BLOCK = InviteBlock

"""The invite block: invite friends who register, for the reward of `commerce.invites` (never rewards
for forwarding itself)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, ClassVar, Literal

from pydantic import Field, StringConstraints

from ..load.source_map import SpecPath
from ..spec.growth import reward_text
from ..spec.model import UserText
from .base import BlockPlanner, BlockSpec, PlannedBlock

if TYPE_CHECKING:
    from ..spec.site import Commerce


class InviteBlock(BlockSpec):
    needs_commerce: ClassVar[bool] = True
    type: Literal["invite"]
    title: Annotated[UserText, StringConstraints(max_length=40)] = "邀请好友"
    """Heading."""
    friends: int | None = Field(default=None, ge=1, le=20)
    """Shown number of friends; the rule is commerce.invites.friends (give it here only to repeat it)."""
    reward: Annotated[UserText, StringConstraints(min_length=1, max_length=30)] | None = None
    """What the inviter earns, as shown, e.g. 满99减20优惠券; default: the reward's coupon title or N积分.
    Rewards for forwarding itself are against WeChat's rules: only registered friends count."""

    def commerce_problems(self, commerce: Commerce) -> Iterator[tuple[SpecPath, str]]:
        if commerce.invites is None:
            yield (
                ("type",),
                "an invite block needs commerce.invites, the rule the server keeps, e.g. "
                "`invites: {friends: 3, reward: {coupon: <id of commerce.coupons>}}`",
            )
        elif self.friends is not None and self.friends != commerce.invites.friends:
            yield (
                ("friends",),
                f"the block shows {self.friends} friends but commerce.invites.friends is "
                f"{commerce.invites.friends}; remove friends here (the rule's value is shown)",
            )

    def plan(self, planner: BlockPlanner, path: SpecPath, package: str) -> PlannedInvite:
        commerce = planner.commerce
        rule = commerce.invites if commerce is not None else None
        assert commerce is not None and rule is not None  # validate_refs reports it first
        return PlannedInvite(
            title=self.title, friends=rule.friends, reward=self.reward or reward_text(rule.reward, commerce.coupons)
        )


@dataclass(frozen=True)
class PlannedInvite(PlannedBlock):
    type: ClassVar[str] = "invite"
    title: str
    friends: int
    reward: str


BLOCK = InviteBlock

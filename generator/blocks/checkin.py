"""The check-in block: a daily check-in whose streak earns the reward of `commerce.checkin` (granted by
`gen serve`)."""

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


class CheckinBlock(BlockSpec):
    needs_commerce: ClassVar[bool] = True
    type: Literal["checkin"]
    title: Annotated[UserText, StringConstraints(max_length=40)] = "每日签到"
    """Heading."""
    reward_days: int | None = Field(default=None, ge=2, le=31)
    """Shown days in a row; the rule is commerce.checkin.reward_days (give it here only to repeat it)."""
    reward: Annotated[UserText, StringConstraints(min_length=1, max_length=30)] | None = None
    """What the streak earns, as shown, e.g. 满50减10优惠券; default: the reward's coupon title or N积分."""

    def commerce_problems(self, commerce: Commerce) -> Iterator[tuple[SpecPath, str]]:
        if commerce.checkin is None:
            yield (
                ("type",),
                "a checkin block needs commerce.checkin, the rule the server keeps, e.g. "
                "`checkin: {reward_days: 7, reward: {coupon: <id of commerce.coupons>}}`",
            )
        elif self.reward_days is not None and self.reward_days != commerce.checkin.reward_days:
            yield (
                ("reward_days",),
                f"the block shows {self.reward_days} days but commerce.checkin.reward_days is "
                f"{commerce.checkin.reward_days}; remove reward_days here (the rule's value is shown)",
            )

    def plan(self, planner: BlockPlanner, path: SpecPath, package: str) -> PlannedCheckin:
        commerce = planner.commerce
        rule = commerce.checkin if commerce is not None else None
        assert commerce is not None and rule is not None  # validate_refs reports it first
        return PlannedCheckin(
            title=self.title,
            reward_days=rule.reward_days,
            reward=self.reward or reward_text(rule.reward, commerce.coupons),
            points=rule.points,
        )


@dataclass(frozen=True)
class PlannedCheckin(PlannedBlock):
    type: ClassVar[str] = "checkin"
    title: str
    reward_days: int
    reward: str
    points: int
    """Points of every check-in (0: none)."""


BLOCK = CheckinBlock

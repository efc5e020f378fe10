"""The growth rules of the site spec that `gen serve` keeps: check-in (`commerce.checkin`), invites
(`commerce.invites`), members and points (`commerce.members`), the Official Account's follower gift
(`commerce.follower_gift`) and re-engagement (`commerce.remind`).

A reward is points or one of `commerce.coupons`; a coupon named as a reward is granted by its rule only and
never offered in the coupon centre (`Commerce.reward_coupon_ids`). No rule rewards a share by itself: an
invite counts once the friend registers (诱导分享 is against WeChat's rules).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StringConstraints, field_validator, model_validator
from pydantic.json_schema import SkipJsonSchema

from .coupons import CouponSpec
from .messages import FieldKey, TemplateId
from .model import Id, NotText, SpecModel, UserText

MAX_POINTS = 1_000_000


class Reward(SpecModel):
    model_config = ConfigDict(json_schema_extra={"minProperties": 1, "maxProperties": 1})

    coupon: Id | SkipJsonSchema[None] = None
    """One of commerce.coupons, granted to the shopper (it need not be claimable in the coupon centre)."""
    points: int | SkipJsonSchema[None] = Field(default=None, json_schema_extra={"minimum": 1, "maximum": MAX_POINTS})
    """Points added to the shopper's balance; give this or `coupon`."""

    @field_validator("points")
    @classmethod
    def _points_range(cls, points: int | None) -> int | None:
        if points is not None and not 1 <= points <= MAX_POINTS:
            raise ValueError(f"a reward gives 1 to {MAX_POINTS} points")
        return points

    @model_validator(mode="after")
    def _one_kind(self) -> Reward:
        if (self.coupon is None) == (self.points is None):
            raise ValueError("a reward is either `coupon: <id of commerce.coupons>` or `points: <number>`, one of them")
        return self


class CheckinRule(SpecModel):
    reward_days: int = Field(default=7, ge=2, le=31)
    """Days in a row (Asia/Shanghai calendar days) that earn the reward; a missed day starts the streak again.
    Every time the streak reaches a multiple (7, 14, ...) the reward is granted once more."""
    reward: Reward
    """What the streak earns."""
    points: int = Field(default=0, ge=0, le=10_000)
    """Points for every check-in (0: none), besides the streak's reward."""


class InviteRule(SpecModel):
    friends: int = Field(default=3, ge=1, le=20)
    """Invited friends who must register (log in for the first time through the inviter's share)."""
    reward: Reward
    """What the inviter earns for each `friends` registrations."""
    times: int = Field(default=1, ge=1, le=100)
    """How often one inviter can earn it (1: only for the first `friends` friends)."""


class Level(SpecModel):
    name: Annotated[UserText, StringConstraints(min_length=1, max_length=12)]
    """What the member card shows, e.g. 银卡会员."""
    points: int = Field(ge=0, le=100_000_000)
    """Points a member needs for this level (the first level: 0)."""


class MemberRules(SpecModel):
    points_per_yuan: int = Field(default=1, ge=0, le=100)
    """Points for every whole yuan an order paid (0: none); a refund takes them back."""
    levels: list[Level] = Field(default_factory=list, max_length=10)
    """Levels by points held, lowest first, the first at 0 points; empty: no levels shown."""

    @field_validator("levels")
    @classmethod
    def _ascending(cls, levels: list[Level]) -> list[Level]:
        if levels and levels[0].points != 0:
            raise ValueError(f"the first level ({levels[0].name}) starts at 0 points; every member has it")
        for lower, higher in zip(levels, levels[1:], strict=False):
            if higher.points <= lower.points:
                raise ValueError(
                    f"level {higher.name} needs {higher.points} points, not more than {lower.name} "
                    f"({lower.points}); list the levels lowest first"
                )
        return levels

    def level(self, points: int) -> str:
        """The name of the highest level `points` reach ('' without levels)."""
        name = ""
        for level in self.levels:
            if points >= level.points:
                name = level.name
        return name


class FollowerGift(SpecModel):
    coupon: Id
    """One of commerce.coupons, granted once per person who follows the Official Account; it waits in the
    mini-program for the same person (joined by UnionID)."""


RemindValue = Literal["shop", "coupons", "points", "level", "time", "inactive_days"]


class Remind(SpecModel):
    template: TemplateId
    """A subscribe-message template id of commerce.order_templates (so shoppers are asked for it)."""
    inactive_days: int = Field(default=30, ge=7, le=365)
    """Days without opening the mini-program after which the message is sent, once per absence."""
    fields: dict[FieldKey, RemindValue] = Field(default_factory=dict, validate_default=True)
    """WeChat's field keys mapped to: shop (the shop's name), coupons (how many unused coupons the shopper
    holds), points, level, time (now, Asia/Shanghai), inactive_days."""
    page: Annotated[NotText, StringConstraints(pattern=r"^[A-Za-z0-9_/.-]{0,128}$")] = ""
    """The mini-program page the message opens (default: the home page)."""

    @field_validator("fields")
    @classmethod
    def _has_fields(cls, fields: dict[str, str]) -> dict[str, str]:
        if not fields:
            raise ValueError(
                "the reminder template needs its fields: map WeChat's keys to values, e.g. "
                "{thing1: shop, number2: coupons, time3: time}"
            )
        return fields


def reward_text(reward: Reward, coupons: Sequence[CouponSpec]) -> str:
    """How the reward reads on the page: its coupon's title, or N积分."""
    if reward.points is not None:
        return f"{reward.points}积分"
    return next((coupon.title for coupon in coupons if coupon.id == reward.coupon), "优惠券")

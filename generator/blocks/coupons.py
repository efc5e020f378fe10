"""The coupons block: in the mini-program, the coupons the backend offers (GET coupons), each claimed with
one tap, and the shopper's own (GET coupons/mine) with the code to show in store; on H5, the coupons the
spec offers to claim (not a rule's rewards), read-only, with the way into the mini-program."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

from pydantic import StringConstraints

from ..load.source_map import SpecPath
from ..spec.coupons import CouponSpec
from ..spec.model import UserText
from .base import BlockPlanner, BlockSpec, Planned, PlannedBlock

if TYPE_CHECKING:
    from ..spec.site import Commerce


class CouponsBlock(BlockSpec):
    needs_commerce: ClassVar[bool] = True
    type: Literal["coupons"]
    title: Annotated[UserText, StringConstraints(max_length=40)] = "领券中心"
    """Heading; the coupons themselves come from commerce.coupons (the mini-program asks the backend)."""

    def plan(self, planner: BlockPlanner, path: SpecPath, package: str) -> PlannedCoupons:
        return PlannedCoupons(title=self.title, offers=offers(planner.commerce))


def yuan(amount: Decimal) -> str:
    """`Decimal('30.00')` -> `30`, `Decimal('12.5')` -> `12.5`: yuan as a coupon's rule writes them."""
    return format(amount.normalize(), "f")


def discount_text(percent_off: int) -> str:
    """20% off is 8折 and 15% off 8.5折, as a shop in China writes a percentage coupon (the mini-program's
    block writes it the same way)."""
    return f"{yuan(Decimal(100 - percent_off) / 10)}折"


def rule_text(coupon: CouponSpec) -> str:
    """满30减5, 无门槛减5, 满100享8.5折 or 无门槛8.5折."""
    if coupon.amount is not None:
        off = f"减{yuan(coupon.amount)}"
    else:
        off = discount_text(coupon.percent_off or 0)
        off = f"享{off}" if coupon.min_spend > 0 else off
    return f"满{yuan(coupon.min_spend)}{off}" if coupon.min_spend > 0 else f"无门槛{off}"


def validity_text(coupon: CouponSpec) -> str:
    """Until a day (from a day), or N days after the claim."""
    if coupon.ends is None:
        return f"领取后 {coupon.days} 天内有效"
    if coupon.starts is not None:
        return f"{coupon.starts} 至 {coupon.ends} 有效"
    return f"{coupon.ends} 前有效"


def offers(commerce: Commerce | None) -> tuple[CouponOffer, ...]:
    """The coupons shoppers can claim, in the spec's order: a rule's reward coupons are granted, never
    offered."""
    if commerce is None:
        return ()
    rewards = commerce.reward_coupon_ids()
    return tuple(
        CouponOffer(
            title=coupon.title,
            rule=rule_text(coupon),
            validity=validity_text(coupon),
            ends=coupon.ends or "",
        )
        for coupon in commerce.coupons
        if coupon.id not in rewards
    )


@dataclass(frozen=True)
class CouponOffer(Planned):
    title: str
    rule: str
    validity: str
    ends: str
    """The last day it can be claimed (YYYY-MM-DD, Asia/Shanghai), '' when it has none: the H5 page hides
    it once that day has passed."""


@dataclass(frozen=True)
class PlannedCoupons(PlannedBlock):
    type: ClassVar[str] = "coupons"
    title: str
    offers: tuple[CouponOffer, ...]
    """For H5 only: the mini-program's component asks the backend for what is left and what the shopper has."""

    def miniprogram_view(self, data: dict[str, Any]) -> dict[str, Any]:
        return {key: value for key, value in data.items() if key != "offers"}


BLOCK = CouponsBlock

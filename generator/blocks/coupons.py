"""The coupons block: the coupons the backend offers (GET coupons), each claimed with one tap."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, ClassVar, Literal

from pydantic import StringConstraints

from ..load.source_map import SpecPath
from ..spec.model import UserText
from .base import BlockPlanner, BlockSpec, PlannedBlock


class CouponsBlock(BlockSpec):
    needs_commerce: ClassVar[bool] = True
    type: Literal["coupons"]
    title: Annotated[UserText, StringConstraints(max_length=40)] = "领券中心"
    """Heading; the coupons themselves come from the backend (GET coupons), claimed with one tap."""

    def plan(self, planner: BlockPlanner, path: SpecPath, package: str) -> PlannedCoupons:
        return PlannedCoupons(title=self.title)


@dataclass(frozen=True)
class PlannedCoupons(PlannedBlock):
    type: ClassVar[str] = "coupons"
    title: str


BLOCK = CouponsBlock

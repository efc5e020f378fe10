"""The contact block: customer service, phone, address and opening hours."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, ClassVar, Literal

from pydantic import StringConstraints

from ..load.source_map import SpecPath
from ..spec.model import UserText
from .base import BlockPlanner, BlockSpec, PlannedBlock


class ContactBlock(BlockSpec):
    type: Literal["contact"]
    title: Annotated[UserText, StringConstraints(max_length=40)] = "联系我们"
    """Heading."""
    text: Annotated[UserText, StringConstraints(max_length=300)] = ""
    """A line about when and how you answer."""
    button_text: Annotated[UserText, StringConstraints(min_length=1, max_length=12)] = "在线客服"
    """Label of the customer-service button."""
    phone: Annotated[UserText, StringConstraints(pattern=r"^[0-9+\-() ]{5,20}$")] | None = None
    """Phone number; adds a call button."""
    address: Annotated[UserText, StringConstraints(max_length=120)] = ""
    """Street address."""
    hours: Annotated[UserText, StringConstraints(max_length=60)] = ""
    """Opening hours."""

    def plan(self, planner: BlockPlanner, path: SpecPath, package: str) -> PlannedContact:
        return PlannedContact(
            title=self.title,
            text=self.text,
            button_text=self.button_text,
            phone=self.phone or "",
            address=self.address,
            hours=self.hours,
        )


@dataclass(frozen=True)
class PlannedContact(PlannedBlock):
    type: ClassVar[str] = "contact"
    title: str
    text: str
    button_text: str
    phone: str
    address: str
    hours: str


BLOCK = ContactBlock

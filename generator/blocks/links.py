"""The links block, which the build writes itself (no spec model): a page's sub-pages, as rows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ..plan.links import Link
from .base import Planned, PlannedBlock


@dataclass(frozen=True)
class LinkItem(Planned):
    title: str
    link: Link


@dataclass(frozen=True)
class PlannedLinks(PlannedBlock):
    type: ClassVar[str] = "links"
    items: tuple[LinkItem, ...]

"""A benchmark goal checked against one run: met or not, the measured value, and when it is not met, why,
in the run's own figures (what the time went to, or what floor the goal sits under)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple


class Goal(NamedTuple):
    name: str
    met: bool
    value: str
    why: str = ""  # shown only when the goal is not met


def goal_table(goals: Iterable[Goal]) -> list[str]:
    """The goals as a markdown table (nothing when there are none)."""
    rows = [
        f"| {goal.name} | {'met' if goal.met else 'not met'} | {goal.value} | {'' if goal.met else goal.why} |"
        for goal in goals
    ]
    if not rows:
        return []
    return ["| goal | | this run | why not met |", "|---|---|---|---|", *rows]

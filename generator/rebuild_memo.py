"""What `gen dev` keeps from one build for the next: values made from objects, taken again while they are
made from the very same objects.

A save that changes one row of a 10,000-product CSV leaves 9,999 rows as they were. The loader then hands
the planner the same `Product` objects for those rows (`load/validate_csv.py`), the planner gives them the
same catalog entries, and each stage after it (a product page's key, a packed catalog row, a JSON bucket)
finds its value under its key made from the same objects. Tuples of them are compared, whose items are
compared by identity first: the same objects cost a pointer comparison each, never the serialisation the
lookup saves (and objects equal but not the same, rarer, make the same values). The memo holds the
objects, so their ids are never another object's.

Each build reads the last successful build's values and writes its own; `commit()` makes them the ones
the next build reads, so a failed build (or a stage it did not run) takes nothing away.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

V = TypeVar("V")
_MISSING = object()


class Shelf:
    """One stage's values by key, each with the objects it was made from."""

    def __init__(self) -> None:
        self._last: dict[Hashable, tuple[tuple[object, ...], Any]] = {}
        self._next: dict[Hashable, tuple[tuple[object, ...], Any]] = {}
        self.hits = 0
        self.used = False  # by this build: a stage the build did not run keeps its values

    def get(self, key: Hashable, made_from: tuple[object, ...], make: Callable[[], V]) -> V:
        """The value under `key` when the last build made it from these objects; else `make()`."""
        value = self.take(key, made_from, _MISSING)
        if value is _MISSING:
            value = make()
        self.keep(key, made_from, value)
        return value  # type: ignore[no-any-return]

    def take(self, key: Hashable, made_from: tuple[object, ...], default: Any = None) -> Any:
        """The value under `key` when the last build made it from these objects; else `default`."""
        self.used = True
        last = self._last.get(key)
        # tuples compare item by item, each first by identity: the very same objects are equal at once
        if last is None or last[0] != made_from:
            return default
        self.hits += 1
        return last[1]

    def keep(self, key: Hashable, made_from: tuple[object, ...], value: Any) -> None:
        """`value` under `key` for the next build, made from `made_from`."""
        self.used = True
        self._next[key] = (made_from, value)

    def begin(self) -> None:
        self._next = {}
        self.hits = 0
        self.used = False

    def commit(self) -> None:
        if self.used:
            self._last, self._next = self._next, {}


class RebuildMemo:
    """The shelves of one `gen dev` session, by stage name (each stage asks for its own)."""

    def __init__(self) -> None:
        self.shelves: dict[Hashable, Shelf] = {}

    def shelf(self, stage: Hashable) -> Shelf:
        shelf = self.shelves.get(stage)
        if shelf is None:
            shelf = self.shelves[stage] = Shelf()
        return shelf

    def begin(self) -> None:
        for shelf in self.shelves.values():
            shelf.begin()

    def commit(self) -> None:
        for shelf in self.shelves.values():
            shelf.commit()

    def hits(self) -> dict[Hashable, int]:
        return {stage: shelf.hits for stage, shelf in self.shelves.items()}

"""Where each value of a spec came from: positions by spec path, across the files of one document."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import Position

SpecPath = tuple[str | int, ...]


@dataclass(frozen=True)
class CsvRegion:
    """Rows of a CSV file that fill a list of the spec from index `start` on: their positions are made
    when asked for, as a big catalog's cells would be millions of entries."""

    file: str
    start: int
    lines: list[int]  # the line of each row
    columns: frozenset[str]

    def value(self, path: SpecPath) -> Position | None:
        """The position of `path` = (index, column, ...) below the list, if it is one of these rows."""
        index = path[0]
        if not isinstance(index, int) or not self.start <= index < self.start + len(self.lines):
            return None
        line = self.lines[index - self.start]
        if len(path) > 1 and path[1] in self.columns:
            return Position(self.file, line, column=str(path[1]))
        return Position(self.file, line)


@dataclass
class SourceMap:
    """Positions of values (and of mapping keys) by spec path, across the files that made one document."""

    values: dict[SpecPath, Position] = field(default_factory=dict)
    keys: dict[SpecPath, Position] = field(default_factory=dict)
    block_scalars: set[SpecPath] = field(default_factory=set)  # `|` / `>` text: it starts on the next line
    typed: dict[SpecPath, str] = field(default_factory=dict)
    """What the user typed for each unquoted value YAML read as null, true/false or a number (`010`)."""
    regions: dict[SpecPath, CsvRegion] = field(default_factory=dict)
    """A list of the spec (its path) filled from a CSV file, e.g. `catalog.products` from products.csv."""

    def value(self, path: SpecPath) -> Position:
        """The position of the value at `path`, or of its nearest known ancestor."""
        found = self._in_region(path)
        return found if found is not None else _nearest(self.values, path)

    def key(self, path: SpecPath) -> Position:
        """The position of the mapping key that names `path` (falls back to the value)."""
        return self.keys.get(path) or self.value(path)

    def _in_region(self, path: SpecPath) -> Position | None:
        for prefix, region in self.regions.items():
            if len(path) > len(prefix) and path[: len(prefix)] == prefix:
                return region.value(path[len(prefix) :])
        return None

    def text_position(self, path: SpecPath, text: str, offset: int) -> Position:
        """Where character `offset` of the text value at `path` is, to the line (for lint findings)."""
        start = self.value(path)
        if start.column or not start.line:  # a CSV cell or an unknown place: the cell itself
            return start
        lines_before = text.count("\n", 0, offset)
        if path in self.block_scalars:
            return Position(start.file, start.line + 1 + lines_before, 0)
        return Position(start.file, start.line + lines_before, start.col if not lines_before else 0)

    def merge(self, other: SourceMap, prefix: SpecPath = ()) -> None:
        for path, pos in other.values.items():
            self.values[prefix + path] = pos
        for path, pos in other.keys.items():
            self.keys[prefix + path] = pos
        self.block_scalars |= {prefix + path for path in other.block_scalars}
        for path, text in other.typed.items():
            self.typed[prefix + path] = text
        for path, region in other.regions.items():
            self.regions[prefix + path] = region


def _nearest(table: dict[SpecPath, Position], path: SpecPath) -> Position:
    for end in range(len(path), -1, -1):
        found = table.get(path[:end])
        if found is not None:
            return found
    return Position("?")


@dataclass
class Document:
    """Plain data read from one source, and where each value came from."""

    data: Any
    source: SourceMap

"""Where each value of a spec came from: positions by spec path, across the files of one document."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import Position

SpecPath = tuple[str | int, ...]


@dataclass
class SourceMap:
    """Positions of values (and of mapping keys) by spec path, across the files that made one document."""

    values: dict[SpecPath, Position] = field(default_factory=dict)
    keys: dict[SpecPath, Position] = field(default_factory=dict)
    block_scalars: set[SpecPath] = field(default_factory=set)  # `|` / `>` text: it starts on the next line
    typed: dict[SpecPath, str] = field(default_factory=dict)
    """What the user typed for each unquoted value YAML read as null, true/false or a number (`010`)."""

    def value(self, path: SpecPath) -> Position:
        """The position of the value at `path`, or of its nearest known ancestor."""
        return _nearest(self.values, path)

    def key(self, path: SpecPath) -> Position:
        """The position of the mapping key that names `path` (falls back to the value)."""
        return self.keys.get(path) or self.value(path)

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

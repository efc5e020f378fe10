"""Load stage: read site.yaml, theme YAML and products.csv into plain data, keeping every value's position."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from .errors import Position, Problem, SpecError

SpecPath = tuple[str | int, ...]


@dataclass
class SourceMap:
    """Positions of values (and of mapping keys) by spec path, across the files that made one document."""

    values: dict[SpecPath, Position] = field(default_factory=dict)
    keys: dict[SpecPath, Position] = field(default_factory=dict)
    block_scalars: set[SpecPath] = field(default_factory=set)  # `|` / `>` text: it starts on the next line

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


_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: ~10x faster


class _Loader(_BaseLoader):  # type: ignore[misc,valid-type]
    """SafeLoader whose floats stay exact: `19.9` becomes Decimal('19.9'), never a binary float."""


def _construct_exact_float(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    text = str(node.value).replace("_", "")
    try:
        value = Decimal(text)
    except InvalidOperation:
        return loader.construct_yaml_float(node)
    return value if value.is_finite() else loader.construct_yaml_float(node)


_Loader.add_constructor("tag:yaml.org,2002:float", _construct_exact_float)


def read_yaml(path: Path, display_name: str) -> Document:
    """Parse one YAML file. Syntax errors, duplicate keys and non-mapping roots raise SpecError."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SpecError(
            [Problem(Position(display_name), "", f"is not UTF-8 text ({exc.reason}); save it as UTF-8")]
        ) from None
    return parse_yaml(text, display_name)


def parse_yaml(text: str, display_name: str) -> Document:
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Position(display_name, mark.line + 1, mark.column + 1) if mark else Position(display_name)
        what = exc.problem or "invalid YAML"
        if exc.context:
            what = f"{exc.context}, {what}"
        raise SpecError(
            [Problem(where, "", f"YAML syntax error: {what}; check the indentation and quoting here")]
        ) from None
    finally:
        loader.dispose()
    source = SourceMap()
    problems: list[Problem] = []
    if node is None:
        return Document({}, source)
    data = _walk(loader, node, (), display_name, source, problems)
    if problems:
        raise SpecError(problems)
    if not isinstance(data, dict):
        raise SpecError(
            [
                Problem(
                    _pos(display_name, node), "", "the file must be a YAML mapping (key: value lines) at the top level"
                )
            ]
        )
    return Document(data, source)


def _pos(name: str, node: yaml.Node) -> Position:
    return Position(name, node.start_mark.line + 1, node.start_mark.column + 1)


def _walk(
    loader: yaml.SafeLoader, node: yaml.Node, path: SpecPath, name: str, source: SourceMap, problems: list[Problem]
) -> Any:
    source.values[path] = _pos(name, node)
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)  # resolves `<<: *anchor` merges
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, str):
                key = str(key)
            child = path + (key,)
            if key in result:
                first = source.keys[child]
                problems.append(
                    Problem(
                        _pos(name, key_node), _fmt(child), f"duplicate key (first at line {first.line}); keep only one"
                    )
                )
                continue
            source.keys[child] = _pos(name, key_node)
            result[key] = _walk(loader, value_node, child, name, source, problems)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_walk(loader, item, path + (i,), name, source, problems) for i, item in enumerate(node.value)]
    if isinstance(node, yaml.ScalarNode) and node.style in ("|", ">"):
        source.block_scalars.add(path)
    return loader.construct_object(node, deep=True)


def _fmt(path: SpecPath) -> str:
    from .errors import format_path

    return format_path(path)


def read_csv(path: Path, display_name: str) -> tuple[list[dict[str, str]], list[dict[str, Position]]]:
    """Rows of a UTF-8 CSV file as dicts, with each cell's position (line and column name)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise SpecError(
            [Problem(Position(display_name), "", "is not UTF-8; save the CSV as UTF-8 (Excel: CSV UTF-8)")]
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[dict[str, str]] = []
    positions: list[dict[str, Position]] = []
    try:
        header = next(reader)
    except StopIteration:
        return rows, positions
    header = [h.strip() for h in header]
    problems: list[Problem] = []
    for record in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in record):
            continue
        if len(record) > len(header):
            problems.append(
                Problem(
                    Position(display_name, line),
                    "",
                    f"has {len(record)} cells but the header has {len(header)}; quote cells that contain commas",
                )
            )
            continue
        row = {col: cell.strip() for col, cell in zip(header, record, strict=False) if cell.strip() != ""}
        rows.append(row)
        positions.append({col: Position(display_name, line, column=col) for col in header})
    if problems:
        raise SpecError(problems)
    return rows, positions

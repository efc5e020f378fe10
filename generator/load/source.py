"""Load stage: read site.yaml, theme YAML and products.csv into plain data, keeping every value's position.

YAML is read by the 1.2 core schema, as the editor's YAML language server reads it (`yaml_core`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..errors import Position, Problem, SpecError
from .source_map import Document, SourceMap, SpecPath
from .yaml_core import OFFSETS_IN_BYTES, ComposeError, compose
from .yaml_walk import node_position, walk_document

__all__ = ["CsvTable", "Document", "SourceMap", "SpecPath", "parse_yaml", "read_csv", "read_yaml"]


def read_yaml(path: Path, display_name: str) -> Document:
    """Parse one YAML file. Every problem (syntax, tags, aliases, duplicate keys) raises SpecError."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SpecError(
            [Problem(Position(display_name), "", f"is not UTF-8 text ({exc.reason}); save it as UTF-8")]
        ) from None
    return parse_yaml(text, display_name)


def parse_yaml(text: str, display_name: str) -> Document:
    """Plain data of one YAML document with each value's position; an empty document is `{}`."""
    try:
        node, has_aliases = compose(text)
    except yaml.MarkedYAMLError as exc:
        raise SpecError([_syntax_problem(exc, display_name)]) from None
    except yaml.reader.ReaderError as exc:
        raise SpecError([_reader_problem(exc, text, display_name)]) from None
    except ComposeError as exc:
        raise SpecError([Problem(Position(display_name, exc.line, exc.column), "", exc.message)]) from None
    source = SourceMap()
    source.values[()] = Position(display_name)
    if node is None:
        return Document({}, source)
    data, problems = walk_document(text, display_name, node, source, has_aliases)
    if problems:
        raise SpecError(problems)
    if not isinstance(data, dict):
        message = "the file must be a YAML mapping (key: value lines) at the top level"
        raise SpecError([Problem(node_position(display_name, node), "", message)])
    return Document(data, source)


def _syntax_problem(exc: yaml.MarkedYAMLError, display_name: str) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    where = Position(display_name, mark.line + 1, mark.column + 1) if mark else Position(display_name)
    what = exc.problem or "invalid YAML"
    if exc.context:
        what = f"{exc.context}, {what}"
    return Problem(where, "", f"YAML syntax error: {what}; check the indentation and quoting here")


def _reader_problem(exc: yaml.reader.ReaderError, text: str, display_name: str) -> Problem:
    """A character YAML refuses (a control character pasted from a document), at its line and column."""
    if OFFSETS_IN_BYTES:  # libyaml counts UTF-8 bytes
        before = text.encode("utf-8")[: max(exc.position, 0)].decode("utf-8", errors="ignore")
    else:
        before = text[: max(exc.position, 0)]
    line = before.count("\n") + 1
    column = len(before) - (before.rfind("\n") + 1) + 1
    if isinstance(exc.character, str):
        what = f"has the invisible control character U+{ord(exc.character):04X}, which YAML does not allow"
    elif isinstance(exc.character, int):
        what = f"has the invisible control character U+{exc.character:04X}, which YAML does not allow"
    else:
        what = f"cannot be read ({exc.reason})"
    return Problem(Position(display_name, line, column), "", f"{what}; delete it (retype the text around it)")


@dataclass(frozen=True)
class CsvTable:
    """The records of a CSV file as dicts (blank cells left out), and where each cell and column is."""

    rows: list[dict[str, str]]
    lines: list[int]
    """Per row, the line where its record starts (a quoted cell may span lines): every cell's position."""
    columns: dict[str, Position]
    """Each header column at the header's line."""


def read_csv(path: Path, display_name: str) -> CsvTable:
    """Rows of a UTF-8 CSV file, each cell at the line where its record starts (as a spreadsheet row)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise SpecError(
            [Problem(Position(display_name), "", "is not UTF-8; save the CSV as UTF-8 (Excel: CSV UTF-8)")]
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    records = _records(reader)
    rows: list[dict[str, str]] = []
    lines: list[int] = []
    header_line, header = next(records, (0, []))
    header = [h.strip() for h in header]
    columns = {column: Position(display_name, header_line, column=column) for column in header}
    problems: list[Problem] = []
    for line, record in records:
        if len(record) > len(header):
            problems.append(
                Problem(
                    Position(display_name, line),
                    "",
                    f"has {len(record)} cells but the header has {len(header)}; quote cells that contain commas",
                )
            )
            continue
        rows.append({col: cell.strip() for col, cell in zip(header, record, strict=False) if cell.strip() != ""})
        lines.append(line)
    if problems:
        raise SpecError(problems)
    return CsvTable(rows, lines, columns)


def _records(reader: Any) -> Iterator[tuple[int, list[str]]]:
    """Non-blank records with the line each starts on (`line_num` is the line a record ends on)."""
    ended = 0
    for record in reader:
        start, ended = ended + 1, reader.line_num
        if any(cell.strip() for cell in record):
            yield start, record

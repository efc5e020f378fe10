"""Composed YAML nodes to plain data, with every value's position, bounded against alias bombs.

An alias (`*name`, `<<: *name`) is the anchored node object itself, met again: a few chained aliases
can stand for billions of values ("billion laughs") and fill the memory. Before the walk expands any
alias, the size of every node is counted once (repeats included, without expanding them), so such a
file fails in milliseconds, at the alias that goes over the bound.
"""

from __future__ import annotations

from typing import Any

import yaml

from ..errors import Position, Problem, format_path
from .source_map import SourceMap, SpecPath
from .yaml_core import CORE_SCALAR_TAGS, MAP_TAG, MAX_DEPTH, MERGE_TAG, SEQ_TAG, alias_at, display_tag, scalar_value

MAX_ALIAS_VALUES = 100_000
"""Most values that aliases may repeat in one file (a site that reuses a block on every page needs
a few hundred; a shared option list on 2,000 products about 20,000)."""

_Pair = tuple[str, yaml.Node, yaml.Node, bool]  # key, key node, value node, came from a `<<` merge


class _TooManyAliasValues(Exception):
    """Aliases repeat more than MAX_ALIAS_VALUES values (args: the spec path of the alias that tips it)."""


def node_position(name: str, node: yaml.Node) -> Position:
    return Position(name, node.start_mark.line + 1, node.start_mark.column + 1)


def walk_document(
    text: str, name: str, node: yaml.Node, source: SourceMap, has_aliases: bool = True
) -> tuple[Any, list[Problem]]:
    """The plain data of `node` (composed from `text`), recording positions in `source`, and its problems."""
    walker = _Walker(text, name, source)
    if has_aliases:
        try:
            _AliasCount(walker).visit(node, ())
        except _TooManyAliasValues as stop:
            message = (
                f"the alias {{alias}} repeats more than {MAX_ALIAS_VALUES:,} values (aliases inside aliases "
                "multiply); write the values out, or nest fewer aliases"
            )
            return None, [walker.alias_problem(stop.args[0], message)]
    return walker.walk(node, (), 0), walker.problems


class _AliasCount:
    """Counts, in document order, the values that aliases repeat, without repeating them.

    A node is first met at its place in the file (an anchor comes before its aliases), where its size
    (values under it, repeats included) is counted once; each later meeting is an alias that repeats
    that many values. Mappings count their pairs after `<<` merges, as the walk will build them.
    """

    def __init__(self, walker: _Walker) -> None:
        self.walker = walker
        self.sizes: dict[int, int] = {}
        self.open: set[int] = set()
        self.repeated = 0

    def visit(self, node: yaml.Node, path: SpecPath) -> int:
        key = id(node)
        size = self.sizes.get(key)
        if size is not None:
            self.repeated += size
            if self.repeated > MAX_ALIAS_VALUES:
                raise _TooManyAliasValues(path)
            return size
        if key in self.open:
            return 0  # an alias inside itself: the walk reports it
        self.open.add(key)
        size = 1
        if isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                size += self.visit(item, path + (index,))
        elif isinstance(node, yaml.MappingNode):
            for name, _, value_node, merged in self.walker.pairs(node, path, 0, report=False):
                size += 1 + self.visit(value_node, path + ("<<",) if merged else path + (name,))
        self.open.discard(key)
        self.sizes[key] = size
        return size


class _Walker:
    def __init__(self, text: str, name: str, source: SourceMap) -> None:
        self.text = text
        self.name = name
        self.source = source
        self.problems: list[Problem] = []
        self.open: set[int] = set()  # containers being walked or merged: meeting one again is a loop
        self.merge_sources: dict[int, list[_Pair]] = {}

    def walk(self, node: yaml.Node, path: SpecPath, depth: int) -> Any:
        """The value of `node` at `path` (`depth` counts the lists and mappings around it, aliases included)."""
        key = id(node)
        if key in self.open:
            self.problems.append(self.alias_problem(path, "the alias {alias} contains itself; point it elsewhere"))
            return None
        self.source.values[path] = node_position(self.name, node)
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node, path)
        if depth >= MAX_DEPTH:
            self.problems.append(
                Problem(
                    node_position(self.name, node),
                    "",
                    f"nests lists or mappings more than {MAX_DEPTH} levels deep (through aliases); flatten it",
                )
            )
            return None
        if node.tag not in (MAP_TAG, SEQ_TAG):
            self.problems.append(self.tag_problem(node, path))
            return None
        self.open.add(key)
        try:
            if isinstance(node, yaml.SequenceNode):
                return [self.walk(item, path + (i,), depth + 1) for i, item in enumerate(node.value)]
            assert isinstance(node, yaml.MappingNode)
            result: dict[str, Any] = {}
            for name, key_node, value_node, _ in self.pairs(node, path, 0, report=True):
                child = path + (name,)
                self.source.keys[child] = node_position(self.name, key_node)
                result[name] = self.walk(value_node, child, depth + 1)
            return result
        finally:
            self.open.discard(key)

    def pairs(self, node: yaml.MappingNode, path: SpecPath, merges: int, report: bool) -> list[_Pair]:
        """Key/value pairs with `<<` merges applied, as in PyYAML: merged keys first, an explicit key
        overrides a merged one, and of several merged mappings the earlier one wins."""
        explicit: dict[str, _Pair] = {}
        merged: dict[str, _Pair] = {}
        for key_node, value_node in node.value:
            if key_node.tag == MERGE_TAG:
                sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
                if not all(isinstance(source_node, yaml.MappingNode) for source_node in sources):
                    if report:
                        self.problems.append(
                            Problem(
                                node_position(self.name, value_node),
                                format_path(path + ("<<",)),
                                "`<<` merges mappings: give it an alias of a mapping (<<: *defaults) or a list of them",
                            )
                        )
                    continue
                for source_node in sources:
                    for pair in self.merge_source(source_node, path, merges + 1, report):
                        merged.setdefault(pair[0], pair)
                continue
            name = self.key(key_node, path, report)
            if name is None:
                continue
            if name in explicit:
                if report:
                    first = explicit[name][1].start_mark.line + 1
                    self.problems.append(
                        Problem(
                            node_position(self.name, key_node),
                            format_path(path + (name,)),
                            f"duplicate key (first at line {first}); keep only one",
                        )
                    )
                continue
            explicit[name] = (name, key_node, value_node, False)
        out = [explicit.pop(name) if name in explicit else pair for name, pair in merged.items()]
        return out + list(explicit.values())

    def merge_source(self, node: yaml.MappingNode, path: SpecPath, merges: int, report: bool) -> list[_Pair]:
        """The pairs one merged mapping brings; each is flattened once, however often it is merged."""
        key = id(node)
        if key in self.open or merges > MAX_DEPTH:
            if report:
                message = (
                    "the alias {alias} merges itself"
                    if key in self.open
                    else f"merges mappings that merge mappings more than {MAX_DEPTH} times; merge fewer levels"
                )
                self.problems.append(self.alias_problem(path + ("<<",), message))
            return []
        if key not in self.merge_sources:
            self.open.add(key)
            try:
                inner = self.pairs(node, path, merges, report=False)
            finally:
                self.open.discard(key)
            self.merge_sources[key] = [(name, k, v, True) for name, k, v, _ in inner]
        return self.merge_sources[key]

    def key(self, node: yaml.Node, path: SpecPath, report: bool) -> str | None:
        """A key is the text as typed: `010:` is the key '010' (not 10), `yes:` and `true:` stay words."""
        if isinstance(node, yaml.ScalarNode) and node.tag in CORE_SCALAR_TAGS:
            return str(node.value)
        if report:
            if isinstance(node, yaml.ScalarNode):
                self.problems.append(self.tag_problem(node, path))
            else:
                self.problems.append(
                    Problem(
                        node_position(self.name, node),
                        format_path(path),
                        "a key must be plain text, not a list or a mapping",
                    )
                )
        return None

    def scalar(self, node: yaml.ScalarNode, path: SpecPath) -> Any:
        if node.style in ("|", ">"):
            self.source.block_scalars.add(path)
        if node.tag not in CORE_SCALAR_TAGS:
            self.problems.append(self.tag_problem(node, path))
            return None
        try:
            value = scalar_value(node.tag, node.value)
        except ValueError as exc:
            where = node_position(self.name, node)
            self.problems.append(Problem(where, format_path(path), f"{exc}; fix the value (quote it if it is text)"))
            return None
        if not isinstance(value, str):
            self.source.typed[path] = str(node.value)
        return value

    def tag_problem(self, node: yaml.Node, path: SpecPath) -> Problem:
        return Problem(
            node_position(self.name, node),
            format_path(path),
            f"unknown tag {display_tag(node.tag)!r}; site files are plain YAML: remove the tag "
            "(or quote the value when the ! is part of the text)",
        )

    def alias_problem(self, path: SpecPath, message: str) -> Problem:
        """A problem at the alias that stands at `path`, naming it (`*defaults`)."""
        shown = format_path(tuple(part for part in path if part != "<<"))
        found = alias_at(self.text, path)
        if found is None:
            return Problem(self.source.value(path), shown, message.format(alias="here"))
        anchor, line, column = found
        return Problem(Position(self.name, line, column), shown, message.format(alias=f"*{anchor}"))

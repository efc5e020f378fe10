"""YAML 1.2 core schema on libyaml: what the editor's YAML language server reads is what the build reads.

PyYAML resolves plain scalars by YAML 1.1 rules (`yes` is true, `9:30` is 570, `010` is 8, `2024-05-01`
a date); the editor (yaml-language-server) uses the 1.2 core schema, where `yes`, `9:30` and the date
are text and `010` is ten. libyaml parses (fast); nodes are composed and typed here by the core schema,
and scalars are built exactly: floats become `Decimal`, never binary floats; only core tags are known.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml

NULL_TAG = "tag:yaml.org,2002:null"
BOOL_TAG = "tag:yaml.org,2002:bool"
INT_TAG = "tag:yaml.org,2002:int"
FLOAT_TAG = "tag:yaml.org,2002:float"
STR_TAG = "tag:yaml.org,2002:str"
MAP_TAG = "tag:yaml.org,2002:map"
SEQ_TAG = "tag:yaml.org,2002:seq"
MERGE_TAG = "tag:yaml.org,2002:merge"
CORE_SCALAR_TAGS = frozenset((NULL_TAG, BOOL_TAG, INT_TAG, FLOAT_TAG, STR_TAG, MERGE_TAG))

# The YAML 1.2.2 core schema (spec section 10.3.2), in the order the spec checks them.
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_INT = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
_FLOAT = re.compile(
    r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)
_MERGE = re.compile(r"^<<$")

MAX_DEPTH = 50
"""Deepest nesting of mappings and lists; a real site needs about 12 levels."""

_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: ~10x faster
OFFSETS_IN_BYTES = _BaseLoader is not yaml.SafeLoader
"""libyaml gives a refused character's offset in UTF-8 bytes (PyYAML's own reader in characters)."""

_IMPLICIT: dict[str, list[tuple[str, re.Pattern[str]]]] = {}
for _tag, _regexp, _first in (
    (NULL_TAG, _NULL, ["~", "n", "N", ""]),
    (BOOL_TAG, _BOOL, list("tTfF")),
    (INT_TAG, _INT, list("-+0123456789")),
    (FLOAT_TAG, _FLOAT, list("-+.0123456789")),
    (MERGE_TAG, _MERGE, ["<"]),
):
    for _char in _first:
        _IMPLICIT.setdefault(_char, []).append((_tag, _regexp))


def resolve_plain(text: str) -> str:
    """The core-schema tag of an untagged plain scalar: null, bool, int, float, `<<`, else str."""
    for tag, regexp in _IMPLICIT.get(text[:1], ()):
        if regexp.match(text):
            return tag
    return STR_TAG


class ComposeError(yaml.YAMLError):
    """A document that parses but cannot be composed: what is wrong and where (1-based line, column)."""

    def __init__(self, message: str, mark: Any) -> None:
        super().__init__(message)
        self.message = message
        self.line = mark.line + 1
        self.column = mark.column + 1


def compose(text: str) -> tuple[yaml.Node | None, bool]:
    """The node graph of the one document in `text` (None when it is empty), typed by the core schema,
    and whether it has aliases.

    libyaml parses; composing is done here, without recursion, because libyaml's composer recurses in C
    and a file of deeply nested brackets crashes the process. An alias is the anchored node itself, as
    in PyYAML; an anchor may be defined again (YAML 1.2), later aliases then mean the new one.
    """
    anchors: dict[str, yaml.Node] = {}
    stack: list[list[Any]] = []  # [collection node, mapping key waiting for its value]
    root: yaml.Node | None = None
    documents = 0
    aliases = False
    events: Iterator[Any] = yaml.parse(text, Loader=_BaseLoader)  # libyaml's marks are not typed
    for event in events:
        kind = type(event)
        node: yaml.Node
        if kind is yaml.ScalarEvent:
            tag = event.tag
            if tag is None or tag == "!":
                tag = resolve_plain(event.value) if event.implicit[0] else STR_TAG
            node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, style=event.style)
        elif kind is yaml.AliasEvent:
            found = anchors.get(event.anchor)
            if found is None:
                message = f"the alias *{event.anchor} comes before any anchor &{event.anchor}; define the anchor first"
                raise ComposeError(message, event.start_mark)
            node = found
            aliases = True
        elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
            if len(stack) >= MAX_DEPTH:
                raise ComposeError(
                    f"nests lists or mappings more than {MAX_DEPTH} levels deep; flatten it", event.start_mark
                )
            mapping = kind is yaml.MappingStartEvent
            tag = event.tag if event.tag not in (None, "!") else (MAP_TAG if mapping else SEQ_TAG)
            node_class = yaml.MappingNode if mapping else yaml.SequenceNode
            node = node_class(tag, [], event.start_mark, event.start_mark, flow_style=event.flow_style)
        elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
            stack.pop()[0].end_mark = event.end_mark
            continue
        elif kind is yaml.DocumentStartEvent:
            documents += 1
            if documents > 1:
                message = "a second document starts here; a site file is one document: remove this --- line"
                raise ComposeError(message, event.start_mark)
            continue
        else:
            continue
        if kind is not yaml.AliasEvent and event.anchor is not None:
            anchors[event.anchor] = node
        if not stack:
            root = node
        else:
            parent = stack[-1]
            if isinstance(parent[0], yaml.SequenceNode):
                parent[0].value.append(node)
            elif parent[1] is None:
                parent[1] = node
            else:
                parent[0].value.append((parent[1], node))
                parent[1] = None
        if isinstance(node, yaml.CollectionNode) and kind is not yaml.AliasEvent:
            stack.append([node, None])
    return root, aliases


def scalar_value(tag: str, text: str) -> Any:
    """The value of a scalar with a core tag. Raises ValueError saying what is wrong with `text`."""
    if tag in (STR_TAG, MERGE_TAG):  # `<<` is a merge only as a key
        return text
    if tag == NULL_TAG:
        if not _NULL.match(text):
            raise ValueError(f"!!null takes null or ~, not {text!r}")
        return None
    if tag == BOOL_TAG:
        if text.lower() not in ("true", "false"):
            raise ValueError(f"!!bool takes true or false, not {text!r}")
        return text.lower() == "true"
    if tag == INT_TAG:
        if not _INT.match(text):
            raise ValueError(f"{text!r} is not a whole number")
        if len(text) > 4000:  # Python refuses longer digit strings (and they take quadratic time)
            raise ValueError(f"{text[:12]}... has more than 4000 digits")
        if text.startswith(("0o", "0x")):
            return int(text[2:], 8 if text[1] == "o" else 16)
        return int(text, 10)  # `010` is ten in YAML 1.2 (eight in 1.1)
    if tag == FLOAT_TAG:
        if not _FLOAT.match(text):
            raise ValueError(f"{text!r} is not a number")
        if text.lstrip("+-").lower() in (".inf", ".nan"):
            return float(text.replace(".", "", 1))
        try:
            return Decimal(text)  # exact: `19.9` stays 19.9 (prices)
        except InvalidOperation:  # pragma: no cover - the pattern admits only what Decimal reads
            raise ValueError(f"{text!r} is not a number") from None
    raise ValueError(f"unknown tag {display_tag(tag)!r}")


def display_tag(tag: str) -> str:
    """`tag:yaml.org,2002:python/name:os.system` -> `!!python/name:os.system`, as the user wrote it."""
    return "!!" + tag.removeprefix("tag:yaml.org,2002:") if tag.startswith("tag:yaml.org,2002:") else tag


def alias_at(text: str, path: tuple[str | int, ...]) -> tuple[str, int, int] | None:
    """The anchor name, line and column (1-based) of the first alias at `path` (or under it: `<<: [*a, *b]`).

    Composed nodes forget where their aliases were, so this re-reads the events (only on an error).
    """
    size = len(path)
    try:
        for event, here in _events_with_paths(text):
            mark = event.start_mark
            if isinstance(event, yaml.AliasEvent) and here is not None and here[:size] == path and mark:
                return str(event.anchor), mark.line + 1, mark.column + 1
    except yaml.YAMLError:
        return None
    return None


class _Frame:
    """An open mapping or sequence while reading events: where it is and what comes next in it."""

    def __init__(self, mapping: bool, path: tuple[str | int, ...] | None) -> None:
        self.mapping = mapping
        self.path = path  # None inside a complex key
        self.expect_key = True
        self.key: str | None = None
        self.index = 0

    def child_path(self, event: yaml.Event) -> tuple[str | int, ...] | None:
        if self.mapping and self.expect_key:
            self.key = event.value if isinstance(event, yaml.ScalarEvent) else None
            return None
        if self.path is None or (self.mapping and self.key is None):
            return None
        return (*self.path, self.key if self.mapping and self.key is not None else self.index)

    def child_done(self) -> None:
        if self.mapping:
            self.expect_key = not self.expect_key
        else:
            self.index += 1


def _events_with_paths(text: str) -> Iterator[tuple[yaml.Event, tuple[str | int, ...] | None]]:
    """Each node event with its spec path (None for mapping keys); `<<` counts as a key of the path."""
    stack: list[_Frame] = []
    for event in yaml.parse(text, Loader=_BaseLoader):
        if isinstance(event, yaml.NodeEvent):
            here = stack[-1].child_path(event) if stack else ()
            yield event, here
            if isinstance(event, yaml.CollectionStartEvent):
                stack.append(_Frame(isinstance(event, yaml.MappingStartEvent), here))
                continue
        elif isinstance(event, yaml.CollectionEndEvent):
            stack.pop()
        else:
            continue
        if stack:
            stack[-1].child_done()

"""Partial validation: the spec without the parts that failed validation, so that cross-reference
problems can be reported together with the shape problems (at the user's original positions)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from ..spec.site import SiteSpec
from .messages import clean_location as _clean_location
from .source import SpecPath


@dataclass(frozen=True)
class PartialSpec:
    """The spec without the list items (blocks, pages, products...) and keys that failed validation."""

    spec: SiteSpec
    kept: dict[SpecPath, list[int]]  # list path (original indices) -> original index of each kept item
    dropped_ids: frozenset[str]

    def original_path(self, path: SpecPath) -> SpecPath:
        """Translate a path in the partial spec back to the user's file (list indices shift)."""
        out: list[str | int] = []
        for part in path:
            if isinstance(part, int) and tuple(out) in self.kept:
                part = self.kept[tuple(out)][part]
            out.append(part)
        return tuple(out)


def without_broken_parts(data: Any, exc: ValidationError) -> PartialSpec | None:
    """Drop each failing list item (or unknown key) and validate the rest, so reference checks can run too."""
    drop_items: set[SpecPath] = set()
    drop_keys: set[SpecPath] = set()
    for error in exc.errors(include_url=False):
        path, _ = _clean_location(error["loc"], data, SiteSpec)
        item = next((path[:i] for i in range(len(path), 0, -1) if isinstance(path[i - 1], int)), None)
        if item is not None:
            drop_items.add(item)
        elif error["type"] == "extra_forbidden":
            drop_keys.add(path)
        else:
            return None  # a required top-level value is broken: nothing sensible to check against
    kept: dict[SpecPath, list[int]] = {}
    dropped_ids: set[str] = set()

    def prune(node: Any, path: SpecPath) -> Any:
        if isinstance(node, dict):
            return {k: prune(v, path + (k,)) for k, v in node.items() if path + (k,) not in drop_keys}
        if isinstance(node, list):
            indices = [i for i in range(len(node)) if path + (i,) not in drop_items]
            for i in range(len(node)):
                if i not in indices:
                    dropped_ids.update(_ids_in(node[i]))
            kept[path] = indices
            return [prune(node[i], path + (i,)) for i in indices]
        return node

    try:
        spec = SiteSpec.model_validate(prune(data, ()))
    except ValidationError:
        return None
    return PartialSpec(spec, kept, frozenset(dropped_ids))


def _ids_in(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("id"), str):
            yield node["id"]
        for value in node.values():
            yield from _ids_in(value)
    elif isinstance(node, list):
        for value in node:
            yield from _ids_in(value)

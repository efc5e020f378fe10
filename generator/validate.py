"""Validate stage: turn plain data into a `SiteSpec`, reporting every problem with file:line and spec path."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .errors import Position, Problem, SpecError
from .source import Document, SourceMap, SpecPath, read_yaml
from .spec import SiteSpec
from .spec_messages import clean_location as _clean_location
from .spec_messages import problems_from_validation as problems_from_validation
from .validate_csv import CSV_BOOLEANS as CSV_BOOLEANS
from .validate_csv import CSV_COLUMNS as CSV_COLUMNS
from .validate_csv import merge_products_csv
from .validate_official_account import check_official_account as check_official_account
from .validate_paths import IMAGE_SUFFIXES as IMAGE_SUFFIXES
from .validate_paths import TAB_ICON_SUFFIXES as TAB_ICON_SUFFIXES
from .validate_paths import resolve_site_path as resolve_site_path
from .validate_refs import MAX_PAGE_DEPTH as MAX_PAGE_DEPTH
from .validate_refs import RESERVED_PAGE_IDS as RESERVED_PAGE_IDS
from .validate_refs import check_references as check_references
from .validate_refs import iter_pages as iter_pages

SITE_FILE = "site.yaml"


@dataclass(frozen=True)
class LoadedSpec:
    """A valid spec, its folder, and where each of its values came from."""

    spec: SiteSpec
    site_dir: Path
    source: SourceMap
    theme_overrides: Document | None
    problems: tuple[Problem, ...]
    """Cross-reference problems: reported together with the theme's, by the caller."""
    warnings: tuple[Problem, ...] = ()
    """Advice that does not stop the build (e.g. a menu that does not follow "3+1")."""


def load_spec(site_dir: Path) -> LoadedSpec:
    """Read and validate `SITE/site.yaml` (and its products CSV).

    Raises SpecError listing every problem of shape and type; problems between values (references,
    files, tree depth) come back in `LoadedSpec.problems`.
    """
    site_file = site_dir / SITE_FILE
    if not site_file.is_file():
        raise SpecError(
            [Problem(Position(str(site_file)), "", f"no {SITE_FILE} here; run `gen init {site_dir}` to start a site")]
        )
    doc = read_yaml(site_file, SITE_FILE)
    data, source = doc.data, doc.source
    if not data:
        raise SpecError(
            [
                Problem(
                    Position(str(site_file)),
                    "",
                    f"is empty; describe the site in it, or run `gen init {site_dir}` in a new folder "
                    "for a starter site to edit",
                )
            ]
        )
    problems: list[Problem] = []
    merge_products_csv(site_dir, data, source, problems)
    try:
        spec = SiteSpec.model_validate(data)
    except ValidationError as exc:
        problems.extend(problems_from_validation(exc, data, source, SiteSpec))
        partial = _without_broken_parts(data, exc)
        if partial is not None:  # also report what is wrong between the parts that are well-formed
            problems.extend(
                check_references(partial.spec, source, site_dir, partial.original_path, partial.dropped_ids)
            )
        raise SpecError(problems) from None
    problems.extend(check_references(spec, source, site_dir))
    warnings: list[Problem] = []
    if spec.official_account is not None:
        oa_problems, warnings = check_official_account(spec, source)
        problems.extend(oa_problems)
    overrides = None
    if isinstance(data.get("theme"), dict):
        overrides = Document(data["theme"], _sub_source(source, ("theme",)))
    return LoadedSpec(spec, site_dir, source, overrides, tuple(problems), tuple(warnings))


def _sub_source(source: SourceMap, prefix: SpecPath) -> SourceMap:
    sub = SourceMap()
    n = len(prefix)
    sub.values = {p[n:]: v for p, v in source.values.items() if p[:n] == prefix}
    sub.keys = {p[n:]: v for p, v in source.keys.items() if p[:n] == prefix}
    sub.block_scalars = {p[n:] for p in source.block_scalars if p[:n] == prefix}
    sub.typed = {p[n:]: v for p, v in source.typed.items() if p[:n] == prefix}
    return sub


# --- partial validation ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _PartialSpec:
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


def _without_broken_parts(data: Any, exc: ValidationError) -> _PartialSpec | None:
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
    return _PartialSpec(spec, kept, frozenset(dropped_ids))


def _ids_in(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("id"), str):
            yield node["id"]
        for value in node.values():
            yield from _ids_in(value)
    elif isinstance(node, list):
        for value in node:
            yield from _ids_in(value)

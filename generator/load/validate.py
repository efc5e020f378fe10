"""Validate stage: turn plain data into a `SiteSpec`, reporting every problem with file:line and spec path.

This module owns the order of the checks (`load_spec`); each job has its own module: the products CSV
(`validate_csv`), partial validation (`validate_partial`), files the spec names (`validate_paths`),
cross-references (`validate_refs`), the Official Account (`validate_official_account`); pydantic's
message wording is in `spec_messages`. The names re-exported here keep `from generator.load.validate import ...`
working for the other stages and the tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from ..errors import Position, Problem, SpecError
from ..rebuild_memo import Shelf
from ..spec.site import SiteSpec
from ..spec.site import iter_pages as iter_pages
from .messages import problems_from_validation as problems_from_validation
from .source import Document, SourceMap, SpecPath, read_yaml
from .validate_csv import CSV_BOOLEANS as CSV_BOOLEANS
from .validate_csv import CSV_COLUMNS as CSV_COLUMNS
from .validate_csv import keep_products, merge_products_csv
from .validate_official_account import check_official_account as check_official_account
from .validate_partial import without_broken_parts
from .validate_paths import IMAGE_SUFFIXES as IMAGE_SUFFIXES
from .validate_paths import TAB_ICON_SUFFIXES as TAB_ICON_SUFFIXES
from .validate_paths import resolve_site_path as resolve_site_path
from .validate_refs import MAX_PAGE_DEPTH as MAX_PAGE_DEPTH
from .validate_refs import RESERVED_PAGE_IDS as RESERVED_PAGE_IDS
from .validate_refs import check_references as check_references

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


def load_spec(site_dir: Path, rows: Shelf | None = None) -> LoadedSpec:
    """Read and validate `SITE/site.yaml` (and its products CSV).

    Raises SpecError listing every problem of shape and type; problems between values (references,
    files, tree depth) come back in `LoadedSpec.problems`. With `rows` (gen dev's memo), a CSV row
    unchanged since the last load is not validated again (`validate_csv.merge_products_csv`).
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
    row_keys = merge_products_csv(site_dir, data, source, problems, rows)
    try:
        spec = SiteSpec.model_validate(data)
    except ValidationError as exc:
        if rows is not None:  # the problems are found, and placed, in the file as written
            return load_spec(site_dir)
        problems.extend(problems_from_validation(exc, data, source, SiteSpec))
        partial = without_broken_parts(data, exc)
        if partial is not None:  # also report what is wrong between the parts that are well-formed
            problems.extend(
                check_references(partial.spec, source, site_dir, partial.original_path, partial.dropped_ids)
            )
        raise SpecError(problems) from None
    if rows is not None and spec.catalog is not None:
        keep_products(rows, row_keys, spec.catalog.products)
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
    """The positions under `prefix`, with the prefix taken off (the theme section read as its own document)."""
    sub = SourceMap()
    n = len(prefix)
    sub.values = {p[n:]: v for p, v in source.values.items() if p[:n] == prefix}
    sub.keys = {p[n:]: v for p, v in source.keys.items() if p[:n] == prefix}
    sub.block_scalars = {p[n:] for p in source.block_scalars if p[:n] == prefix}
    sub.typed = {p[n:]: v for p, v in source.typed.items() if p[:n] == prefix}
    return sub

"""`gen lint` reads every text users see: on the site that uses every block type (tests/sites/full), with
its defaults written out, each shown text made an absolute claim is flagged at its own spec path."""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from generator.check.lint import lint
from generator.errors import format_path
from generator.load.messages import clean_location
from generator.load.validate import load_spec
from generator.spec.shown_text import shown_texts
from generator.spec.site import BLOCK_TYPES, SiteSpec

from .conftest import REPO

FULL = REPO / "tests" / "sites" / "full"
CLAIM = "最佳好物"


def _set(data: Any, path: tuple[str | int, ...], value: str) -> None:
    for part in path[:-1]:
        data = data[part]
    data[path[-1]] = value


def _number(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(value)


def test_every_shown_text_of_every_block_type_is_linted(tmp_path: Path) -> None:
    spec = load_spec(FULL).spec
    assert {block.type for page in _all_pages(spec.pages) for block in page.blocks} == set(BLOCK_TYPES)
    data = spec.model_dump(exclude_none=True)
    data["catalog"].pop("products_file", None)  # its products are written out inline
    paths = [path for path, _ in shown_texts(spec)]
    for path in paths:
        _set(data, path, CLAIM)
    try:
        SiteSpec.model_validate(data)
        refused: set[tuple[str | int, ...]] = set()
    except ValidationError as exc:  # shown but held to a pattern (a phone number, a date): no claim fits
        refused = {clean_location(error["loc"], data, SiteSpec)[0] for error in exc.errors()}
        originals = dict(shown_texts(spec))
        for path in refused:
            _set(data, path, originals[path])
    checked = [path for path in paths if path not in refused]
    assert len(checked) > 100 and len(refused) <= 3, refused
    site = tmp_path / "site"
    shutil.copytree(FULL / "images", site / "images")
    (site / "site.yaml").write_text(json.dumps(data, ensure_ascii=False, default=_number), encoding="utf-8")
    loaded = load_spec(site)
    flagged = {finding.path for finding in lint(loaded.spec, loaded.source) if finding.rule == "superlative"}
    missed = [path for path in checked if format_path(path) not in flagged]
    assert missed == [], missed


def _all_pages(pages: list[Any]) -> list[Any]:
    return [p for page in pages for p in (page, *_all_pages(page.children))]

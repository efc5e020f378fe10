"""Unit tests of `generator.load.validate_partial`: the spec without its broken parts, and paths mapped back."""

from __future__ import annotations

import copy
from typing import Any

from pydantic import ValidationError

from generator.load.validate_partial import without_broken_parts
from generator.spec.site import SiteSpec

DATA: dict[str, Any] = {
    "site": {"name": "小店"},
    "tabs": [{"page": "home", "text": "首页", "icon": "home"}, {"page": "broken", "text": "坏", "icon": "user"}],
    "pages": [
        {"id": "broken", "title": "坏", "blocks": [{"type": "text"}]},
        {"id": "home", "title": "首页", "blocks": [{"type": "text", "body": "欢迎"}, {"type": "nope"}]},
    ],
}


def broken(data: dict[str, Any]) -> ValidationError:
    try:
        SiteSpec.model_validate(data)
    except ValidationError as exc:
        return exc
    raise AssertionError("expected a validation error")


def test_failing_items_are_dropped_and_paths_map_back() -> None:
    data = copy.deepcopy(DATA)
    partial = without_broken_parts(data, broken(data))
    assert partial is not None
    assert [page.id for page in partial.spec.pages] == ["broken", "home"]
    assert [len(page.blocks) for page in partial.spec.pages] == [0, 1]
    # the block at index 0 of the partial home page is the user's pages[1].blocks[0]
    assert partial.original_path(("pages", 1, "blocks", 0, "body")) == ("pages", 1, "blocks", 0, "body")


def test_ids_of_dropped_items_are_remembered() -> None:
    data = copy.deepcopy(DATA)
    data["pages"][0]["title"] = 1.5j  # the whole page fails, not just its block
    data["pages"][1]["blocks"] = [{"type": "nope"}, {"type": "text", "body": "欢迎"}]
    partial = without_broken_parts(data, broken(data))
    assert partial is not None
    assert partial.dropped_ids == frozenset({"broken"})
    assert [page.id for page in partial.spec.pages] == ["home"]
    assert partial.original_path(("pages", 0, "blocks", 0)) == ("pages", 1, "blocks", 1)


def test_a_broken_top_level_value_gives_up() -> None:
    data = copy.deepcopy(DATA)
    data["site"] = "not a mapping"
    assert without_broken_parts(data, broken(data)) is None

"""Every list about the spec is derived from the one place that defines it, never typed again:
block types from the `Block` union, the blocks that need `commerce:` from a mark on their model,
built-in icons from the icons drawn, lint rule ids from lint's table, the tab icon size from one constant."""

from __future__ import annotations

import json
import re
import typing
from pathlib import Path

import pytest

from generator.assets import icons
from generator.assets import images as assets
from generator.check import lint, lint_rules
from generator.load.validate import load_spec
from generator.spec import site as spec
from generator.starter import schema_json

from .conftest import MINIMAL_SITE


def _union_members() -> tuple[type, ...]:
    return typing.get_args(typing.get_args(spec.Block)[0])


def test_block_types_are_the_members_of_the_block_union() -> None:
    assert spec.BLOCK_TYPES == tuple(typing.get_args(m.model_fields["type"].annotation)[0] for m in _union_members())
    assert tuple(spec.BLOCK_MODELS.values()) == _union_members()


def test_growth_blocks_are_the_blocks_marked_as_needing_commerce() -> None:
    assert spec.GROWTH_BLOCKS == ("checkin", "coupons", "invite", "member")
    marked = [t for t, model in spec.BLOCK_MODELS.items() if getattr(model, "needs_commerce", False)]
    assert list(spec.GROWTH_BLOCKS) == marked


@pytest.mark.parametrize("block", spec.GROWTH_BLOCKS)
def test_every_growth_block_without_commerce_is_refused(make_site, block: str) -> None:
    blocks = f"      - type: {block}\n" + ("        reward: 好礼\n" if block in ("checkin", "invite") else "")
    site = make_site(MINIMAL_SITE.replace("      - type: text\n        body: 欢迎\n", blocks))
    messages = [problem.message for problem in load_spec(site).problems]
    assert messages == [f"a {block} block talks to your backend; add a `commerce:` section with its api"]


def test_builtin_icons_are_the_icons_drawn_and_the_schema_names_them_all() -> None:
    assert spec.BUILTIN_ICONS == tuple(icons.ICONS)
    doc = " ".join(json.loads(schema_json())["$defs"]["Tab"]["properties"]["icon"]["description"].split())
    assert f"({', '.join(spec.BUILTIN_ICONS)})" in doc


def test_lint_rule_ids_come_from_one_table() -> None:
    assert lint.RULES is lint_rules.RULES
    disable = spec.LintSettings.model_json_schema()["properties"]["disable"]["items"]["enum"]
    assert disable == list(lint_rules.RULES)


def test_the_tab_icon_size_is_one_constant() -> None:
    sources = [
        (path.name, path.read_text(encoding="utf-8")) for path in sorted(Path(assets.__file__).parents[1].rglob("*.py"))
    ]
    defined = [name for name, text in sources if re.search(r"^\w*SIZE\w* = 81\b", text, re.M)]
    assert defined == ["images.py"]
    assert icons.SIZE == assets.TAB_ICON_SIZE

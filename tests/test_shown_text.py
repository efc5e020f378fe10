"""Every text field of the spec is marked shown (`UserText`, read by `gen lint`) or not (ids, URLs, paths,
colours), where it is declared, so a new field cannot be forgotten; the walk finds the shown ones."""

from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

from generator.spec.model import Id, Shown, SpecModel, UserText
from generator.spec.shown_text import shown_texts, unmarked_text_fields
from generator.spec.site import SiteSpec


def test_every_text_field_of_the_spec_is_marked_shown_or_not() -> None:
    assert unmarked_text_fields(SiteSpec) == []


class _Inner(SpecModel):
    label: Annotated[UserText, StringConstraints(max_length=5)]
    key: Id
    forgotten: str = ""


class _Outer(SpecModel):
    items: list[_Inner | None]
    tags: list[Annotated[UserText, StringConstraints(max_length=8)]] = []
    by_key: dict[str, UserText] = {}
    hidden: Annotated[list[_Inner], Shown(False)] = []


def test_an_unmarked_field_or_dict_key_is_reported_wherever_it_is_nested() -> None:
    assert unmarked_text_fields(_Outer) == ["_Inner.forgotten", "_Outer.by_key (its keys)"]


def test_shown_texts_follow_lists_unions_and_dicts_and_skip_what_is_not_shown() -> None:
    outer = _Outer(
        items=[_Inner(label="a", key="k", forgotten="x"), None],
        tags=["t"],
        by_key={"x": "v"},
        hidden=[_Inner(label="no", key="k")],
    )
    assert list(shown_texts(outer)) == [(("items", 0, "label"), "a"), (("tags", 0), "t"), (("by_key", "x"), "v")]


def test_growth_rewards_and_privacy_are_shown() -> None:
    spec = SiteSpec.model_validate(
        {
            "site": {"name": "店"},
            "tabs": [{"page": "home", "text": "首页", "icon": "home"}, {"page": "home", "text": "我", "icon": "user"}],
            "pages": [
                {
                    "id": "home",
                    "title": "首页",
                    "blocks": [{"type": "invite", "reward": "红包"}, {"type": "checkin", "reward": "好礼"}],
                }
            ],
            "privacy": {"company": "公司", "contact": "a@b.cn"},
            "lint": {"ignore": ["site.name"]},
        }
    )
    texts = dict(shown_texts(spec))
    assert texts[("pages", 0, "blocks", 0, "reward")] == "红包"
    assert texts[("pages", 0, "blocks", 1, "reward")] == "好礼"
    assert texts[("privacy", "company")] == "公司"
    assert ("site", "appid") not in texts and ("pages", 0, "id") not in texts
    assert not any(path[0] == "lint" for path in texts)

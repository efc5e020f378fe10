"""A form without an endpoint of its own posts to the shop's backend, `commerce.api` + `forms/<id>`,
where `gen serve` checks and keeps its values; the spec says where each form's values go."""

from __future__ import annotations

from generator.blocks.base import view
from generator.build import build
from generator.errors import SpecError
from generator.load.validate import load_spec

SITE = """\
site: {name: 小店}
tabs:
  - {page: home, text: 首页, icon: home}
  - {page: about, text: 关于, icon: user}
pages:
  - id: home
    title: 首页
    blocks:
      - type: form
        %s
        fields:
          - {name: name, label: 称呼}
  - id: about
    title: 关于
    blocks:
      - type: form
        id: %s
        fields:
          - {name: phone, label: 电话, type: tel}
%s"""
COMMERCE = """\
catalog:
  categories: [{id: c1, name: 玩具}]
  products: [{id: p1, name: 小车, price: 10, category: c1}]
commerce: {api: "https://api.example.com/v1"}
"""


def messages(make_site, text: str) -> list[str]:
    try:
        problems = load_spec(make_site(text)).problems
    except SpecError as exc:  # the shape is wrong: nothing was loaded
        problems = tuple(exc.problems)
    return [f"{p.path}: {p.message}" for p in problems]


def test_a_form_with_an_id_posts_to_the_backend(make_site) -> None:
    result = build(make_site(SITE % ("id: visit", "callback", COMMERCE)), write=False)
    home, about = (view(route.blocks[0]) for route in result.site.routes[:2])
    assert home["endpoint"] == "https://api.example.com/v1/forms/visit"
    assert about["endpoint"] == "https://api.example.com/v1/forms/callback"


def test_an_endpoint_of_its_own_needs_no_backend(make_site) -> None:
    site = make_site(SITE % ("endpoint: https://crm.example.com/leads", "callback", COMMERCE))
    blocks = [view(route.blocks[0]) for route in build(site, write=False).site.routes[:2]]
    assert [b["endpoint"] for b in blocks] == [
        "https://crm.example.com/leads",
        "https://api.example.com/v1/forms/callback",
    ]


def test_a_form_must_say_where_its_values_go(make_site) -> None:
    found = messages(make_site, SITE % ("title: 预约", "callback", COMMERCE))
    assert len(found) == 1 and found[0].startswith("pages[0].blocks[0]: ")
    assert "an `id` (the shop's backend keeps them under it) or an `endpoint`" in found[0]


def test_a_backend_form_needs_commerce(make_site) -> None:
    found = messages(make_site, SITE % ("endpoint: https://crm.example.com/leads", "callback", ""))
    assert found == [
        "pages[1].blocks[0].type: a form block talks to your backend; add a `commerce:` section with its api, "
        "or give the block an endpoint of your own"
    ]


def test_two_forms_cannot_share_an_id(make_site) -> None:
    found = messages(make_site, SITE % ("id: callback", "callback", COMMERCE))
    assert found == [
        "pages[1].blocks[0].id: duplicate form id 'callback' (also at pages[0].blocks[0].id); "
        "give each form id its own id"
    ]

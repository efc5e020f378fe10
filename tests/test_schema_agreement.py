"""The build and the editor agree: a value the JSON Schema (`gen schema`) accepts, the build accepts, and back.

The editor (yaml-language-server) reads YAML 1.2 and checks the result against the schema; the build
reads the same YAML and validates it with the models. Any scalar put at any place of a valid site must
be accepted by both or refused by both.
"""

from __future__ import annotations

import json
import math
from decimal import Decimal
from typing import Any

import jsonschema
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from generator.load.source import parse_yaml
from generator.spec.site import SiteSpec
from generator.starter import schema_json

SITE = """\
site: {name: 小店, description: 一句话, industry: retail}
tabs:
  - {page: home, text: 首页, icon: home}
  - {page: about, text: 关于, icon: user}
pages:
  - id: home
    title: 首页
    share: true
    blocks:
      - {type: text, title: 标题, body: 欢迎, align: left}
      - {type: products, title: 新品, limit: 4, layout: grid, more: true, category: toys}
      - {type: banner, autoplay: true, interval: 4000, slides: [{image: images/banner.jpg, title: 春}]}
      - type: form
        endpoint: https://x.cn/f
        fields: [{name: who, label: 名字, required: false, max_length: 20, placeholder: 你的名字}]
      - {type: contact, phone: 400-800-1234, hours: 9:00-18:00, address: 北京}
      - {type: checkin, reward_days: 7, reward: 优惠券}
  - id: about
    title: 关于
catalog:
  categories: [{id: toys, name: 玩具, description: 好玩}]
  products:
    - {id: car, name: 小汽车, price: 19.9, original_price: 29, category: toys, stock: 5, virtual: false, tags: [新品]}
commerce: {api: 'https://api.x.cn', max_quantity: 9, shipping_fee: 5, checkin: {reward_days: 7, reward: {points: 5}}}
budgets: {package_kb: 2000, total_kb: 20000}
theme:
  radius: {small: 4}
  typography: {line_height: 1.6, base_size: 14}
  colors: {primary: '#C8102E'}
"""

# Unquoted and quoted scalars a shop owner might type. Amounts with three decimals are left out: the
# build refuses 19.999 (prices have cents), the schema gives amounts no multipleOf (binary floats
# would refuse 19.99 there).
SCALARS = [
    "4", "'4'", "4.0", "4.5", "-1", "0", "010", "'010'", "0x10", "1e1", "99999999", "yes", "no", "on", "true",
    "false", "'true'", "~", "''", "9:30", "19.9", "'19.9'", "'19.90'", "abc", "home", "toys", "grid", "'#FFF'",
    "'https://a.cn/x'", "2024-05-01", "[]", "[a]", "{}", "{a: 1}", "'" + "长" * 250 + "'",
]  # fmt: skip


def _leaves(data: Any, path: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    if isinstance(data, dict):
        return [leaf for key, value in data.items() for leaf in _leaves(value, path + (key,))]
    if isinstance(data, list):
        return [leaf for index, value in enumerate(data) for leaf in _leaves(value, path + (index,))]
    return [path]


BASE = parse_yaml(SITE, "site.yaml").data
LEAVES = _leaves(BASE)
VALIDATOR = jsonschema.Draft202012Validator(json.loads(schema_json()))


def _replaced(data: Any, path: tuple[str | int, ...], value: Any) -> Any:
    if not path:
        return value
    copy = dict(data) if isinstance(data, dict) else list(data)
    copy[path[0]] = _replaced(data[path[0]], path[1:], value)  # type: ignore[index,call-overload]
    return copy


def _as_json(value: Any) -> Any:
    """What the editor holds: JSON values (a Decimal is a JSON number)."""
    if isinstance(value, dict):
        return {key: _as_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_as_json(item) for item in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def test_the_base_site_is_valid_for_both() -> None:
    assert VALIDATOR.is_valid(_as_json(BASE))
    SiteSpec.model_validate(BASE)


@settings(max_examples=600, deadline=None)
@given(st.sampled_from(LEAVES), st.sampled_from(SCALARS))
def test_any_scalar_anywhere_is_accepted_by_both_or_by_neither(path: tuple[str | int, ...], scalar: str) -> None:
    value = parse_yaml(f"v: {scalar}\n", "x.yaml").data["v"]
    assert not (isinstance(value, float) and not math.isfinite(value))
    data = _replaced(BASE, path, value)
    editor = VALIDATOR.is_valid(_as_json(data))
    try:
        SiteSpec.model_validate(data)
        build = True
    except ValidationError as exc:
        build = False
        errors = exc.errors()
    assert editor == build, (path, scalar, value, "schema accepts" if editor else "build accepts", build or errors)

"""`gen lint`: each rule fires once, at the right line, on a site written to break them; examples pass."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.check.lint import RULES
from generator.cli import main
from generator.spec.site import LintSettings

from .conftest import REPO

BREAKS_EVERY_RULE = """\
site:
  name: 稳盈财富
  industry: finance
tabs:
  - {page: home, text: 首页, icon: home}
  - {page: about, text: 关于, icon: user}
pages:
  - id: home
    title: 首页
    blocks:
      - type: text
        body: |
          我们的第一次见面，从一杯茶开始。
          本店服务行业顶级，欢迎来聊。
      - type: notice
        text: 转发集赞满 30 个即可领取红包
      - type: text
        body: 了解我们的理财服务。
      - type: form
        endpoint: https://api.example.com/lead
        fields:
          - {name: phone, label: 手机号, type: tel}
  - id: about
    title: 关于
    blocks:
      - type: text
        title: 风险提示
        body: 投资有风险，选择需谨慎。详见 http://example.com/risk
      - type: text
        body: 这款产品保本。
"""

# rule -> (line, path) where it must fire
EXPECTED = {
    "superlative": (14, "pages[0].blocks[0].body"),
    "share-baiting": (16, "pages[0].blocks[1].text"),
    "finance-wording": (18, "pages[0].blocks[2].body"),
    "form-privacy": (19, "pages[0].blocks[3]"),
    "http-url": (28, "pages[1].blocks[0].body"),
}


def lint_json(site: Path) -> tuple[int, list[dict]]:
    result = CliRunner().invoke(main, ["lint", str(site), "--format", "json"])
    assert "Traceback" not in result.output
    return result.exit_code, json.loads(result.output)


def test_every_rule_fires_once_at_the_right_line(make_site) -> None:
    code, findings = lint_json(make_site(BREAKS_EVERY_RULE))
    assert code == 1
    by_rule: dict[str, list[tuple[int, str]]] = {}
    for finding in findings:
        by_rule.setdefault(finding["rule"], []).append((finding["line"], finding["path"]))
    assert by_rule.pop("finance-wording") == [EXPECTED["finance-wording"], (30, "pages[1].blocks[1].body")]
    assert by_rule == {rule: [place] for rule, place in EXPECTED.items() if rule != "finance-wording"}


def test_the_rules_of_the_schema_are_the_rules_of_lint() -> None:
    assert LintSettings.model_json_schema()["properties"]["disable"]["items"]["enum"] == list(RULES)


def test_ordinal_first_and_a_risk_notice_are_not_flagged(make_site) -> None:
    site_yaml = BREAKS_EVERY_RULE.replace("本店服务行业顶级，欢迎来聊。", "第一步：预约。").replace(
        "      - type: notice\n        text: 转发集赞满 30 个即可领取红包\n", ""
    )
    site_yaml = site_yaml.replace(
        "      - type: text\n        body: 了解我们的理财服务。\n",
        "      - type: text\n        title: 风险提示\n        body: 理财有风险。\n",
    )
    _, findings = lint_json(make_site(site_yaml))
    assert {f["rule"] for f in findings} == {"form-privacy", "http-url", "finance-wording"}
    assert [f["path"] for f in findings if f["rule"] == "finance-wording"] == ["pages[1].blocks[1].body"]


def test_rules_can_be_disabled_or_paths_ignored(make_site) -> None:
    site_yaml = BREAKS_EVERY_RULE + "lint:\n  disable: [superlative, share-baiting]\n  ignore: ['pages[1].*']\n"
    _, findings = lint_json(make_site(site_yaml))
    assert {f["rule"] for f in findings} == {"finance-wording", "form-privacy"}


def test_unknown_rule_in_settings_is_a_spec_error(make_site) -> None:
    result = CliRunner().invoke(
        main, ["lint", str(make_site(BREAKS_EVERY_RULE + "lint:\n  disable: [superlatives]\n"))]
    )
    assert result.exit_code == 2 and "lint.disable[0]: 'superlatives' is not allowed" in result.output


def test_github_format_and_check_include_lint(make_site, monkeypatch) -> None:
    site = make_site(BREAKS_EVERY_RULE)
    monkeypatch.setenv("GITHUB_WORKSPACE", str(site))  # annotation paths are relative to the checkout
    github = CliRunner().invoke(main, ["lint", str(site), "--format", "github"])
    assert "::error file=site.yaml,line=14,title=mpgen lint superlative::" in github.output
    check = CliRunner().invoke(main, ["check", str(site)])
    assert check.exit_code == 1 and "[share-baiting]" in check.output


@pytest.mark.parametrize("site", sorted(p.parent for p in (REPO / "sites").glob("*/site.yaml")), ids=lambda p: p.name)
def test_examples_pass_lint(site: Path) -> None:
    code, findings = lint_json(site)
    assert (code, findings) == (0, [])


def test_virtual_goods_sold_through_wechat_pay_are_flagged(make_site) -> None:
    site_yaml = (
        BREAKS_EVERY_RULE.replace("  industry: finance\n", "")
        + "catalog:\n  categories: [{id: c, name: 课程}]\n  products:\n"
        + "    - {id: course, name: 育儿课程, price: 99, category: c, virtual: true}\n"
        + "commerce:\n  api: https://api.example.com/\n"
    )
    _, findings = lint_json(make_site(site_yaml))
    virtual = [f for f in findings if f["rule"] == "virtual-goods"]
    assert [(f["severity"], f["path"], f["line"]) for f in virtual] == [("warning", "catalog.products[0].virtual", 33)]


SHOWN_GROWTH_TEXT = """\
site:
  name: 小店
tabs:
  - {page: home, text: 首页, icon: home}
  - {page: me, text: 我的, icon: user}
pages:
  - id: home
    title: 首页
    blocks:
      - type: invite
        reward: 转发集赞领取红包
      - type: checkin
        reward: 全网最低价顶级好礼
  - id: me
    title: 我的
catalog:
  categories: [{id: tea, name: 茶}]
  products: [{id: green, name: 绿茶, price: 10, category: tea}]
commerce:
  api: https://api.example.com/shop
  checkin: {reward: {points: 50}}
  invites: {reward: {points: 100}}
privacy:
  company: 国家级小店有限公司
  contact: help@example.com
"""


def test_every_shown_text_is_linted_also_rewards_and_the_privacy_company(make_site) -> None:
    code, findings = lint_json(make_site(SHOWN_GROWTH_TEXT))
    assert code == 1
    found = {(f["rule"], f["path"], f["line"]) for f in findings}
    assert ("share-baiting", "pages[0].blocks[0].reward", 11) in found
    assert ("superlative", "pages[0].blocks[1].reward", 13) in found
    assert ("superlative", "privacy.company", 24) in found

"""The coupons block's H5 view: the coupons the spec offers to claim (a rule's reward coupons left out), each
with its rule (满X减Y, N折, 无门槛) and validity, read-only, then the way into the mini-program; the
mini-program's page data carries none of it (its component asks the backend)."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from generator.blocks.coupons import discount_text, offers, rule_text, validity_text
from generator.build import build
from generator.load.validate import load_spec
from generator.spec.coupons import CouponSpec

from .conftest import REPO

FULL = REPO / "tests" / "sites" / "full"
OFFERED = """\
    - {id: tea-8-5, title: "茶饮 <八五折>", percent_off: 15, min_spend: 100, starts: "2026-12-01", ends: "2026-12-31",
       total: 50}
    - {id: free-5, title: 无门槛五元, amount: 5, ends: "2027-01-31", total: 50}
"""


def coupon(**rule: object) -> CouponSpec:
    return CouponSpec.model_validate({"id": "c", "title": "券", "total": 1, **rule})


@pytest.mark.parametrize(
    ("rule", "text", "validity"),
    [
        ({"amount": 5, "min_spend": 30, "days": 30}, "满30减5", "领取后 30 天内有效"),
        ({"amount": Decimal("12.5"), "min_spend": 100, "days": 1}, "满100减12.5", "领取后 1 天内有效"),
        ({"amount": 5, "ends": "2026-12-31"}, "无门槛减5", "2026-12-31 前有效"),
        ({"percent_off": 15, "min_spend": 100, "ends": "2026-12-31"}, "满100享8.5折", "2026-12-31 前有效"),
        (
            {"percent_off": 20, "starts": "2026-12-01", "ends": "2026-12-31"},
            "无门槛8折",
            "2026-12-01 至 2026-12-31 有效",
        ),
    ],
)
def test_a_coupon_reads_as_its_rule_and_validity(rule: dict[str, object], text: str, validity: str) -> None:
    assert (rule_text(coupon(**rule)), validity_text(coupon(**rule))) == (text, validity)


def test_percent_off_is_written_as_zhe() -> None:
    assert [discount_text(p) for p in (5, 15, 20, 33, 99)] == ["9.5折", "8.5折", "8折", "6.7折", "0.1折"]


def test_reward_coupons_are_not_offered() -> None:
    commerce = load_spec(FULL).spec.commerce
    assert commerce is not None and {c.id for c in commerce.coupons} == {"welcome", "streak"}
    assert offers(commerce) == ()  # welcome is the follower gift, streak the check-in's reward
    assert offers(None) == ()


def test_the_h5_page_lists_the_offered_coupons_and_the_mini_program_data_does_not(tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(FULL, site)
    text = (site / "site.yaml").read_text(encoding="utf-8")
    anchor = "    - {id: streak,"
    assert anchor in text, "the full site changed; update this test"
    (site / "site.yaml").write_text(text.replace(anchor, OFFERED + anchor), encoding="utf-8")
    built = {f.path: f.data for f in build(site, write=False, use_cache=False).files}
    files = {path: data.decode("utf-8") for path, data in built.items() if path.endswith((".html", ".js"))}
    page = files["h5/pages/member.html"]
    block = page[page.index('<h2 class="section-title">领券</h2>') : page.index("去小程序领券")]
    assert block.count('<li class="coupon-offer" data-ends=') == 2
    assert "满100享8.5折" in block and "茶饮 &lt;八五折&gt;" in block and "2026-12-01 至 2026-12-31 有效" in block
    assert "无门槛减5" in block and "无门槛五元" in block and "2027-01-31 前有效" in block
    assert "满50减10" not in block and "新人" not in block  # the check-in's reward and the follower gift
    assert block.index("满100享8.5折") < block.index("无门槛减5")  # the spec's order
    data = files["miniprogram/pages/member/index.js"]
    assert "offers" not in data and "茶饮" not in data


@pytest.fixture(scope="module")
def member_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("coupons-h5") / "site"
    shutil.copytree(FULL, site, ignore=shutil.ignore_patterns("dist", ".mpgen-cache"))
    text = (site / "site.yaml").read_text(encoding="utf-8")
    anchor = "    - {id: streak,"
    (site / "site.yaml").write_text(text.replace(anchor, OFFERED + anchor), encoding="utf-8")
    build(site, site / "out")
    return site / "out" / "h5" / "pages" / "member.html"


@pytest.mark.parametrize(
    ("now_utc", "shown", "none_left"),
    [
        ("2026-12-31T15:59:00Z", ["茶饮 <八五折>", "无门槛五元"], False),  # 23:59 in Shanghai: still the 31st
        ("2026-12-31T16:01:00Z", ["无门槛五元"], False),  # 00:01 on 1 January in Shanghai, a day before UTC's
        ("2027-02-01T01:00:00Z", [], True),
    ],
)
def test_the_h5_page_hides_coupons_whose_last_day_passed_in_shanghai(
    page: object, member_page: Path, now_utc: str, shown: list[str], none_left: bool
) -> None:
    from datetime import datetime

    tab: Any = page
    tab.clock.set_fixed_time(datetime.fromisoformat(now_utc.replace("Z", "+00:00")))
    tab.goto(member_page.as_uri())
    titles = tab.locator(".coupon-offer:visible .coupon-offer-title").all_text_contents()
    assert titles == shown
    assert tab.locator("[data-coupon-none]").is_visible() is none_left
    assert tab.locator("[data-coupon-hint]").is_visible() is not none_left

"""The Official Account section: WeChat's byte limits, references, "3+1", and the files editors and servers use."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.build import build
from generator.cli import main

from .conftest import MINIMAL_SITE, REPO

BASE = MINIMAL_SITE.replace(
    "  name: 小店", "  name: 小店\n  base_url: https://m.example.com/\n  appid: wx0123456789abcdef"
)
CONTACT = BASE.replace(
    "      - type: text\n        body: 欢迎\n",
    "      - {type: contact, phone: '400-000-0000', hours: 每天 9:00-21:00}\n",
)
MENU_3_PLUS_1 = """\
official_account:
  menu:
    - name: 逛一逛
      items:
        - {name: 首页, page: home}
        - {name: 官网, url: "https://example.com/"}
    - {name: 新人礼, key: GIFT}
    - name: 服务
      items:
        - {name: 关于我们, page: about}
        - {name: 联系我们, contact: true}
  replies:
    subscribe: {text: 欢迎关注！, page: about, link_text: 了解我们}
    keywords:
      - {words: [地址], match: contains, text: 我们在杭州。}
      - {words: [你好], text: 你好呀}
    clicks:
      GIFT: {text: 新人礼包已发放}
"""


def run_build(site: Path):
    result = CliRunner().invoke(main, ["build", str(site)])
    assert "Traceback" not in result.output
    return result


def test_menu_json_is_the_api_body_in_utf8(make_site) -> None:
    site = make_site(CONTACT + MENU_3_PLUS_1)
    result = run_build(site)
    assert result.exit_code == 0, result.output
    assert "3+1" not in result.output  # follows the rule: no warning
    raw = (site / "dist" / "official-account" / "menu.json").read_bytes()
    assert "逛一逛".encode() in raw and b"\\u" not in raw
    body = json.loads(raw)
    assert body["button"][0]["sub_button"][0] == {
        "type": "miniprogram",
        "name": "首页",
        "url": "https://m.example.com/",
        "appid": "wx0123456789abcdef",
        "pagepath": "pages/home/index",
    }
    assert body["button"][0]["sub_button"][1] == {"type": "view", "name": "官网", "url": "https://example.com/"}
    assert body["button"][1] == {"type": "click", "name": "新人礼", "key": "GIFT"}
    assert body["button"][2]["sub_button"][1] == {"type": "click", "name": "联系我们", "key": "MPGEN_CONTACT"}


def test_replies_json_links_and_contact(make_site) -> None:
    site = make_site(CONTACT + MENU_3_PLUS_1)
    build(site)
    replies = json.loads((site / "dist" / "official-account" / "replies.json").read_text(encoding="utf-8"))
    assert replies["subscribe"] == (
        '欢迎关注！\n<a href="https://m.example.com/pages/about.html" data-miniprogram-appid="wx0123456789abcdef" '
        'data-miniprogram-path="pages/about/index">了解我们</a>'
    )
    assert [k["words"] for k in replies["keywords"]] == [["你好"], ["地址"]]  # exact matches first
    assert replies["clicks"]["GIFT"] == "新人礼包已发放"
    assert replies["clicks"]["MPGEN_CONTACT"] == "联系我们\n电话：400-000-0000\n营业时间：每天 9:00-21:00"


def test_links_for_editors_with_qr_codes(make_site) -> None:
    zxingcpp = pytest.importorskip("zxingcpp", reason="zxing-cpp (QR decoder) is not installed")
    from PIL import Image

    site = make_site(CONTACT + MENU_3_PLUS_1)
    build(site)
    folder = site / "dist" / "official-account"
    rows = list(csv.DictReader(io.StringIO((folder / "links.csv").read_text(encoding="utf-8-sig"))))
    about = next(r for r in rows if r["id"] == "about")
    assert about == {
        "kind": "page",
        "id": "about",
        "title": "关于",
        "miniprogram_path": "pages/about/index",
        "h5_url": "https://m.example.com/pages/about.html",
        "qr": "qr/page-about.png",
    }
    decoded = zxingcpp.read_barcodes(Image.open(folder / about["qr"]))
    assert [code.text for code in decoded] == [about["h5_url"]]
    assert "pages/about/index" in (folder / "links.html").read_text(encoding="utf-8")


def test_qr_codes_are_drawn_once_and_kept_by_content(make_site, monkeypatch: pytest.MonkeyPatch) -> None:
    from generator.targets import official_account

    site = make_site(CONTACT + MENU_3_PLUS_1)
    build(site)
    first = {p.name: p.read_bytes() for p in (site / "dist" / "official-account" / "qr").iterdir()}
    cached = sorted((site / ".mpgen-cache" / "qr").rglob("*.png"))
    assert len(cached) == len(first) == 2  # the two pages
    drawn: list[str] = []
    real = official_account.draw_qr_png.__wrapped__

    def counting(text: str) -> bytes:
        drawn.append(text)
        return real(text)

    monkeypatch.setattr(official_account, "draw_qr_png", counting)
    build(site)  # nothing changed: every code comes from the cache
    assert drawn == []
    cached[0].write_bytes(b"\x89PNG broken")  # a damaged entry is drawn again, and only that one
    build(site)
    assert len(drawn) == 1
    again = {p.name: p.read_bytes() for p in (site / "dist" / "official-account" / "qr").iterdir()}
    assert again == first
    build(site, use_cache=False)  # without the cache every code is drawn
    assert len(drawn) == 1 + len(first)


@pytest.mark.parametrize(
    "menu,expected",
    [
        (
            "    - {name: 超级长的菜单名字, page: home}\n",
            ["official_account.menu[0].name", "is 24 bytes in UTF-8; WeChat allows 16"],
        ),
        (
            "    - name: 服务\n      items:\n        - {name: " + "很" * 21 + ", page: home}\n",
            ["official_account.menu[0].items[0].name", "is 63 bytes", "allows 60"],
        ),
        ("    - {name: 官网, url: 'http://example.com/'}\n", ["official_account.menu[0].url", "not an https URL"]),
        (
            "    - {name: 官网, url: 'https://example.com/" + "a" * 1100 + "'}\n",
            ["official_account.menu[0].url", "at most 1024"],
        ),
        ("    - {name: 领券, key: 'has space'}\n", ["official_account.menu[0].key", "has the wrong form"]),
        ("    - {name: 首页, page: hoem}\n", ["official_account.menu[0].page", "no page with id 'hoem'"]),
        ("    - {name: 领券, key: NOPE}\n", ["official_account.menu[0].key", "no reply for key 'NOPE'"]),
        ("    - {name: 两个, page: home, key: X}\n", ["official_account.menu[0]", "exactly one of"]),
        ("    - {name: 联系, contact: true}\n", ["official_account.menu[0].contact", "add a contact block"]),
    ],
)
def test_menu_mistakes_are_spec_errors(make_site, menu: str, expected: list[str]) -> None:
    result = run_build(make_site(BASE + "official_account:\n  menu:\n" + menu))
    assert result.exit_code == 2
    assert any(all(part in line for part in expected) for line in result.output.splitlines()), result.output


def test_mini_program_links_need_base_url(make_site) -> None:
    result = run_build(make_site(MINIMAL_SITE + "official_account:\n  menu:\n    - {name: 首页, page: home}\n"))
    assert result.exit_code == 2
    assert "official_account.menu[0].page: links into the mini-program" in result.output
    assert "set site.base_url" in result.output


def test_menu_not_following_3_plus_1_is_a_warning(make_site) -> None:
    result = run_build(make_site(BASE + "official_account:\n  menu:\n    - {name: 首页, page: home}\n"))
    assert result.exit_code == 0
    assert "warning: site.yaml:" in result.output and 'does not follow "3+1"' in result.output


@pytest.mark.parametrize("site", sorted(p.parent for p in (REPO / "sites").glob("*/site.yaml")), ids=lambda p: p.name)
def test_every_example_has_a_3_plus_1_menu_and_replies(site: Path, tmp_path: Path) -> None:
    from generator.oa.client import check_menu_body

    result = build(site, tmp_path / "dist")
    assert not [w for w in result.warnings if "3+1" in w.message]
    body = json.loads((tmp_path / "dist" / "official-account" / "menu.json").read_text(encoding="utf-8"))
    assert len(body["button"]) == 3
    assert body["button"][-1]["sub_button"][-1]["key"] == "MPGEN_CONTACT"
    assert check_menu_body(body) == []
    replies = json.loads((tmp_path / "dist" / "official-account" / "replies.json").read_text(encoding="utf-8"))
    assert replies["subscribe"] and replies["keywords"] and replies["clicks"]["MPGEN_CONTACT"]

"""The contact block with 企业微信客服: the mini-program's button opens WeCom's customer service
(wx.openCustomerServiceChat with the spec's corp id and link), the H5 site links to it, the Official
Account's contact reply names it; without it the built-in customer service stays (open-type="contact")."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from generator.build import build
from generator.errors import SpecError

from .test_render_simulate import JS_DIR, RENDER_JS, _node

CORP = "ww0123456789abcdef"
LINK = "https://work.weixin.qq.com/kfid/kfc0123456789abcdef"
SITE = f"""\
site: {{name: 小店, appid: wx0123456789abcdef, base_url: "https://m.example.com/"}}
tabs:
  - {{page: home, text: 首页, icon: home}}
  - {{page: about, text: 关于, icon: user}}
pages:
  - id: home
    title: 首页
    blocks:
      - {{type: contact, title: 客服, work_weixin: {{corp_id: {CORP}, url: "{LINK}"}}}}
  - id: about
    title: 关于
    blocks:
      - {{type: contact, title: 联系}}
official_account:
  menu:
    - {{name: 联系我们, contact: true}}
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("wecom")
    (site / "site.yaml").write_text(SITE, encoding="utf-8")
    build(site, site / "dist")
    return site / "dist"


def _tap(root: Path, page: str) -> list[dict[str, object]]:
    done = subprocess.run(
        [_node(), str(RENDER_JS), str(root), "components/block-contact/index", f"page:{page}#0", "--action",
         "tap-contact"],
        capture_output=True, text=True, timeout=60, cwd=JS_DIR,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["errors"] == [], result["errors"]
    calls: list[dict[str, object]] = result["wx"]
    return calls


def test_the_button_opens_wecom_customer_service(built: Path) -> None:
    calls = [c for c in _tap(built / "miniprogram", "pages/home/index") if c["api"] == "openCustomerServiceChat"]
    assert len(calls) == 1
    (options,) = calls[0]["args"]  # type: ignore[misc]
    assert options["corpId"] == CORP and options["extInfo"] == {"url": LINK}


def test_without_it_the_built_in_customer_service_stays(built: Path) -> None:
    assert not [c for c in _tap(built / "miniprogram", "pages/about/index") if c["api"] == "openCustomerServiceChat"]
    wxml = (built / "miniprogram" / "components" / "block-contact" / "index.wxml").read_text(encoding="utf-8")
    assert 'open-type="contact"' in wxml
    about = (built / "miniprogram" / "pages" / "about" / "index.js").read_text(encoding="utf-8")
    assert "workWeixin" not in about  # the empty fields stay out of the page data


def test_the_h5_site_links_to_it_and_the_official_account_reply_names_it(built: Path) -> None:
    home = (built / "h5" / "index.html").read_text(encoding="utf-8")
    assert f'href="{LINK}"' in home
    about = (built / "h5" / "pages" / "about.html").read_text(encoding="utf-8")
    assert LINK not in about
    replies = json.loads((built / "official-account" / "replies.json").read_text(encoding="utf-8"))
    assert replies["clicks"]["MPGEN_CONTACT"].endswith(f"在线客服：{LINK}")


@pytest.mark.parametrize(
    ("corp", "link"),
    [("wx0123456789abcdef", LINK), (CORP, "https://example.com/kf"), (CORP, "http://work.weixin.qq.com/kfid/kfc1")],
)
def test_a_wrong_corp_id_or_link_is_a_clear_error(tmp_path: Path, corp: str, link: str) -> None:
    (tmp_path / "site.yaml").write_text(SITE.replace(CORP, corp, 1).replace(LINK, link, 1), encoding="utf-8")
    with pytest.raises(SpecError) as raised:
        build(tmp_path, write=False)
    (problem,) = raised.value.problems
    assert problem.path.startswith("pages[0].blocks[0].work_weixin.") and "site.yaml:9:" in str(problem)
    assert ("企业ID" if corp != CORP else "微信客服 > 客服账号 > 获取客服链接") in problem.message

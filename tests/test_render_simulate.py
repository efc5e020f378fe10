"""Render the generated block components with npm `miniprogram-simulate` and check what a user sees.

A small site is built with `generator.build.build`; `tests/js/render.js` then loads a component of the
built package (WeChat's own wxml compiler, a jsdom tree, a recording `wx` mock) and reports the rendered
text, selected elements and every `wx.*` call as JSON. All cases run in one node process per module.

Needs node and `npm ci --prefix tests/js`; skipped otherwise.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from generator.build import build
from generator.targets.miniprogram import miniprogram_data

JS_DIR = Path(__file__).parent / "js"
RENDER_JS = JS_DIR / "render.js"
INSTALL = "npm ci --prefix tests/js"

ENDPOINT = "https://example.com/api/feedback"
TRICKY = "{{a}} </view><script>"
SUCCESS = "收到啦，谢谢！"
FAILURE = "网络开小差了"

SITE_YAML = f"""\
site:
  name: 渲染测试
  theme: warm

tabs:
  - {{page: home, text: 首页, icon: home}}
  - {{page: feedback, text: 反馈, icon: user}}

pages:
  - id: home
    title: 首页
    blocks:
      - type: products
        title: 今日推荐
        products: [tea, cake, tricky, gone]
        layout: grid
  - id: feedback
    title: 反馈
    blocks:
      - type: text
        body: 有话直说。
      - type: form
        title: 告诉我们你的想法
        endpoint: {ENDPOINT}
        submit_text: 发送
        success_message: {SUCCESS}
        error_message: {FAILURE}
        fields:
          - {{name: name, label: 称呼, required: true}}
          - {{name: phone, label: 手机号, type: tel, required: true}}
          - {{name: topic, label: 类型, type: select, options: [建议, 投诉]}}
          - {{name: message, label: 留言, type: textarea, required: true, max_length: 100}}

catalog:
  categories:
    - {{id: food, name: 食品}}
  products:
    - {{id: tea, name: 乌龙茶, price: 19.9, original_price: 29.9, category: food, tags: [新品]}}
    - {{id: cake, name: 蛋糕, price: 39, category: food}}
    - {{id: tricky, name: {json.dumps(TRICKY)}, price: 0.5, category: food}}
    - {{id: gone, name: 售罄商品, price: 5, category: food, stock: 0}}
"""

NAMES = ["乌龙茶", "蛋糕", TRICKY, "售罄商品"]
PRICES = ["¥19.90", "¥39.00", "¥0.50", "¥5.00"]
PRODUCTS = "components/block-products/index"
FORM = "components/block-form/index"


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.skip(f"node is not installed; the render tests need node and `{INSTALL}`")
    if not (JS_DIR / "node_modules" / "miniprogram-simulate").is_dir():
        pytest.skip(f"tests/js/node_modules is missing; run `{INSTALL}`")
    return node


def _run(node: str, args: list[str]) -> Any:
    proc = subprocess.run([node, str(RENDER_JS), *args], capture_output=True, text=True, timeout=60, cwd=JS_DIR)
    assert proc.returncode == 0, f"render.js failed ({proc.returncode}):\n{proc.stderr}"
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    node = _node()
    site_dir = tmp_path_factory.mktemp("render-site")
    (site_dir / "site.yaml").write_text(SITE_YAML, encoding="utf-8")
    result = build(site_dir, site_dir / "out")
    root = site_dir / "out" / "miniprogram"
    blocks = {}  # block type -> (page path, index in the page, planned data)
    for route in result.site.routes:
        for index, block in enumerate(route.blocks):
            blocks.setdefault(block["type"], (route.path, index, miniprogram_data(result.site, block)))
    return {"node": node, "root": root, "blocks": blocks, "dir": site_dir}


@pytest.fixture(scope="module")
def rendered(built: dict[str, Any]) -> dict[str, Any]:
    """Every batch case below, rendered in one node process."""
    page, index, _ = built["blocks"]["products"]
    _, _, form = built["blocks"]["form"]
    root = str(built["root"])
    cases = [
        # Products as the built page passes them: block `index` of the page's own data.
        {
            "name": "products",
            "root": root,
            "component": PRODUCTS,
            "page": {"path": page, "index": index},
            "queries": [".products-grid", ".products-list", ".product-placeholder"],
        },
        {
            "name": "products_tapped",
            "root": root,
            "component": PRODUCTS,
            "page": {"path": page, "index": index},
            "action": "tap-cards",
        },
        {
            "name": "form_missing",
            "root": root,
            "component": FORM,
            "props": {"block": form},
            "action": "submit",
            "values": {"phone": None},
        },
        {
            "name": "form_valid",
            "root": root,
            "component": FORM,
            "props": {"block": form},
            "action": "submit",
            "values": {"topic": "投诉"},
            "respond": 200,
        },
        {
            "name": "form_server_error",
            "root": root,
            "component": FORM,
            "props": {"block": form},
            "action": "submit",
            "respond": 500,
        },
    ]
    batch = built["dir"] / "cases.json"
    batch.write_text(json.dumps({"cases": cases}, ensure_ascii=False), encoding="utf-8")
    results = _run(built["node"], ["--batch", str(batch)])["results"]
    for name, result in results.items():
        assert "error" not in result, f"{name}: {result['error']}"
    return results


def texts(snapshot: dict[str, Any], selector: str) -> list[str]:
    return [element["text"] for element in snapshot["queries"][selector]]


def calls(result: dict[str, Any], api: str) -> list[Any]:
    return [call["args"][0] for call in result["wx"] if call["api"] == api]


# --- products ----------------------------------------------------------------------------------------


def test_products_grid_shows_names_and_prices(rendered: dict[str, Any]) -> None:
    r = rendered["products"]
    assert r["errors"] == []
    assert texts(r, ".section-title") == ["今日推荐"]
    assert len(r["queries"][".products-grid"]) == 1 and r["queries"][".products-list"] == []
    assert len(r["queries"][".product-card"]) == 4
    assert texts(r, ".product-name") == NAMES
    assert texts(r, ".product-price") == PRICES  # 19.9 -> ¥19.90, 39 -> ¥39.00
    assert texts(r, ".original-price") == ["¥29.90"]
    assert texts(r, ".tag") == ["新品"]
    assert texts(r, ".sold-out") == ["已售罄"]  # only the product with stock 0
    for text in [*NAMES, *PRICES]:
        assert text in r["text"]


def test_tapping_a_product_card_opens_its_page(rendered: dict[str, Any]) -> None:
    """Cards carry no link of their own (bytes): the component builds it from the product id."""
    r = rendered["products_tapped"]
    assert r["errors"] == []
    opened = [call["url"] for call in calls(r, "navigateTo")]
    assert len(opened) == 4 and all(url.startswith("/catalog/product/index?id=") for url in opened)
    assert len(set(opened)) == 4


def test_products_markup_in_a_name_is_text(rendered: dict[str, Any]) -> None:
    r = rendered["products"]
    assert texts(r, ".product-name")[2] == TRICKY
    # No image: the placeholder repeats the name, literally too.
    assert TRICKY in texts(r, ".product-placeholder")
    assert "script" not in r["tags"]  # no element was made from the name
    assert "&lt;script&gt;" in r["html"]


def test_render_cli_with_a_props_file(built: dict[str, Any]) -> None:
    """The one-component command line: props from a JSON file ({block: planned data})."""
    _, _, products = built["blocks"]["products"]
    props = built["dir"] / "products-props.json"
    props.write_text(json.dumps({"block": {**products, "layout": "list"}}, ensure_ascii=False), encoding="utf-8")
    r = _run(built["node"], [str(built["root"]), PRODUCTS, str(props), "--query", ".products-list"])
    assert r["errors"] == []
    assert len(r["queries"][".products-list"]) == 1
    assert texts(r, ".product-name") == NAMES
    assert texts(r, ".product-price") == PRICES


# --- form ----------------------------------------------------------------------------------------


def test_form_renders_its_fields(rendered: dict[str, Any]) -> None:
    r = rendered["form_valid"]
    assert texts(r, ".section-title") == ["告诉我们你的想法"]
    assert [t.rstrip("*") for t in texts(r, ".field-label")] == ["称呼", "手机号", "类型", "留言"]
    assert texts(r, ".submit-button") == ["发送"]
    button = r["queries"][".submit-button"][0]["attrs"]
    assert not button.get("loading") and not button.get("disabled")
    assert r["queries"][".field-error"] == []


def test_form_with_a_required_field_empty_shows_the_error_and_sends_nothing(rendered: dict[str, Any]) -> None:
    r = rendered["form_missing"]
    assert r["errors"] == []
    submit = r["submit"]
    assert "phone" not in submit["filled"] and "name" in submit["filled"]
    assert submit["requests"] == [] and calls(r, "request") == []
    after = submit["afterTap"]
    errors = texts(after, ".field-error")
    assert len(errors) == 1 and "手机号" in errors[0]
    invalid = [f for f in after["queries"][".field"] if "field-invalid" in f["class"].split()]
    assert len(invalid) == 1 and invalid[0]["text"].startswith("手机号")
    button = after["queries"][".submit-button"][0]
    assert button["text"] == "发送"
    assert not button["attrs"].get("loading") and not button["attrs"].get("disabled")
    assert [t["title"] for t in calls(r, "showToast")] == [errors[0]]
    assert submit["afterResponse"] is None


def test_form_submit_shows_loading_posts_json_then_success(rendered: dict[str, Any]) -> None:
    r = rendered["form_valid"]
    assert r["errors"] == []
    submit = r["submit"]
    assert submit["filled"] == {"name": "test name", "phone": "13800138000", "topic": "投诉", "message": "test message"}

    # While the request is pending: the button shows loading and cannot be tapped again; inputs are locked.
    pending = submit["afterTap"]
    button = pending["queries"][".submit-button"][0]
    assert button["attrs"].get("loading") is True
    assert button["attrs"].get("disabled") is True
    assert button["text"] != "发送"
    locked = [f["attrs"].get("disabled") for f in pending["queries"][".field-input"] if "data-name" in f["attrs"]]
    assert locked == [True, True, True]  # name, phone, message (the select's .field-input is inside its picker)
    assert pending["queries"][".field-error"] == []
    assert SUCCESS not in pending["text"]

    # Exactly one JSON POST to the endpoint with the values.
    assert len(submit["requests"]) == 1
    request = submit["requests"][0]
    assert request["url"] == ENDPOINT
    assert request["method"] == "POST"
    assert request["header"].get("content-type") == "application/json"
    assert request["data"] == submit["filled"]

    # After the stubbed server answered 200: the success message replaces the form.
    done = submit["afterResponse"]
    assert done is not None
    assert texts(done, ".form-done-text") == [SUCCESS]
    assert done["queries"][".submit-button"] == []
    assert FAILURE not in done["text"]


def test_form_server_error_shows_the_error_and_unlocks(rendered: dict[str, Any]) -> None:
    r = rendered["form_server_error"]
    assert r["errors"] == []
    submit = r["submit"]
    assert len(submit["requests"]) == 1
    assert submit["afterTap"]["queries"][".submit-button"][0]["attrs"].get("loading") is True
    done = submit["afterResponse"]
    assert texts(done, ".form-failed") == [FAILURE]
    assert done["queries"][".form-done-text"] == []
    button = done["queries"][".submit-button"][0]
    assert button["text"] == "发送"
    assert not button["attrs"].get("loading") and not button["attrs"].get("disabled")
    # The values stay in the form for another try.
    values = [f["attrs"].get("value") for f in done["queries"][".field-input"] if "value" in f["attrs"]]
    assert "13800138000" in values

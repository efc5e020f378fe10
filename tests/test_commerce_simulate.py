"""Drive the generated cart and checkout with npm `miniprogram-simulate` and check what a user sees.

The starter site plus a `commerce:` section is built once with `generator.build.build`; `tests/js/commerce.js`
then runs one scenario per node process (all started at once) against the built package: utils/cart.js and
the checkout totals called directly, the cart page rendered and tapped, and the checkout page taken through
address -> pay -> success / fail / cancel / order error with a recording `wx` mock (in-memory storage,
wx.login, scripted wx.request, wx.requestPayment held pending until the scenario answers it).

Needs node and `npm ci --prefix tests/js`; skipped otherwise.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from generator.build import build
from generator.starter import create_starter

JS_DIR = Path(__file__).parent / "js"
COMMERCE_JS = JS_DIR / "commerce.js"
INSTALL = "npm ci --prefix tests/js"

COMMERCE = """
commerce:
  api: https://api.example.com/shop
  shipping_fee: 8
  free_shipping_over: 99
  coupons:
    - {id: streak, title: 满50减10优惠券, amount: 10, min_spend: 50, days: 14, total: 100}
    - {id: friends, title: 满99减20优惠券, amount: 20, min_spend: 99, days: 30, total: 100}
  checkin: {reward_days: 7, reward: {coupon: streak}}
  invites: {friends: 3, reward: {coupon: friends}}
"""

API = "https://api.example.com/shop/"
SCENARIOS = ["cart", "pay-success", "pay-fail", "pay-cancel", "order-error", "coupons", "checkin"]
GROWTH_BLOCKS = (
    "      - {type: coupons}\n      - {type: checkin, reward: 满50减10优惠券}\n"
    "      - {type: invite, reward: 满99减20优惠券}\n      - {type: member}\n"
)
PAYMENT = {
    "timeStamp": "1700000000",
    "nonceStr": "nonce-1",
    "package": "prepay_id=wx123",
    "signType": "RSA",
    "paySign": "signature==",
}
TEA_KEY = "sample-1|"
CAKE_KEY = "sample-2|规格=大份"
# The checkout cart: tea 2 x 19.90 + cake 1 x 39.00 = 78.80, below 99, so 8.00 shipping.
SUBTOTAL_FEN = 2 * 1990 + 3900
TOTAL_FEN = SUBTOTAL_FEN + 800


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.skip(f"node is not installed; the commerce tests need node and `{INSTALL}`")
    if not (JS_DIR / "node_modules" / "miniprogram-simulate").is_dir():
        pytest.skip(f"tests/js/node_modules is missing; run `{INSTALL}`")
    return node


# The catalog the scenarios shop from (tests/js/commerce.js): tea with 2 in stock, cake with a cheaper
# 小份, and scone at 33.00 (three make free_shipping_over). NEXT_CATALOG is the next release: tea's price
# and photo changed, 大份 no longer offered, scone gone.
CATALOG = """
catalog:
  categories:
    - {id: new, name: 新品}
    - {id: classic, name: 经典}
  products:
    - {id: sample-1, name: 示例商品一, price: 19.9, category: new, stock: 2, images: [images/banner.jpg]}
    - id: sample-2
      name: 示例商品二
      price: 39
      category: new
      options:
        - {name: 规格, values: [小份, 大份]}
      skus:
        - {options: {规格: 小份}, price: 29}
    - {id: sample-3, name: 示例商品三, price: 33, category: classic}
"""
NEXT_CATALOG = (
    CATALOG.replace("price: 19.9", "price: 17.9")
    .replace("[小份, 大份]", "[小份, 中份]")
    .replace("    - {id: sample-3, name: 示例商品三, price: 33, category: classic}\n", "")
)


def write_commerce_site(site_dir: Path, catalog: str) -> None:
    site_file = create_starter(site_dir, "店")
    text = site_file.read_text(encoding="utf-8")
    text = text.replace("      - type: contact\n", GROWTH_BLOCKS + "      - type: contact\n")
    assert "\ncatalog:\n" in text and GROWTH_BLOCKS in text, "the starter changed; update this test's site"
    site_file.write_text(text[: text.index("\ncatalog:\n")] + catalog + COMMERCE, encoding="utf-8")


def start(node: str, root: Path, name: str, storage: Path | None = None) -> subprocess.Popen[str]:
    command = [node, str(COMMERCE_JS), str(root), name] + ([str(storage)] if storage else [])
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=JS_DIR)


def finish(name: str, proc: subprocess.Popen[str]) -> Any:
    try:
        out, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
    assert proc.returncode == 0, f"commerce.js {name} failed ({proc.returncode}):\n{err}"
    return json.loads(out)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    node = _node()
    folder = tmp_path_factory.mktemp("commerce-site")
    site_dir = folder / "site"
    write_commerce_site(site_dir, CATALOG)
    build(site_dir, site_dir / "out")
    root = site_dir / "out" / "miniprogram"
    storage = folder / "storage.json"
    procs = {name: start(node, root, name) for name in SCENARIOS}
    procs["stale-fill"] = start(node, root, "stale-fill", storage)
    # the next release: the same site with the next catalog and a new photo of tea
    next_dir = folder / "next"
    write_commerce_site(next_dir, NEXT_CATALOG)
    photo = next_dir / "images" / "banner.jpg"
    with Image.open(photo) as image:
        image.transpose(Image.Transpose.FLIP_LEFT_RIGHT).save(photo, quality=90)
    build(next_dir, next_dir / "out")
    results: dict[str, Any] = {name: finish(name, proc) for name, proc in procs.items()}
    results["stale-cart"] = finish("stale-cart", start(node, next_dir / "out" / "miniprogram", "stale-cart", storage))
    results["roots"] = {"first": str(root), "next": str(next_dir / "out" / "miniprogram")}
    return results


def texts(snapshot: dict[str, Any], selector: str) -> list[str]:
    return [element["text"] for element in snapshot["queries"][selector]]


def button(snapshot: dict[str, Any]) -> dict[str, Any]:
    (pay,) = snapshot["queries"][".pay-button"]
    attrs = pay["attrs"]
    return {"text": pay["text"], "loading": bool(attrs.get("loading")), "disabled": bool(attrs.get("disabled"))}


def keys(lines: list[dict[str, Any]]) -> list[tuple[str, int]]:
    return [(line["key"], line["quantity"]) for line in lines]


def shop_requests(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The requests to the commerce API about the order (not analytics, not the coupon list shown on load)."""
    return [q for q in result["requests"] if q["url"].startswith(API) and not q["url"].endswith("/coupons/mine")]


def calls(result: dict[str, Any], api: str) -> list[Any]:
    return [call["args"][0] for call in result["wx"] if call["api"] == api]


# --- utils/cart.js and the totals ---------------------------------------------------------------------


def test_cart_module_adds_merges_and_limits(runs: dict[str, Any]) -> None:
    r = runs["cart"]
    assert r["errors"] == []
    u = r["unit"]
    assert u["emptyLoad"] == []
    assert u["keySorted"] is True and u["keyCake"] == CAKE_KEY and u["keyNoOptions"] == "p|"

    # A new line: storage keeps the shopper's choice only; name, price and stock come from the catalog.
    assert u["addCake"] == {"lines": [{"key": CAKE_KEY, "quantity": 1}], "added": 1, "limited": False}
    assert u["addCakeStored"] == [
        {"key": CAKE_KEY, "productId": "sample-2", "options": {"规格": "大份"}, "quantity": 1}
    ]
    assert u["addCakeLine"] == {
        "key": CAKE_KEY,
        "quantity": 1,
        "productId": "sample-2",
        "name": "示例商品二",
        "category": "new",
        "image": "",
        "options": {"规格": "大份"},
        "priceFen": 3900,
        "stock": -1,
    }
    # Same product and options merge; other options make their own line.
    assert u["addCakeAgain"] == {"lines": [{"key": CAKE_KEY, "quantity": 3}], "added": 2, "limited": False}
    assert keys(u["addCakeSmall"]["lines"]) == [(CAKE_KEY, 3), ("sample-2|规格=小份", 1)]

    # Stock 2: adding 5 to 1 adds only 1, then nothing.
    assert (u["addTea"]["added"], u["addTea"]["limited"]) == (1, False)
    assert (u["addTeaOverStock"]["added"], u["addTeaOverStock"]["limited"]) == (1, True)
    assert (u["addTeaAtStock"]["added"], u["addTeaAtStock"]["limited"]) == (0, True)
    assert dict(keys(u["addTeaAtStock"]["lines"]))[TEA_KEY] == 2
    # What the catalog does not sell is not added.
    for refused in (u["addUnknown"], u["addUnknownOption"]):
        assert (refused["added"], refused["limited"], len(refused["lines"])) == (0, False, 3)
    assert u["stored"] == [
        {"key": CAKE_KEY, "quantity": 3},
        {"key": "sample-2|规格=小份", "quantity": 1},
        {"key": TEA_KEY, "quantity": 2},
    ]
    assert u["count"] == 6
    assert u["subtotalFen"] == 3 * 3900 + 2900 + 2 * 1990


def test_cart_module_set_quantity_clamps_and_remove(runs: dict[str, Any]) -> None:
    u = runs["cart"]["unit"]
    cap = runs["cart"]["config"]["maxQuantity"]
    assert cap == 99
    assert dict(keys(u["setTeaOverStock"]["lines"]))[TEA_KEY] == 2 and u["setTeaOverStock"]["limited"] is True
    assert dict(keys(u["setCakeOverCap"]["lines"]))[CAKE_KEY] == cap and u["setCakeOverCap"]["limited"] is True
    assert dict(keys(u["setTeaOne"]["lines"]))[TEA_KEY] == 1 and u["setTeaOne"]["limited"] is False
    assert dict(keys(u["setTeaFraction"]["lines"]))[TEA_KEY] == 1  # whole units only
    assert u["setUnknown"]["limited"] is False and len(u["setUnknown"]["lines"]) == 3  # unknown key: unchanged
    assert keys(u["setSmallZero"]["lines"]) == [(CAKE_KEY, cap), (TEA_KEY, 1)]  # 0 removes the line
    assert (u["addCakeOverCap"]["added"], u["addCakeOverCap"]["limited"]) == (0, True)
    assert u["remove"] == [{"key": TEA_KEY, "quantity": 1}]
    assert u["clear"] == [] and u["storedAfterClear"] == []
    assert u["removedNotices"] == 0


def test_totals_in_fen_with_shipping_below_free_shipping_over(runs: dict[str, Any]) -> None:
    config = runs["cart"]["config"]
    assert (config["shippingFen"], config["freeShippingOverFen"], config["api"]) == (800, 9900, API)
    t = runs["cart"]["totals"]
    assert t["empty"] == {"subtotal": 0, "shipping": 0, "discount": 0, "total": 0}  # no shipping on nothing
    assert t["below"] == {"subtotal": 7880, "shipping": 800, "discount": 0, "total": 8680}
    assert t["justBelow"] == {"subtotal": 9899, "shipping": 800, "discount": 0, "total": 10699}
    assert t["atThreshold"] == {"subtotal": 9900, "shipping": 0, "discount": 0, "total": 9900}
    assert t["above"] == {"subtotal": 9960, "shipping": 0, "discount": 0, "total": 9960}
    assert t["floaty"] == {"subtotal": 50, "shipping": 800, "discount": 0, "total": 850}  # integers, no 0.1+0.2
    assert t["discount"] == {"subtotal": 3980, "shipping": 800, "discount": 500, "total": 4280}
    assert t["discountOverSubtotal"]["discount"] == 1990 and t["discountOverSubtotal"]["total"] == 800
    for sums in t.values():
        assert all(isinstance(v, int) for v in sums.values())


# --- the cart page ---------------------------------------------------------------------------------------


def test_cart_page_shows_lines_prices_and_subtotal(runs: dict[str, Any]) -> None:
    r = runs["cart"]
    page = r["page"]["initial"]
    assert texts(page, ".line-name") == ["示例商品一", "示例商品二"]
    assert texts(page, ".line-options") == ["大份"]
    assert texts(page, ".step-count") == ["2", "1"]
    assert texts(page, ".price") == ["¥19.90", "¥39.00", "¥78.80"]
    assert texts(page, ".cart-total") == ["合计 ¥78.80"]
    assert texts(page, ".cart-checkout") == ["去结算（3）"]
    assert page["queries"][".empty"] == []
    plus = [e["class"].split() for e in page["queries"][".step-plus"]]
    assert "step-disabled" in plus[0] and "step-disabled" not in plus[1]  # tea is at its stock (2)


def test_cart_page_plus_at_the_stock_limit_toasts_and_stays(runs: dict[str, Any]) -> None:
    p = runs["cart"]["page"]
    assert p["toastsAtLimit"] == [{"title": "库存不足", "icon": "none"}]
    assert texts(p["afterPlusAtLimit"], ".step-count") == ["2", "1"]
    assert texts(p["afterPlusAtLimit"], ".cart-total") == ["合计 ¥78.80"]
    assert p["storedAtLimit"] == [{"key": TEA_KEY, "quantity": 2}, {"key": CAKE_KEY, "quantity": 1}]

    # Below the limit + and − change the quantity, the subtotal and the stored cart, without a toast.
    assert p["toastsCake"] == []
    assert texts(p["afterPlusCake"], ".step-count") == ["2", "2"]
    assert texts(p["afterPlusCake"], ".cart-total") == ["合计 ¥117.80"]
    assert texts(p["afterMinusTea"], ".step-count") == ["1", "2"]
    assert texts(p["afterMinusTea"], ".cart-total") == ["合计 ¥97.90"]
    assert "step-disabled" not in p["afterMinusTea"]["queries"][".step-plus"][0]["class"].split()
    assert p["storedAfterSteps"] == [{"key": TEA_KEY, "quantity": 1}, {"key": CAKE_KEY, "quantity": 2}]
    assert p["navigate"] == [{"url": "/catalog/checkout/index"}]


def test_checkout_free_shipping_and_no_order_without_an_address(runs: dict[str, Any]) -> None:
    r = runs["cart"]
    assert texts(r["checkoutFree"], ".sum-row") == ["商品金额¥99.00", "运费免运费", "应付¥99.00"]
    assert texts(r["checkoutFree"], ".total-price") == ["¥99.00"]
    w = r["payWithoutAddress"]
    assert w["toasts"] == [{"title": "请先选择收货地址", "icon": "none"}]
    assert w["chooseAddress"] == 1
    assert [q for q in w["requests"] if q["url"].startswith(API + "orders")] == []
    assert w["payments"] == 0 and w["paying"] is False


def test_cart_after_a_release_shows_current_prices_and_drops_what_is_gone(runs: dict[str, Any]) -> None:
    r = runs["stale-cart"]
    assert r["errors"] == []
    assert keys(r["before"]) == [(TEA_KEY, 2), (CAKE_KEY, 1), ("sample-3|", 1), ("sample-2|规格=小份", 1)]
    page = r["page"]
    # Tea at the new price with the new photo; the small cake (stored by the release before, with its name,
    # image and price) as the catalog has it now; the large cake (option gone) and the scone (product gone)
    # are dropped, and the shopper is told so, once.
    assert texts(page, ".line-name") == ["示例商品一", "示例商品二"]
    assert texts(page, ".line-options") == ["小份"]
    assert texts(page, ".step-count") == ["2", "1"]
    assert texts(page, ".price") == ["¥17.90", "¥29.00", "¥64.80"]
    assert texts(page, ".cart-notice") == ["有 2 种商品已下架或售罄，已从购物车移除"]
    assert r["again"]["queries"][".cart-notice"] == [] and texts(r["again"], ".line-name") == texts(page, ".line-name")
    images = [e["attrs"].get("src") for e in page["queries"][".line-image"]]
    next_root, first_root = Path(runs["roots"]["next"]), Path(runs["roots"]["first"])
    tea_image = images[0]
    assert tea_image and (next_root / tea_image.lstrip("/")).is_file()
    assert not (first_root / tea_image.lstrip("/")).exists()  # a new photo, a new hashed name
    assert "旧名字" not in page["text"] and "old-0123456789" not in json.dumps(page)
    assert r["storedAfter"] == [
        {"key": TEA_KEY, "productId": "sample-1", "options": {}, "quantity": 2},
        {"key": "sample-2|规格=小份", "productId": "sample-2", "options": {"规格": "小份"}, "quantity": 1},
    ]


# --- the checkout page -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["pay-success", "pay-fail", "pay-cancel", "order-error"])
def test_checkout_address_totals_and_locked_while_paying(runs: dict[str, Any], name: str) -> None:
    r = runs[name]
    assert r["errors"] == []
    initial = r["initial"]
    assert texts(initial, ".address-empty") == ["选择收货地址 ›"]
    assert texts(initial, ".line-name") == ["示例商品一", "示例商品二"]
    assert texts(initial, ".line-count") == ["×2", "×1"]
    assert texts(initial, ".line-price") == ["¥39.80", "¥39.00"]
    assert texts(initial, ".sum-row") == ["商品金额¥78.80", "运费¥8.00", "应付¥86.80"]
    assert button(initial) == {"text": "微信支付", "loading": False, "disabled": False}

    # The chosen address is shown masked; the full name and number never reach the screen.
    shown = r["afterAddress"]
    assert texts(shown, ".address-who") == ["张**  138****5678"]
    assert texts(shown, ".address-where") == ["广东省广州市海珠区新港中路397号"]
    assert "张三丰" not in shown["text"] and "13812345678" not in shown["text"]

    # While the order is being created / the payment sheet is open: locked, and a second tap does nothing.
    pending = r["pending"]
    assert button(pending) == {"text": "支付中…", "loading": True, "disabled": True}
    assert r["pendingCart"] == r["cartBefore"]
    assert r["secondTap"]["newRequests"] == [] and r["secondTap"]["newChooseAddress"] == 0
    assert r["secondTap"]["payments"] == (0 if name == "order-error" else 1)
    assert r["loading"] == {"show": [{"title": "正在支付", "mask": True}], "hide": 1}

    # Login once, then one order with the session, the items, the address and the total in fen.
    session, order = shop_requests(r)[:2]
    assert (session["url"], session["method"], session["data"]) == (API + "session", "POST", {"code": "CODE1"})
    assert r["session"]["session"] == "S1"
    orders = [q for q in shop_requests(r) if q["url"] == API + "orders"]
    assert orders == [order]
    assert order["method"] == "POST"
    assert order["header"]["Authorization"] == "Bearer S1"
    assert order["data"]["items"] == [
        {"productId": "sample-1", "options": {}, "quantity": 2, "priceFen": 1990},
        {"productId": "sample-2", "options": {"规格": "大份"}, "quantity": 1, "priceFen": 3900},
    ]
    assert order["data"]["totalFen"] == TOTAL_FEN
    assert order["data"]["address"]["userName"] == "张三丰"  # the server needs the real address
    assert "errMsg" not in order["data"]["address"]  # only address fields travel


def test_pay_success_redirects_and_empties_the_cart(runs: dict[str, Any]) -> None:
    r = runs["pay-success"]
    assert r["payments"] == [{"args": PAYMENT, "outcome": "success"}]
    assert r["redirects"] == [{"url": "/catalog/result/index?order=O1"}]
    assert r["cartAfter"] == []
    assert r["final"]["queries"][".pay-message"] == []


@pytest.mark.parametrize(
    ("name", "message", "failed_style"),
    [
        ("pay-fail", "支付没有完成，请重试", True),
        ("pay-cancel", "已取消支付，订单已保留，可以重新支付", False),
    ],
)
def test_pay_fail_or_cancel_keeps_the_cart_and_offers_retry(
    runs: dict[str, Any], name: str, message: str, failed_style: bool
) -> None:
    r = runs[name]
    assert r["payments"] == [{"args": PAYMENT, "outcome": "fail" if name == "pay-fail" else "cancel"}]
    final = r["final"]
    (shown,) = final["queries"][".pay-message"]
    assert shown["text"] == message
    assert ("pay-failed" in shown["class"].split()) is failed_style
    assert button(final) == {"text": "重新支付", "loading": False, "disabled": False}
    assert r["redirects"] == []
    assert r["cartAfter"] == r["cartBefore"]
    assert keys(r["cartAfter"]) == [(TEA_KEY, 2), (CAKE_KEY, 1)]


def test_pay_again_after_cancel_pays_the_kept_order(runs: dict[str, Any]) -> None:
    retry = runs["pay-cancel"]["retry"]
    # "重新支付" pays the order created before: no second login and no second order.
    assert [q for q in retry["requests"] if not q["url"].endswith("/coupons/mine")] == []
    assert retry["payment"] == PAYMENT
    assert [r["url"] for r in retry["redirects"]] == ["/catalog/result/index?order=O1"]
    assert retry["cartAfter"] == []


def test_order_error_shows_the_failure_and_never_asks_to_pay(runs: dict[str, Any]) -> None:
    r = runs["order-error"]
    assert [(q["url"], q["statusCode"]) for q in shop_requests(r)] == [(API + "session", 200), (API + "orders", 500)]
    assert r["payments"] == [] and calls(r, "requestPayment") == []
    final = r["final"]
    (shown,) = final["queries"][".pay-message"]
    assert shown["text"] == "网络不太好，订单没有提交成功，请重试"
    assert "pay-failed" in shown["class"].split()
    assert button(final) == {"text": "重新支付", "loading": False, "disabled": False}
    assert r["redirects"] == []
    assert r["cartAfter"] == r["cartBefore"]


def test_coupons_block_lists_and_claims(runs: dict[str, Any]) -> None:
    run = runs["coupons"]
    assert run["errors"] == []
    before = run["before"]["queries"]
    assert [c["text"] for c in before[".coupon-amount"]] == ["¥10.00", "¥3.00", "8.5折"]  # 15% off
    assert before[".coupon-rule"][0]["text"] == "满¥50.00可用，2026-12-31 前有效"
    assert [c["text"] for c in before[".coupon-claim"]] == ["领取", "已领取", "领取"]
    claims = [r for r in run["requests"] if r["url"].endswith("/coupons/C1/claim")]
    assert len(claims) == 1 and claims[0]["method"] == "POST" and claims[0]["header"]["Authorization"] == "Bearer S1"
    assert [c["text"] for c in run["after"]["queries"][".coupon-claim"]] == ["已领取", "已领取", "领取"]
    assert run["toasts"][-1]["title"] == "领取成功"


def test_coupons_block_lists_my_coupons_and_shows_a_code_to_staff(runs: dict[str, Any]) -> None:
    run = runs["coupons"]
    before, after = run["before"]["queries"], run["after"]["queries"]
    assert [texts(run["before"], q) for q in (".mine-title", ".mine-amount", ".mine-rule", ".mine-expires")] == [
        ["无门槛券"],
        ["¥3.00"],
        ["无门槛"],
        ["有效期至 2026-12-08"],
    ]
    assert before[".mine-state"] == [] and after[".mine-state"] == []
    mine = [(r["method"], r["header"].get("Authorization")) for r in run["requests"] if r["url"].endswith("/mine")]
    assert mine == [("GET", "Bearer S1")] * 3  # on load, after the claim, after the code panel closed
    assert texts(run["after"], ".mine-title") == ["无门槛券", "新人券"]
    assert texts(run["after"], ".mine-rule") == ["无门槛", "满¥50.00可用"]

    code = run["code"]
    assert texts(code, ".coupon-code-title") == ["新人券"]
    assert texts(code, ".coupon-code-hint") == ["到店出示给店员核销"]
    assert texts(code, ".coupon-code-text") == ["Z9Y8 X7W6 V5U4 T3S2"]
    assert texts(code, ".coupon-code-rule") == ["满¥50.00可用 · 有效期至 2026-12-31"]
    assert run["closed"]["queries"][".coupon-code-mask"] == []

    # The QR code: 200 px of canvas at pixel ratio 2, white, then whole-pixel dark modules; it reads as the code.
    canvas = run["canvas"]
    assert (canvas["width"], canvas["height"], canvas["selected"]) == (400, 400, [".coupon-code-qr"])
    ground, *modules = canvas["drawn"]
    assert (ground["fill"], ground["x"], ground["y"], ground["w"], ground["h"]) == ("#ffffff", 0, 0, 400, 400)
    assert modules and {(m["fill"], m["w"], m["h"]) for m in modules} == {("#000000", 12, 12)}
    zxingcpp = pytest.importorskip("zxingcpp", reason="zxing-cpp (QR decoder) is not installed")
    image = Image.new("L", (400, 400), 255)
    for m in modules:
        image.paste(0, (m["x"], m["y"], m["x"] + m["w"], m["y"] + m["h"]))
    assert [bytes(found.bytes).decode() for found in zxingcpp.read_barcodes(image)] == ["Z9Y8X7W6V5U4T3S2"]


def test_checkin_block_streak_and_reward(runs: dict[str, Any]) -> None:
    run = runs["checkin"]
    assert run["errors"] == []
    days = run["before"]["queries"][".checkin-day"]
    assert len(days) == 7 and sum("checkin-done" in d["class"] for d in days) == 6
    assert run["before"]["queries"][".checkin-rule"][0]["text"] == "连续签到 7 天，可获得满50减10优惠券"
    after = run["after"]["queries"]
    assert sum("checkin-done" in d["class"] for d in after[".checkin-day"]) == 7
    assert after[".checkin-reward"][0]["text"] == "已连续签到 7 天，奖励已发放：满50减10优惠券"
    assert after[".checkin-button"][0]["text"] == "今天已签到（连续 7 天）"
    assert run["postsAfterFirst"] == 1 and run["postsAfterSecond"] == 1  # a second tap does nothing
    assert run["toasts"][-1]["title"] == "奖励已到账"

"""Selling sites: what the build adds (pages, privacy declarations, the backend contract) and what it refuses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.build import build
from generator.cli import main

from .conftest import REPO, assert_mpcheck_clean

COMMERCE = "commerce:\n  api: https://api.example.com/shop\n  shipping_fee: 8\n  free_shipping_over: 99\n"


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("shop") / "site"
    assert CliRunner().invoke(main, ["init", str(site)]).exit_code == 0
    (site / "site.yaml").write_text((site / "site.yaml").read_text(encoding="utf-8") + COMMERCE, encoding="utf-8")
    build(site)
    return site / "dist"


def test_selling_site_passes_wechat_compilers_and_budgets(shop: Path) -> None:
    assert_mpcheck_clean(shop / "miniprogram")
    report = json.loads((shop / "report.json").read_text(encoding="utf-8"))
    assert not [v for v in report["miniprogram"]["verdicts"] if v["severity"] == "error"]


def test_checkout_pages_live_in_the_catalog_subpackage_with_privacy_declared(shop: Path) -> None:
    app = json.loads((shop / "miniprogram" / "app.json").read_text(encoding="utf-8"))
    catalog = next(p for p in app["subpackages"] if p["root"] == "catalog")
    assert {"cart/index", "checkout/index", "result/index", "orders/index"} <= set(catalog["pages"])
    assert app["requiredPrivateInfos"] == ["chooseAddress"] and app["__usePrivacyCheck__"] is True
    config = (shop / "miniprogram" / "utils" / "commerce-config.js").read_text(encoding="utf-8")
    assert '"shippingFen":800' in config and '"freeShippingOverFen":9900' in config
    product = (shop / "miniprogram" / "catalog" / "product" / "index.wxml").read_text(encoding="utf-8")
    assert "onAddToCart" in product and 'open-type="contact" disabled' not in product


def test_backend_contract_is_valid_openapi(shop: Path) -> None:
    from openapi_spec_validator import validate

    document = json.loads((shop / "commerce" / "openapi.json").read_text(encoding="utf-8"))
    validate(document)
    assert document["servers"] == [{"url": "https://api.example.com/shop"}]
    assert {"/session", "/orders", "/coupons", "/coupons/mine", "/coupons/{id}/claim", "/checkin"} <= set(
        document["paths"]
    )


def test_browse_only_site_has_no_payment_code(make_site) -> None:
    starter = (REPO / "templates" / "starter" / "site.yaml").read_text(encoding="utf-8").replace("__SITE_NAME__", "店")
    result = build(make_site(starter), write=False)
    paths = {f.path for f in result.files}
    assert not any("checkout" in p or "cart" in p or p.startswith("commerce/") for p in paths)
    product = next(f for f in result.files if f.path == "miniprogram/catalog/product/index.wxml").data.decode()
    assert 'open-type="contact"' in product and "requestPayment" not in product


def test_commerce_without_a_catalog_is_a_spec_error(make_site) -> None:
    from .conftest import MINIMAL_SITE

    result = CliRunner().invoke(main, ["build", str(make_site(MINIMAL_SITE + COMMERCE))])
    assert result.exit_code == 2 and "commerce: selling needs products" in result.output


def test_privacy_page_lists_what_the_site_collects(make_site) -> None:
    site_yaml = (
        (REPO / "templates" / "starter" / "site.yaml").read_text(encoding="utf-8").replace("__SITE_NAME__", "小店")
        + COMMERCE
        + "privacy:\n  company: 小店科技有限公司\n  contact: privacy@example.com\n"
    )
    site = make_site(site_yaml)
    result = build(site)
    files = {f.path: f.data.decode("utf-8", "replace") for f in result.files if not f.path.endswith(".png")}
    app = json.loads(files["miniprogram/app.json"])
    assert "pages/privacy/index" in app["pages"]
    privacy = files["miniprogram/pages/privacy/index.js"]
    for expected in ("小店科技有限公司", "privacy@example.com", "称呼、手机号、留言", "收货地址", "openid"):
        assert expected in privacy
    assert "pages/privacy.html" in files["h5/pages/feedback.html"] or "privacy.html" in files["h5/pages/feedback.html"]
    checkout = json.loads(files["miniprogram/catalog/checkout/index.json"])
    # only the checkout shows the popup, so it lives in the catalog subpackage with it
    assert checkout["usingComponents"] == {"privacy-popup": "/catalog/components/privacy-popup/index"}
    assert 'open-type="agreePrivacyAuthorization"' in files["miniprogram/catalog/components/privacy-popup/index.wxml"]
    assert_mpcheck_clean(site / "dist" / "miniprogram")

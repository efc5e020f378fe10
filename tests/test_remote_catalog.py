"""A catalog the mini-program fetches (catalog.delivery): the planner's choice and its reasons, the JSON
pages the build writes (tests/sites/remote, served by `gen serve` from dist/catalog/), a package that no
longer grows with the catalog, and the generated category, product, cart and checkout code run in node
against the real backend (tests/js/client.js, scenario `catalog`). mpcheck and miniprogram-ci check the
remote site's package with every test site (tests/test_miniprogram_ci.py)."""

from __future__ import annotations

import json
import random
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from generator.build import build, plan
from generator.errors import SpecError
from generator.plan.catalog_delivery import LIST_PAGE_SIZE, PACKAGED_PRODUCTS_MAX
from generator.targets.remote_catalog import BUCKET_SIZE, bucket_of
from tests.test_client_e2e import Served
from tests.test_client_session import node_or_skip, run_client

from .conftest import REPO

REMOTE = REPO / "tests" / "sites" / "remote"


def shop(folder: Path, products: int, extra: str = "", delivery: str | None = None, cdn: str = "") -> Path:
    """A shop with `products` products (CSV); `extra`: more top-level YAML (commerce)."""
    folder.mkdir(parents=True)
    rows = ["id,name,price,category,description,stock"]
    rows += [f"p{i:05d},商品 {i},{10 + i % 90}.90,c{i % 3},介绍 {i}。,{i % 9}" for i in range(products)]
    (folder / "products.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (folder / "site.yaml").write_text(
        "site: {name: 小店" + (f", cdn: '{cdn}'" if cdn else "") + "}\n"
        "tabs: [{page: home, text: 首页, icon: home}, {page: me, text: 我的, icon: user}]\n"
        "pages: [{id: home, title: 首页, blocks: [{type: products, limit: 4}]},\n"
        "        {id: me, title: 我的, blocks: [{type: text, body: 你好}]}]\n"
        "catalog:\n"
        + (f"  delivery: {delivery}\n" if delivery else "")
        + "  categories: [{id: c0, name: 甲}, {id: c1, name: 乙}, {id: c2, name: 丙}]\n"
        "  products_file: products.csv\n" + extra,
        encoding="utf-8",
    )
    return folder


API = "commerce: {api: 'https://api.example.com/shop/'}\n"


def test_small_catalogs_stay_in_the_package_and_big_ones_are_fetched_from_the_cdn_or_the_backend(
    tmp_path: Path,
) -> None:
    small, _, _ = plan(shop(tmp_path / "small", 20, API))
    assert not small.catalog_delivery.remote
    assert "20 products in the catalog subpackage" in small.catalog_delivery.reason
    big, _, _ = plan(shop(tmp_path / "big", PACKAGED_PRODUCTS_MAX + 1, API))
    delivery = big.catalog_delivery
    assert delivery.remote and delivery.served_by == "backend" and delivery.folder == "catalog/"
    assert delivery.base == "https://api.example.com/shop/catalog/"
    assert "501 products fetched page by page" in delivery.reason and "more than 500 products" in delivery.reason
    on_cdn, _, _ = plan(shop(tmp_path / "cdn", 20, API, delivery="remote", cdn="https://cdn.example.com/s/"))
    assert on_cdn.catalog_delivery.served_by == "cdn"
    assert on_cdn.catalog_delivery.base == "https://cdn.example.com/s/catalog/"
    kept, _, _ = plan(shop(tmp_path / "kept", PACKAGED_PRODUCTS_MAX + 1, API, delivery="package"))
    assert not kept.catalog_delivery.remote and "catalog.delivery: package" in kept.catalog_delivery.reason
    nowhere, _, _ = plan(shop(tmp_path / "nowhere", PACKAGED_PRODUCTS_MAX + 1))
    assert not nowhere.catalog_delivery.remote and "set site.cdn or add commerce.api" in nowhere.catalog_delivery.reason


def test_a_remote_catalog_with_nowhere_to_come_from_is_refused_at_its_line(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as raised:
        plan(shop(tmp_path / "s", 3, delivery="remote"))
    (problem,) = raised.value.problems
    assert problem.path == "catalog.delivery" and "set site.cdn or add `commerce:`" in problem.message
    assert problem.position.line == 6


def unpack(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [dict(zip(document["fields"], row, strict=True)) for row in document["rows"]]


def test_the_json_pages_hold_every_product_once_where_the_client_looks_for_it(tmp_path: Path) -> None:
    result = build(REMOTE, tmp_path / "dist", use_cache=False)
    files = {f.path: f.data for f in result.files}
    assert not any(p.endswith("catalog/data.js") for p in files)  # nothing of the catalog in the package
    index = json.loads(files["catalog/index.json"])
    spec = result.site.spec.catalog
    assert spec is not None
    products = {p.id: p for p in spec.products}
    assert len(index["buckets"]) == -(-len(products) // BUCKET_SIZE) == 2
    seen: dict[str, dict[str, Any]] = {}
    for b, digest in enumerate(index["buckets"]):
        for product in unpack(json.loads(files[f"catalog/product/{b}.{digest}.json"])):
            assert bucket_of(product["id"], len(index["buckets"])) == b and product["id"] not in seen
            seen[product["id"]] = product
    assert set(seen) == set(products)
    assert seen["oolong"]["priceFen"] == 3000 and seen["oolong"]["skus"][1]["priceFen"] == 5580
    # the photos only the catalog shows travel with it, fetched from the backend
    assert seen["oolong"]["images"][0].startswith("https://shop.example.com/api/catalog/img/photo-")
    assert any(p.startswith("catalog/img/photo-") for p in files)
    for c, category in enumerate(index["categories"]):
        listed = [
            row["id"]
            for n, digest in enumerate(category["pages"])
            for row in unpack(json.loads(files[f"catalog/list/{c}-{n}.{digest}.json"]))
        ]
        assert listed == [p.id for p in spec.products if p.category == category["id"]]
        assert category["count"] == len(listed) and len(category["pages"]) == -(-len(listed) // LIST_PAGE_SIZE)
    assert [c["count"] for c in index["categories"]] == [61, 30, 0]
    report = json.loads(files["report.json"])
    assert report["catalog"]["delivery"] == "remote" and report["catalog"]["served_by"] == "backend"


def test_the_package_no_longer_grows_with_the_catalog(tmp_path: Path) -> None:
    sizes = {}
    for count in (600, 3000):
        result = build(shop(tmp_path / str(count), count, API), tmp_path / f"out-{count}", use_cache=False)
        sizes[count] = result.budget.packages
    assert [p.bytes for p in sizes[600]] == [p.bytes for p in sizes[3000]]  # same code, same tab pages
    packaged = build(shop(tmp_path / "packaged", 3000, API, delivery="package"), tmp_path / "out-p", use_cache=False)
    catalog_bytes = {p.name: p.bytes for p in packaged.budget.packages}["catalog"]
    remote_bytes = {p.name: p.bytes for p in sizes[3000]}["catalog"]
    assert remote_bytes < 80 * 1024 < 400 * 1024 < catalog_bytes


@pytest.fixture(scope="module")
def served_remote(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Served]]:
    node_or_skip()
    folder = tmp_path_factory.mktemp("remote")
    site = Path(shutil.copytree(REMOTE, folder / "site"))
    build(site)  # into site/dist, which gen serve serves the catalog from
    served = Served(site, folder / "data", None)
    yield site, served
    served.stop()


def test_the_server_caches_named_files_for_good_and_the_index_briefly(
    served_remote: tuple[Path, Served],
) -> None:
    site, served = served_remote
    index = httpx.get(served.url + "catalog/index.json", timeout=10)
    assert index.status_code == 200 and index.headers["cache-control"] == "public, max-age=60"
    digest = index.json()["buckets"][0]
    bucket = httpx.get(f"{served.url}catalog/product/0.{digest}.json", timeout=10)
    assert bucket.status_code == 200 and "immutable" in bucket.headers["cache-control"]
    again = httpx.get(f"{served.url}catalog/product/0.{digest}.json", headers={"If-None-Match": bucket.headers["etag"]})
    assert again.status_code == 304
    gone = httpx.get(served.url + "catalog/product/0.0000000000.json", timeout=10)
    assert gone.status_code == 404 and "load index.json again" in gone.json()["message"]
    outside = httpx.get(served.url + "catalog/../site.yaml", timeout=10)
    assert outside.status_code == 404 and "远程目录小铺" not in outside.text
    (site / "dist" / "catalog" / "secret.txt").symlink_to(site / "site.yaml")
    assert httpx.get(served.url + "catalog/secret.txt", timeout=10).status_code == 404


def test_the_generated_pages_browse_a_fetched_catalog_and_buy_from_it(served_remote: tuple[Path, Served]) -> None:
    site, served = served_remote
    root = site / "dist" / "miniprogram"
    options = {"category": "tea", "product": "oolong", "choose": ["大罐"], "buy": True, "code": "remote-1"}
    r = run_client(root, served.url, "catalog", options)
    assert len(r["firstPage"]["items"]) == LIST_PAGE_SIZE and r["firstPage"]["more"] is True
    listed = [item["id"] for item in r["category"]["items"]]
    assert len(listed) == 61 and listed[0] == "oolong" and r["category"]["more"] is False
    assert r["category"]["items"][0]["link"]["url"] == "/catalog/product/index?id=oolong"
    assert r["product"]["state"] == "shown" and r["product"]["priceText"] == "¥55.80"
    assert r["gone"] == "gone"
    assert [(line["productId"], line["quantity"]) for line in r["cart"]["lines"]] == [("oolong", 1)]
    assert r["checkout"]["totalText"] == "¥55.80"  # the big tin; the site charges no shipping
    assert r["result"]["kind"] == "paid"
    fetched = [q["path"] for q in r["requests"] if q["path"].startswith("/catalog/")]
    assert fetched.count("/catalog/index.json") == 1  # one index for every page of the launch
    assert sum(1 for p in fetched if p.startswith("/catalog/product/")) <= 2
    # the cart's products are remembered for the next launch, and only they
    assert set(r["storage"]["mpgen-catalog-known"]) <= {"oolong"}


def test_a_phone_holding_an_earlier_index_loads_the_new_one_once(served_remote: tuple[Path, Served]) -> None:
    site, served = served_remote
    index = json.loads((site / "dist" / "catalog" / "index.json").read_text(encoding="utf-8"))
    earlier = json.loads(json.dumps(index))
    rng = random.Random(7)
    for category in earlier["categories"]:  # an earlier build named other files
        category["pages"] = ["".join(rng.choice("0123456789abcdef") for _ in range(10)) for _ in category["pages"]]
    r = run_client(site / "dist" / "miniprogram", served.url, "catalog", {"category": "cups", "firstIndex": earlier})
    assert len(r["category"]["items"]) == 30 and r["category"]["failed"] is False
    statuses = [(q["path"].split("?")[0], q["status"]) for q in r["requests"] if "/catalog/" in q["path"]]
    assert statuses[:3] == [
        ("/catalog/index.json", 200),
        (f"/catalog/list/1-0.{earlier['categories'][1]['pages'][0]}.json", 404),
        ("/catalog/index.json", 200),
    ]


def test_the_operators_checklist_names_what_a_fetched_catalog_needs(tmp_path: Path) -> None:
    from generator.build import load
    from generator.server.checklist import build_checklist, dockerignore, request_domains

    on_cdn = shop(tmp_path / "cdn", 20, API, delivery="remote", cdn="https://cdn.example.com/s/")
    spec = load(on_cdn)[0].spec
    assert request_domains(spec) == ["https://api.example.com", "https://cdn.example.com"]
    assert "!dist/catalog/" not in dockerignore(spec)
    served = shop(tmp_path / "served", 20, API, delivery="remote")
    loaded = load(served)[0]
    assert request_domains(loaded.spec) == ["https://api.example.com"]
    assert dockerignore(loaded.spec)[-2:] == ("preview/", "!dist/catalog/") and "dist/*" in dockerignore(loaded.spec)
    before = build_checklist(loaded.spec, served, tmp_path / "data", {})
    assert any("fetches the catalog from this server" in p and "run gen build" in p for p in before.problems)
    build(served)
    after = build_checklist(loaded.spec, served, tmp_path / "data", {})
    assert not any("fetches the catalog" in p for p in after.problems)
    assert "run gen build before docker build" in after.text


def test_gen_serve_dist_serves_a_catalog_built_elsewhere(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from generator.server.app import create_app
    from generator.server.serve_cli import migrate
    from generator.server.settings import make_settings, settings_from_env

    site = Path(shutil.copytree(REMOTE, tmp_path / "site"))
    build(site, tmp_path / "elsewhere")
    settings = make_settings(site, tmp_path / "data", True, {}, dist_dir=tmp_path / "elsewhere")
    assert settings_from_env(settings.to_env()).dist_dir == (tmp_path / "elsewhere").resolve()  # every worker
    migrate(settings)
    with TestClient(create_app(settings)) as client:
        assert client.get("/catalog/index.json").json()["categories"][0]["id"] == "tea"
    with TestClient(create_app(make_settings(site, tmp_path / "data", True, {}))) as client:
        missing = client.get("/catalog/index.json")  # SITE/dist/ holds no build
    assert missing.status_code == 404 and "run gen build" in missing.json()["message"]


def test_the_catalog_pages_of_the_same_plan_are_not_made_twice(monkeypatch: pytest.MonkeyPatch) -> None:
    from dataclasses import replace

    from generator.rebuild_memo import RebuildMemo
    from generator.targets import remote_catalog

    memo = RebuildMemo()
    site, _, _ = plan(REMOTE)
    site = replace(site, memo=memo)
    made: list[object] = []
    real = remote_catalog._render
    monkeypatch.setattr(remote_catalog, "_render", lambda s: made.append(s) or real(s))
    memo.begin()
    first = remote_catalog.render_remote_catalog(site)
    memo.commit()
    memo.begin()
    again = remote_catalog.render_remote_catalog(replace(site, theme=site.theme))  # gen dev, theme-only save
    memo.commit()
    assert again == first and len(made) == 1
    other, _, _ = plan(REMOTE)  # a new plan of equal values (other objects): the same pages
    assert remote_catalog.render_remote_catalog(replace(other, memo=memo)) == first and len(made) == 1
    assert remote_catalog.render_remote_catalog(other) == first and len(made) == 2  # no memo: a build of its own

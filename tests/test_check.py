"""`gen check`: the CI gate. Exit 0 when every budget holds, 1 when one breaks, 2 for bad input."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from click.testing import CliRunner
from PIL import Image

from generator.budget import FileSize, PackageSize, _what_to_do
from generator.build import build
from generator.cli import main

from .conftest import MINIMAL_SITE
from .imagetools import noise, photo

NOISY_CATALOG = (
    MINIMAL_SITE.replace(
        "      - type: text\n        body: 欢迎\n", "      - {type: products, category: c, layout: list}\n"
    )
    + "catalog:\n  categories: [{id: c, name: 噪点}]\n  products:\n"
    + "".join(
        f"    - {{id: p{i}, name: 商品{i}, price: 9.9, category: c, images: [images/noise{i}.png]}}\n" for i in range(8)
    )
)


def noisy_site(make_site, extra: str = "", name: str = "site") -> Path:
    site = make_site(NOISY_CATALOG + extra, name=name)
    for i in range(8):
        noise(900, 900, seed=i).save(site / "images" / f"noise{i}.png")
    return site


def run(*args: str):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert "Traceback" not in result.output
    return result


def test_check_passes_a_site_within_budget_and_prints_the_table(make_site) -> None:
    result = run("check", make_site())
    assert result.exit_code == 0, result.output
    assert "package        size          budget      used" in result.output
    assert "main" in result.output and "budget ok" in result.output


def test_image_that_cannot_fit_fails_with_file_size_limit_and_spec_line(make_site) -> None:
    site = make_site(
        MINIMAL_SITE.replace(
            "      - type: text\n        body: 欢迎\n", "      - {type: image, image: images/noise.png}\n"
        )
        + "budgets: {image_kb: 90, image_warn_kb: 60}\n"
    )
    noise(900, 900).save(site / "images" / "noise.png")
    result = run("check", site)
    assert result.exit_code == 1, result.output
    line = next(line for line in result.output.splitlines() if "images/noise.png:" in line)
    assert "site.yaml:10:" in line and "pages[0].blocks[0].image" in line
    assert "> 90 KB" in line and "even at quality 40" in line and "site.cdn" in line
    assert "budget broken: 1 error(s)" in result.output


def test_catalog_over_2mb_fails_and_names_the_subpackage_and_its_largest_files(make_site) -> None:
    result = run("check", noisy_site(make_site))
    assert result.exit_code == 1, result.output
    assert "subpackage catalog is" in result.output and "> 2048 KB" in result.output
    largest = result.output.split("largest files:")[1]
    assert "catalog/img/noise" in largest


def test_cdn_takes_photos_out_of_the_package(make_site) -> None:
    site = noisy_site(make_site, "")
    (site / "site.yaml").write_text(
        (site / "site.yaml")
        .read_text(encoding="utf-8")
        .replace("  name: 小店", "  name: 小店\n  cdn: https://cdn.example.com/shop"),
        encoding="utf-8",
    )
    result = run("check", site)
    assert result.exit_code == 0, result.output
    build_output = run("build", site).output
    assert "upload" in build_output and "https://cdn.example.com/shop" in build_output
    cdn = sorted((site / "dist" / "cdn").iterdir())
    assert len(cdn) == 8 + 6  # eight gallery photos, and the six the home list shows as thumbnails
    data = (site / "dist/miniprogram/catalog/data.js").read_text(encoding="utf-8")
    assert "https://cdn.example.com/shop/noise0-" in data
    report = json.loads((site / "dist" / "report.json").read_text(encoding="utf-8"))
    catalog = next(p for p in report["miniprogram"]["packages"] if p["name"] == "catalog")
    assert catalog["bytes"] < 100 * 1024


def test_github_format_annotates_the_spec_line(make_site) -> None:
    site = make_site(
        MINIMAL_SITE.replace(
            "      - type: text\n        body: 欢迎\n", "      - {type: image, image: images/noise.png}\n"
        )
        + "budgets: {image_kb: 90, image_warn_kb: 60}\n"
    )
    noise(900, 900).save(site / "images" / "noise.png")
    result = run("check", site, "--format", "github")
    assert result.exit_code == 1
    assert "::error file=site.yaml,line=10,col=" in result.output
    assert "title=mpgen image-size::images/noise.png:" in result.output


def test_junit_and_json_formats(make_site) -> None:
    site = noisy_site(make_site)
    junit = run("check", site, "--format", "junit")
    assert junit.exit_code == 1
    suite = ET.fromstring(junit.output)
    assert suite.get("failures") == "1"
    assert suite.find("testcase[@name='catalog']/failure") is not None
    as_json = run("check", site, "--format", "json")
    report = json.loads(as_json.output)
    assert report["miniprogram"]["verdicts"][0]["rule"] == "package-size"
    assert {p["package"] for p in report["plan"]} == {"main", "catalog"}


def test_baseline_shows_growth_and_max_growth_fails(make_site, tmp_path: Path) -> None:
    site = make_site()
    missing = tmp_path / "none.json"
    first = run("check", site, "--baseline", missing, "--max-growth", "1")
    assert first.exit_code == 0 and "first run" in first.output
    baseline = tmp_path / "old-report.json"
    baseline.write_bytes((site / "dist" / "report.json").read_bytes())
    photo(1200, 900).save(site / "images" / "new.jpg", quality=92)
    (site / "site.yaml").write_text(
        MINIMAL_SITE.replace(
            "      - type: text\n", "      - {type: image, image: images/new.jpg}\n      - type: text\n"
        ),
        encoding="utf-8",
    )
    grown = run("check", site, "--baseline", baseline, "--max-growth", "1")
    assert grown.exit_code == 1, grown.output
    assert "growth since the baseline" in grown.output
    assert "package main grew by" in grown.output
    assert "assets/img/new-" in grown.output
    assert run("check", site, "--baseline", baseline).exit_code == 0  # growth shown, no limit set


def test_warnings_fail_only_with_strict(make_site) -> None:
    site = make_site(
        MINIMAL_SITE.replace(
            "      - type: text\n        body: 欢迎\n", "      - {type: image, image: images/noise.png}\n"
        )
    )
    noise(900, 900).save(site / "images" / "noise.png")
    relaxed = run("check", site)
    assert relaxed.exit_code == 0 and "over the 200 KB warning size" in relaxed.output
    assert run("check", site, "--strict").exit_code == 1


def test_budget_above_wechat_limit_is_bad_input(make_site) -> None:
    result = run("check", make_site(MINIMAL_SITE + "budgets: {package_kb: 4096}\n"))
    assert result.exit_code == 2
    assert "budgets.package_kb: 4096 KB is above WeChat's hard limit of 2048 KB" in result.output


def test_broken_image_is_a_spec_error_with_its_line(make_site) -> None:
    site = make_site(
        MINIMAL_SITE.replace(
            "      - type: text\n        body: 欢迎\n", "      - {type: image, image: images/bad.jpg}\n"
        )
    )
    (site / "images" / "bad.jpg").write_text("not really a jpeg", encoding="utf-8")
    result = run("build", site)
    assert result.exit_code == 2
    assert "site.yaml:10:" in result.output
    assert "pages[0].blocks[0].image: 'images/bad.jpg' is not an image" in result.output


def test_unchanged_rebuild_does_no_image_work(make_site) -> None:
    site = noisy_site(make_site, "", name="cached")
    first = build(site, write=False)
    assert first.images.processed > 0 and first.images.encodes >= first.images.processed
    again = build(site, write=False)
    assert (again.images.processed, again.images.encodes) == (0, 0)
    assert again.images.cache_hits == first.images.processed
    Image.new("RGB", (300, 300), "red").save(site / "images" / "noise3.png")
    changed = build(site, write=False)
    assert changed.images.processed == 2 * 4  # two slots (list row, gallery), each with 3 H5 copies


def test_example_shop_with_real_photos_passes_the_gate(tmp_path: Path) -> None:
    shop = Path(__file__).resolve().parent.parent / "sites" / "beibei"
    photos = shop / "images" / "photos"
    sources = {p.name: Image.open(p) for p in photos.iterdir() if p.suffix in (".jpg", ".png")}
    assert (photos / "elephants-phone.jpg").stat().st_size > 3 * 1024 * 1024
    assert sources["beach-cmyk.jpg"].mode == "CMYK"
    assert sources["ladybird-rotated.jpg"].getexif().get(0x0112) == 6
    assert sources["ladybird-cutout.png"].getchannel("A").getextrema()[0] == 0
    assert sources["meadow-opaque.png"].mode == "RGBA"
    assert "icc_profile" in sources["flower-adobergb.jpg"].info
    result = run("check", shop, "--out", tmp_path / "dist")
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "dist" / "report.json").read_text(encoding="utf-8"))
    images = {i["spec"]: i for i in report["miniprogram"]["images"]}
    rotated = images["images/photos/ladybird-rotated.jpg"]
    assert rotated["width"] > rotated["height"]  # shown upright: landscape
    assert images["images/photos/ladybird-cutout.png"]["format"] == "png"
    assert images["images/photos/meadow-opaque.png"]["format"] == "jpg"
    for image in images.values():
        assert image["bytes"] <= 200 * 1024
        data = Image.open(tmp_path / "dist" / image["output"])
        assert not data.getexif() and "icc_profile" not in data.info


def test_build_writes_the_output_but_exits_1_when_a_budget_breaks(make_site) -> None:
    site = noisy_site(make_site)
    result = run("build", site)
    assert result.exit_code == 1
    assert "subpackage catalog is" in result.output and "gen check" in result.output
    assert (site / "dist" / "miniprogram" / "app.json").exists()


def test_quiet_build_prints_nothing_on_success(make_site) -> None:
    result = run("build", make_site(), "--quiet")
    assert result.exit_code == 0 and result.output == ""


def test_oversized_package_advice_follows_what_fills_it() -> None:
    kb = 1024
    package = PackageSize("catalog", "catalog", 1900 * kb, 3, 2048 * kb)
    data_heavy = [FileSize("catalog/data.js", "catalog", 1800 * kb), FileSize("catalog/a.jpg", "catalog", 100 * kb)]
    assert "catalog/data.js (1800 KB), which site.cdn does not move" in _what_to_do(package, data_heavy)
    photo_heavy = [FileSize("catalog/a.jpg", "catalog", 1000 * kb), FileSize("catalog/data.js", "catalog", 900 * kb)]
    assert "set site.cdn so photos" in _what_to_do(package, photo_heavy)

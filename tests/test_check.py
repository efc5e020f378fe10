"""`gen check`: the CI gate. Exit 0 when every budget holds, 1 when one breaks, 2 for bad input."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from click.testing import CliRunner
from PIL import Image

from generator.build import build
from generator.check.budget import FileSize, PackageSize, _what_to_do
from generator.check.github import annotation
from generator.cli import main
from generator.errors import Position

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


def noisy_image_site(make_site, name: str = "site") -> Path:
    site = make_site(
        MINIMAL_SITE.replace(
            "      - type: text\n        body: 欢迎\n", "      - {type: image, image: images/noise.png}\n"
        )
        + "budgets: {image_kb: 90, image_warn_kb: 60}\n",
        name=name,
    )
    noise(900, 900).save(site / "images" / "noise.png")
    return site


def test_github_format_annotates_the_spec_line_relative_to_the_current_folder(
    make_site, tmp_path: Path, monkeypatch
) -> None:
    site = noisy_image_site(make_site, name="sites/a,b:c")
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    monkeypatch.chdir(tmp_path)
    result = run("check", site, "--format", "github")
    assert result.exit_code == 1
    # the path GitHub resolves against the checkout, with `,` and `:` escaped as property values
    assert "::error file=sites/a%2Cb%3Ac/site.yaml,line=10,col=" in result.output
    assert "title=mpgen image-size::images/noise.png:" in result.output
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path / "sites"))
    monkeypatch.chdir(site)
    in_workspace = run("check", site, "--format", "github")
    assert "::error file=a%2Cb%3Ac/site.yaml,line=10," in in_workspace.output


def test_github_workflow_commands_are_escaped(tmp_path: Path) -> None:
    line = annotation("warning", "100% done\r\nnext: a,b", "mpgen x:y,z", tmp_path, Position("d/e,f.yaml", 3, 4))
    assert line.count("\n") == 0 and line.count("::") == 2
    properties, message = line.removeprefix("::warning ").split("::")
    assert message == "100%25 done%0D%0Anext: a,b"
    assert properties.endswith("title=mpgen x%3Ay%2Cz") and ",line=3,col=4," in properties
    assert properties.startswith("file=") and "e%2Cf.yaml" in properties


def test_lint_annotations_are_relative_to_the_workspace_and_escaped(make_site, tmp_path: Path, monkeypatch) -> None:
    site = make_site(MINIMAL_SITE.replace("body: 欢迎", "body: '100%有效'"), name="shop")
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
    result = run("lint", site, "--format", "github")
    assert result.exit_code == 1
    annotation_line = next(line for line in result.output.splitlines() if line.startswith("::error"))
    assert annotation_line.startswith("::error file=shop/site.yaml,line=11,title=mpgen lint superlative::")
    assert "100%25" in annotation_line
    assert result.output.splitlines()[-1] == "lint: 1 error(s), 0 warning(s)"


def test_github_format_appends_a_markdown_step_summary(make_site, tmp_path: Path, monkeypatch) -> None:
    site = noisy_image_site(make_site)
    summary = tmp_path / "summary.md"
    summary.write_text("from an earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    assert run("check", site, "--format", "github").exit_code == 1
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("from an earlier step\n### mpgen check: 小店\n")
    assert "| package | size | budget | used |" in text and "| main |" in text
    assert "**Errors**" in text and "pages\\[0\\].blocks\\[0\\].image: images/noise.png: " in text
    assert "&gt; 90 KB" in text  # user text is shown, never read as Markdown or HTML
    assert "**failed**: budget broken: 1 error(s), 0 warning(s); lint: 0 error(s), 0 warning(s)" in text
    assert run("check", site).exit_code == 1  # the text format leaves the summary alone
    assert summary.read_text(encoding="utf-8") == text


def test_junit_and_json_formats(make_site) -> None:
    site = noisy_site(make_site)
    junit = run("check", site, "--format", "junit")
    assert junit.exit_code == 1
    suite = ET.fromstring(junit.output)
    assert suite.find("testcase[@name='catalog']/failure") is not None
    as_json = run("check", site, "--format", "json")
    report = json.loads(as_json.output)
    assert report["miniprogram"]["verdicts"][0]["rule"] == "package-size"
    assert {p["package"] for p in report["plan"]} == {"main", "catalog"}


WARNED_AND_LINTED = MINIMAL_SITE.replace(
    "      - type: text\n        body: 欢迎\n",
    "      - {type: image, image: images/noise.png}\n      - {type: text, body: 全网最低}\n",
)


def test_junit_has_the_attributes_jenkins_requires_and_keeps_warnings(make_site) -> None:
    site = make_site(WARNED_AND_LINTED)
    noise(900, 900).save(site / "images" / "noise.png")
    result = run("check", site, "--format", "junit")
    assert result.exit_code == 1  # the lint error
    suite = ET.fromstring(result.output)
    # Jenkins' junit.xsd: testsuite requires name, tests, failures and errors
    for attribute in ("name", "tests", "failures", "errors", "skipped", "time"):
        assert suite.get(attribute) is not None, attribute
    cases = suite.findall("testcase")
    assert int(suite.get("tests", "")) == len(cases)
    assert int(suite.get("failures", "")) == len(suite.findall("testcase/failure")) == 1
    assert suite.get("errors") == "0" and float(suite.get("time", "")) > 0
    for case in cases:
        assert case.get("name") and case.get("classname")
        assert [child.tag for child in case] in ([], ["failure"], ["system-out"], ["failure", "system-out"])
    image = suite.find("testcase[@name='images/noise.png']")
    assert image is not None and image.find("failure") is None
    assert "over the 200 KB warning size" in image.findtext("system-out", "")
    lint_failure = suite.find("testcase[@classname='mpgen.lint']/failure")
    assert lint_failure is not None and lint_failure.get("type") == "superlative"
    strict = ET.fromstring(run("check", site, "--format", "junit", "--strict").output)
    assert strict.find("testcase[@name='images/noise.png']/failure") is not None


def test_max_growth_without_baseline_is_a_usage_error(make_site) -> None:
    result = run("check", make_site(), "--max-growth", "10")
    assert result.exit_code == 2
    assert "--max-growth needs --baseline" in result.output


def test_baseline_of_another_site_is_refused_naming_both(make_site, tmp_path: Path) -> None:
    other = make_site(MINIMAL_SITE.replace("name: 小店", "name: 别家店"), name="other")
    assert run("check", other).exit_code == 0
    site = make_site()
    build(site)
    before = sorted(p.relative_to(site) for p in (site / "dist").rglob("*"))
    result = run("check", site, "--baseline", other / "dist" / "report.json")
    assert result.exit_code == 2
    assert "is the report of site '别家店', but this is site '小店'" in result.output
    assert str(other / "dist" / "report.json") in result.output
    assert sorted(p.relative_to(site) for p in (site / "dist").rglob("*")) == before
    not_a_report = tmp_path / "list.json"
    not_a_report.write_text("[1, 2]", encoding="utf-8")
    refused = run("check", site, "--baseline", not_a_report)
    assert refused.exit_code == 2 and "is not a report.json" in refused.output


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
    assert "budget ok: 1 warning(s)" in relaxed.output
    strict = run("check", site, "--strict")
    assert strict.exit_code == 1
    assert "budget ok" not in strict.output
    assert "budget failed under --strict: 1 warning(s), which count as failures with --strict" in strict.output
    github = run("check", site, "--strict", "--format", "github")
    assert github.exit_code == 1 and "budget failed under --strict" in github.output


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
    assert "catalog/data.js (1800 KB), which site.cdn alone does not move" in _what_to_do(package, data_heavy)
    photo_heavy = [FileSize("catalog/a.jpg", "catalog", 1000 * kb), FileSize("catalog/data.js", "catalog", 900 * kb)]
    assert "set site.cdn so photos" in _what_to_do(package, photo_heavy)


def test_preload_quota_shared_by_the_tab_pages_is_gated(make_site) -> None:
    # Each package stays under 2 MB, but both tab pages show products, so both preload the catalog:
    # together more than the 2 MB WeChat lets the pages of one package preload.
    two_tabs_link_the_catalog = (
        MINIMAL_SITE.replace(
            "      - type: text\n        body: 欢迎\n", "      - {type: products, category: c, layout: list}\n"
        ).replace(
            "    title: 关于\n", "    title: 关于\n    blocks:\n      - {type: products, category: c, limit: 1}\n"
        )
        + "catalog:\n  categories: [{id: c, name: 噪点}]\n  products:\n"
        + "".join(
            f"    - {{id: p{i}, name: 商品{i}, price: 9.9, category: c, images: [images/noise{i}.png]}}\n"
            for i in range(4)
        )
    )
    site = make_site(two_tabs_link_the_catalog)
    for i in range(4):
        noise(900, 900, seed=i).save(site / "images" / f"noise{i}.png")
    result = run("check", site)
    assert result.exit_code == 1, result.output
    assert "subpackage catalog is" not in result.output.split("errors:")[1]  # not a package-size error
    line = next(line for line in result.output.splitlines() if "preload" in line)
    assert line.lstrip().startswith("site.yaml:11:5 pages[1]: the pages of the main package preload ")
    assert "(pages/home/index: catalog " in line and "; pages/about/index: catalog " in line
    assert "more than the 2048 KB WeChat allows" in line and "the preloadRule of pages/about/index" in line
    assert "link to them from fewer tab pages" in line and "site.cdn" in line
    app = json.loads((site / "dist/miniprogram/app.json").read_text(encoding="utf-8"))
    assert set(app["preloadRule"]) == {"pages/home/index", "pages/about/index"}  # what DevTools would refuse
    (site / "site.yaml").write_text(
        two_tabs_link_the_catalog.replace("  name: 小店", "  name: 小店\n  cdn: https://cdn.example.com/s"),
        encoding="utf-8",
    )
    assert run("check", site).exit_code == 0  # the advice works


def test_spec_warnings_reach_every_ci_format_and_say_when_strict_fails_on_them(make_site, monkeypatch) -> None:
    site = make_site(
        MINIMAL_SITE.replace(
            "  name: 小店", "  name: 小店\n  base_url: https://m.example.com/\n  appid: wx0123456789abcdef"
        )
        + "official_account:\n  menu:\n    - {name: 首页, page: home}\n"
    )
    monkeypatch.setenv("GITHUB_WORKSPACE", str(site))
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    github = run("check", site, "--format", "github")
    assert github.exit_code == 0
    assert "::warning file=site.yaml,line=" in github.output and "title=mpgen spec::" in github.output
    suite = ET.fromstring(run("check", site, "--format", "junit").stdout)  # the spec's warnings go to stderr
    case = suite.find("testcase[@classname='mpgen.spec']")
    assert case is not None and case.find("failure") is None
    assert 'does not follow "3+1"' in case.findtext("system-out", "")
    strict = run("check", site, "--format", "junit", "--strict")
    assert strict.exit_code == 1
    assert ET.fromstring(strict.stdout).find("testcase[@classname='mpgen.spec']/failure") is not None
    text = run("check", site, "--strict")
    assert "spec: 1 warning(s), which count as failures with --strict" in text.output

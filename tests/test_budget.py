"""Unit tests of the budget stage (`generator.check.budget.measure_budget`) on hand-made output files and a
small planned site (no build): package sizes, verdicts and their thresholds, the preload quota, image
sizes, growth against a baseline, and strict mode."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from generator import limits
from generator.assets.images import ProcessedImage
from generator.check.budget import BaselineError, BudgetReport, Verdict, measure_budget
from generator.load.validate import LoadedSpec, load_spec
from generator.plan.site import ImageAsset, PackagePlan, Site
from generator.write.output import OutputFile

from .conftest import write_site

KB = 1024

SPEC = """\
site:
  name: 小店
tabs:
  - {page: home, text: 首页, icon: home}
  - {page: about, text: 关于, icon: user}
  - {page: news, text: 动态, icon: star}
pages:
  - id: home
    title: 首页
  - id: about
    title: 关于
  - id: news
    title: 动态
"""

MAIN = PackagePlan("main", "", ("pages/home/index", "pages/about/index", "pages/news/index"), "main")


def loaded(tmp_path: Path, budgets: str = "") -> LoadedSpec:
    spec = load_spec(write_site(tmp_path / "site", SPEC + budgets, images=False))
    assert spec.problems == ()
    return spec


def site_of(spec: LoadedSpec, packages: tuple[PackagePlan, ...] = (MAIN,), images: tuple = ()) -> Site:
    return Site(
        spec=spec.spec,
        theme=None,  # type: ignore[arg-type]  # the budget never looks at the theme
        site_dir=spec.site_dir,
        routes=(),
        home="pages/home/index",
        images=images,
        catalog_data=None,
        uses_webview=False,
        packages=packages,
    )


def sized(path: str, kb: float) -> OutputFile:
    return OutputFile(path, b"x" * int(kb * KB), "test")


def measure(spec: LoadedSpec, files: list[OutputFile], site: Site | None = None, **options: Any) -> BudgetReport:
    return measure_budget(site or site_of(spec), files, spec.spec.budgets, spec.source, **options)


def rules(report: BudgetReport) -> list[tuple[str, str, str]]:
    return [(v.severity, v.rule, v.subject) for v in report.verdicts]


def test_files_count_towards_the_package_whose_root_holds_them(tmp_path: Path) -> None:
    spec = loaded(tmp_path)
    catalog = PackagePlan("catalog", "catalog", ("product/index",), "catalog")
    files = [
        sized("miniprogram/app.js", 3),
        sized("miniprogram/pages/home/index.wxml", 1),
        sized("miniprogram/catalog/product/index.js", 2),
        sized("miniprogram/catalogue.js", 1),  # only a folder of that name is the subpackage
        sized("cdn/banner-1a2b.jpg", 5),
        sized("h5/index.html", 50),  # neither a package nor the CDN
    ]
    report = measure(spec, files, site_of(spec, (MAIN, catalog)))
    sizes = {p.name: (p.bytes, p.files) for p in report.packages}
    assert sizes == {"main": (5 * KB, 3), "catalog": (2 * KB, 1)}
    assert report.total_bytes == 7 * KB
    assert {(f.path, f.package) for f in report.files} == {
        ("app.js", "main"),
        ("pages/home/index.wxml", "main"),
        ("catalog/product/index.js", "catalog"),
        ("catalogue.js", "main"),
        ("cdn/banner-1a2b.jpg", "cdn"),
    }
    assert [f.bytes for f in report.files] == sorted((f.bytes for f in report.files), reverse=True)
    assert report.verdicts == () and report.passed(strict=True)


def test_a_package_over_the_limit_is_an_error_that_says_what_to_do(tmp_path: Path) -> None:
    spec = loaded(tmp_path, "budgets: {package_kb: 100}\n")
    photos = measure(spec, [sized("miniprogram/assets/img/a.jpg", 60), sized("miniprogram/assets/img/b.jpg", 50)])
    assert rules(photos) == [("error", "package-size", "main")]
    verdict = photos.errors[0]
    assert (verdict.bytes, verdict.limit_bytes) == (110 * KB, 100 * KB)
    assert "main package is 110 KB > 100 KB" in verdict.message and "set site.cdn" in verdict.message
    assert not photos.passed()
    data = measure(spec, [sized("miniprogram/catalog-data.js", 90), sized("miniprogram/assets/img/b.jpg", 20)])
    assert "most of it is catalog-data.js (90 KB), which site.cdn alone does not move" in data.errors[0].message


def test_exactly_the_limit_passes(tmp_path: Path) -> None:
    spec = loaded(tmp_path, "budgets: {package_kb: 100}\n")
    assert measure(spec, [sized("miniprogram/app.js", 100)]).verdicts == ()
    assert rules(measure(spec, [OutputFile("miniprogram/app.js", b"x" * (100 * KB + 1), "t")])) == [
        ("error", "package-size", "main")
    ]


def test_a_package_over_what_devtools_advises_is_a_warning_that_fails_only_strict(tmp_path: Path) -> None:
    spec = loaded(tmp_path)
    report = measure(spec, [sized("miniprogram/assets/img/a.jpg", limits.PACKAGE_WARN_KB + 1)])
    assert rules(report) == [("warning", "package-size", "main")]
    assert report.warnings[0].limit_bytes == limits.PACKAGE_WARN_KB * KB
    assert report.passed() and not report.passed(strict=True)


def test_packages_within_their_limit_can_still_break_the_total(tmp_path: Path) -> None:
    spec = loaded(tmp_path, "budgets: {package_kb: 100, total_kb: 150}\n")
    more = PackagePlan("more", "more", ("deep/index",), "deep")
    report = measure(
        spec,
        [sized("miniprogram/app.js", 90), sized("miniprogram/more/deep/index.js", 90)],
        site_of(spec, (MAIN, more)),
    )
    assert rules(report) == [("error", "total-size", "all packages")]
    assert (report.errors[0].bytes, report.errors[0].limit_bytes) == (180 * KB, 150 * KB)


def preloading(home: tuple[str, ...], catalog: tuple[str, ...], more: tuple[str, ...]) -> tuple[PackagePlan, ...]:
    main = PackagePlan("main", "", home, "main")
    return (
        main,
        PackagePlan("catalog", "catalog", ("product/index",), "catalog", catalog),
        PackagePlan("more", "more", ("deep/index",), "deep", more),
    )


PRELOAD_FILES = [
    sized("miniprogram/app.js", 10),
    sized("miniprogram/catalog/product/index.js", 1100),
    sized("miniprogram/more/deep/index.js", 1000),
]


def test_the_pages_of_one_package_share_the_preload_quota(tmp_path: Path) -> None:
    spec = loaded(tmp_path)
    packages = preloading(MAIN.pages, ("pages/home/index",), ("pages/news/index",))
    report = measure(spec, PRELOAD_FILES, site_of(spec, packages))
    assert rules(report) == [("error", "preload-size", "preloadRule of the main package")]
    verdict = report.errors[0]
    assert (verdict.bytes, verdict.limit_bytes) == (2100 * KB, limits.PRELOAD_KB * KB)
    # the rule that takes the quota over is the later page's, and the error points at that page
    assert "the preloadRule of pages/news/index takes it over" in verdict.message
    assert "pages/home/index: catalog 1,100 KB; pages/news/index: more 1,000 KB" in verdict.message
    assert verdict.spec_path == "pages[2]"
    assert verdict.position is not None and verdict.position.file == "site.yaml"
    assert verdict.position.line == SPEC.splitlines().index("  - id: news") + 1


def test_the_error_names_the_page_whose_rule_first_takes_the_quota_over(tmp_path: Path) -> None:
    spec = loaded(tmp_path)
    packages = preloading(MAIN.pages, ("pages/home/index", "pages/news/index"), ("pages/about/index",))
    verdict = only_error(measure(spec, PRELOAD_FILES, site_of(spec, packages)))
    assert verdict.bytes == 3200 * KB
    assert "the preloadRule of pages/about/index takes it over" in verdict.message
    assert verdict.spec_path == "pages[1]"


def only_error(report: BudgetReport) -> Verdict:
    assert len(report.verdicts) == 1 and report.verdicts[0].severity == "error", report.verdicts
    return report.verdicts[0]


def test_preloads_within_the_quota_pass(tmp_path: Path) -> None:
    spec = loaded(tmp_path)
    one_each = preloading(MAIN.pages, ("pages/home/index",), ())
    assert measure(spec, PRELOAD_FILES, site_of(spec, one_each)).verdicts == ()


def test_every_preloaded_package_counts_once_per_page(tmp_path: Path) -> None:
    spec = loaded(tmp_path)
    both_on_one = preloading(MAIN.pages, ("pages/home/index",), ("pages/home/index",))
    report = measure(spec, PRELOAD_FILES, site_of(spec, both_on_one))
    assert rules(report) == [("error", "preload-size", "preloadRule of the main package")]
    assert "pages/home/index: catalog 1,100 KB + more 1,000 KB" in report.errors[0].message


def image(kb: float, fits: bool = True, note: str = "") -> ProcessedImage:
    return ProcessedImage(b"i" * int(kb * KB), "jpeg", 100, 100, 80, int(kb * KB), fits, note)


def asset(spec_path: str, package: str, processed: ProcessedImage, ref: tuple) -> ImageAsset:
    folder = "assets/tabbar" if package == "tab-icons" else "assets/img"
    return ImageAsset(spec_path, package, f"/{folder}/x.jpg", f"miniprogram/{folder}/x.jpg", processed, ref)


def test_image_verdicts_follow_the_site_budgets(tmp_path: Path) -> None:
    spec = loaded(tmp_path, "budgets: {image_kb: 100, image_warn_kb: 50, tab_icon_kb: 10}\n")
    images = (
        asset("images/huge.jpg", "main", image(120, fits=False, note="at quality 40"), ("pages", 0)),
        asset("images/big.jpg", "main", image(60), ("pages", 1)),
        asset("images/fine.jpg", "main", image(50), ("pages", 1)),
        asset("images/icon.png", "tab-icons", image(12, fits=False, note="too detailed"), ("tabs", 0, "icon")),
        asset("images/icon2.png", "tab-icons", image(9), ("tabs", 1, "icon")),  # a tab icon never warns
    )
    report = measure(spec, [], site_of(spec, images=images))
    assert rules(report) == [
        ("error", "image-size", "images/huge.jpg"),
        ("warning", "image-size", "images/big.jpg"),
        ("error", "tab-icon-size", "images/icon.png"),
    ]
    huge, big, icon = report.verdicts
    assert huge.message.startswith("images/huge.jpg: 120 KB > 100 KB (at quality 40)")
    assert huge.spec_path == "pages[0]" and huge.position is not None and huge.position.line == 8
    assert "over the 50 KB warning size" in big.message
    assert icon.limit_bytes == 10 * KB and "simpler 81x81 icon" in icon.message
    assert icon.spec_path == "tabs[0].icon"
    assert [i["spec"] for i in report.images] == [a.spec_path for a in images]


def baseline(site: str = "小店", **sizes: Any) -> dict[str, Any]:
    return {"site": site, "miniprogram": sizes}


def test_growth_against_a_baseline(tmp_path: Path) -> None:
    spec = loaded(tmp_path)
    old = baseline(
        packages=[{"name": "main", "bytes": 3 * KB}],
        files=[{"path": "app.js", "bytes": 1 * KB}, {"path": "same.js", "bytes": KB}, {"path": "gone.js", "bytes": KB}],
    )
    files = [sized("miniprogram/app.js", 4), sized("miniprogram/same.js", 1), sized("miniprogram/new.js", 2)]
    report = measure(spec, files, baseline=old)
    assert report.has_baseline
    assert [(g.name, g.before, g.after, g.delta) for g in report.package_growth] == [("main", 3 * KB, 7 * KB, 4 * KB)]
    # changed files only, the biggest change first
    assert [(g.name, g.delta) for g in report.file_growth] == [("app.js", 3 * KB), ("new.js", 2 * KB), ("gone.js", -KB)]
    assert report.verdicts == ()
    assert measure(spec, files).has_baseline is False


def test_growth_over_the_allowed_amount_is_an_error(tmp_path: Path) -> None:
    spec = loaded(tmp_path)
    old = baseline(packages=[{"name": "main", "bytes": 10 * KB}], files=[])
    assert measure(spec, [sized("miniprogram/app.js", 15)], baseline=old, max_growth_kb=5).verdicts == ()
    report = measure(spec, [sized("miniprogram/app.js", 16)], baseline=old, max_growth_kb=5)
    assert rules(report) == [("error", "package-growth", "main")]
    assert "grew by 6.0 KB, more than the allowed 5 KB" in report.errors[0].message


def test_a_package_new_since_the_baseline_grows_by_its_size(tmp_path: Path) -> None:
    spec = loaded(tmp_path)
    more = PackagePlan("more", "more", ("deep/index",), "deep")
    old = baseline(packages=[{"name": "main", "bytes": KB}], files=[])
    files = [sized("miniprogram/app.js", 1), sized("miniprogram/more/deep/index.js", 8)]
    report = measure(spec, files, site_of(spec, (MAIN, more)), baseline=old, max_growth_kb=5)
    assert [(g.name, g.before, g.delta) for g in report.package_growth] == [("main", KB, 0), ("more", None, 8 * KB)]
    assert rules(report) == [("error", "package-growth", "more")]


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ([1, 2], "not a report.json"),
        ({"miniprogram": "x"}, "not a report.json"),
        (baseline(site="别的店"), "the report of site '别的店', but this is site '小店'"),
    ],
)
def test_a_baseline_that_cannot_be_compared_is_refused(tmp_path: Path, given: Any, message: str) -> None:
    spec = loaded(tmp_path)
    with pytest.raises(BaselineError, match=message):
        measure(spec, [], baseline=given)


def test_the_json_report(tmp_path: Path) -> None:
    spec = loaded(tmp_path, "budgets: {package_kb: 100}\n")
    report = measure(spec, [sized("miniprogram/app.js", 101)], baseline=baseline(packages=[], files=[]))
    data = report.as_json()
    assert data["packages"] == [
        {"name": "main", "root": "", "bytes": 101 * KB, "files": 1, "limit_bytes": 100 * KB, "percent": 101.0}
    ]
    assert (data["total_bytes"], data["total_limit_bytes"]) == (101 * KB, limits.TOTAL_KB * KB)
    assert data["verdicts"][0]["rule"] == "package-size" and data["verdicts"][0]["position"] is None
    assert data["growth"]["baseline"] is True
    assert data["growth"]["files"] == [{"name": "app.js", "before": None, "after": 101 * KB, "delta": 101 * KB}]

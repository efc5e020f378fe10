"""Budget stage: size of every file, package and image against the site's budgets and WeChat's limits."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from .. import limits
from ..errors import GenError, Position, format_path
from ..load.source import SourceMap, SpecPath
from ..plan.routes import route_path
from ..plan.site import MAIN_PACKAGE, TAB_ICONS, Site
from ..spec.site import Budgets, iter_pages
from ..write.output import OutputFile

MINIPROGRAM = "miniprogram/"
CDN = "cdn/"
KB = 1024

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class FileSize:
    path: str  # relative to the package folder (miniprogram/), or to dist/ for CDN files
    package: str  # package name, or "cdn"
    bytes: int


@dataclass(frozen=True)
class PackageSize:
    name: str
    root: str
    bytes: int
    files: int
    limit_bytes: int

    @property
    def percent(self) -> float:
        return 100 * self.bytes / self.limit_bytes


@dataclass(frozen=True)
class Verdict:
    """A broken rule (error) or advice (warning): where, how big, the limit, and what to do."""

    severity: Severity
    rule: str
    subject: str  # a file path or a package name
    bytes: int
    limit_bytes: int
    message: str
    position: Position | None = None
    spec_path: str = ""


@dataclass(frozen=True)
class Growth:
    name: str
    before: int | None
    after: int

    @property
    def delta(self) -> int:
        return self.after - (self.before or 0)


@dataclass(frozen=True)
class BudgetReport:
    packages: tuple[PackageSize, ...]
    files: tuple[FileSize, ...]
    total_bytes: int
    total_limit_bytes: int
    verdicts: tuple[Verdict, ...]
    package_growth: tuple[Growth, ...] = ()
    file_growth: tuple[Growth, ...] = ()
    has_baseline: bool = False
    images: tuple[dict[str, Any], ...] = field(default=())

    @property
    def errors(self) -> list[Verdict]:
        return [v for v in self.verdicts if v.severity == "error"]

    @property
    def warnings(self) -> list[Verdict]:
        return [v for v in self.verdicts if v.severity == "warning"]

    def passed(self, strict: bool = False) -> bool:
        return not self.errors and not (strict and self.warnings)

    def as_json(self) -> dict[str, Any]:
        return {
            "packages": [{**asdict(p), "percent": round(p.percent, 1)} for p in self.packages],
            "total_bytes": self.total_bytes,
            "total_limit_bytes": self.total_limit_bytes,
            "files": [asdict(f) for f in self.files],
            "images": list(self.images),
            "verdicts": [
                {**{k: v for k, v in asdict(verdict).items() if k != "position"}, "position": _position_json(verdict)}
                for verdict in self.verdicts
            ],
            "growth": {
                "baseline": self.has_baseline,
                "packages": [{**asdict(g), "delta": g.delta} for g in self.package_growth],
                "files": [{**asdict(g), "delta": g.delta} for g in self.file_growth],
            },
        }


def _position_json(verdict: Verdict) -> dict[str, Any] | None:
    if verdict.position is None:
        return None
    return {"file": verdict.position.file, "line": verdict.position.line, "column": verdict.position.col}


def measure_budget(
    site: Site,
    files: list[OutputFile],
    budgets: Budgets,
    source: SourceMap | None = None,
    baseline: dict[str, Any] | None = None,
    max_growth_kb: int | None = None,
) -> BudgetReport:
    """Sizes and verdicts for the files about to be written."""
    roots = [p.root for p in site.packages if p.root]
    sizes: dict[str, list[int]] = {p.name: [0, 0] for p in site.packages}
    file_sizes: list[FileSize] = []
    for file in files:
        if file.path.startswith(MINIPROGRAM):
            relative = file.path[len(MINIPROGRAM) :]
            root = next((r for r in roots if relative.startswith(r + "/")), "")
            name = next(p.name for p in site.packages if p.root == root)
            sizes[name][0] += len(file.data)
            sizes[name][1] += 1
            file_sizes.append(FileSize(relative, name, len(file.data)))
        elif file.path.startswith(CDN):
            file_sizes.append(FileSize(file.path, "cdn", len(file.data)))
    package_limit = budgets.package_kb * KB
    packages = tuple(
        PackageSize(p.name, p.root, sizes[p.name][0], sizes[p.name][1], package_limit) for p in site.packages
    )
    total = sum(p.bytes for p in packages)
    verdicts = (
        _package_verdicts(packages, file_sizes, total, budgets)
        + _preload_verdicts(site, packages, source)
        + _image_verdicts(site, budgets, source)
    )
    package_growth: tuple[Growth, ...] = ()
    file_growth: tuple[Growth, ...] = ()
    if baseline is not None:
        check_baseline(baseline, site.spec.site.name)
        package_growth, file_growth = _growth(baseline, packages, file_sizes)
        if max_growth_kb is not None:
            for growth in package_growth:
                if growth.delta > max_growth_kb * KB:
                    verdicts.append(
                        Verdict(
                            "error",
                            "package-growth",
                            growth.name,
                            growth.delta,
                            max_growth_kb * KB,
                            f"package {growth.name} grew by {growth.delta / KB:.1f} KB, more than the allowed "
                            f"{max_growth_kb} KB; see the largest new files below, or raise --max-growth",
                        )
                    )
    images = tuple(
        {
            "spec": asset.spec_path,
            "output": asset.output_path,
            "package": asset.package,
            "bytes": len(asset.image.data),
            "source_bytes": asset.image.source_bytes,
            "format": asset.image.format,
            "width": asset.image.width,
            "height": asset.image.height,
            "quality": asset.image.quality,
        }
        for asset in site.images
    )
    return BudgetReport(
        packages=packages,
        files=tuple(sorted(file_sizes, key=lambda f: (-f.bytes, f.path))),
        total_bytes=total,
        total_limit_bytes=budgets.total_kb * KB,
        verdicts=tuple(verdicts),
        package_growth=package_growth,
        file_growth=file_growth,
        has_baseline=baseline is not None,
        images=images,
    )


IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".svg", ".webp")


def _what_to_do(package: PackageSize, files: list[FileSize]) -> str:
    """Advice for an oversized package: images move to a CDN; a big data file does not."""
    mine = sorted((f for f in files if f.package == package.name), key=lambda f: -f.bytes)
    if mine and not mine[0].path.endswith(IMAGE_SUFFIXES) and mine[0].bytes * 2 > package.bytes:
        return (
            f"most of it is {mine[0].path} ({mine[0].bytes / KB:.0f} KB), which site.cdn alone does not move: "
            "with site.cdn or commerce.api set, catalog.delivery: remote (or auto) fetches the catalog page by "
            "page instead; or fewer products, shorter descriptions or fewer options make it smaller"
        )
    return "set site.cdn so photos load from your CDN, or show fewer or smaller images in it (largest files below)"


def _package_verdicts(
    packages: tuple[PackageSize, ...], files: list[FileSize], total: int, budgets: Budgets
) -> list[Verdict]:
    verdicts = []
    for package in packages:
        label = "main package" if package.name == MAIN_PACKAGE else f"subpackage {package.name}"
        if package.bytes > package.limit_bytes:
            verdicts.append(
                Verdict(
                    "error",
                    "package-size",
                    package.name,
                    package.bytes,
                    package.limit_bytes,
                    f"{label} is {package.bytes / KB:.0f} KB > {package.limit_bytes // KB} KB; "
                    + _what_to_do(package, files),
                )
            )
        elif package.bytes > limits.PACKAGE_WARN_KB * KB:
            verdicts.append(
                Verdict(
                    "warning",
                    "package-size",
                    package.name,
                    package.bytes,
                    limits.PACKAGE_WARN_KB * KB,
                    f"{label} is {package.bytes / KB:.0f} KB, over the {limits.PACKAGE_WARN_KB} KB DevTools advises; "
                    + _what_to_do(package, files),
                )
            )
    if total > budgets.total_kb * KB:
        verdicts.append(
            Verdict(
                "error",
                "total-size",
                "all packages",
                total,
                budgets.total_kb * KB,
                f"all packages together are {total / KB:.0f} KB > {budgets.total_kb} KB; set site.cdn",
            )
        )
    return verdicts


def _preload_verdicts(site: Site, packages: tuple[PackageSize, ...], source: SourceMap | None) -> list[Verdict]:
    """WeChat's preload quota: the pages of one package share 2 MB of subpackages their preloadRule
    downloads (https://developers.weixin.qq.com/miniprogram/dev/framework/subpackages/preload.html,
    "限制"); DevTools refuses the package when they preload more.
    """
    sizes = {p.name: p.bytes for p in packages}
    preloads: dict[str, list[str]] = {}  # page -> the packages its preloadRule downloads
    for plan in site.packages:
        for page in plan.preloaded_by:
            preloads.setdefault(page, []).append(plan.name)
    spec_paths = _page_spec_paths(site)
    order = {route: i for i, route in enumerate(spec_paths)}
    roots = {p.root: p.name for p in site.packages if p.root}
    sharing: dict[str, list[str]] = {}  # package -> its pages that preload something, in spec order
    for page in sorted(preloads, key=lambda route: (order.get(route, len(order)), route)):
        home = next((name for root, name in roots.items() if page.startswith(root + "/")), MAIN_PACKAGE)
        sharing.setdefault(home, []).append(page)
    limit = limits.PRELOAD_KB * KB
    verdicts = []
    for home, pages in sharing.items():
        total, culprit = 0, ""
        for page in pages:
            total += sum(sizes[name] for name in preloads[page])
            if total > limit and not culprit:
                culprit = page  # its rule is the one that takes the quota over
        if not culprit:
            continue
        label = "the main package" if home == MAIN_PACKAGE else f"subpackage {home}"
        each = "; ".join(
            f"{page}: " + " + ".join(f"{name} {sizes[name] / KB:,.0f} KB" for name in preloads[page]) for page in pages
        )
        spec_path = spec_paths.get(culprit, ())
        verdicts.append(
            Verdict(
                "error",
                "preload-size",
                f"preloadRule of {label}",
                total,
                limit,
                f"the pages of {label} preload {total / KB:,.0f} KB of subpackages together ({each}), more than "
                f"the {limits.PRELOAD_KB} KB WeChat allows the pages of one package (the preloadRule of {culprit} "
                "takes it over) and DevTools refuses it; every tab page that links to the catalog or to deeper "
                "pages preloads that subpackage: link to them from fewer tab pages, or make the subpackages "
                "smaller (site.cdn moves their photos to your CDN)",
                source.value(spec_path) if source and spec_path else None,
                format_path(spec_path),
            )
        )
    return verdicts


def _page_spec_paths(site: Site) -> dict[str, SpecPath]:
    """Mini-program page path -> where the page is in the spec, in spec order."""
    return {route_path(page.id, level): path for page, path, level in iter_pages(site.spec.pages)}


def _image_verdicts(site: Site, budgets: Budgets, source: SourceMap | None) -> list[Verdict]:
    verdicts = []
    for asset in site.images:
        size = len(asset.image.data)
        is_icon = asset.package == TAB_ICONS
        limit = (budgets.tab_icon_kb if is_icon else budgets.image_kb) * KB
        position = source.value(asset.ref) if source else None
        spec_path = format_path(asset.ref)
        if not asset.image.fits:
            what = "use a simpler 81x81 icon" if is_icon else "use a smaller source, crop it, or set site.cdn"
            verdicts.append(
                Verdict(
                    "error",
                    "tab-icon-size" if is_icon else "image-size",
                    asset.spec_path,
                    size,
                    limit,
                    f"{asset.spec_path}: {size / KB:.0f} KB > {limit // KB} KB ({asset.image.note}); {what}",
                    position,
                    spec_path,
                )
            )
        elif not is_icon and size > budgets.image_warn_kb * KB:
            verdicts.append(
                Verdict(
                    "warning",
                    "image-size",
                    asset.spec_path,
                    size,
                    budgets.image_warn_kb * KB,
                    f"{asset.spec_path}: {size / KB:.0f} KB at quality {asset.image.quality}, over the "
                    f"{budgets.image_warn_kb} KB warning size (DevTools warns over {limits.IMAGE_WARN_KB} KB); "
                    "a less detailed or smaller source helps",
                    position,
                    spec_path,
                )
            )
    return verdicts


class BaselineError(GenError):
    """The baseline given to `gen check` cannot be compared with this build (the CLI names its file)."""


def check_baseline(baseline: object, site_name: str) -> None:
    """Refuse a baseline that is not a report.json, or is the report of another site."""
    if not isinstance(baseline, dict) or not isinstance(baseline.get("miniprogram", baseline), dict):
        raise BaselineError("not a report.json; pass the report.json of an earlier build")
    other = baseline.get("site")
    if isinstance(other, str) and other != site_name:
        raise BaselineError(
            f"the report of site {other!r}, but this is site {site_name!r}; "
            f"pass the report.json of an earlier build of {site_name!r}"
        )


def _growth(
    baseline: dict[str, Any], packages: tuple[PackageSize, ...], files: list[FileSize]
) -> tuple[tuple[Growth, ...], tuple[Growth, ...]]:
    budget = baseline.get("miniprogram", baseline)
    old_packages = {p["name"]: p["bytes"] for p in budget.get("packages", [])}
    old_files = {f["path"]: f["bytes"] for f in budget.get("files", [])}
    package_growth = tuple(Growth(p.name, old_packages.get(p.name), p.bytes) for p in packages)
    new_files = {f.path: f.bytes for f in files}
    changed = [
        Growth(path, old_files.get(path), new_files.get(path, 0))
        for path in sorted(set(old_files) | set(new_files))
        if old_files.get(path) != new_files.get(path)
    ]
    changed.sort(key=lambda g: (-abs(g.delta), g.name))
    return package_growth, tuple(changed)

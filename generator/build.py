"""`build()`: load -> validate -> theme -> plan -> assets -> render -> budget -> write, for the CLI and tests."""

from __future__ import annotations

import contextlib
import functools
import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .assets.images import AssetStats, ImageCache, ImageJob, ImageSettings, process_images
from .build_state import (
    DEFAULT_CACHE,
    DEFAULT_OUT,
    BuildSummary,
    PackageLine,
    build_key,
    code_digest,
    record,
    snapshot_inputs,
    snapshot_site,
    written_stamps,
)
from .check.budget import BudgetReport, measure_budget
from .check.lint import Finding, lint
from .dev_api import dev_api_url, with_dev_api
from .errors import GenError, Problem, SpecError, format_path
from .load.validate import LoadedSpec, load_spec
from .plan.planner import plan_site
from .plan.publish import h5_variants, publish, publish_h5_pictures, publish_images
from .plan.site import Site
from .rebuild_memo import RebuildMemo
from .targets import analytics, commerce_contract, h5, miniprogram, official_account, remote_catalog
from .targets.target import Sink, Target
from .theme.theme import SITE_THEMES, Theme, load_theme
from .write.output import OutputFile, text_file
from .write.previous import PreviousOutput
from .write.writer import StagedOutput, WriteReport, sync_output

REPORT_FILE = "report.json"


TARGETS: tuple[Target, ...] = (
    h5.TARGET,  # first: its page helper process is forked before the writer starts a thread
    miniprogram.TARGET,
    official_account.TARGET,
    commerce_contract.TARGET,
    analytics.TARGET,
    remote_catalog.TARGET,
)
"""Every output of a build, rendered in this order from one planned site."""


@dataclass(frozen=True)
class BuildOptions:
    out_dir: Path | None = None  # default SITE/dist
    cache_dir: Path | None = None  # default SITE/.mpgen-cache; the cache is off when `use_cache` is False
    use_cache: bool = True
    write: bool = True
    sync: bool = False  # write only what changed, in place (gen dev), instead of swapping the folder
    baseline: dict[str, Any] | None = None
    max_growth_kb: int | None = None
    progress: Callable[[int], None] | None = None
    progress_start: Callable[[int], None] | None = None  # told how many images will be processed
    dev_api: str | None = None  # a development backend instead of commerce.api (`dev_api.py`)
    jobs: int | None = None  # processes the build may use: None, one per core; 1, this process only
    plan_memo: PlanMemo | None = None  # gen dev: the last plan, taken again after a theme-only edit
    keep_files: bool = True
    """False: the result holds only the files the writer was not handed while rendering (`gen build` and
    `gen check` need the report, not the pages: a 100,000-product site's pages would fill the memory)."""


@dataclass(frozen=True)
class BuildResult:
    site: Site
    files: list[OutputFile]
    budget: BudgetReport
    written: WriteReport | None
    images: AssetStats
    warnings: tuple[Problem, ...] = ()
    loaded: LoadedSpec | None = None

    @functools.cached_property
    def lint(self) -> tuple[Finding, ...]:
        """`gen lint`'s findings on the built spec, worked out when asked (`gen check` asks; a build or
        `gen dev` does not wait for them)."""
        return tuple(lint(self.loaded.spec, self.loaded.source)) if self.loaded is not None else ()

    def summary(self) -> BuildSummary:
        """What `gen build` reports of this build (and prints again while nothing changes)."""
        from .check.budget_format import format_text

        written = self.written
        cdn = [a for a in self.site.images if a.on_cdn]
        spec = self.site.spec
        return BuildSummary(
            site_name=spec.site.name,
            out_dir=str(written.out_dir) if written else "",
            files=written.files if written else len(self.files),
            changed=written.changed if written else 0,
            packages=tuple(PackageLine(p.name, p.bytes, p.limit_bytes, p.files) for p in self.budget.packages),
            images_processed=self.images.processed,
            images_cached=self.images.cache_hits,
            cdn_images=len(cdn),
            cdn_bytes=sum(len(a.image.data) for a in cdn),
            cdn=spec.site.cdn,
            dev_api=spec.commerce.api if self.site.dev_api and spec.commerce else None,
            catalog=self.site.catalog_delivery.reason if spec.catalog else "",
            catalog_served_by=self.site.catalog_delivery.served_by,
            warnings=tuple(str(w) for w in self.warnings),
            budget_warnings=tuple(v.message for v in self.budget.warnings),
            budget_table=format_text(self.budget) if self.budget.errors else "",
        )


def _discard(files: list[OutputFile]) -> None:
    """The sink when nothing is written as it renders (no output, or the dev server's sync writer)."""


def load(site_dir: Path) -> tuple[LoadedSpec, Theme]:
    """Load, validate and resolve the theme; raises SpecError listing every problem."""
    return with_theme(load_spec(_resolved(site_dir)))


def _resolved(site_dir: Path) -> Path:
    try:
        return site_dir.resolve()
    except (RuntimeError, OSError):  # a symbolic link loop (Python 3.13 raises OSError ELOOP instead)
        raise GenError(f"{site_dir} is a symbolic link that points back at itself; give the site folder") from None


def with_theme(loaded: LoadedSpec) -> tuple[LoadedSpec, Theme]:
    """The spec's theme resolved, its warnings added to the spec's; SpecError lists every problem."""
    problems = list(loaded.problems)
    try:
        resolved = load_theme(
            loaded.spec.site.theme, loaded.theme_overrides, loaded.site_dir, loaded.source.value(("site", "theme"))
        )
    except SpecError as exc:
        problems.extend(exc.problems)
    if problems:
        raise SpecError(problems)
    return replace(loaded, warnings=loaded.warnings + resolved.warnings), resolved.theme


@dataclass
class PlanMemo:
    """`gen dev`'s memory of its last plan. When a save changed only the site's theme files, the next
    build takes the planned site (spec, pages, catalog, processed images) as it was and gives it the new
    theme: nothing the planner makes depends on the theme, which the renderers read from `Site.theme`."""

    key: tuple[Any, ...] | None = None
    spec: LoadedSpec | None = None  # as loaded, without the theme's warnings
    site: Site | None = None
    images: int = 0
    hit: bool = False  # the last plan() took the remembered plan
    shared: str = ""  # the H5 pages' shared digest when the remembered plan was built (write/previous.py)
    page_keys: dict[str, str] = field(default_factory=dict)  # and their keys then
    rebuild: RebuildMemo = field(default_factory=RebuildMemo)
    """Values of the last build by the objects they were made from: after any other save, what was made
    from unchanged CSV rows is taken again (`rebuild_memo.py`)."""

    @staticmethod
    def key_of(site_dir: Path, options: BuildOptions) -> tuple[Any, ...]:
        out = (options.out_dir or site_dir / DEFAULT_OUT).resolve()
        cache = (options.cache_dir or site_dir / DEFAULT_CACHE).resolve()
        skipped = {out, cache, site_dir.resolve() / SITE_THEMES}
        stamps = snapshot_site(site_dir.resolve(), skipped)
        return (tuple(sorted(stamps.items())), code_digest(), options.dev_api, options.use_cache, str(cache))

    def plan(self, site_dir: Path, options: BuildOptions) -> tuple[Site, LoadedSpec, AssetStats] | None:
        """The last plan with today's theme, when only theme files changed since; else None."""
        if self.key is None or self.spec is None or self.site is None:
            return None
        if self.key_of(site_dir, options) != self.key:
            return None
        loaded, theme = with_theme(self.spec)
        return replace(self.site, theme=theme), loaded, AssetStats(cache_hits=self.images)


def plan(site_dir: Path, options: BuildOptions | None = None) -> tuple[Site, LoadedSpec, AssetStats]:
    """Everything up to rendering: the planned site with its images processed."""
    options = options or BuildOptions()
    memo = options.plan_memo
    if memo is not None:
        remembered = memo.plan(site_dir, options)
        memo.hit = remembered is not None
        if remembered is not None:
            return remembered
        key = memo.key_of(site_dir, options)  # noted before reading, as the build's own stamps are
    spec_only = load_spec(_resolved(site_dir), memo.rebuild.shelf("csv-row") if memo is not None else None)
    if options.dev_api is not None:
        spec_only = replace(spec_only, spec=with_dev_api(spec_only.spec, dev_api_url(options.dev_api)))
    loaded, theme = with_theme(spec_only)
    spec, site_dir = loaded.spec, loaded.site_dir
    planned = plan_site(spec, theme, site_dir, memo.rebuild if memo is not None else None)
    if options.dev_api is not None:
        planned = replace(planned, site=replace(planned.site, dev_api=True))
    cache_root = (options.cache_dir or site_dir / DEFAULT_CACHE) if options.use_cache else None
    planned = replace(planned, site=replace(planned.site, cache_dir=cache_root))
    needs = list(planned.needs)
    jobs = {need: ImageJob((site_dir / need.spec_path).resolve(), need.width, need.kind) for need in needs}
    h5_jobs = {need: tuple(replace(job, source=jobs[need].source) for job in h5_variants(need)) for need in needs}
    budgets = spec.budgets
    settings = ImageSettings(budgets.image_kb, budgets.image_warn_kb, budgets.tab_icon_kb)
    cache = ImageCache(cache_root / "images" if cache_root is not None else None)
    all_jobs = [*jobs.values(), *(job for variants in h5_jobs.values() for job in variants)]
    if options.progress_start:
        options.progress_start(len(set(all_jobs)))
    outcomes, stats = process_images(all_jobs, settings, cache, options.progress, options.jobs)
    problems = [
        Problem(loaded.source.value(need.ref), format_path(need.ref), f"{need.spec_path!r} {outcomes[job].error}")
        for need, job in jobs.items()
        if outcomes[job].error
    ]
    if problems:
        raise SpecError(problems)
    processed = {need: outcomes[job].image for need, job in jobs.items()}
    published = publish_images(needs, processed, spec.site.cdn, planned.site.catalog_delivery)  # type: ignore[arg-type]
    variants = {need: tuple(outcomes[job].image for job in h5_jobs[need]) for need in needs if h5_jobs[need]}
    pictures = publish_h5_pictures(needs, published, variants)  # type: ignore[arg-type]
    site = publish(planned, published, pictures)
    if memo is not None:
        site = replace(site, memo=memo.rebuild)
        memo.key, memo.spec, memo.site, memo.images = key, spec_only, site, len(set(all_jobs))
        memo.shared, memo.page_keys = "", {}  # until a build of this plan succeeds
    return site, loaded, stats


def build(site_dir: Path, out_dir: Path | None = None, write: bool = True, **options: Any) -> BuildResult:
    """Build the site in `site_dir` into `out_dir` (default `SITE/dist`)."""
    opts = BuildOptions(out_dir=out_dir, write=write, **options)
    # What the build reads is noted before it reads it: an edit made meanwhile makes the next build a real one.
    key = build_key(site_dir, opts.out_dir, opts.cache_dir, opts.use_cache, opts.dev_api)
    keeps_state = key is not None and opts.write and opts.baseline is None and opts.max_growth_kb is None
    inputs = snapshot_inputs(key) if key is not None and keeps_state else None
    memo = opts.plan_memo
    if memo is not None:
        memo.rebuild.begin()
    site, loaded, stats = plan(site_dir, opts)
    previous = PreviousOutput.of_build(key) if inputs is not None else PreviousOutput.empty()
    if memo is not None and memo.hit:
        previous.values_from, previous.known = memo.shared, memo.page_keys
    site = replace(site, previous=previous, jobs=opts.jobs)
    out_dir = opts.out_dir or site.site_dir / DEFAULT_OUT
    # The swap writer takes each target as it is rendered and writes it while the next one renders.
    staged = StagedOutput(out_dir) if opts.write and not opts.sync else None
    with staged or contextlib.nullcontext():
        files: list[OutputFile] = []
        sink: Sink = staged.add if staged is not None else _discard
        keep = opts.keep_files or staged is None  # the sync writer takes every file at the end
        for target in TARGETS:
            files += target.render(site, sink, keep)
        cdn_images = [OutputFile(a.output_path, a.image.data, a.spec_path) for a in site.images if a.on_cdn]
        budget = measure_budget(
            site, files + cdn_images, loaded.spec.budgets, loaded.source, opts.baseline, opts.max_growth_kb
        )
        last = [*cdn_images, text_file(REPORT_FILE, report_json(site, budget), "generator.check.budget")]
        sink(last)
        files += last
        if staged is not None:
            written: WriteReport | None = staged.commit()
        else:
            written = sync_output(files, out_dir) if opts.write else None
    result = BuildResult(site, files, budget, written, stats, loaded.warnings, loaded)
    if key is not None and inputs is not None:
        stamps = (
            written_stamps(written.out_dir, written.paths, written.linked, previous.stamps)
            if written is not None
            else None
        )
        # gen dev writes the state once the pages have reloaded (`build_state.write_recorded`)
        record(key, inputs, result.summary(), previous.new_keys, stamps, later=memo is not None)
    if memo is not None:  # this plan's pages, as built (a failed build leaves them unknown)
        memo.shared, memo.page_keys = previous.shared, dict(previous.new_keys)
        memo.rebuild.commit()
    return result


def report_json(site: Site, budget: BudgetReport) -> str:
    report = {
        "site": site.spec.site.name,
        "plan": [
            {
                "package": p.name,
                "root": p.root,
                "pages": list(p.pages),
                "why": p.reason,
                "preloaded_by": list(p.preloaded_by),
            }
            for p in site.packages
        ],
        "cdn": site.spec.site.cdn,
        **({"catalog": site.catalog_delivery.as_json()} if site.spec.catalog else {}),
        **({"dev_api": site.spec.commerce.api} if site.dev_api and site.spec.commerce else {}),
        "miniprogram": budget.as_json(),
    }
    return json.dumps(report, ensure_ascii=False, indent=2) + "\n"

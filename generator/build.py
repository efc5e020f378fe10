"""`build()`: the pipeline load -> validate -> theme -> plan -> render -> budget -> write, used by CLI and tests."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .budget import BudgetReport, measure
from .errors import SpecError
from .output import OutputFile, text_file
from .plan import Site, plan_site
from .render.miniprogram import render_miniprogram
from .theme import resolve_theme
from .validate import load_spec
from .write import WriteReport, write_output

DEFAULT_OUT = "dist"


@dataclass(frozen=True)
class BuildResult:
    site: Site
    files: list[OutputFile]
    budget: BudgetReport
    written: WriteReport | None


def plan(site_dir: Path) -> Site:
    """Load, validate and plan a site; raises SpecError listing every problem."""
    site_dir = site_dir.resolve()
    loaded = load_spec(site_dir)
    problems = list(loaded.problems)
    try:
        theme, _ = resolve_theme(
            loaded.spec.site.theme, loaded.theme_overrides, site_dir, loaded.source.value(("site", "theme"))
        )
    except SpecError as exc:
        problems.extend(exc.problems)
    if problems:
        raise SpecError(problems)
    return plan_site(loaded.spec, theme, site_dir)


def render(site: Site) -> tuple[list[OutputFile], BudgetReport]:
    files = render_miniprogram(site)
    budget = measure(files)
    report = {"site": site.spec.site.name, "miniprogram": budget.as_json()}
    files.append(text_file("report.json", json.dumps(report, ensure_ascii=False, indent=2) + "\n", "generator.budget"))
    return files, budget


def build(site_dir: Path, out_dir: Path | None = None, write: bool = True) -> BuildResult:
    """Build the site in `site_dir` into `out_dir` (default `SITE/dist`)."""
    site = plan(site_dir)
    files, budget = render(site)
    written = None
    if write:
        written = write_output(files, out_dir or site.site_dir / DEFAULT_OUT)
    return BuildResult(site, files, budget, written)

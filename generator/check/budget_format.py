"""The budget report for people and machines: a text table, JSON, JUnit XML, GitHub annotations."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from ..errors import Problem
from .budget import KB, BudgetReport, Verdict
from .github import annotation, markdown_text

if TYPE_CHECKING:
    from .lint import Finding

Format = Literal["text", "json", "junit", "github"]
LARGEST_FILES = 8


def _kb(size: int) -> str:
    return f"{size / KB:,.1f} KB"


def format_text(report: BudgetReport, cdn_files: int = 0, strict: bool = False) -> str:
    lines = ["package        size          budget      used", "-" * 52]
    for package in report.packages:
        lines.append(
            f"{package.name:<12} {_kb(package.bytes):>12} {_kb(package.limit_bytes):>12} {package.percent:>7.1f}%"
        )
    lines.append(
        f"{'total':<12} {_kb(report.total_bytes):>12} {_kb(report.total_limit_bytes):>12} "
        f"{100 * report.total_bytes / report.total_limit_bytes:>7.1f}%"
    )
    if report.has_baseline:
        lines.append("")
        lines.append("growth since the baseline:")
        for growth in report.package_growth:
            before = "new" if growth.before is None else _kb(growth.before)
            lines.append(f"  {growth.name:<12} {before:>12} -> {_kb(growth.after):>12}  ({growth.delta / KB:+,.1f} KB)")
        for growth in report.file_growth[:LARGEST_FILES]:
            lines.append(f"  {growth.name}  {growth.delta / KB:+,.1f} KB")
    package_files = [f for f in report.files if f.package != "cdn"]
    if package_files:
        lines.append("")
        lines.append("largest files:")
        for file in package_files[:LARGEST_FILES]:
            lines.append(f"  {_kb(file.bytes):>10}  {file.package:<8} {file.path}")
    if cdn_files:
        lines.append("")
        lines.append(f"{cdn_files} images are on the CDN (dist/cdn/) and cost the packages nothing")
    for title, verdicts in (("errors", report.errors), ("warnings", report.warnings)):
        if verdicts:
            lines.append("")
            lines.append(f"{title}:")
            lines.extend(f"  {_where(v)}{v.message}" for v in verdicts)
    lines.append("")
    lines.append(_summary(report, strict))
    return "\n".join(lines)


def _where(verdict: Verdict) -> str:
    if verdict.position is None:
        return ""
    return f"{verdict.position} {verdict.spec_path}: " if verdict.spec_path else f"{verdict.position}: "


def _summary(report: BudgetReport, strict: bool = False) -> str:
    errors, warnings = len(report.errors), len(report.warnings)
    if errors:
        return f"budget broken: {errors} error(s), {warnings} warning(s)"
    if strict and warnings:
        return f"budget failed under --strict: {warnings} warning(s), which count as failures with --strict"
    return f"budget ok: {warnings} warning(s)"


def format_github(
    report: BudgetReport, site_dir: Path, strict: bool = False, spec_warnings: Sequence[Problem] = ()
) -> str:
    """GitHub Actions workflow commands: annotations on the spec line that references each file."""
    lines = [annotation(v.severity, v.message, f"mpgen {v.rule}", site_dir, v.position) for v in report.verdicts]
    lines += [
        annotation("warning", f"{w.path}: {w.message}" if w.path else w.message, "mpgen spec", site_dir, w.position)
        for w in spec_warnings
    ]
    lines.append(_summary(report, strict))
    return "\n".join(lines)


def format_junit(
    report: BudgetReport,
    strict: bool = False,
    findings: Sequence[Finding] = (),
    seconds: float = 0.0,
    spec_warnings: Sequence[Problem] = (),
) -> str:
    """JUnit XML in the shape Jenkins' schema requires: a test case per package, per other subject of a
    verdict, per lint finding and per spec warning; errors (and, with --strict, warnings) fail it,
    warnings are its system-out.
    """
    from xml.sax.saxutils import escape, quoteattr  # imports urllib.request: 14 ms no other format needs

    by_subject: dict[str, list[Verdict]] = {p.name: [] for p in report.packages}
    for verdict in report.verdicts:
        by_subject.setdefault(verdict.subject, []).append(verdict)
    cases: list[tuple[str, str, list[tuple[str, str, str]]]] = [
        ("mpgen.budget", subject, [(v.severity, v.rule, v.message) for v in verdicts])
        for subject, verdicts in by_subject.items()
    ]
    cases += [("mpgen.lint", f"{f.position} {f.path}", [(f.severity, f.rule, f.message)]) for f in findings]
    cases += [("mpgen.spec", f"{w.position} {w.path}", [("warning", "spec", w.message)]) for w in spec_warnings]
    lines = []
    failures = 0
    for classname, name, results in cases:
        failing = [r for r in results if r[0] == "error" or strict]
        body = ""
        if failing:
            failures += 1
            _, rule, message = failing[0]
            text = "\n".join(m for _, _, m in failing)
            body += f"<failure message={quoteattr(message)} type={quoteattr(rule)}>{escape(text)}</failure>"
        warnings = [r for r in results if r not in failing]
        if warnings:
            text = "\n".join(f"warning [{rule}]: {message}" for _, rule, message in warnings)
            body += f"<system-out>{escape(text)}</system-out>"
        lines.append(f'    <testcase classname="{classname}" name={quoteattr(name)} time="0">{body}</testcase>')
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<testsuite name="mpgen budget" tests="{len(cases)}" failures="{failures}" errors="0" skipped="0" '
        f'time="{seconds:.3f}">\n' + "\n".join(lines) + "\n</testsuite>"
    )


def format_markdown(
    report: BudgetReport,
    site_name: str,
    strict: bool = False,
    findings: Sequence[Finding] = (),
    spec_warnings: Sequence[Problem] = (),
) -> str:
    """The job summary GitHub shows on the run's page: the package table, then every verdict and finding."""
    lines = [
        f"### mpgen check: {markdown_text(site_name)}",
        "",
        "| package | size | budget | used |",
        "|---|--:|--:|--:|",
    ]
    for package in report.packages:
        lines.append(
            f"| {markdown_text(package.name)} | {_kb(package.bytes)} | {_kb(package.limit_bytes)} | "
            f"{package.percent:.1f}% |"
        )
    lines.append(
        f"| **total** | {_kb(report.total_bytes)} | {_kb(report.total_limit_bytes)} | "
        f"{100 * report.total_bytes / report.total_limit_bytes:.1f}% |"
    )
    if report.has_baseline:
        lines += ["", "| growth since the baseline | before | after | change |", "|---|--:|--:|--:|"]
        for growth in report.package_growth:
            before = "new" if growth.before is None else _kb(growth.before)
            lines.append(
                f"| {markdown_text(growth.name)} | {before} | {_kb(growth.after)} | {growth.delta / KB:+,.1f} KB |"
            )
    for title, verdicts in (("Errors", report.errors), ("Warnings", report.warnings)):
        if verdicts:
            lines += ["", f"**{title}**", ""]
            lines += [f"- {markdown_text(_where(v) + v.message)}" for v in verdicts]
    if spec_warnings:
        lines += ["", "**Spec warnings**" + (" (failures with --strict)" if strict else ""), ""]
        lines += [f"- {markdown_text(str(w))}" for w in spec_warnings]
    if findings:
        lines += ["", "**Content rules**", ""]
        lines += [f"- {f.severity}: {markdown_text(str(f))}" for f in findings]
    lint_errors = sum(1 for f in findings if f.severity == "error")
    failed = not report.passed(strict) or lint_errors or (strict and (findings or spec_warnings))
    outcome = f"{_summary(report, strict)}; lint: {lint_errors} error(s), {len(findings) - lint_errors} warning(s)"
    if spec_warnings:
        outcome += f"; spec: {len(spec_warnings)} warning(s)"
    lines += ["", f"**{'failed' if failed else 'passed'}**: {markdown_text(outcome)}", ""]
    return "\n".join(lines)


def format_report(
    report: BudgetReport,
    fmt: Format,
    full_json: str,
    strict: bool = False,
    cdn_files: int = 0,
    site_dir: Path | None = None,
    findings: Sequence[Finding] = (),
    seconds: float = 0.0,
    spec_warnings: Sequence[Problem] = (),
) -> str:
    if fmt == "json":
        return json.dumps(json.loads(full_json), ensure_ascii=False, indent=2)
    if fmt == "junit":
        return format_junit(report, strict, findings, seconds, spec_warnings)
    if fmt == "github":
        return format_github(report, site_dir or Path.cwd(), strict, spec_warnings)
    return format_text(report, cdn_files, strict)

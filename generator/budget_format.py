"""The budget report for people and machines: a text table, JSON, JUnit XML, GitHub annotations."""

from __future__ import annotations

import json
from typing import Literal

from .budget import KB, BudgetReport, Verdict

Format = Literal["text", "json", "junit", "github"]
LARGEST_FILES = 8


def _kb(size: int) -> str:
    return f"{size / KB:,.1f} KB"


def format_text(report: BudgetReport, cdn_files: int = 0) -> str:
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
    lines.append(_summary(report))
    return "\n".join(lines)


def _where(verdict: Verdict) -> str:
    if verdict.position is None:
        return ""
    return f"{verdict.position} {verdict.spec_path}: " if verdict.spec_path else f"{verdict.position}: "


def _summary(report: BudgetReport) -> str:
    errors, warnings = len(report.errors), len(report.warnings)
    if errors:
        return f"budget broken: {errors} error(s), {warnings} warning(s)"
    return f"budget ok: {warnings} warning(s)"


def format_github(report: BudgetReport) -> str:
    """GitHub Actions workflow commands: annotations on the spec line that references each file."""
    lines = []
    for verdict in report.verdicts:
        message = verdict.message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        location = ""
        if verdict.position is not None:
            location = f" file={verdict.position.file},line={verdict.position.line}"
            if verdict.position.col:
                location += f",col={verdict.position.col}"
        title = f"title=mpgen {verdict.rule}"
        lines.append(f"::{verdict.severity}{location}{',' if location else ' '}{title}::{message}")
    lines.append(_summary(report))
    return "\n".join(lines)


def format_junit(report: BudgetReport, strict: bool = False) -> str:
    """One test case per package and per image budget rule, failing where a verdict is an error."""
    from xml.sax.saxutils import escape, quoteattr  # imports urllib.request: 14 ms no other format needs

    cases = []
    failing = {v.subject: v for v in report.verdicts if v.severity == "error" or strict}
    subjects = [p.name for p in report.packages] + sorted(
        {v.subject for v in report.verdicts} - {p.name for p in report.packages}
    )
    for subject in subjects:
        verdict = failing.get(subject)
        body = ""
        if verdict is not None:
            body = f"<failure message={quoteattr(verdict.message)}>{escape(verdict.message)}</failure>"
        cases.append(f'    <testcase classname="mpgen.budget" name={quoteattr(subject)}>{body}</testcase>')
    failures = sum(1 for s in subjects if s in failing)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<testsuite name="mpgen budget" tests="{len(subjects)}" failures="{failures}">\n'
        + "\n".join(cases)
        + "\n</testsuite>"
    )


def format_report(report: BudgetReport, fmt: Format, full_json: str, strict: bool = False, cdn_files: int = 0) -> str:
    if fmt == "json":
        return json.dumps(json.loads(full_json), ensure_ascii=False, indent=2)
    if fmt == "junit":
        return format_junit(report, strict)
    if fmt == "github":
        return format_github(report)
    return format_text(report, cdn_files)

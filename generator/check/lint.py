"""`gen lint`: content and compliance rules over the spec (advertising law, finance wording, share-baiting, privacy)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

from ..blocks.form import FormBlock
from ..blocks.text import TextBlock
from ..errors import Position, format_path
from ..load.source import SourceMap, SpecPath
from ..spec.shown_text import shown_texts
from ..spec.site import SiteSpec, iter_pages
from .lint_rules import RULES as RULES
from .lint_rules import Severity

SUPERLATIVES = (
    "最佳", "最好", "最优", "最高级", "最先进", "最低价", "全网最低", "国家级", "世界级", "顶级", "极品", "独一无二",
    "史无前例", "万能", "第一品牌", "绝对", "100%有效", "首选", "领导品牌",
)  # fmt: skip
# "第一" is an ordinal far more often than a claim: 第一次, 第一步, 第一天 ...
FIRST_AS_CLAIM = re.compile(r"第一(?![次步天个周年月期章节课批口件位条项胎年级名称季])")
FINANCE_WORDS = ("保本", "无风险", "零风险", "保收益", "稳赚", "高回报", "刚性兑付", "稳赚不赔", "理财", "收益")
FINANCE_PROMISES = ("保本", "无风险", "零风险", "保收益", "稳赚", "高回报", "刚性兑付", "稳赚不赔")
SHARE_BAIT = re.compile(
    r"集赞|转发.{0,8}(领|送|得|抽|才能|即可)|分享.{0,8}(群|朋友圈).{0,8}(才能|领|送|得)|分享后.{0,4}(领|送|得)"
)
RISK_NOTICE = re.compile(r"风险提示|投资有风险|理财有风险")
PERSONAL_FIELD = re.compile(r"(?i)^(name|real_?name|phone|mobile|tel|email|id_?card|id_?number|address|姓名)$")
PERSONAL_EVENT_FIELD = re.compile(
    r"(?i)(phone|mobile|tel(ephone)?$|email|id_?card|id_?number|identity|address|real_?name|"
    r"user_?name|^name$|passport|birthday)"
)


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: Severity
    position: Position
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.position}  {self.path}: [{self.rule}] {self.message}"


@dataclass(frozen=True)
class LintConfig:
    disable: frozenset[str] = frozenset()
    ignore: tuple[str, ...] = ()  # spec path patterns, e.g. "catalog.products[*].description"


def lint(spec: SiteSpec, source: SourceMap, config: LintConfig | None = None) -> list[Finding]:
    config = config or LintConfig(frozenset(spec.lint.disable), tuple(spec.lint.ignore))
    findings: list[Finding] = []

    def add(rule: str, path: SpecPath, message: str, text: str = "", offset: int = 0) -> None:
        shown = format_path(path)
        # Spec paths have brackets (pages[1]); in the patterns they are literal, only * and ? are wildcards.
        if rule in config.disable or any(fnmatch(shown, p.replace("[", "[[]")) for p in config.ignore):
            return
        position = source.text_position(path, text, offset) if text else source.value(path)
        findings.append(Finding(rule, RULES[rule].severity, position, shown, message))

    finance = spec.site.industry == "finance"
    pages_with_notice = {page.id for page, _, _ in iter_pages(spec.pages) if _has_risk_notice(page.blocks)}
    for path, text in shown_texts(spec):
        for word, offset in _superlatives(text):
            add(
                "superlative",
                path,
                f"“{word}” is an absolute claim the Advertising Law bans; say what is good "
                "about it instead (e.g. 销量领先 → 月销 2000 件)",
                text,
                offset,
            )
        for match in SHARE_BAIT.finditer(text):
            add(
                "share-baiting",
                path,
                f"“{match.group(0)}” rewards forwarding, which WeChat forbids; reward "
                "invited friends who register instead",
                text,
                match.start(),
            )
        for match in re.finditer(r"http://[^\s，。)）]+", text):
            add(
                "http-url",
                path,
                f"{match.group(0)} is not https; WeChat only connects to https addresses",
                text,
                match.start(),
            )
        if finance:
            _finance(spec, path, text, pages_with_notice, add)
    for page, path, _ in iter_pages(spec.pages):
        for b, block in enumerate(page.blocks):
            if isinstance(block, FormBlock) and not block.privacy_notice:
                personal = [f.label for f in block.fields if f.type in ("tel", "email") or PERSONAL_FIELD.match(f.name)]
                if personal:
                    add(
                        "form-privacy",
                        path + ("blocks", b),
                        f"collects personal data ({', '.join(personal)}) "
                        "without a privacy notice; add `privacy_notice:` saying what is kept, why and for how long",
                    )
    if spec.catalog and spec.commerce:
        for i, product in enumerate(spec.catalog.products):
            if product.virtual:
                add(
                    "virtual-goods",
                    ("catalog", "products", i, "virtual"),
                    f"{product.name!r} is a virtual good sold "
                    "through WeChat Pay, which iOS restricts; sell it as a service booking or outside the mini-program",
                )
    for event, definition in spec.analytics.events.items():
        for i, name in enumerate(definition.fields):
            if PERSONAL_EVENT_FIELD.search(name):
                add(
                    "tracking-pii",
                    ("analytics", "events", event, "fields", i),
                    f"field {name!r} would send personal "
                    "data with every event; send an id or a category instead (e.g. city, not address)",
                )
    return sorted(findings, key=lambda f: (f.position, f.rule))


def _finance(spec: SiteSpec, path: SpecPath, text: str, pages_with_notice: set[str], add: Any) -> None:
    is_product_name = len(path) == 4 and path[:2] == ("catalog", "products") and path[3] == "name"
    page_id = _page_at(spec, path)
    for word in FINANCE_WORDS:
        offset = text.find(word)
        if offset == -1:
            continue
        if word in FINANCE_PROMISES:
            add(
                "finance-wording",
                path,
                f"“{word}” promises return or safety, which financial advertising may "
                "not; describe the product and its risks instead",
                text,
                offset,
            )
        elif is_product_name:
            add(
                "finance-wording",
                path,
                f"“{word}” in a product name needs the product page to carry a risk "
                "notice, and the name itself should not advertise returns; rename it",
                text,
                offset,
            )
        elif page_id is not None and page_id not in pages_with_notice:
            add(
                "finance-wording",
                path,
                f"“{word}” on a page without a risk notice; add a text block titled "
                "风险提示 to this page (e.g. 投资有风险，选择需谨慎)",
                text,
                offset,
            )


def _page_at(spec: SiteSpec, path: SpecPath) -> str | None:
    """The id of the page a spec path lies in (pages[0].children[1].blocks[2].body -> that child's id)."""
    if not path or path[0] != "pages":
        return None
    pages, page, rest = spec.pages, None, path[1:]
    while rest and isinstance(rest[0], int):
        page = pages[rest[0]]
        if len(rest) > 2 and rest[1] == "children":
            pages, rest = page.children, rest[2:]
        else:
            break
    return page.id if page else None


def _has_risk_notice(blocks: list[Any]) -> bool:
    return any(isinstance(b, TextBlock) and (RISK_NOTICE.search(b.title) or RISK_NOTICE.search(b.body)) for b in blocks)


def _superlatives(text: str) -> Iterator[tuple[str, int]]:
    for word in SUPERLATIVES:
        start = text.find(word)
        while start != -1:
            yield word, start
            start = text.find(word, start + 1)
    for match in FIRST_AS_CLAIM.finditer(text):
        yield "第一", match.start()


def format_findings(
    findings: list[Finding] | tuple[Finding, ...], fmt: str = "text", site_dir: Path | None = None, strict: bool = False
) -> str:
    """The findings as text, JSON or GitHub annotations (file paths relative to the workspace)."""
    if fmt == "json":
        import json

        return json.dumps(
            [
                {
                    "rule": f.rule,
                    "severity": f.severity,
                    "file": f.position.file,
                    "line": f.position.line,
                    "path": f.path,
                    "message": f.message,
                }
                for f in findings
            ],
            ensure_ascii=False,
            indent=2,
        )
    if fmt == "github":
        from .github import annotation

        folder = site_dir or Path.cwd()
        annotations = [
            annotation(
                f.severity,
                f"{f.path}: {f.message}",
                f"mpgen lint {f.rule}",
                folder,
                Position(f.position.file, f.position.line),  # to the line: the column is the value's, not the word's
            )
            for f in findings
        ]
        return "\n".join([*annotations, _summary(findings, strict)])
    return "\n".join([*(str(f) for f in findings), _summary(findings, strict)])


def _summary(findings: list[Finding] | tuple[Finding, ...], strict: bool) -> str:
    errors = sum(1 for f in findings if f.severity == "error")
    warnings = len(findings) - errors
    summary = f"lint: {errors} error(s), {warnings} warning(s)"
    if strict and warnings and not errors:
        summary += ", which count as failures with --strict"
    return summary

"""The rules of `gen lint`, in one table: their ids are also the values `lint.disable` accepts in site.yaml."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    summary: str


RULES = {
    rule.id: rule
    for rule in (
        Rule("superlative", "error", "absolute claims the Advertising Law bans (最佳, 国家级, 第一, 顶级, ...)"),
        Rule("finance-wording", "error", "promises of return or safety on a finance site without a risk notice"),
        Rule("share-baiting", "error", "rewards for forwarding or collecting likes (转发集赞, 分享后领取, ...)"),
        Rule("http-url", "error", "plain http:// addresses (WeChat only connects to https)"),
        Rule("form-privacy", "error", "a form collecting personal data without a privacy notice"),
        Rule("tracking-pii", "error", "personal data (phone, ID number, address, name) in tracking events"),
        Rule("virtual-goods", "warning", "virtual goods sold through WeChat Pay (restricted on iOS)"),
    )
}

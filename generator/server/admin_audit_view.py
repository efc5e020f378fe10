"""How one audit log row reads on the console's 操作记录 page: the action in Chinese, its target, the facts
of its detail and links to what it changed.

Only the detail keys named here are shown, each in words (an amount in yuan, a refund's status): whatever
else a row might hold stays off the page. The `audit` callers put no personal data in details (a carrier's
name, stock figures, a refund's number and amount, a form submission's id, a member's public number
(会员编号), which the console itself shows operators); this whitelist keeps it that way if one ever did.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from .admin_models import AuditEntry
from .admin_refund_limit import PENDING, UNANSWERED
from .admin_web import yuan
from .coupons import SHANGHAI

ACTIONS: dict[str, str] = {
    "refund": "退款",
    "ship": "发货",
    "stock_set": "修改库存",
    "coupon_pause": "暂停领取优惠券",
    "coupon_resume": "恢复领取优惠券",
    "coupon_issue": "发放优惠券",
    "coupon_redeem": "核销优惠券",
    "form_handled": "表单标记已处理",
    "form_export": "导出表单",
    "login": "登录",
    "logout": "退出",
}
REFUND_STATUS = {
    "SUCCESS": "退款成功",
    "PROCESSING": "微信支付处理中",
    PENDING: "已提交，未收到微信支付的答复",
    UNANSWERED: "微信支付未答复，结果未知",
}


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: str
    """Asia/Shanghai, to the second."""
    username: str
    action: str
    target: str
    facts: list[tuple[str, str]]
    links: list[tuple[str, str]]


def _yuan(fen: Any) -> str:
    return yuan(fen) if isinstance(fen, int) else ""


def _path(*parts: str) -> str:
    return "/" + "/".join(quote(part, safe="") for part in parts)


def _facts(action: str, detail: Mapping[str, Any]) -> list[tuple[str, str]]:
    if action == "refund":
        facts = [("金额", _yuan(detail.get("fen")))]
        if detail.get("refund_no"):
            facts.append(("退款单号", str(detail["refund_no"])))
        status = str(detail.get("status") or "")
        if status:
            facts.append(("结果", REFUND_STATUS.get(status, status)))
        return facts
    if action == "ship" and detail.get("carrier"):
        return [("快递公司", str(detail["carrier"]))]
    if action == "stock_set":
        before = detail.get("before")
        return [("库存", f"{'未设置' if before is None else before} → {detail.get('after')}")]
    if action in ("coupon_issue", "coupon_redeem") and detail.get("ref"):
        return [("会员编号", str(detail["ref"]))]
    if action == "form_handled" and detail.get("submission") is not None:
        return [("提交", f"#{detail['submission']}")]
    return []


def _links(action: str, target: str, detail: Mapping[str, Any]) -> list[tuple[str, str]]:
    if action in ("refund", "ship"):
        return [("查看订单", _path("admin", "orders", target))]
    if action.startswith("coupon_"):
        links = [("查看优惠券", f"/admin/coupons#coupon-{quote(target, safe='')}")]
        if detail.get("ref"):
            links.append(("查看会员", _path("admin", "members", str(detail["ref"]))))
        return links
    if action.startswith("form_"):
        return [("查看表单", _path("admin", "forms", target))]
    if action == "stock_set":
        return [("查看库存", "/admin/stock")]
    return []


def audit_row(entry: AuditEntry) -> AuditRow:
    detail = entry.detail if isinstance(entry.detail, dict) else {}
    return AuditRow(
        id=entry.id,
        at=entry.at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S"),
        username=entry.username,
        action=ACTIONS.get(entry.action, entry.action),
        target=entry.target,
        facts=[(label, text) for label, text in _facts(entry.action, detail) if text],
        links=_links(entry.action, entry.target, detail),
    )

"""The console's 操作记录 page, /admin/audit: the audit log, newest first, for the owner only (operators
get a 403 page and do not see it in the nav). Filtered by action and by operator (the username the row
kept), PAGE_SIZE rows a page, older pages by `before` (the last row's id), as the order list pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request
from sqlalchemy import select
from starlette.responses import Response

from .admin_audit_view import ACTIONS, audit_row
from .admin_models import USERNAME_LENGTH, AuditEntry, Operator
from .admin_web import Db, StaffDep, admin_router, owner_only, render

PAGE_SIZE = 50
OWNER_ONLY = "操作记录只有店主可以查看，请联系店主 (the audit log is for the owner only)"

router = admin_router("admin-audit")


@router.get("/admin/audit")
def get_audit(
    request: Request,
    staff: StaffDep,
    db: Db,
    action: Annotated[str, Query(max_length=40)] = "",
    operator: Annotated[str, Query(max_length=200)] = "",
    before: int = 0,
) -> Response:
    owner_only(staff, OWNER_ONLY)
    action = action if action in ACTIONS else ""
    operator = operator.strip().lower()[:USERNAME_LENGTH]
    query = select(AuditEntry)
    if action:
        query = query.where(AuditEntry.action == action)
    if operator:
        query = query.where(AuditEntry.username == operator)
    if before > 0:
        query = query.where(AuditEntry.id < before)
    rows = list(db.execute(query.order_by(AuditEntry.id.desc()).limit(PAGE_SIZE + 1)).scalars())
    usernames = list(db.execute(select(Operator.username).order_by(Operator.username)).scalars())
    db.commit()
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return render(
        request,
        "audit.html",
        staff,
        active="audit",
        entries=[audit_row(row) for row in rows],
        actions=ACTIONS,
        action=action,
        usernames=usernames if not operator or operator in usernames else [*usernames, operator],
        operator=operator,
        next_before=rows[-1].id if more and rows else None,
    )

"""The console's 表单 pages: submissions per form (newest first), marking one handled (audited), and the
owner's CSV export. Personal fields (phone and email types, and fields named or labelled as a name or an
address) are masked for operators. The CSV defuses spreadsheet formulas: a cell starting with = + - @, a
tab or a carriage return gets a leading apostrophe."""

from __future__ import annotations

import csv
import io
from typing import Annotated

from fastapi import Path, Request
from sqlalchemy import func, select, update
from starlette.responses import RedirectResponse, Response

from .admin_web import (
    Db,
    PostingStaff,
    Refused,
    StaffDep,
    admin_router,
    audit,
    counted,
    mask_name,
    mask_phone,
    owner_only,
    render,
)
from .db import utcnow
from .forms import FieldRule, FormRules
from .models import FormSubmission

PAGE_SIZE = 50
EXPORT_LIMIT = 50_000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NAME_WORDS = ("name", "姓名", "名字", "联系人", "称呼")
ADDRESS_WORDS = ("address", "地址")
router = admin_router("admin-forms")
FormId = Annotated[str, Path(min_length=1, max_length=80)]


def is_personal(rule: FieldRule) -> bool:
    words = f"{rule.name} {rule.label}".lower()
    return rule.type in ("tel", "email") or any(word in words for word in NAME_WORDS + ADDRESS_WORDS)


def masked_value(rule: FieldRule, value: str) -> str:
    if not value:
        return ""
    if rule.type == "tel":
        return mask_phone(value)
    if rule.type == "email":
        local, _, domain = value.partition("@")
        return f"{local[:1]}***@{domain}"
    if any(word in f"{rule.name} {rule.label}".lower() for word in ADDRESS_WORDS):
        return value[:6] + "***"
    return mask_name(value)


def safe_cell(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _form(request: Request, form_id: str) -> FormRules:
    rules: FormRules | None = request.app.state.forms.get(form_id)
    if rules is None:
        raise Refused(404, "没有这个表单 (no such form)")
    return rules


@router.get("/admin/forms")
def get_forms(request: Request, staff: StaffDep, db: Db) -> Response:
    forms: dict[str, FormRules] = request.app.state.forms
    totals = counted(db.execute(select(FormSubmission.form_id, func.count()).group_by(FormSubmission.form_id)))
    waiting = counted(
        db.execute(
            select(FormSubmission.form_id, func.count())
            .where(FormSubmission.handled_at.is_(None))
            .group_by(FormSubmission.form_id)
        )
    )
    db.commit()
    lines = [(rules, totals.get(form_id, 0), waiting.get(form_id, 0)) for form_id, rules in forms.items()]
    return render(request, "forms.html", staff, active="forms", lines=lines)


@router.get("/admin/forms/{form_id}")
def get_form(request: Request, form_id: FormId, staff: StaffDep, db: Db, before: int = 0, done: str = "") -> Response:
    rules = _form(request, form_id)
    query = select(FormSubmission).where(FormSubmission.form_id == form_id)
    if before > 0:
        query = query.where(FormSubmission.id < before)
    rows = list(db.execute(query.order_by(FormSubmission.id.desc()).limit(PAGE_SIZE + 1)).scalars())
    db.commit()
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    shown = [
        (
            row,
            [
                (
                    rule.label,
                    masked_value(rule, str(row.values.get(rule.name, "")))
                    if is_personal(rule) and not staff.is_owner
                    else str(row.values.get(rule.name, "")),
                )
                for rule in rules.fields
            ],
        )
        for row in rows
    ]
    return render(
        request,
        "form.html",
        staff,
        active="forms",
        form=rules,
        rows=shown,
        next_before=rows[-1].id if more and rows else None,
        notice="已标记为已处理" if done == "1" else "",
    )


@router.post("/admin/forms/{form_id}/{submission_id}/handled")
def post_handled(request: Request, form_id: FormId, submission_id: int, staff: PostingStaff, db: Db) -> Response:
    _form(request, form_id)
    result = db.execute(
        update(FormSubmission)
        .where(
            FormSubmission.id == submission_id, FormSubmission.form_id == form_id, FormSubmission.handled_at.is_(None)
        )
        .values(handled_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount == 1:  # type: ignore[attr-defined]
        audit(db, staff, "form_handled", form_id, {"submission": submission_id})
    db.commit()
    return RedirectResponse(f"/admin/forms/{form_id}?done=1", status_code=303)


@router.get("/admin/forms/{form_id}/export.csv")
def get_export(request: Request, form_id: FormId, staff: StaffDep, db: Db) -> Response:
    """Every submission of the form as CSV (UTF-8 with a BOM, for Excel): the owner only."""
    owner_only(staff)
    rules = _form(request, form_id)
    rows = db.execute(
        select(FormSubmission).where(FormSubmission.form_id == form_id).order_by(FormSubmission.id).limit(EXPORT_LIMIT)
    ).scalars()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["提交时间", "已处理", *(safe_cell(rule.label) for rule in rules.fields)])
    for row in rows:
        values = [safe_cell(str(row.values.get(rule.name, ""))) for rule in rules.fields]
        writer.writerow([row.created_at.isoformat(), "是" if row.handled_at else "否", *values])
    audit(db, staff, "form_export", form_id)
    db.commit()
    return Response(
        "\ufeff" + out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{form_id}.csv"'},
    )

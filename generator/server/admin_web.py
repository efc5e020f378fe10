"""What every console page shares: the router class, the page renderer, the operator dependencies, the
audit log writer and the money/time/masking helpers the templates use.

`admin_router()` makes a router under /admin, left out of the OpenAPI contract, whose routes turn
`LoginNeeded` into a 303 to the login page and `Refused` into an HTML error page (403 for a bad CSRF token
or a role's limit), and add the console's security headers (a strict Content-Security-Policy: only the
console's own script files, the dashboard's charts,
styles from /admin/static only; no caching; no framing). Templates (`admin_templates/`) are Jinja2 with
autoescape: shoppers' text is data. Personal data is masked unless the operator is the owner.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Coroutine, Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

import jinja2
from fastapi import APIRouter, Depends, Request
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session
from starlette.responses import HTMLResponse, RedirectResponse, Response

from ..errors import GenError
from .admin_auth import SESSION_COOKIE, Staff, same_token, session_staff
from .admin_models import AuditEntry
from .coupons import SHANGHAI
from .db import get_db, utcnow
from .orders import masked_address, state_text

TEMPLATES = Path(__file__).parent / "admin_templates"
ENV_REFUND_LIMIT = "MPGEN_ADMIN_REFUND_LIMIT_FEN"
DEFAULT_REFUND_LIMIT_FEN = 20000
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
NAV = (
    ("overview", "概览", "/admin"),
    ("orders", "订单", "/admin/orders"),
    ("stock", "库存", "/admin/stock"),
    ("coupons", "优惠券", "/admin/coupons"),
    ("members", "会员", "/admin/members"),
    ("forms", "表单", "/admin/forms"),
    ("followers", "粉丝", "/admin/followers"),
    ("audit", "操作记录", "/admin/audit"),
)
OWNER_PAGES = frozenset({"audit"})
"""Nav entries only the owner sees (their pages refuse operators too)."""


class LoginNeeded(Exception):
    def __init__(self, next_path: str) -> None:
        super().__init__("login needed")
        self.next_path = next_path


class Refused(Exception):
    """A request the console refuses, shown as an error page with `status`."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def counted(rows: Iterable[Any]) -> dict[Any, int]:
    """`{key: count}` from the rows of a `SELECT key, count(*) ... GROUP BY key`."""
    return {key: int(count) for key, count in rows}


def yuan(fen: int | None) -> str:
    fen = fen or 0
    sign = "-" if fen < 0 else ""
    return f"{sign}¥{abs(fen) // 100}.{abs(fen) % 100:02d}"


def shanghai(moment: datetime | None) -> str:
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if moment is not None else ""


def mask_name(name: str) -> str:
    return (name[:1] + "*" * max(1, len(name) - 1)) if name else ""


def mask_phone(phone: str) -> str:
    digits = "".join(ch for ch in phone if ch.isdigit())
    return f"{digits[:3]}****{digits[-4:]}" if len(digits) >= 7 else "****"


def mask_openid(openid: str) -> str:
    return f"{openid[:4]}…{openid[-3:]}" if len(openid) > 8 else "****"


def shown_address(address: Mapping[str, Any], staff: Staff) -> dict[str, str]:
    """The order's address as this operator may see it: in full for the owner, masked for operators."""
    if staff.is_owner:
        return {key: str(value) for key, value in address.items()}
    return masked_address(address)


def refund_limit_fen(environ: Mapping[str, str] | None = None) -> int:
    """The most operators (not the owner) may refund of one order, all their refunds of it together
    (`admin_refund_limit`): MPGEN_ADMIN_REFUND_LIMIT_FEN."""
    value = (os.environ if environ is None else environ).get(ENV_REFUND_LIMIT, "").strip()
    if not value:
        return DEFAULT_REFUND_LIMIT_FEN
    if not value.isdigit():
        raise GenError(f"{ENV_REFUND_LIMIT} is {value!r}; give the operators' refund limit in fen, e.g. 20000")
    return int(value)


_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(TEMPLATES)),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.filters.update(yuan=yuan, shanghai=shanghai, state_text=state_text, mask_name=mask_name, mask_phone=mask_phone)


def render(request: Request, template: str, staff: Staff | None, status: int = 200, **context: Any) -> HTMLResponse:
    page = _env.get_template(template).render(
        shop=request.app.state.spec.site.name,
        staff=staff,
        csrf=staff.csrf if staff is not None else "",
        nav=[entry for entry in NAV if entry[0] not in OWNER_PAGES or (staff is not None and staff.is_owner)],
        **context,
    )
    return HTMLResponse(page, status_code=status)


class AdminRoute(APIRoute):
    """Routes of the console: its exceptions become a redirect or an error page; its headers are added."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def admin_handler(request: Request) -> Response:
            try:
                response = await handler(request)
            except LoginNeeded as exc:
                response = RedirectResponse(f"/admin/login?next={quote(exc.next_path, safe='/')}", status_code=303)
            except Refused as exc:
                response = render(request, "error.html", None, status=exc.status, message=exc.message)
            for name, value in SECURITY_HEADERS.items():
                response.headers.setdefault(name, value)
            return response

        return admin_handler


def admin_router(tag: str) -> APIRouter:
    return APIRouter(route_class=AdminRoute, include_in_schema=False, tags=[tag])


Db = Annotated[Session, Depends(get_db)]


def current_staff(request: Request, db: Db) -> Staff:
    """The logged-in operator, or LoginNeeded; the lookup's transaction ends before the handler runs."""
    token = request.cookies.get(SESSION_COOKIE)
    try:
        staff = session_staff(db, token, utcnow()) if token else None
    finally:
        db.commit()
    if staff is None:
        # a GET comes back to the same page with its query (a dashboard's days, an order search)
        query = f"?{request.url.query}" if request.url.query else ""
        next_path = request.url.path + query if request.method == "GET" else "/admin"
        raise LoginNeeded(next_path)
    return staff


async def checked_staff(request: Request, staff: Annotated[Staff, Depends(current_staff)]) -> Staff:
    """The operator of a form post whose `csrf` field is their session's token; otherwise a 403."""
    form = await request.form()
    given = form.get("csrf")
    if not same_token(staff.csrf, given if isinstance(given, str) else None):
        raise Refused(403, "页面已过期或请求来源不明，请返回刷新后重试 (CSRF token missing or wrong)")
    return staff


def owner_only(staff: Staff, message: str = "只有店主可以进行此操作 (owner only)") -> None:
    if not staff.is_owner:
        raise Refused(403, message)


def audit(db: Session, staff: Staff, action: str, target: str, detail: Mapping[str, Any] | None = None) -> None:
    """One audit log row of what `staff` did, in the caller's transaction (written with the change)."""
    db.add(
        AuditEntry(
            operator_id=staff.operator_id,
            username=staff.username,
            action=action,
            target=target[:80],
            detail=dict(detail or {}),
            at=utcnow(),
        )
    )


StaffDep = Annotated[Staff, Depends(current_staff)]
PostingStaff = Annotated[Staff, Depends(checked_staff)]

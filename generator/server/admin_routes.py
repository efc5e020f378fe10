"""The console's entry: /admin/login (GET the form, POST to log in), POST /admin/logout, the 概览 page
/admin (today's counts: new orders, paid amount, orders to ship, unhandled forms), and its stylesheets
/admin/static/admin.css and /admin/static/theme.css (the site theme's brand colours)."""

from __future__ import annotations

import secrets
from datetime import datetime
from pathlib import Path
from typing import Annotated

from fastapi import Form, Query, Request
from sqlalchemy import func, select
from starlette.responses import RedirectResponse, Response

from ..errors import SpecError
from ..theme.theme import load_theme
from .admin_auth import (
    LOGIN_COOKIE,
    REFUSAL_TEXT,
    SESSION_COOKIE,
    SESSION_TTL,
    address_key,
    attempt_login,
    clear_cookie,
    end_session,
    issue_session,
    same_token,
    set_cookie,
)
from .admin_models import AuditEntry
from .admin_web import Db, PostingStaff, Refused, StaffDep, admin_router, audit, refund_limit_fen, render
from .coupons import SHANGHAI
from .db import utcnow
from .metrics import compute
from .metrics_days import today_in_shanghai
from .models import FormSubmission
from .order_models import Order, OrderState
from .report_cli import default_range
from .settings import Settings

STATIC = Path(__file__).parent / "admin_static"
LOGIN_TOKEN_AGE = 3600
DEFAULT_COLORS = ("#1F3A5F", "#FFFFFF")

router = admin_router("admin")


def enabled(_settings: Settings) -> bool:
    refund_limit_fen()  # a wrong MPGEN_ADMIN_REFUND_LIMIT_FEN fails at start
    return True


def _safe_next(path: str) -> str:
    return path if path.startswith("/admin") and not path.startswith("//") and "\\" not in path else "/admin"


def _login_page(request: Request, message: str = "", status: int = 200, next_path: str = "/admin") -> Response:
    token = secrets.token_urlsafe(24)
    response = render(
        request, "login.html", None, status=status, message=message, login_token=token, next_path=next_path
    )
    set_cookie(request, response, LOGIN_COOKIE, token, LOGIN_TOKEN_AGE)
    return response


@router.get("/admin/login")
def get_login(request: Request, next: str = "/admin") -> Response:
    return _login_page(request, next_path=_safe_next(next))


@router.post("/admin/login")
def post_login(
    request: Request,
    db: Db,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    login_token: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=500)] = "/admin",
) -> Response:
    next_path = _safe_next(next)
    if not same_token(request.cookies.get(LOGIN_COOKIE, ""), login_token) or not login_token:
        return _login_page(request, "页面已过期，请重新登录 (login form expired)", 403, next_path)
    result = attempt_login(db, username, password, address_key(request), utcnow())
    if result.operator is None:
        db.commit()  # the failure is counted
        status = 401 if result.refusal == "wrong" else 429
        return _login_page(request, REFUSAL_TEXT[result.refusal or "wrong"], status, next_path)
    token = issue_session(db, result.operator, utcnow())
    db.add(
        AuditEntry(
            operator_id=result.operator.id, username=result.operator.username, action="login", target="", detail={}
        )
    )
    db.commit()
    response = RedirectResponse(next_path, status_code=303)
    set_cookie(request, response, SESSION_COOKIE, token, int(SESSION_TTL.total_seconds()))
    clear_cookie(request, response, LOGIN_COOKIE)
    return response


@router.post("/admin/logout")
def post_logout(request: Request, staff: PostingStaff, db: Db) -> Response:
    end_session(db, request.cookies.get(SESSION_COOKIE, ""))
    audit(db, staff, "logout", staff.username)
    db.commit()
    response = RedirectResponse("/admin/login", status_code=303)
    clear_cookie(request, response, SESSION_COOKIE)
    return response


def day_start(now: datetime) -> datetime:
    """00:00 of `now`'s Asia/Shanghai day."""
    local = now.astimezone(SHANGHAI)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def dashboard_range(now: datetime, start: str | None, end: str | None) -> tuple[str, str]:
    """The days the dashboard shows: ?from=&to= as `gen report` reads them, else (a malformed or reversed
    range) its default, the last 7 full days."""
    today = today_in_shanghai(now)
    try:
        return default_range(start or None, end or None, today)
    except ValueError:
        return default_range(None, None, today)


@router.get("/admin")
def get_overview(
    request: Request,
    staff: StaffDep,
    db: Db,
    start_day: Annotated[str | None, Query(alias="from", max_length=10)] = None,
    end_day: Annotated[str | None, Query(alias="to", max_length=10)] = None,
    channel: Annotated[str, Query(pattern="^(all|mp|h5)$")] = "all",
) -> Response:
    """今日概览 and the seed's dashboard: the metrics of a range (`gen report`'s figures) with trend charts."""
    first, last = dashboard_range(utcnow(), start_day, end_day)
    metrics = compute(db, first, last, channel).to_json()
    db.commit()
    start = day_start(utcnow())
    new_orders = db.execute(select(func.count()).select_from(Order).where(Order.created_at >= start)).scalar_one()
    paid_fen = db.execute(select(func.coalesce(func.sum(Order.paid_fen), 0)).where(Order.paid_at >= start)).scalar_one()
    to_ship = db.execute(
        select(func.count()).select_from(Order).where(Order.state == OrderState.PAID.value)
    ).scalar_one()
    unhandled = db.execute(
        select(func.count()).select_from(FormSubmission).where(FormSubmission.handled_at.is_(None))
    ).scalar_one()
    db.commit()
    counts = {
        "new_orders": new_orders,
        "paid_fen": int(paid_fen or 0),
        "to_ship": to_ship,
        "unhandled_forms": unhandled,
    }
    return render(
        request,
        "overview.html",
        staff,
        active="overview",
        counts=counts,
        day=start.date().isoformat(),
        metrics=metrics,
        period={"from": first, "to": last, "channel": channel},
    )


def _theme_css(request: Request) -> str:
    css: str | None = getattr(request.app.state, "admin_theme_css", None)
    if css is None:
        loaded = request.app.state.loaded
        primary, on_primary = DEFAULT_COLORS
        try:
            theme = load_theme(
                loaded.spec.site.theme, loaded.theme_overrides, loaded.site_dir, loaded.source.value(("site", "theme"))
            ).theme
            primary, on_primary = theme.colors.primary, theme.colors.on_primary
        except SpecError:  # the console keeps its own colours rather than failing a page
            pass
        css = f":root {{ --brand: {primary}; --on-brand: {on_primary}; }}\n"
        request.app.state.admin_theme_css = css
    return css


CACHE = {"Cache-Control": "private, max-age=300"}


@router.get("/admin/static/theme.css")
def get_theme_css(request: Request) -> Response:
    return Response(_theme_css(request), media_type="text/css", headers=CACHE)


SCRIPTS = {
    "dashboard.js": STATIC / "dashboard.js",
    "echarts.simple.min.js": STATIC / "vendor" / "echarts" / "echarts.simple.min.js",
}


@router.get("/admin/static/js/{name}")
def get_script(name: str) -> Response:
    """The dashboard's own script and the vendored Apache ECharts (no CDN: the console loads nothing else)."""
    path = SCRIPTS.get(name)
    if path is None:
        raise Refused(404, "没有这个文件")
    return Response(path.read_bytes(), media_type="text/javascript", headers={"Cache-Control": "private, max-age=3600"})


@router.get("/admin/static/admin.css")
def get_admin_css() -> Response:
    return Response((STATIC / "admin.css").read_text(encoding="utf-8"), media_type="text/css", headers=CACHE)

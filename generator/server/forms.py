"""Form blocks as endpoints: `POST /forms/{form_id}` checks the values with the form's own rules and stores them.

A form block with an `id` is served here under that id (without an `endpoint` the generated form posts to
`commerce.api` + `forms/<id>`); a form without an id posts to an endpoint of its own and is not served. The
checks are the generated client's (required, max_length, tel, email, number, select options, date),
answered with one message per field. The H5 site posts cross-origin, so `/forms/` answers the CORS
preflight and adds Access-Control-Allow-Origin for the H5 origin (`FormsCors`). Values are never logged.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Body, Depends, Request
from pydantic import BaseModel
from sqlalchemy.orm import Session
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..blocks.form import FormBlock
from ..spec.site import SiteSpec, iter_pages
from ..targets.commerce_contract import cors_headers, h5_origin
from .api_errors import ApiError
from .db import get_db
from .models import FormSubmission
from .settings import LOOPBACK

PREFIX = "/forms/"
PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")  # the same patterns as templates/blocks/form
EMAIL = re.compile(r"^[^\s@]+@[^\s@]+\.[^\s@]+$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class FieldRule:
    name: str
    label: str
    type: str
    required: bool
    max_length: int
    options: tuple[str, ...]


@dataclass(frozen=True)
class FormRules:
    form_id: str
    title: str
    fields: tuple[FieldRule, ...]


def site_forms(spec: SiteSpec) -> dict[str, FormRules]:
    """Every form block of the page tree that has an id, by that id (ids are unique in a valid site)."""
    forms: dict[str, FormRules] = {}
    for page, _path, _depth in iter_pages(spec.pages):
        for block in page.blocks:
            if isinstance(block, FormBlock) and block.id is not None:
                forms[block.id] = FormRules(
                    block.id,
                    block.title or page.title,
                    tuple(
                        FieldRule(f.name, f.label, f.type, f.required, f.max_length, tuple(f.options))
                        for f in block.fields
                    ),
                )
    return forms


def _number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return value.lower() not in ("nan", "inf", "-inf", "+inf", "infinity", "-infinity")


def _date(value: str) -> bool:
    if not DATE.match(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def field_problem(rule: FieldRule, value: str) -> str:
    """What is wrong with one value ('' when nothing), in the words the generated form shows."""
    if not value:
        return f"请填写{rule.label}" if rule.required else ""
    if len(value) > rule.max_length:
        return f"{rule.label}最多 {rule.max_length} 个字"
    if rule.type == "tel" and not PHONE.match(value):
        return "请输入正确的电话号码"
    if rule.type == "email" and not EMAIL.match(value):
        return "请输入正确的邮箱地址"
    if rule.type == "number" and not _number(value):
        return f"{rule.label}需要是数字"
    if rule.type == "select" and value not in rule.options:
        return f"请从选项中选择{rule.label}"
    if rule.type == "date" and not _date(value):
        return f"{rule.label}需要是日期 (YYYY-MM-DD)"
    return ""


def check_values(rules: FormRules, payload: dict[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    """The values to store (trimmed text) and the problems by field name."""
    known = {rule.name for rule in rules.fields}
    problems = {name: "这个表单没有此项 (unknown field)" for name in payload if name not in known}
    values: dict[str, str] = {}
    for rule in rules.fields:
        raw = payload.get(rule.name)
        if raw is None:
            raw = ""
        if isinstance(raw, bool) or not isinstance(raw, str | int | float):
            problems[rule.name] = f"{rule.label}需要是文字 (a string)"
            continue
        value = raw.strip() if isinstance(raw, str) else json.dumps(raw)
        problem = field_problem(rule, value)
        if problem:
            problems[rule.name] = problem
        else:
            values[rule.name] = value
    return values, problems


class FormAnswer(BaseModel):
    ok: bool = True


router = APIRouter(tags=["forms"])


@router.post("/forms/{form_id}", response_model=FormAnswer)
def submit_form(
    form_id: str,
    payload: Annotated[dict[str, Any], Body()],
    request: Request,
    db: Annotated[Session, Depends(get_db)],
) -> FormAnswer:
    """Store one submission of a form block, checked with that form's rules."""
    forms: dict[str, FormRules] = request.app.state.forms
    rules = forms.get(form_id)
    if rules is None:
        raise ApiError(404, "unknown_form", f"no form with the id {form_id!r} in this site")
    values, problems = check_values(rules, payload)
    if problems:
        raise ApiError(400, "invalid_form", next(iter(problems.values())), fields=problems)
    db.add(FormSubmission(form_id=form_id, values=values))
    db.commit()
    return FormAnswer()


@dataclass(frozen=True)
class Origins:
    """Who may post the forms from a browser: the H5 site's origin (site.base_url), and with `loopback` (a
    development server, --fake-wechat) any page served from this machine, such as `gen dev --api`'s."""

    sites: frozenset[str]
    loopback: bool = False

    def allow(self, origin: str) -> bool:
        if origin in self.sites:
            return True
        parts = urlsplit(origin)
        return self.loopback and parts.scheme in ("http", "https") and parts.hostname in LOOPBACK


def allowed_origins(spec: SiteSpec, development: bool = False) -> Origins:
    origin = h5_origin(spec.site.base_url)
    return Origins(frozenset({origin}) if origin else frozenset(), development)


class FormsCors:
    """CORS for `/forms/` only: the preflight's answer and Access-Control-Allow-Origin on every answer, for the
    allowed origins; other origins get no CORS headers (the browser then refuses to post)."""

    def __init__(self, app: ASGIApp, origins: Origins) -> None:
        self.app = app
        self.origins = origins

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(PREFIX):
            await self.app(scope, receive, send)
            return
        headers = {key.decode("latin-1").lower(): value.decode("latin-1") for key, value in scope["headers"]}
        origin = headers.get("origin", "")
        allowed = self.origins.allow(origin)
        if scope["method"] == "OPTIONS" and "access-control-request-method" in headers:
            await self._preflight(send, origin if allowed else "")
            return

        async def send_with_origin(message: Message) -> None:
            if message["type"] == "http.response.start" and allowed:
                extra = [(b"access-control-allow-origin", origin.encode("latin-1")), (b"vary", b"Origin")]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_origin)

    async def _preflight(self, send: Send, origin: str) -> None:
        if origin:
            status, body = 204, b""
            pairs = [*cors_headers(origin).items(), ("Vary", "Origin")]
        else:
            status = 403
            body = json.dumps({"error": "forbidden", "message": "this origin may not post the forms"}).encode()
            pairs = [("Content-Type", "application/json"), ("Vary", "Origin")]
        raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in pairs]
        raw.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": raw})
        await send({"type": "http.response.body", "body": body})

"""The JSON error answers of every router: `{"error": <code>, "message": <text>, "fields"?: {...}}`.

`ApiError` is what handlers raise; the handlers installed by `install` turn FastAPI's own errors (bad JSON,
wrong types, unknown paths) into the same shape with status 400/404/405, and an unexpected exception into a
500 without a traceback. The messages name the problem, never a secret or a shopper's values.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("generator.server")

STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "bad_method",
    409: "conflict",
    413: "too_large",
    415: "bad_media_type",
    503: "unavailable",
}


class ApiError(Exception):
    """An answer other than success: status, a stable machine code, a message people read."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        fields: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields
        self.headers = headers

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.code, "message": self.message}
        if self.fields:
            body["fields"] = self.fields
        return body


def error_response(error: ApiError) -> JSONResponse:
    return JSONResponse(error.body(), status_code=error.status, headers=error.headers)


def field_name(location: tuple[Any, ...] | list[Any]) -> str:
    """`('body', 'items', 0, 'quantity')` -> `items[0].quantity`; the body itself is `body`."""
    out = ""
    for part in list(location)[1:] if location and location[0] in ("body", "query", "path", "header") else location:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "body"


def _validation(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    fields: dict[str, str] = {}
    for problem in exc.errors():
        kind = problem.get("type", "")
        message = "the body is not valid JSON" if kind == "json_invalid" else str(problem.get("msg", "invalid"))
        fields.setdefault(field_name(problem.get("loc", ())), message)
    summary = "; ".join(f"{name}: {message}" for name, message in fields.items())
    return error_response(ApiError(400, "bad_request", f"the request is not valid: {summary}", fields))


def _http(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = STATUS_CODES.get(exc.status_code, "error")
    message = exc.detail if isinstance(exc.detail, str) else code
    return error_response(ApiError(exc.status_code, code, message, headers=dict(exc.headers or {})))


def _api(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc)


def _database(request: Request, exc: Exception) -> JSONResponse:
    # One line, no traceback and no statement: the message names the cause (connection refused, locked, ...).
    log.error("%s %s: the database is unavailable (%s)", request.method, request.url.path, type(exc).__name__)
    return error_response(ApiError(503, "unavailable", "服务暂时不可用，请稍后再试 (database unavailable)"))


def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.error("%s %s failed: %s", request.method, request.url.path, type(exc).__name__, exc_info=exc)
    return error_response(ApiError(500, "server_error", "服务器出错了，请稍后再试 (server error)"))


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(ApiError, _api)
    app.add_exception_handler(OperationalError, _database)
    app.add_exception_handler(Exception, _unexpected)

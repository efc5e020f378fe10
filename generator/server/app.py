"""`create_app(settings)`: the FastAPI app serving one site's shop, and its router registry.

The site is loaded with the generator's own load stage (`build.load`: the same checks and errors as
`gen build`). Routers: `forms.router` and the `router` of every `*_routes` module in this package (found by
name, so a feature is one module); a module may define `enabled(settings) -> bool` to be mounted only in
some setups (e.g. fakes with --fake-wechat); the built catalog's pages are mounted at /catalog
(`catalog_files`). `app.state` holds only what every worker derives the same way from the settings
(spec, engine, forms, the WeChat login client); nothing a request changes lives here.
Bodies are limited to MAX_BODY_BYTES (413).
"""

from __future__ import annotations

import importlib
import json
import logging
import pkgutil
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..build import load
from ..errors import GenError
from . import api_errors
from .catalog_files import mount_catalog
from .db import get_db, make_engine, make_sessionmaker
from .fake_wechat import FakeCodeExchange
from .forms import FormsCors, allowed_origins, site_forms
from .forms import router as forms_router
from .login import CodeExchange, HttpCodeExchange
from .order_growth import COMMERCE_KEY
from .settings import Settings

MAX_BODY_BYTES = 64 * 1024
log = logging.getLogger("generator.server")


def feature_routers(settings: Settings) -> Iterator[APIRouter]:
    """The `router` of each `*_routes` module of this package, in name order, that is enabled."""
    for module_info in sorted(pkgutil.iter_modules([str(Path(__file__).parent)]), key=lambda m: m.name):
        if not module_info.name.endswith("_routes"):
            continue
        module = importlib.import_module(f"{__package__}.{module_info.name}")
        enabled = getattr(module, "enabled", None)
        if enabled is None or enabled(settings):
            yield module.router


def login_client(settings: Settings, appid: str) -> CodeExchange:
    if settings.fake_wechat:
        return FakeCodeExchange()
    if settings.appsecret is None:
        raise GenError("no AppSecret: set WECHAT_APPSECRET or WECHAT_APPSECRET_FILE, or run with --fake-wechat")
    if appid == "touristappid":
        raise GenError(
            "site.appid is touristappid, which WeChat's login does not accept; set the mini-program's AppID in "
            "site.yaml, or run with --fake-wechat"
        )
    return HttpCodeExchange(settings.wechat_api, appid, settings.appsecret)


def create_app(settings: Settings, wechat: CodeExchange | None = None) -> FastAPI:
    """The shop's app; raises SpecError/GenError (as `gen build` does) when the site or settings are wrong.
    `wechat` replaces the jscode2session client (tests)."""
    loaded, _theme = load(settings.site_dir)
    spec = loaded.spec
    if spec.commerce is None:
        raise GenError(
            f"{settings.site_dir / 'site.yaml'} has no `commerce:` section, so there is no shop to serve; "
            "add commerce.api (the address this server will have) first"
        )
    login = wechat or login_client(settings, spec.site.appid)
    engine = make_engine(settings.database_url)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        login.close()
        engine.dispose()

    # No /docs or /redoc: they load scripts from a CDN; /openapi.json is the contract.
    app = FastAPI(
        title=f"{spec.site.name}: shop backend", version="1", lifespan=lifespan, docs_url=None, redoc_url=None
    )
    app.state.settings = settings
    app.state.loaded = loaded
    app.state.spec = spec
    app.state.engine = engine
    app.state.sessionmaker = make_sessionmaker(engine)
    app.state.sessionmaker.configure(info={COMMERCE_KEY: spec.commerce})
    app.state.wechat_login = login
    app.state.forms = site_forms(spec)
    api_errors.install(app)
    app.include_router(health_router)
    app.include_router(forms_router)
    for router in feature_routers(settings):
        app.include_router(router)
    mount_catalog(app, settings)
    app.add_middleware(FormsCors, origins=allowed_origins(spec, settings.fake_wechat))
    app.add_middleware(BodyLimit, limit=MAX_BODY_BYTES)
    return app


health_router = APIRouter(tags=["health"])


@health_router.get("/health")
@health_router.get("/healthz", include_in_schema=False)
def health(db: Annotated[Session, Depends(get_db)]) -> JSONResponse:
    """200 when the database answers, 503 when it does not."""
    try:
        db.execute(text("SELECT 1"))
    except OperationalError as exc:
        log.error("health: the database is unavailable (%s)", type(exc).__name__)
        return JSONResponse({"ok": False, "database": "unavailable"}, status_code=503)
    return JSONResponse({"ok": True, "database": "ok"})


class BodyLimit:
    """413 for a request body over `limit` bytes, by Content-Length or counted as it arrives (chunked)."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for key, value in scope["headers"]:
            if key == b"content-length" and (not value.isdigit() or int(value) > self.limit):
                await self._too_large(send)
                return
        # Bodies are small: read it whole (up to the limit), then hand it to the app in one message.
        chunks: list[bytes] = []
        seen = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > self.limit:
                await self._too_large(send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": b"".join(chunks), "more_body": False}

        await self.app(scope, replay, send)

    async def _too_large(self, send: Send) -> None:
        body = json.dumps(
            {"error": "too_large", "message": f"the request body is over {self.limit // 1024} KB"}
        ).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})

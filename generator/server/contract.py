"""The commerce contract is `gen serve`'s own OpenAPI document: the routes and the request and response models
the server uses, so the build's `dist/commerce/openapi.json` and the server cannot disagree.

`openapi_document()` builds it from the routers (FastAPI's own generator, no database, no settings); the
commerce-contract target publishes that document, committed as its `CONTRACT_FILE` so a build needs none of
the server's packages, with each site's server address, title and CORS note; `tests/server/test_contract.py`
fails when the committed document and the routers differ (`--update-golden` writes it again).
"""

from __future__ import annotations

import importlib
import json
import pkgutil
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

TITLE = "mpgen shop backend"


def route_modules() -> Iterator[ModuleType]:
    """Every `*_routes` module of this package, in name order (the feature routers `create_app` mounts)."""
    for info in sorted(pkgutil.iter_modules([str(Path(__file__).parent)]), key=lambda m: m.name):
        if info.name.endswith("_routes"):
            yield importlib.import_module(f"{__package__}.{info.name}")


def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1 document of every route the shop's clients call (notify and fake routes are left out
    by their `include_in_schema=False`)."""
    from fastapi import FastAPI

    from .app import health_router
    from .forms import router as forms_router

    app = FastAPI(title=TITLE, version="1", docs_url=None, redoc_url=None)
    app.include_router(health_router)
    app.include_router(forms_router)
    models: list[Any] = []
    for module in route_modules():
        app.include_router(module.router)
        models.extend(getattr(module, "openapi_models", ()))
    document = app.openapi()
    if models:
        document.setdefault("components", {}).setdefault("schemas", {}).update(body_schemas(models))
    return document


def body_schemas(models: list[Any]) -> dict[str, Any]:
    """The schemas of request bodies a route parses itself (`openapi_models` of its module: e.g. a body that
    may come as text/plain), named as the route's `$ref`s name them."""
    from pydantic.json_schema import models_json_schema

    _, top = models_json_schema(
        [(model, "validation") for model in models], ref_template="#/components/schemas/{model}"
    )
    schemas: dict[str, Any] = top.get("$defs", {})
    return schemas


def contract_text(document: dict[str, Any]) -> str:
    """The document as it is committed (sorted keys: a diff shows what changed, not where)."""
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"

"""`GET /catalog/...`: the catalog's JSON pages and photos that a build with a remote catalog served by the
backend wrote to SITE/dist/catalog/ (`gen serve --dist DIR`: DIR/catalog/; `targets/remote_catalog.py`), for
the mini-program to fetch.

Files named by their content are cached for good (`immutable`); index.json, which names the current ones,
for a minute, so a new build reaches shoppers within a minute. Starlette's StaticFiles serves them: only
files below that folder, ETag and 304, HEAD. Before any such build the folder is absent and every path is
a 404 that says so.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from ..build_state import DEFAULT_OUT
from ..plan.catalog_delivery import REMOTE_FOLDER
from .settings import Settings

PREFIX = "/" + REMOTE_FOLDER.rstrip("/")
INDEX_MAX_AGE = 60


class CatalogFiles(StaticFiles):
    """The built catalog folder, with cache headers for content-named files and the index."""

    def __init__(self, folder: Path) -> None:
        super().__init__(directory=folder, check_dir=False)
        self.folder = folder

    async def check_config(self) -> None:
        # Starlette refuses a missing folder on the first request; before a build, each request says why
        if self.folder.is_dir():
            await super().check_config()

    async def get_response(self, path: str, scope: Scope) -> Response:
        if not self.folder.is_dir():
            return _missing("no catalog pages built yet: run gen build (the catalog this server serves)")
        try:
            response = await super().get_response(path, scope)
        except HTTPException as exc:
            if exc.status_code == 404:
                return _missing("no such catalog file (a newer build may have replaced it; load index.json again)")
            raise
        if response.status_code in (200, 304):
            immutable = path != "index.json"
            response.headers["Cache-Control"] = (
                "public, max-age=31536000, immutable" if immutable else f"public, max-age={INDEX_MAX_AGE}"
            )
        return response


def _missing(message: str) -> Response:
    return JSONResponse({"error": "not_found", "message": message}, status_code=404)


def mount_catalog(app: FastAPI, settings: Settings) -> None:
    out = settings.dist_dir or settings.site_dir / DEFAULT_OUT
    app.mount(PREFIX, CatalogFiles(out / REMOTE_FOLDER), name="catalog")

"""The body of `gen serve`: settings from the command line and the environment, the site checked as
`gen build` checks it, the database migrated to head once, then uvicorn with one or more workers; and
`gen serve --check`, the operator's checklist (see `checklist`).

With several workers uvicorn starts each from `worker_app` (an import string), which rebuilds the same
settings from the environment `Settings.to_env` filled in; the AppSecret stays in its own variable.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import click
import uvicorn
from sqlalchemy.exc import OperationalError

from ..errors import GenError
from .app import create_app
from .db import is_sqlite, make_engine
from .migrate import current_revisions, upgrade
from .settings import Settings, make_settings, settings_from_env, shown_database

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
log = logging.getLogger("generator.server")


def configure_logging() -> None:
    """The server's own lines (INFO and up) on stderr; a process that set up logging already keeps its own."""
    logging.basicConfig(format=LOG_FORMAT)  # does nothing when the root logger has handlers
    log.setLevel(logging.INFO)


def migrate(settings: Settings) -> set[str]:
    """Upgrade the database to head; a database that cannot be reached is a clear error (exit 2)."""
    if is_sqlite(settings.database_url):
        settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    engine = make_engine(settings.database_url)
    try:
        upgrade(engine)
        return current_revisions(engine)
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else type(exc).__name__
        raise GenError(f"cannot open the database ({shown_database(settings.database_url)}): {reason}") from None
    finally:
        engine.dispose()


def worker_app() -> object:
    """uvicorn's app factory in each worker process."""
    configure_logging()
    return create_app(settings_from_env())


def check(site: Path, data: Path | None, dist: Path | None = None) -> bool:
    """Print the operator's checklist (`--check`); True when this environment is ready to sell."""
    from ..build import load
    from .checklist import build_checklist

    loaded, _theme = load(site)
    if loaded.spec.commerce is None:
        raise GenError(f"{loaded.site_dir / 'site.yaml'} has no `commerce:` section, so there is no shop to serve")
    result = build_checklist(loaded.spec, loaded.site_dir, data, os.environ, dist)
    click.echo(result.text)
    return result.ready


def serve(
    site: Path, host: str, port: int, fake_wechat: bool, data: Path | None, workers: int, dist: Path | None = None
) -> None:
    configure_logging()
    settings = make_settings(site, data, fake_wechat, dist_dir=dist)
    app = create_app(settings)  # the site and the WeChat settings fail here, before anything listens
    revisions = migrate(settings)
    spec = app.state.spec
    click.echo(f"database: {shown_database(settings.database_url)} at revision {', '.join(sorted(revisions))}")
    if fake_wechat:
        log.warning("--fake-wechat: logins are answered in-process (any code is a test shopper), not by WeChat")
    if fake_wechat and workers > 1:
        log.warning(
            "--fake-wechat with %d workers: each worker keeps its own fake WeChat Pay, so a payment made on one "
            "is unknown to the others (its query and refund fail there); try payments with --workers 1",
            workers,
        )
    plural = "s" if workers > 1 else ""
    click.echo(
        f"serving the shop of {spec.site.name} at http://{host}:{port}/ ({workers} worker{plural}); "
        f"the mini-program calls it as {spec.commerce.api}"
    )
    # No access log: it would keep every shopper's address (IP) and the paths they opened.
    options: dict[str, object] = {"host": host, "port": port, "proxy_headers": True, "access_log": False}
    if workers == 1:
        uvicorn.run(app, log_level="info", **options)  # type: ignore[arg-type]
        return
    os.environ.update(settings.to_env())
    uvicorn.run(
        f"{__name__}:worker_app",
        factory=True,
        workers=workers,
        log_level="info",
        **options,  # type: ignore[arg-type]
    )

"""`gen report SITE`: the shop's metrics (`metrics.compute`) over a range of Asia/Shanghai days, from the
database `gen serve` uses (migrated first), as JSON, CSV or a small HTML page on stdout.

The range defaults to the last 7 full days (yesterday and the 6 before); `--from` alone runs to yesterday,
`--to` alone covers the 7 days ending there. A day that is not YYYY-MM-DD or a range that ends before it
starts exits 2 with the reason. The server's libraries are imported when the command runs, so `gen` works
without the serve extra.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from ..errors import GenError
from ..extras import require

DEFAULT_DAYS = 7


def default_range(start: str | None, end: str | None, today: str) -> tuple[str, str]:
    """The days asked for, the gaps filled as the module says; ValueError for a malformed or reversed one."""
    from .metrics import check_range
    from .metrics_days import parse_day, shift

    for given in (start, end):
        if given is not None:
            parse_day(given)
    last = end or shift(today, -1)
    first = start or shift(last, 1 - DEFAULT_DAYS)
    check_range(first, last, "all")
    return first, last


@click.command("report")
@click.argument("site", type=click.Path(file_okay=False, path_type=Path), default=".")
@click.option("--from", "start", metavar="YYYY-MM-DD", help="First day (Asia/Shanghai); default 7 days ago.")
@click.option("--to", "end", metavar="YYYY-MM-DD", help="Last day, included (Asia/Shanghai); default yesterday.")
@click.option("--channel", type=click.Choice(["all", "mp", "h5"]), default="all", show_default=True)
@click.option("--format", "form", type=click.Choice(["json", "csv", "html"]), default="json", show_default=True)
@click.option(
    "--data",
    type=click.Path(file_okay=False, path_type=Path),
    help="Data folder of the SQLite database (default SITE/.mpgen-data; DATABASE_URL picks PostgreSQL instead).",
)
def report(site: Path, start: str | None, end: str | None, channel: str, form: str, data: Path | None) -> None:
    """Print the shop's metrics (opens, stay, conversion, 客单价, retention, repurchase, shares, article reads)."""
    for module in ("fastapi", "uvicorn", "sqlalchemy", "alembic", "httpx"):  # serve_cli.migrate imports the app
        require(module, "serve")
    from sqlalchemy.orm import Session

    from ..build import load
    from .db import make_engine
    from .metrics import compute
    from .metrics_days import today_in_shanghai
    from .metrics_report import render
    from .serve_cli import migrate
    from .settings import Settings, database_url_for, default_data_dir

    today = today_in_shanghai()
    try:
        first, last = default_range(start, end, today)
    except ValueError as exc:
        raise GenError(f"bad range: {exc}") from None
    loaded, _theme = load(site)
    data_dir = (data or default_data_dir(site)).resolve()
    settings = Settings(
        site_dir=site.resolve(), database_url=database_url_for(site, data_dir, os.environ), data_dir=data_dir
    )
    migrate(settings)
    engine = make_engine(settings.database_url)
    try:
        with Session(engine) as session:
            metrics = compute(session, first, last, channel, as_of=today)
    finally:
        engine.dispose()
    click.echo(render(metrics, form, loaded.spec.site.name, first, last, channel), nl=form != "csv")

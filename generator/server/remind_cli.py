"""`gen remind SITE`, for cron: queue the re-engagement messages due now (`remind.queue`) in the database
`gen serve` uses (migrated first), send the queued subscribe messages once (`subscribe.sweep`), and print
who got what, by the shopper's ref. `--dry-run` lists who would get it and changes nothing; `--fake-wechat`
sends to an in-memory fake WeChat and prints what it received. Exit 2 when the site declares no
commerce.remind, 1 when some reminder could not be queued (the next run tries again).

The server's libraries are imported when the command runs, so `gen` works without the serve extra.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING

import click

from ..errors import EXIT_BROKEN_RULE, GenError
from ..extras import require

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from ..spec.site import SiteSpec
    from .settings import Settings

SWEEP_SPARE = 50
"""Messages sent besides the reminders just queued (others already waiting in the outbox)."""


@click.command("remind")
@click.argument("site", type=click.Path(file_okay=False, path_type=Path), default=".")
@click.option("--dry-run", is_flag=True, help="List who would get the reminder and what; change nothing.")
@click.option("--fake-wechat", is_flag=True, help="Send to an in-memory fake WeChat and print what it received.")
@click.option(
    "--data",
    type=click.Path(file_okay=False, path_type=Path),
    help="Data folder of the SQLite database (default SITE/.mpgen-data; DATABASE_URL picks PostgreSQL instead).",
)
def remind(site: Path, dry_run: bool, fake_wechat: bool, data: Path | None) -> None:
    """Send commerce.remind to shoppers inactive for its inactive_days who accepted it (run it from cron)."""
    for module in ("fastapi", "uvicorn", "sqlalchemy", "alembic", "httpx"):
        require(module, "serve")
    from ..build import load
    from .db import make_engine, make_sessionmaker, utcnow
    from .remind import home_page, queue, rule
    from .serve_cli import migrate
    from .settings import make_settings

    loaded, _theme = load(site)
    spec = loaded.spec
    if spec.commerce is None:
        raise GenError(f"{loaded.site_dir / 'site.yaml'} has no `commerce:` section, so there is no shop to remind")
    template = rule(spec.commerce).template
    settings = make_settings(site, data, fake_wechat or dry_run)  # a dry run sends nothing: no AppSecret needed
    migrate(settings)
    engine = make_engine(settings.database_url)
    sessions = make_sessionmaker(engine)
    try:
        now = utcnow()
        with sessions() as db:
            report = queue(db, spec.commerce, spec.site.name, home_page(spec), now, dry_run)
        for line in report.lines():
            click.echo(line)
        if dry_run:
            click.echo(f"dry run: {len(report.reminded)} shopper(s) would get {template}; nothing was changed")
        else:
            sent = _send(sessions, spec, settings, len(report.reminded) + SWEEP_SPARE)
            click.echo(f"{len(report.reminded)} reminder(s) of {template} queued, {sent} message(s) sent")
    finally:
        engine.dispose()
    if report.failed:
        click.echo(f"{report.failed} reminder(s) could not be queued (see the log); the next run tries again", err=True)
        sys.exit(EXIT_BROKEN_RULE)


def _send(sessions: sessionmaker[Session], spec: SiteSpec, settings: Settings, limit: int) -> int:
    """Send the outbox once (`subscribe.sweep`); with --fake-wechat, print what the fake received."""
    from sqlalchemy import select

    from .fake_wechat import FakeWeChatApi
    from .models import User
    from .subscribe import sweep
    from .subscription_routes import message_sender

    state = SimpleNamespace(spec=spec, sessionmaker=sessions, settings=settings)  # what message_sender reads
    sent = sweep(sessions, message_sender(state), limit=limit)
    fake: FakeWeChatApi | None = getattr(state, "fake_wechat_api", None)
    if fake is not None:
        with sessions() as db:
            openids = [body["touser"] for body in fake.sent]
            rows = db.execute(select(User.openid, User.ref).where(User.openid.in_(openids)))
            refs = {openid: ref for openid, ref in rows}
        for body in fake.sent:
            shown = {"to": refs.get(body["touser"], "?"), **{k: v for k, v in body.items() if k != "touser"}}
            click.echo("fake WeChat received: " + json.dumps(shown, ensure_ascii=False, sort_keys=True))
    return sent

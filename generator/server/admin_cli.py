"""`gen admin`: the merchant console's operators, in the database `gen serve` uses (migrated first).

`gen admin add-user SITE USERNAME --role owner|operator`, `list-users SITE`, `set-password SITE USERNAME`,
`disable SITE USERNAME`. Passwords are read with a hidden prompt, twice, or from standard input with
`--password-stdin` (scripts); they are never echoed, logged or taken as an argument. The server's libraries
are imported when a command runs, so `gen` works without the serve extra.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..errors import GenError
from ..extras import require

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

ROLES = ("owner", "operator")


def _site_options(command: Callable[..., Any]) -> Callable[..., Any]:
    command = click.option(
        "--data",
        type=click.Path(file_okay=False, path_type=Path),
        help="Data folder of the SQLite database (default SITE/.mpgen-data; DATABASE_URL picks PostgreSQL instead).",
    )(command)
    return click.argument("site", type=click.Path(file_okay=False, path_type=Path))(command)


def _password_options(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--password-stdin", is_flag=True, help="Read the password from the first line of standard input."
    )(command)


@contextmanager
def _database(site: Path, data: Path | None) -> Iterator[Session]:
    for module in ("sqlalchemy", "alembic", "argon2"):
        require(module, "serve")
    from .db import make_engine, make_sessionmaker
    from .serve_cli import migrate
    from .settings import make_settings

    if not (site / "site.yaml").is_file():
        raise GenError(f"{site} has no site.yaml; give the shop's site folder")
    settings = make_settings(site, data, fake_wechat=True)  # no WeChat is called: no AppSecret needed
    migrate(settings)
    engine = make_engine(settings.database_url)
    try:
        with make_sessionmaker(engine)() as session:
            yield session
    finally:
        engine.dispose()


def _read_password(from_stdin: bool) -> str:
    from .admin_passwords import password_problem

    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt="Repeat the password")
    problem = password_problem(password)
    if problem is not None:
        raise GenError(problem)
    return password


@click.group("admin")
def admin() -> None:
    """The merchant console's operators (who may log in at /admin)."""


@admin.command("add-user")
@_site_options
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True, help="owner: everything; operator: limited.")
@_password_options
def add_user_command(site: Path, data: Path | None, username: str, role: str, password_stdin: bool) -> None:
    """Add an operator who logs in at /admin with USERNAME and a password (at least 10 characters)."""
    from .admin_users import add_user
    from .db import utcnow

    password = _read_password(password_stdin)
    with _database(site, data) as session:
        operator = add_user(session, username, role, password, utcnow())
        session.commit()
        click.echo(f"operator {operator.username} ({operator.role}) added; log in at /admin/login")


@admin.command("list-users")
@_site_options
def list_users_command(site: Path, data: Path | None) -> None:
    """List the operators, their roles and whether they are disabled."""
    from .admin_users import list_users

    with _database(site, data) as session:
        operators = list_users(session)
        if not operators:
            click.echo("no operators yet: add one with `gen admin add-user SITE USERNAME --role owner`")
        for operator in operators:
            state = "disabled" if operator.disabled_at is not None else "active"
            click.echo(f"{operator.username}\t{operator.role}\t{state}\tcreated {operator.created_at:%Y-%m-%d}")


@admin.command("set-password")
@_site_options
@click.argument("username")
@_password_options
def set_password_command(site: Path, data: Path | None, username: str, password_stdin: bool) -> None:
    """Give an operator a new password; their open sessions end."""
    from .admin_users import set_password

    password = _read_password(password_stdin)
    with _database(site, data) as session:
        operator = set_password(session, username, password)
        session.commit()
        click.echo(f"the password of {operator.username} is changed; their sessions have ended")


@admin.command("disable")
@_site_options
@click.argument("username")
def disable_command(site: Path, data: Path | None, username: str) -> None:
    """Stop an operator logging in; their open sessions end."""
    from .admin_users import disable
    from .db import utcnow

    with _database(site, data) as session:
        operator = disable(session, username, utcnow())
        session.commit()
        click.echo(f"operator {operator.username} is disabled")

"""Operators as service functions (`gen admin` calls them): add, list, set a password, disable.

Setting a password or disabling an operator ends all of their sessions. The functions never commit.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..errors import GenError
from .admin_models import USERNAME_LENGTH, AdminSession, Operator, Role
from .admin_passwords import hash_password, password_problem

USERNAME_FORM = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,39}$")


def clean_username(username: str) -> str:
    """The username as stored: trimmed and lower case."""
    return username.strip().lower()[:USERNAME_LENGTH]


def _checked_username(username: str) -> str:
    name = username.strip().lower()
    if not USERNAME_FORM.match(name):
        raise GenError(
            f"the username {username!r} is not usable: 2 to {USERNAME_LENGTH} characters of a-z, 0-9, '_', '.', '-', "
            "starting with a letter or digit"
        )
    return name


def _checked_password(password: str) -> str:
    problem = password_problem(password)
    if problem is not None:
        raise GenError(problem)
    return password


def find(session: Session, username: str) -> Operator | None:
    return session.execute(select(Operator).where(Operator.username == clean_username(username))).scalar_one_or_none()


def add_user(session: Session, username: str, role: str, password: str, now: datetime) -> Operator:
    name = _checked_username(username)
    if role not in tuple(Role):
        raise GenError(f"the role {role!r} is not one of owner, operator")
    if find(session, name) is not None:
        raise GenError(f"an operator named {name} exists already; use `gen admin set-password` to change theirs")
    operator = Operator(
        username=name, password_hash=hash_password(_checked_password(password)), role=role, created_at=now
    )
    session.add(operator)
    session.flush()
    return operator


def _existing(session: Session, username: str) -> Operator:
    operator = find(session, username)
    if operator is None:
        raise GenError(f"no operator is named {clean_username(username)}; `gen admin list-users` lists them")
    return operator


def set_password(session: Session, username: str, password: str) -> Operator:
    operator = _existing(session, username)
    operator.password_hash = hash_password(_checked_password(password))
    session.execute(delete(AdminSession).where(AdminSession.operator_id == operator.id))
    return operator


def disable(session: Session, username: str, now: datetime) -> Operator:
    operator = _existing(session, username)
    if operator.disabled_at is None:
        operator.disabled_at = now
    session.execute(delete(AdminSession).where(AdminSession.operator_id == operator.id))
    return operator


def list_users(session: Session) -> list[Operator]:
    return list(session.execute(select(Operator).order_by(Operator.username)).scalars())

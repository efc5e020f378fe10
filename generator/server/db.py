"""The database: the declarative Base every table derives from, the engine factory and request sessions.

SQLite (the default) is opened in WAL mode with a busy timeout and foreign keys on, and every transaction
starts with BEGIN IMMEDIATE: SQLite has one writer, and taking the write lock up front makes concurrent
writers wait (busy timeout) instead of failing when a read transaction tries to become a write one.
PostgreSQL runs through psycopg 3 with pre-ping, so a restarted database does not fail the next request.
Statement parameters are hidden from error messages: they hold shoppers' data and end up in logs.
Times are stored in UTC and come back timezone-aware on both (`UtcDateTime`).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator
from starlette.requests import Request

SQLITE_BUSY_MS = 30_000
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Every table of the shop's backend; constraint names are fixed so migrations can name them."""

    metadata = MetaData(naming_convention=NAMING)


class UtcDateTime(TypeDecorator[datetime]):
    """A point in time: stored as UTC, always returned timezone-aware (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("a naive datetime reached the database; use generator.server.db.utcnow()")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def make_engine(url: str, **options: Any) -> Engine:
    """An engine for `url` with the settings above; an SQLite file's folder is created when missing."""
    if not is_sqlite(url):
        return create_engine(url, pool_pre_ping=True, hide_parameters=True, **options)
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, hide_parameters=True, **options)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy's BEGIN below, not the driver's implicit one
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def get_db(request: Request) -> Iterator[Session]:
    """FastAPI dependency: one ORM session per request, committed by the handler, closed afterwards."""
    factory: sessionmaker[Session] = request.app.state.sessionmaker
    with factory() as session:
        yield session


def import_models() -> None:
    """Import every module that declares tables, so `Base.metadata` knows them all (Alembic's comparison,
    test cleanup): `models`, each `*_models` module, and each `*_routes` module with what it imports."""
    for module in pkgutil.iter_modules([str(Path(__file__).parent)]):
        if module.name == "models" or module.name.endswith(("_models", "_routes")):
            importlib.import_module(f"{__package__}.{module.name}")

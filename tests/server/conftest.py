"""Fixtures of the backend tests: real databases (an SQLite file, a throwaway PostgreSQL database), the test
shop (sites/shop) and an app/client on them with the fake WeChat login.

`database_url` is parametrized over both engines and gives a database migrated to head with no rows; the
PostgreSQL one is created once per test session (`mpgen_t_<random>` in MPGEN_TEST_DATABASE_URL) and
emptied between tests, and skipped with the reason when the variable is unset. `empty_database_url` is a
fresh database with no tables at all, for the migration tests. `login(client, code)` returns auth headers.
"""

from __future__ import annotations

import os
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.orm import Session, sessionmaker

from generator.server.app import create_app
from generator.server.db import Base, import_models, make_engine
from generator.server.migrate import upgrade
from generator.server.models import User
from generator.server.settings import Settings

SHOP = Path(__file__).parent / "sites" / "shop"
ADMIN_URL_ENV = "MPGEN_TEST_DATABASE_URL"
ENGINES = ["sqlite", "postgresql"]


@contextmanager
def postgres_database() -> Iterator[str]:
    """A new, empty PostgreSQL database in the server MPGEN_TEST_DATABASE_URL names; dropped afterwards."""
    admin_url = os.environ.get(ADMIN_URL_ENV)
    if not admin_url:
        pytest.skip(f"{ADMIN_URL_ENV} is not set: no PostgreSQL to test on (CI sets it, see .ci/run)")
    name = f"mpgen_t_{secrets.token_hex(6)}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        _drop(admin, name)
        admin.dispose()


def _drop(admin: Engine, name: str) -> None:
    """Drop a test database. FORCE ends the test's own connections; a backend of another role (autovacuum
    starting on the new database) cannot be ended by this role, so it is waited for, briefly."""
    for attempt in range(20):
        try:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            return
        except ProgrammingError as exc:
            if "InsufficientPrivilege" not in type(exc.orig).__name__ or attempt == 19:
                raise
            time.sleep(0.25)


def wipe(engine: Engine) -> None:
    """Delete every row of every table the models declare (children first); a model whose migration is not
    written yet is test_migrations' failure to report, not every test's."""
    import_models()
    present = set(inspect(engine).get_table_names())
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            if table.name in present:
                connection.execute(table.delete())


@pytest.fixture(scope="session")
def _migrated_postgresql() -> Iterator[str]:
    with postgres_database() as url:
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url


@pytest.fixture(scope="session")
def _migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite+pysqlite:///{tmp_path_factory.mktemp('db') / 'shop.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


@pytest.fixture(params=ENGINES)
def database_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A database at the newest schema with no rows: an SQLite file, then PostgreSQL."""
    url: str = request.getfixturevalue(f"_migrated_{request.param}")
    engine = make_engine(url)
    wipe(engine)
    yield url
    engine.dispose()


@pytest.fixture(params=ENGINES)
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database without any table: a new SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite+pysqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    with postgres_database() as url:
        yield url


@pytest.fixture
def db_engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def shop_settings(database_url: str, data_dir: Path, **changes: Any) -> Settings:
    options: dict[str, Any] = {"site_dir": SHOP.resolve(), "fake_wechat": True, **changes}
    return Settings(database_url=database_url, data_dir=data_dir, **options)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return shop_settings(database_url, tmp_path / "data")


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    return create_app(settings)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


def login(client: TestClient, code: str = "code-a", **extra: Any) -> dict[str, str]:
    """Log in through POST /session with the fake WeChat; the Authorization header of the session."""
    answer = client.post("/session", json={"code": code, **extra})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['session']}"}


Result = TypeVar("Result")


def make_users(factory: sessionmaker[Session], count: int, tag: str) -> list[User]:
    """`count` new shoppers, straight in the database (for tests that call the service functions)."""
    with factory() as session:
        made = [User(ref=secrets.token_urlsafe(16), openid=f"{tag}-{n}-{secrets.token_hex(4)}") for n in range(count)]
        session.add_all(made)
        session.commit()
        return made


def race(count: int, work: Callable[[int], Result]) -> list[Result | BaseException]:
    """Run work(0..count-1) in `count` threads released at once; each result or the exception it raised."""
    barrier = threading.Barrier(count)

    def run(index: int) -> Result | BaseException:
        barrier.wait()
        try:
            return work(index)
        except Exception as exc:
            return exc

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def add_operator(site: Path, data: Path, username: str, password: str, role: str = "owner") -> None:
    """`gen admin add-user` for the site's SQLite database in `data`, the password on stdin."""
    from click.testing import CliRunner

    from generator.cli import main

    added = CliRunner().invoke(
        main,
        ["admin", "add-user", str(site), username, "--role", role, "--password-stdin", "--data", str(data)],
        input=password + "\n",
        env={"DATABASE_URL": ""},
    )
    assert added.exit_code == 0, added.output

"""The Alembic migrations: an empty database reaches head, an old one keeps its rows, and head matches the models."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text

from generator.server.db import Base, import_models, make_engine
from generator.server.migrate import alembic_config, current_revisions, head_revisions, upgrade

FIRST = "v0001"


@pytest.fixture
def engine(empty_database_url: str) -> Iterator[Engine]:
    engine = make_engine(empty_database_url)
    yield engine
    engine.dispose()


def test_the_history_is_one_line_from_the_first_revision() -> None:
    script = ScriptDirectory.from_config(alembic_config())
    assert len(script.get_heads()) == 1, "two migrations have the same down_revision: chain the newer one"
    assert [r.revision for r in script.walk_revisions()][-1] == FIRST


def test_an_empty_database_reaches_head_with_every_table(engine: Engine) -> None:
    upgrade(engine)
    assert current_revisions(engine) == head_revisions()
    import_models()
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())


def test_head_matches_the_models(engine: Engine) -> None:
    """A table or column declared in a model without a migration (or the reverse) fails here."""
    upgrade(engine)
    import_models()
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_upgrading_twice_changes_nothing(engine: Engine) -> None:
    upgrade(engine)
    upgrade(engine)
    assert current_revisions(engine) == head_revisions()


def test_a_database_from_the_first_revision_keeps_its_rows(engine: Engine) -> None:
    upgrade(engine, FIRST)
    assert current_revisions(engine) == {FIRST}
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO users (id, ref, openid, unionid, inviter, created_at) "
                "VALUES (1, 'ref-1', 'openid-1', 'union-1', NULL, :at), (2, 'ref-2', 'openid-2', NULL, 'ref-1', :at)"
            ),
            {"at": "2026-01-02 03:04:05+00:00"},
        )
        connection.execute(
            text("INSERT INTO sessions (user_id, token_hash, created_at, expires_at) VALUES (2, :hash, :at, :at)"),
            {"hash": "a" * 64, "at": "2026-01-02 03:04:05+00:00"},
        )
    upgrade(engine)
    assert current_revisions(engine) == head_revisions()
    with engine.connect() as connection:
        users = connection.execute(text("SELECT id, ref, openid, unionid, inviter FROM users ORDER BY id")).all()
        sessions = connection.execute(text("SELECT user_id, token_hash FROM sessions")).all()
    assert [tuple(u) for u in users] == [
        (1, "ref-1", "openid-1", "union-1", None),
        (2, "ref-2", "openid-2", None, "ref-1"),
    ]
    assert [tuple(s) for s in sessions] == [(2, "a" * 64)]


def test_foreign_keys_hold_after_the_upgrade(engine: Engine) -> None:
    upgrade(engine)
    with engine.connect() as connection:
        with pytest.raises(Exception, match="(?i)foreign key"):
            connection.execute(
                text("INSERT INTO sessions (user_id, token_hash, created_at, expires_at) VALUES (99, 'h', :at, :at)"),
                {"at": "2026-01-02 03:04:05+00:00"},
            )

"""Alembic's entry for the shop's database: runs on the connection generator.server.migrate hands over
(no alembic.ini, no logging setup of its own); SQLite changes tables in batch mode (copy and rename)."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from generator.server.db import Base, import_models

import_models()


def run() -> None:
    connection: Connection | None = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run the migrations through generator.server.migrate, which passes the connection")
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run()

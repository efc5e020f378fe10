"""Events and visitors (POST /events), the Official Account's article reads, and what the console needs of
orders (shipping, the refunded amount) and forms (handled).

Revision ID: v0008
Revises: v0007
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from generator.server.db import UtcDateTime

revision = "v0008"
down_revision = "v0007"
branch_labels = None
depends_on = None

EventId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("id", EventId, nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("platform", sa.String(length=4), nullable=False),
        sa.Column("install_id", sa.String(length=40), nullable=False),
        sa.Column("session_id", sa.String(length=40), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("scene", sa.Integer(), nullable=True),
        sa.Column("page", sa.String(length=128), nullable=False),
        sa.Column("duration_ms", sa.BigInteger(), nullable=True),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("client_at", UtcDateTime(), nullable=True),
        sa.Column("server_at", UtcDateTime(), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_events_user_id_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
    )
    op.create_index("ix_events_day_name", "events", ["day", "name"])
    op.create_index("ix_events_install_id_day", "events", ["install_id", "day"])
    op.create_index(
        "ix_events_name_day_metrics",
        "events",
        ["name", "day", "platform", "install_id", "session_id", "duration_ms"],
    )
    op.create_table(
        "visitors",
        sa.Column("install_id", sa.String(length=40), nullable=False),
        sa.Column("platform", sa.String(length=4), nullable=False),
        sa.Column("first_day", sa.String(length=10), nullable=False),
        sa.Column("first_scene", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_visitors_user_id_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("install_id", name=op.f("pk_visitors")),
    )
    op.create_index(op.f("ix_visitors_first_day"), "visitors", ["first_day"])
    op.create_index(op.f("ix_visitors_user_id"), "visitors", ["user_id"])
    op.create_table(
        "visitor_days",
        sa.Column("install_id", sa.String(length=40), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("platform", sa.String(length=4), nullable=False),
        sa.ForeignKeyConstraint(
            ["install_id"],
            ["visitors.install_id"],
            name=op.f("fk_visitor_days_install_id_visitors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("install_id", "day", name=op.f("pk_visitor_days")),
    )
    op.create_index(op.f("ix_visitor_days_day"), "visitor_days", ["day"])
    op.create_table(
        "article_reads",
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("reads", sa.Integer(), nullable=False),
        sa.Column("readers", sa.Integer(), nullable=False),
        sa.Column("shares", sa.Integer(), nullable=False),
        sa.Column("fetched_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_article_reads")),
    )
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("refunded_fen", sa.BigInteger(), server_default="0", nullable=False))
        batch.add_column(sa.Column("carrier", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("tracking_no", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("shipped_at", UtcDateTime(), nullable=True))
        batch.create_index("ix_orders_paid_at", ["paid_at"])
        batch.create_index("ix_orders_paid_at_metrics", ["paid_at", "user_id", "paid_fen", "total_fen", "refunded_fen"])
    with op.batch_alter_table("form_submissions") as batch:
        batch.add_column(sa.Column("handled_at", UtcDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("form_submissions") as batch:
        batch.drop_column("handled_at")
    with op.batch_alter_table("orders") as batch:
        batch.drop_index("ix_orders_paid_at_metrics")
        batch.drop_index("ix_orders_paid_at")
        batch.drop_column("shipped_at")
        batch.drop_column("tracking_no")
        batch.drop_column("carrier")
        batch.drop_column("refunded_fen")
    op.drop_table("article_reads")
    op.drop_index(op.f("ix_visitor_days_day"), table_name="visitor_days")
    op.drop_table("visitor_days")
    op.drop_index(op.f("ix_visitors_user_id"), table_name="visitors")
    op.drop_index(op.f("ix_visitors_first_day"), table_name="visitors")
    op.drop_table("visitors")
    op.drop_index("ix_events_name_day_metrics", table_name="events")
    op.drop_index("ix_events_install_id_day", table_name="events")
    op.drop_index("ix_events_day_name", table_name="events")
    op.drop_table("events")

"""WeChat Pay notify nonces: a replayed notify is refused by every worker.

Revision ID: v0004
Revises: v0003
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "v0004"
down_revision = "v0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notify_nonces",
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("nonce", name=op.f("pk_notify_nonces")),
    )
    op.create_index(op.f("ix_notify_nonces_timestamp"), "notify_nonces", ["timestamp"])


def downgrade() -> None:
    op.drop_table("notify_nonces")

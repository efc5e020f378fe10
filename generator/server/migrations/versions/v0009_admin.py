"""The merchant console: operators, their sessions, failed logins, the audit log and paused coupons.

Revision ID: v0009
Revises: v0008
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from generator.server.db import UtcDateTime

revision = "v0009"
down_revision = "v0008"
branch_labels = None
depends_on = None


def _operator_fk(table: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["operator_id"], ["admin_operators.id"], name=op.f(f"fk_{table}_operator_id_admin_operators"), ondelete=ondelete
    )


def upgrade() -> None:
    op.create_table(
        "admin_operators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=40), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("disabled_at", UtcDateTime(), nullable=True),
        sa.CheckConstraint("role IN ('owner', 'operator')", name=op.f("ck_admin_operators_role_known")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_operators")),
        sa.UniqueConstraint("username", name=op.f("uq_admin_operators_username")),
    )
    op.create_table(
        "admin_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("last_seen_at", UtcDateTime(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        _operator_fk("admin_sessions", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_admin_sessions_token_hash")),
    )
    op.create_index(op.f("ix_admin_sessions_operator_id"), "admin_sessions", ["operator_id"])
    op.create_index(op.f("ix_admin_sessions_expires_at"), "admin_sessions", ["expires_at"])
    op.create_table(
        "admin_login_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=40), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_login_failures")),
    )
    op.create_index("ix_admin_login_failures_username_at", "admin_login_failures", ["username", "at"])
    op.create_index("ix_admin_login_failures_address_at", "admin_login_failures", ["address", "at"])
    op.create_table(
        "admin_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=True),
        sa.Column("username", sa.String(length=40), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("target", sa.String(length=80), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        _operator_fk("admin_audit", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_audit")),
    )
    op.create_index(op.f("ix_admin_audit_operator_id"), "admin_audit", ["operator_id"])
    op.create_index(op.f("ix_admin_audit_at"), "admin_audit", ["at"])
    op.create_table(
        "coupon_pauses",
        sa.Column("coupon_id", sa.String(length=40), nullable=False),
        sa.Column("paused_at", UtcDateTime(), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=True),
        _operator_fk("coupon_pauses", "SET NULL"),
        sa.PrimaryKeyConstraint("coupon_id", name=op.f("pk_coupon_pauses")),
    )


def downgrade() -> None:
    op.drop_table("coupon_pauses")
    op.drop_index(op.f("ix_admin_audit_at"), table_name="admin_audit")
    op.drop_index(op.f("ix_admin_audit_operator_id"), table_name="admin_audit")
    op.drop_table("admin_audit")
    op.drop_index("ix_admin_login_failures_address_at", table_name="admin_login_failures")
    op.drop_index("ix_admin_login_failures_username_at", table_name="admin_login_failures")
    op.drop_table("admin_login_failures")
    op.drop_index(op.f("ix_admin_sessions_expires_at"), table_name="admin_sessions")
    op.drop_index(op.f("ix_admin_sessions_operator_id"), table_name="admin_sessions")
    op.drop_table("admin_sessions")
    op.drop_table("admin_operators")

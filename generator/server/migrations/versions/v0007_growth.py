"""Growth: points (users.points and its ledger), check-ins, invites, rewards, followers and their gift,
reminders; users.last_active_at for re-engagement.

Revision ID: v0007
Revises: v0006
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from generator.server.db import UtcDateTime

revision = "v0007"
down_revision = "v0006"
branch_labels = None
depends_on = None


def _user_fk(table: str, column: str = "user_id", ondelete: str = "CASCADE") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], ["users.id"], name=op.f(f"fk_{table}_{column}_users"), ondelete=ondelete)


def upgrade() -> None:
    # SQLite cannot add a CHECK to a table in place: batch mode copies it.
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("points", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("last_active_at", UtcDateTime(), nullable=True))
        batch.create_check_constraint(op.f("ck_users_points_not_negative"), "points >= 0")
        batch.create_index(op.f("ix_users_last_active_at"), ["last_active_at"])
    op.create_table(
        "points_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("delta", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("ref", sa.String(length=64), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        _user_fk("points_entries"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_points_entries")),
        sa.UniqueConstraint("user_id", "reason", "ref", name=op.f("uq_points_entries_user_id")),
    )
    op.create_index(op.f("ix_points_entries_user_id"), "points_entries", ["user_id"])
    op.create_table(
        "checkins",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("streak", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        _user_fk("checkins"),
        sa.PrimaryKeyConstraint("user_id", "day", name=op.f("pk_checkins")),
    )
    op.create_table(
        "invites",
        sa.Column("invitee_id", sa.Integer(), nullable=False),
        sa.Column("inviter_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        _user_fk("invites", "invitee_id"),
        _user_fk("invites", "inviter_id"),
        sa.PrimaryKeyConstraint("invitee_id", name=op.f("pk_invites")),
    )
    op.create_index(op.f("ix_invites_inviter_id"), "invites", ["inviter_id"])
    op.create_table(
        "rewards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=16), nullable=False),
        sa.Column("ref", sa.String(length=64), nullable=False),
        sa.Column("coupon_id", sa.String(length=40), nullable=True),
        sa.Column("coupon_code", sa.String(length=20), nullable=True),
        sa.Column("points", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        _user_fk("rewards"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rewards")),
        sa.UniqueConstraint("user_id", "rule", "ref", name=op.f("uq_rewards_user_id")),
    )
    op.create_index(op.f("ix_rewards_user_id"), "rewards", ["user_id"])
    op.create_table(
        "followers",
        sa.Column("openid", sa.String(length=64), nullable=False),
        sa.Column("unionid", sa.String(length=64), nullable=True),
        sa.Column("subscribed", sa.Boolean(), nullable=False),
        sa.Column("subscribed_at", UtcDateTime(), nullable=False),
        sa.Column("unsubscribed_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("openid", name=op.f("pk_followers")),
    )
    op.create_index(op.f("ix_followers_unionid"), "followers", ["unionid"])
    op.create_table(
        "follower_gifts",
        sa.Column("person", sa.String(length=80), nullable=False),
        sa.Column("openid", sa.String(length=64), nullable=False),
        sa.Column("unionid", sa.String(length=64), nullable=True),
        sa.Column("coupon_id", sa.String(length=40), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("granted_at", UtcDateTime(), nullable=True),
        _user_fk("follower_gifts", ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("person", name=op.f("pk_follower_gifts")),
    )
    op.create_index(op.f("ix_follower_gifts_unionid"), "follower_gifts", ["unionid"])
    op.create_index(op.f("ix_follower_gifts_user_id"), "follower_gifts", ["user_id"])
    op.create_table(
        "reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("inactive_since", UtcDateTime(), nullable=False),
        sa.Column("template_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        _user_fk("reminders"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminders")),
        sa.UniqueConstraint("user_id", "inactive_since", name=op.f("uq_reminders_user_id")),
    )
    op.create_index(op.f("ix_reminders_user_id"), "reminders", ["user_id"])


def downgrade() -> None:
    for table in ("reminders", "follower_gifts", "followers", "rewards", "invites", "checkins", "points_entries"):
        op.drop_table(table)
    with op.batch_alter_table("users") as batch:
        batch.drop_index(op.f("ix_users_last_active_at"))
        batch.drop_constraint(op.f("ck_users_points_not_negative"), type_="check")
        batch.drop_column("last_active_at")
        batch.drop_column("points")

"""Coupons: what is left of each declared coupon, and the coupons shoppers claimed.

Revision ID: v0005
Revises: v0004
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from generator.server.db import UtcDateTime

revision = "v0005"
down_revision = "v0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "coupon_stock",
        sa.Column("coupon_id", sa.String(length=40), nullable=False),
        sa.Column("remaining", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.CheckConstraint("remaining >= 0", name=op.f("ck_coupon_stock_remaining_not_negative")),
        sa.PrimaryKeyConstraint("coupon_id", name=op.f("pk_coupon_stock")),
    )
    op.create_table(
        "user_coupons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("coupon_id", sa.String(length=40), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("claimed_at", UtcDateTime(), nullable=False),
        sa.Column("valid_from", UtcDateTime(), nullable=False),
        sa.Column("valid_until", UtcDateTime(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("used_at", UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_user_coupons_order_id_orders"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_coupons_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_coupons")),
        sa.UniqueConstraint("code", name=op.f("uq_user_coupons_code")),
        sa.UniqueConstraint("user_id", "coupon_id", "seq", name=op.f("uq_user_coupons_user_id")),
    )
    op.create_index(op.f("ix_user_coupons_order_id"), "user_coupons", ["order_id"])
    op.create_index("ix_user_coupons_user_id_used", "user_coupons", ["user_id", "order_id"])


def downgrade() -> None:
    op.drop_table("user_coupons")
    op.drop_table("coupon_stock")

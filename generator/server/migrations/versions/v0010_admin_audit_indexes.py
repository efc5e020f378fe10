"""The console's audit log page and the operators' cumulative refund limit: indexes on admin_audit.

Revision ID: v0010
Revises: v0009
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

revision = "v0010"
down_revision = "v0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_admin_audit_action_id", "admin_audit", ["action", "id"])
    op.create_index("ix_admin_audit_username_id", "admin_audit", ["username", "id"])
    op.create_index("ix_admin_audit_target_action", "admin_audit", ["target", "action"])


def downgrade() -> None:
    op.drop_index("ix_admin_audit_target_action", table_name="admin_audit")
    op.drop_index("ix_admin_audit_username_id", table_name="admin_audit")
    op.drop_index("ix_admin_audit_action_id", table_name="admin_audit")

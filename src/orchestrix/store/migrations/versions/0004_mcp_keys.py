"""API keys of servers' MCP endpoints, and whether a server demands one.

Revision ID: mcp_keys_0001
Revises: 0003_server_secrets
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from orchestrix.store.types import UTCDateTime

revision = "mcp_keys_0001"
down_revision = "0003_server_secrets"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mcp_keys",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("server_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("last_used_at", UTCDateTime(), nullable=True),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_mcp_keys"),
        sa.UniqueConstraint("key_hash", name="uq_mcp_keys_key_hash"),
    )
    op.create_index("ix_mcp_keys_server_id", "mcp_keys", ["server_id"])
    op.create_table(
        "mcp_access",
        sa.Column("server_id", sa.String(64), nullable=False),
        sa.Column("require_key", sa.Boolean(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("server_id", name="pk_mcp_access"),
    )


def downgrade() -> None:
    op.drop_table("mcp_access")
    op.drop_index("ix_mcp_keys_server_id", table_name="mcp_keys")
    op.drop_table("mcp_keys")

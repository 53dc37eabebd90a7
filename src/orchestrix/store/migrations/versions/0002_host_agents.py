"""The host's agents: deployed tool graphs served by `orchestrix host` and the local target.

Revision ID: 0002
Revises: 0001
Create Date: 2025-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from orchestrix.store.types import JSONColumn, UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "host_agents",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("spec", JSONColumn, nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("server_id", sa.String(64), nullable=True),
        sa.Column("owner_id", sa.String(200), nullable=True),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("idempotency_key", sa.String(200), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_host_agents"),
        sa.UniqueConstraint("idempotency_key", name="uq_host_agents_idempotency_key"),
    )
    op.create_index("ix_host_agents_server_id", "host_agents", ["server_id"])


def downgrade() -> None:
    op.drop_index("ix_host_agents_server_id", table_name="host_agents")
    op.drop_table("host_agents")

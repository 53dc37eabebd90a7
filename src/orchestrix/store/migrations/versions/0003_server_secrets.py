"""Server secrets: named values per server, encrypted at rest (``{{ secrets.NAME }}``).

Revision ID: 0003_server_secrets
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from orchestrix.store.types import UTCDateTime

revision = "0003_server_secrets"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "server_secrets",
        sa.Column("server_id", sa.String(40), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["server_id"],
            ["servers.id"],
            name="fk_server_secrets_server_id_servers",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("server_id", "name", name="pk_server_secrets"),
    )


def downgrade() -> None:
    op.drop_table("server_secrets")

"""Deployments keep what is being done to them and the idempotency key sent to the target.

A row in ``deploying`` now says whether a deploy, a redeploy or an undeploy holds it
(``intent``) and with which key (``idempotency_key``, written before the target is called), so
every later transition is a compare-and-set on (status, key) and a crashed process's claim can
be finished the right way.

Revision ID: 0003_deployment_intent
Revises: mcp_keys_0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_deployment_intent"
down_revision = "mcp_keys_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("deployments") as batch:
        batch.add_column(sa.Column("intent", sa.String(16), nullable=True))
        batch.add_column(sa.Column("idempotency_key", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("deployments") as batch:
        batch.drop_column("idempotency_key")
        batch.drop_column("intent")

"""Alembic environment for the control-plane tables.

Migrations run through :func:`orchestrix.store.migrate.migrate`, which hands over an open
connection in ``config.attributes["connection"]``; nothing here reads a URL or the environment.
"""

from __future__ import annotations

from alembic import context

from orchestrix.store.migrate import VERSION_TABLE
from orchestrix.store.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "run control-plane migrations with orchestrix.store.migrate.migrate(engine); "
        "`orchestrix serve` does it at start"
    )

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    version_table=VERSION_TABLE,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()

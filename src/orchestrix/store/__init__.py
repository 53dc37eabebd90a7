"""The control-plane store: servers, versions, deployments, executions and API tokens.

SQLAlchemy 2 over SQLite (the embedded default) or PostgreSQL, with the Alembic migrations of
``migrations/`` run at start. Only this package talks to SQLAlchemy for the control plane; it
hands out the plain records of :mod:`orchestrix.store.records`.
"""

from orchestrix.store.migrate import migrate
from orchestrix.store.records import (
    DeploymentRecord,
    ExecutionRecord,
    ServerRecord,
    TokenRecord,
    VersionRecord,
)
from orchestrix.store.servers import new_server_id
from orchestrix.store.store import Store

__all__ = [
    "DeploymentRecord",
    "ExecutionRecord",
    "ServerRecord",
    "Store",
    "TokenRecord",
    "VersionRecord",
    "migrate",
    "new_server_id",
]

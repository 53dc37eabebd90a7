"""The control-plane tables: servers, their versions, deployments, executions and API tokens.

These ORM classes stay inside :mod:`orchestrix.store`; everything outside reads the plain
records of :mod:`orchestrix.store.records`. The Alembic tree in ``migrations/`` creates exactly
these tables (a test compares the two on SQLite and PostgreSQL).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from orchestrix.store.types import BigIntKey, JSONColumn, UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

OWNER_LENGTH = 200
#: Deployment states that hold the server's one live deployment (see ``uq_deployments_live``).
LIVE_DEPLOYMENT_STATES = ("deploying", "deployed")
_LIVE = text("status IN ('deploying', 'deployed')")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class ServerRow(Base):
    """An MCP server: a named workflow with an owner, a current version and a local runtime."""

    __tablename__ = "servers"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    owner_id: Mapped[str] = mapped_column(String(OWNER_LENGTH))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    current_version: Mapped[int] = mapped_column(Integer)
    runtime_status: Mapped[str] = mapped_column(String(16), default="stopped")
    runtime_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_servers_owner_created", "owner_id", "created_at"),)


class VersionRow(Base):
    """Every saved spec of a server: who saved it, when, and why."""

    __tablename__ = "versions"

    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True, autoincrement=True)
    server_id: Mapped[str] = mapped_column(ForeignKey("servers.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    spec: Mapped[dict[str, Any]] = mapped_column(JSONColumn)
    author: Mapped[str] = mapped_column(String(OWNER_LENGTH))
    summary: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("server_id", "version", name="uq_versions_server_version"),)


class DeploymentRow(Base):
    """A deployment of one version of a server to a target (``archestra``, ``local``...).

    At most one deployment per server is live (``deploying`` or ``deployed``): a partial unique
    index makes a second concurrent deploy fail in the database, not in a check before it.
    """

    __tablename__ = "deployments"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    server_id: Mapped[str] = mapped_column(ForeignKey("servers.id", ondelete="CASCADE"), index=True)
    target: Mapped[str] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    agent_id: Mapped[str | None] = mapped_column(String(200), nullable=True, index=True)
    endpoint: Mapped[str | None] = mapped_column(Text, nullable=True)
    dashboard_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    deployed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # What holds a `deploying` row (deploy, redeploy, undeploy) and the key sent to the target;
    # written before the target is called (migration 0003_deployment_intent).
    intent: Mapped[str | None] = mapped_column(String(16), nullable=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(64), nullable=True)

    __table_args__ = (
        Index(
            "uq_deployments_live",
            "server_id",
            unique=True,
            sqlite_where=_LIVE,
            postgresql_where=_LIVE,
        ),
    )


class ExecutionRow(Base):
    """One run of a server's workflow; the input and body are stored redacted."""

    __tablename__ = "executions"

    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True, autoincrement=True)
    server_id: Mapped[str] = mapped_column(ForeignKey("servers.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(16))
    status: Mapped[int] = mapped_column(Integer)
    input: Mapped[Any] = mapped_column(JSONColumn, nullable=True)
    body: Mapped[Any] = mapped_column(JSONColumn, nullable=True)
    logs: Mapped[list[dict[str, Any]]] = mapped_column(JSONColumn)
    duration_ms: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_executions_server_created", "server_id", "created_at"),)


class ApiTokenRow(Base):
    """An API token: only its SHA-256 is kept; the token is shown once, when created."""

    __tablename__ = "api_tokens"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    owner_id: Mapped[str] = mapped_column(String(OWNER_LENGTH), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ServerSecretRow(Base):
    """A named secret of a server (an upstream API key, a webhook secret...), encrypted.

    ``value`` holds ``fernet:<token>`` (:mod:`orchestrix.runtime.cipher`): the database alone
    never gives a value back. Specs reference a secret as ``{{ secrets.NAME }}``.
    """

    __tablename__ = "server_secrets"

    server_id: Mapped[str] = mapped_column(
        ForeignKey("servers.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

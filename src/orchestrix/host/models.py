"""The host's table: one row per deployed agent, shared by every host worker.

It lives on the control plane's declarative base and Alembic tree (``0002_host_agents``), so
``orchestrix serve`` with the ``local`` target and ``orchestrix host`` use one migration path.
``revision`` grows on every replace: workers compare it to their cache to pick up a new
version without a restart.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from orchestrix.store.models import OWNER_LENGTH, Base
from orchestrix.store.types import JSONColumn, UTCDateTime


class HostAgentRow(Base):
    """A deployed tool graph, served at ``/agents/{id}``; its data namespace is its id."""

    __tablename__ = "host_agents"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    #: The workflow as the host runs it (orchestrix/v1, camelCase).
    spec: Mapped[dict[str, Any]] = mapped_column(JSONColumn)
    revision: Mapped[int] = mapped_column(Integer)
    server_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    owner_id: Mapped[str | None] = mapped_column(String(OWNER_LENGTH), nullable=True)
    #: The control plane's version number of the deployed spec (metadata.version).
    version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: ``Idempotency-Key`` of the request that created it: a retried POST finds this agent.
    idempotency_key: Mapped[str | None] = mapped_column(String(200), nullable=True, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

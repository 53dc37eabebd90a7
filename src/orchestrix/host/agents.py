"""The host's agents in the shared database: create, replace, delete, read.

Every host worker reads from here, so a deployment accepted by one worker is served by all of
them. A replace is one conditional ``UPDATE ... SET revision = revision + 1``: two concurrent
replaces both land, in some order, and every worker notices the new revision.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from orchestrix.errors import NotFoundError
from orchestrix.host.models import HostAgentRow
from orchestrix.store.types import utcnow

AGENT_ID_PREFIX = "agt_"


def new_agent_id() -> str:
    """``agt_`` and 22 URL-safe characters (128 random bits)."""
    return AGENT_ID_PREFIX + secrets.token_urlsafe(16)


def agent_not_found(agent_id: str) -> NotFoundError:
    return NotFoundError("Agent not found", {"agentId": agent_id})


@dataclass(frozen=True)
class AgentRecord:
    id: str
    name: str
    description: str
    spec: dict[str, Any]
    revision: int
    server_id: str | None
    owner_id: str | None
    version: int | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class AgentSource:
    """Where a deployed graph came from (the request's ``metadata``)."""

    server_id: str | None = None
    owner_id: str | None = None
    version: int | None = None


def _record(row: HostAgentRow) -> AgentRecord:
    return AgentRecord(
        id=row.id,
        name=row.name,
        description=row.description,
        spec=row.spec,
        revision=row.revision,
        server_id=row.server_id,
        owner_id=row.owner_id,
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class AgentRepository:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def create(
        self,
        spec: dict[str, Any],
        source: AgentSource,
        *,
        idempotency_key: str | None = None,
    ) -> tuple[AgentRecord, bool]:
        """A new agent at revision 1; ``(record, created)``. A request whose
        ``idempotency_key`` was seen before gets that agent back (``created`` false)."""
        now = utcnow()
        row = HostAgentRow(
            id=new_agent_id(),
            name=str(spec.get("name", "")),
            description=str(spec.get("description", "")),
            spec=spec,
            revision=1,
            server_id=source.server_id,
            owner_id=source.owner_id,
            version=source.version,
            idempotency_key=idempotency_key,
            created_at=now,
            updated_at=now,
        )
        try:
            async with self._sessions.begin() as session:
                session.add(row)
        except IntegrityError:
            if idempotency_key is None:
                raise
            existing = await self._by_key(idempotency_key)
            if existing is None:
                raise
            return existing, False
        return await self.require(row.id), True

    async def _by_key(self, key: str) -> AgentRecord | None:
        query = select(HostAgentRow).where(HostAgentRow.idempotency_key == key)
        async with self._sessions() as session:
            row = (await session.scalars(query)).first()
        return _record(row) if row is not None else None

    async def replace(
        self, agent_id: str, spec: dict[str, Any], source: AgentSource
    ) -> AgentRecord:
        """Serve ``spec`` at ``agent_id`` from the next request on (revision + 1)."""
        values: dict[str, Any] = {
            "name": str(spec.get("name", "")),
            "description": str(spec.get("description", "")),
            "spec": spec,
            "revision": HostAgentRow.revision + 1,
            "updated_at": utcnow(),
        }
        for key in ("server_id", "owner_id", "version"):
            if getattr(source, key) is not None:
                values[key] = getattr(source, key)
        async with self._sessions.begin() as session:
            result = await session.execute(
                update(HostAgentRow)
                .where(HostAgentRow.id == agent_id)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            if getattr(result, "rowcount", 1) != 1:
                raise agent_not_found(agent_id)
        return await self.require(agent_id)

    async def delete(self, agent_id: str) -> bool:
        """Remove the agent; False when there was none. Its stored data is kept."""
        async with self._sessions.begin() as session:
            result = await session.execute(delete(HostAgentRow).where(HostAgentRow.id == agent_id))
        return bool(getattr(result, "rowcount", 0))

    async def get(self, agent_id: str) -> AgentRecord | None:
        async with self._sessions() as session:
            row = await session.get(HostAgentRow, agent_id)
        return _record(row) if row is not None else None

    async def require(self, agent_id: str) -> AgentRecord:
        record = await self.get(agent_id)
        if record is None:
            raise agent_not_found(agent_id)
        return record

    async def revision(self, agent_id: str) -> int | None:
        """The agent's revision (one indexed read), or None when it is not deployed."""
        query = select(HostAgentRow.revision).where(HostAgentRow.id == agent_id)
        async with self._sessions() as session:
            value = (await session.execute(query)).scalar_one_or_none()
        return int(value) if value is not None else None

    async def list(self, *, server_id: str | None = None, limit: int = 200) -> list[AgentRecord]:
        query = select(HostAgentRow).order_by(HostAgentRow.created_at.desc()).limit(limit)
        if server_id is not None:
            query = query.where(HostAgentRow.server_id == server_id)
        async with self._sessions() as session:
            rows = (await session.scalars(query)).all()
        return [_record(row) for row in rows]

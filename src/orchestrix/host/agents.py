"""The host's agents in the shared database: create, replace, delete, read.

Every host worker reads from here, so a deployment accepted by one worker is served by all of
them. A replace is one conditional ``UPDATE ... SET revision = revision + 1``: two concurrent
replaces both land, in some order, and every worker notices the new revision. On PostgreSQL a
replace or delete also sends ``NOTIFY orchestrix_agents, '<agentId>'`` in its transaction, so
the listening workers hear of it on commit (see :mod:`orchestrix.host.runtime`).

A failure to reach the database is raised as ``DatabaseUnavailable`` (503); a read whose
pooled connection turned out dead is retried once on a fresh one.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ParamSpec, TypeVar

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from orchestrix.errors import NotFoundError
from orchestrix.host.models import HostAgentRow
from orchestrix.runtime.database import is_unreachable, unavailable
from orchestrix.store.types import utcnow

AGENT_ID_PREFIX = "agt_"
#: The PostgreSQL channel on which replaces and deletes are announced (payload: the agent id).
CHANNEL = "orchestrix_agents"

_P = ParamSpec("_P")
_R = TypeVar("_R")


def _reaching(
    *, retry: bool
) -> Callable[[Callable[_P, Awaitable[_R]]], Callable[_P, Awaitable[_R]]]:
    """A failure to reach the database becomes ``DatabaseUnavailable``; with ``retry`` (reads
    only: a write may have landed), a connection found dead is retried once."""

    def wrap(method: Callable[_P, Awaitable[_R]]) -> Callable[_P, Awaitable[_R]]:
        @functools.wraps(method)
        async def call(*args: _P.args, **kwargs: _P.kwargs) -> _R:
            try:
                return await method(*args, **kwargs)
            except Exception as e:
                if not is_unreachable(e):
                    raise
                dead = isinstance(e, DBAPIError) and e.connection_invalidated
                if not (retry and dead):
                    raise unavailable(e) from e
            try:
                return await method(*args, **kwargs)
            except Exception as e:
                if is_unreachable(e):
                    raise unavailable(e) from e
                raise

        return call

    return wrap


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
    def __init__(self, sessions: async_sessionmaker[AsyncSession], *, notify: bool = False) -> None:
        self._sessions = sessions
        self._notify = notify

    async def _announce(self, session: AsyncSession, agent_id: str) -> None:
        if self._notify:
            await session.execute(select(func.pg_notify(CHANNEL, agent_id)))

    @_reaching(retry=False)
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

    @_reaching(retry=True)
    async def _by_key(self, key: str) -> AgentRecord | None:
        query = select(HostAgentRow).where(HostAgentRow.idempotency_key == key)
        async with self._sessions() as session:
            row = (await session.scalars(query)).first()
        return _record(row) if row is not None else None

    @_reaching(retry=False)
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
            await self._announce(session, agent_id)
        return await self.require(agent_id)

    @_reaching(retry=False)
    async def delete(self, agent_id: str) -> bool:
        """Remove the agent; False when there was none. Its stored data is kept."""
        async with self._sessions.begin() as session:
            result = await session.execute(delete(HostAgentRow).where(HostAgentRow.id == agent_id))
            await self._announce(session, agent_id)
        return bool(getattr(result, "rowcount", 0))

    @_reaching(retry=True)
    async def get(self, agent_id: str) -> AgentRecord | None:
        async with self._sessions() as session:
            row = await session.get(HostAgentRow, agent_id)
        return _record(row) if row is not None else None

    async def require(self, agent_id: str) -> AgentRecord:
        record = await self.get(agent_id)
        if record is None:
            raise agent_not_found(agent_id)
        return record

    @_reaching(retry=True)
    async def revision(self, agent_id: str) -> int | None:
        """The agent's revision (one indexed read), or None when it is not deployed."""
        query = select(HostAgentRow.revision).where(HostAgentRow.id == agent_id)
        async with self._sessions() as session:
            value = (await session.execute(query)).scalar_one_or_none()
        return int(value) if value is not None else None

    @_reaching(retry=True)
    async def revisions(self, agent_ids: Sequence[str]) -> dict[str, int]:
        """The revisions of those of ``agent_ids`` that are deployed (one query)."""
        query = select(HostAgentRow.id, HostAgentRow.revision).where(
            HostAgentRow.id.in_(list(agent_ids))
        )
        async with self._sessions() as session:
            rows = (await session.execute(query)).all()
        return {str(row[0]): int(row[1]) for row in rows}

    @_reaching(retry=True)
    async def list(self, *, server_id: str | None = None, limit: int = 200) -> list[AgentRecord]:
        query = select(HostAgentRow).order_by(HostAgentRow.created_at.desc()).limit(limit)
        if server_id is not None:
            query = query.where(HostAgentRow.server_id == server_id)
        async with self._sessions() as session:
            rows = (await session.scalars(query)).all()
        return [_record(row) for row in rows]

"""Servers and their versions: create, read, save with optimistic concurrency, runtime state."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, and_, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from orchestrix.errors import Conflict, NotFoundError
from orchestrix.store.deployments import to_deployment
from orchestrix.store.models import DeploymentRow, ServerRow, VersionRow
from orchestrix.store.records import ServerRecord, VersionRecord
from orchestrix.store.types import new_id, utcnow

SERVER_ID_PREFIX = "mcp_"
RUNTIME_STATES = ("running", "stopped")


def new_server_id() -> str:
    """``mcp_`` and 22 URL-safe characters (128 random bits)."""
    return new_id(SERVER_ID_PREFIX)


def server_not_found(server_id: str) -> NotFoundError:
    """The same answer for a missing server and another owner's: nothing leaks."""
    return NotFoundError("Server not found", {"serverId": server_id})


def _server_query() -> Select[tuple[ServerRow, dict[str, Any], DeploymentRow | None]]:
    return (
        select(ServerRow, VersionRow.spec, DeploymentRow)
        .join(
            VersionRow,
            and_(
                VersionRow.server_id == ServerRow.id,
                VersionRow.version == ServerRow.current_version,
            ),
        )
        .outerjoin(
            DeploymentRow,
            and_(DeploymentRow.server_id == ServerRow.id, DeploymentRow.status == "deployed"),
        )
    )


def _to_server(row: ServerRow, spec: dict[str, Any], dep: DeploymentRow | None) -> ServerRecord:
    return ServerRecord(
        id=row.id,
        owner_id=row.owner_id,
        name=row.name,
        description=row.description,
        version=row.current_version,
        spec=spec,
        runtime_status=row.runtime_status,
        runtime_started_at=row.runtime_started_at,
        created_at=row.created_at,
        updated_at=row.updated_at,
        deployment=to_deployment(dep) if dep is not None else None,
    )


def _to_version(row: VersionRow) -> VersionRecord:
    return VersionRecord(
        server_id=row.server_id,
        version=row.version,
        spec=row.spec,
        author=row.author,
        summary=row.summary,
        created_at=row.created_at,
    )


class ServerRepository:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def create(
        self,
        *,
        owner_id: str,
        name: str,
        description: str,
        spec: dict[str, Any],
        summary: str,
        author: str | None = None,
        server_id: str | None = None,
    ) -> ServerRecord:
        """A new server at version 1."""
        now = utcnow()
        sid = server_id or new_server_id()
        async with self._sessions.begin() as session:
            session.add(
                ServerRow(
                    id=sid,
                    owner_id=owner_id,
                    name=name,
                    description=description,
                    current_version=1,
                    runtime_status="stopped",
                    runtime_started_at=None,
                    created_at=now,
                    updated_at=now,
                )
            )
            await session.flush()
            session.add(
                VersionRow(
                    server_id=sid,
                    version=1,
                    spec=spec,
                    author=author or owner_id,
                    summary=summary,
                    created_at=now,
                )
            )
        return await self.get(sid)

    async def find(self, server_id: str) -> ServerRecord | None:
        """The server whoever owns it (the runtime endpoints serve it to anyone)."""
        async with self._sessions() as session:
            found = (
                await session.execute(_server_query().where(ServerRow.id == server_id))
            ).first()
        return _to_server(*found) if found is not None else None

    async def get(self, server_id: str, owner_id: str | None = None) -> ServerRecord:
        """The server; NotFoundError when missing or (with ``owner_id``) another owner's."""
        record = await self.find(server_id)
        if record is None or (owner_id is not None and record.owner_id != owner_id):
            raise server_not_found(server_id)
        return record

    async def owned_by(
        self, owner_id: str, *, limit: int = 100, offset: int = 0
    ) -> list[ServerRecord]:
        """The owner's servers, newest first."""
        query = (
            _server_query()
            .where(ServerRow.owner_id == owner_id)
            .order_by(ServerRow.created_at.desc(), ServerRow.id)
            .limit(limit)
            .offset(offset)
        )
        async with self._sessions() as session:
            rows = (await session.execute(query)).all()
        return [_to_server(*row) for row in rows]

    async def save(
        self,
        server_id: str,
        owner_id: str,
        *,
        name: str,
        description: str,
        spec: dict[str, Any],
        summary: str,
        author: str | None = None,
        base_version: int | None = None,
    ) -> ServerRecord:
        """Store ``spec`` as the next version.

        With ``base_version`` the save only applies on top of that version; either way, of two
        concurrent saves on one version only one wins (a conditional UPDATE), the other is a
        409 ``Conflict``.
        """
        now = utcnow()
        async with self._sessions.begin() as session:
            row = await session.get(ServerRow, server_id)
            if row is None or row.owner_id != owner_id:
                raise server_not_found(server_id)
            current = row.current_version
            if base_version is not None and base_version != current:
                raise Conflict(
                    f"Version {base_version} is not the current version of the server; "
                    "reload it and save again",
                    {"serverId": server_id, "baseVersion": base_version, "currentVersion": current},
                )
            result = await session.execute(
                update(ServerRow)
                .where(ServerRow.id == server_id, ServerRow.current_version == current)
                .values(
                    current_version=current + 1,
                    name=name,
                    description=description,
                    updated_at=now,
                )
                .execution_options(synchronize_session=False)
            )
            if getattr(result, "rowcount", 1) != 1:
                raise Conflict(
                    "The server was saved by someone else at the same time; reload it",
                    {"serverId": server_id, "baseVersion": current},
                )
            session.add(
                VersionRow(
                    server_id=server_id,
                    version=current + 1,
                    spec=spec,
                    author=author or owner_id,
                    summary=summary,
                    created_at=now,
                )
            )
        return await self.get(server_id)

    async def delete(self, server_id: str, owner_id: str) -> None:
        """Remove the server with its versions, executions and deployment records."""
        async with self._sessions.begin() as session:
            row = await session.get(ServerRow, server_id)
            if row is None or row.owner_id != owner_id:
                raise server_not_found(server_id)
            await session.execute(delete(ServerRow).where(ServerRow.id == server_id))

    async def versions(self, server_id: str, owner_id: str) -> list[VersionRecord]:
        """Every version, newest first."""
        await self.get(server_id, owner_id)
        query = (
            select(VersionRow)
            .where(VersionRow.server_id == server_id)
            .order_by(VersionRow.version.desc())
        )
        async with self._sessions() as session:
            rows = (await session.scalars(query)).all()
        return [_to_version(row) for row in rows]

    async def version(self, server_id: str, owner_id: str, version: int) -> VersionRecord:
        await self.get(server_id, owner_id)
        query = select(VersionRow).where(
            VersionRow.server_id == server_id, VersionRow.version == version
        )
        async with self._sessions() as session:
            row = (await session.scalars(query)).first()
        if row is None:
            raise NotFoundError(
                f"Version {version} not found", {"serverId": server_id, "version": version}
            )
        return _to_version(row)

    async def set_runtime(self, server_id: str, owner_id: str, status: str) -> ServerRecord:
        """Record the local runtime as ``running`` or ``stopped`` (it survives restarts)."""
        if status not in RUNTIME_STATES:
            raise ValueError(f"unknown runtime status {status!r}")
        async with self._sessions.begin() as session:
            row = await session.get(ServerRow, server_id)
            if row is None or row.owner_id != owner_id:
                raise server_not_found(server_id)
            if row.runtime_status != status:
                row.runtime_status = status
                row.runtime_started_at = utcnow() if status == "running" else None
        return await self.get(server_id)

    async def count(self, owner_id: str) -> int:
        query = select(func.count()).select_from(ServerRow).where(ServerRow.owner_id == owner_id)
        async with self._sessions() as session:
            return int((await session.execute(query)).scalar_one())

"""Executions: every run of a server's workflow, newest first."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from orchestrix.errors import NotFoundError
from orchestrix.store.models import ExecutionRow
from orchestrix.store.records import ExecutionRecord
from orchestrix.store.types import utcnow

EXECUTION_SOURCES = ("run", "runtime", "mcp", "chat")


def _to_execution(row: ExecutionRow) -> ExecutionRecord:
    return ExecutionRecord(
        id=row.id,
        server_id=row.server_id,
        version=row.version,
        source=row.source,
        status=row.status,
        input=row.input,
        body=row.body,
        logs=row.logs,
        duration_ms=row.duration_ms,
        created_at=row.created_at,
    )


class ExecutionRepository:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def record(
        self,
        server_id: str,
        *,
        version: int,
        source: str,
        status: int,
        input: Any,
        body: Any,
        logs: list[dict[str, Any]],
        duration_ms: float,
    ) -> ExecutionRecord:
        """Store one run. The caller redacts ``input`` and ``body`` first."""
        row = ExecutionRow(
            server_id=server_id,
            version=version,
            source=source,
            status=status,
            input=input,
            body=body,
            logs=logs,
            duration_ms=duration_ms,
            created_at=utcnow(),
        )
        async with self._sessions.begin() as session:
            session.add(row)
            await session.flush()
            record = _to_execution(row)
        return record

    async def page(
        self, server_id: str, *, limit: int = 20, offset: int = 0
    ) -> tuple[list[ExecutionRecord], int]:
        """A page of the server's executions, newest first, and how many there are."""
        query = (
            select(ExecutionRow)
            .where(ExecutionRow.server_id == server_id)
            .order_by(ExecutionRow.created_at.desc(), ExecutionRow.id.desc())
            .limit(limit)
            .offset(offset)
        )
        count = select(func.count()).select_from(ExecutionRow)
        count = count.where(ExecutionRow.server_id == server_id)
        async with self._sessions() as session:
            rows = (await session.scalars(query)).all()
            total = int((await session.execute(count)).scalar_one())
        return [_to_execution(row) for row in rows], total

    async def get(self, server_id: str, execution_id: int) -> ExecutionRecord:
        async with self._sessions() as session:
            row = await session.get(ExecutionRow, execution_id)
        if row is None or row.server_id != server_id:
            raise NotFoundError(
                "Execution not found", {"serverId": server_id, "executionId": execution_id}
            )
        return _to_execution(row)

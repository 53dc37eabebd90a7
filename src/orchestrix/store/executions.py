"""Executions: every run of a server's workflow, newest first."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from orchestrix.errors import NotFoundError
from orchestrix.store.models import ExecutionRow
from orchestrix.store.records import ExecutionRecord
from orchestrix.store.types import utcnow

EXECUTION_SOURCES = ("run", "runtime", "mcp", "chat")
#: The status of a run that has begun and not finished (or whose process stopped mid-run).
IN_PROGRESS = 0


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


#: Pruning runs at most this often per server and process, not on every run.
PRUNE_EVERY = 60.0


class ExecutionRepository:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._pruned_at: dict[str, float] = {}

    def _due(self, server_id: str) -> bool:
        now = time.monotonic()
        last = self._pruned_at.get(server_id)
        if last is not None and now - last < PRUNE_EVERY:
            return False
        if len(self._pruned_at) > 10_000:
            self._pruned_at.clear()
        self._pruned_at[server_id] = now
        return True

    async def begin(self, server_id: str, *, version: int, source: str) -> int:
        """Record that a run starts (status 0, no input kept yet) and return its id.

        Written before the run touches any data, so a process killed mid-run leaves a row
        that says so (status 0) rather than data changes without any execution."""
        row = ExecutionRow(
            server_id=server_id,
            version=version,
            source=source,
            status=IN_PROGRESS,
            input=None,
            body=None,
            logs=[],
            duration_ms=0.0,
            created_at=utcnow(),
        )
        async with self._sessions.begin() as session:
            session.add(row)
            await session.flush()
            return int(row.id)

    async def finish(
        self,
        execution_id: int,
        *,
        status: int,
        input: Any,
        body: Any,
        logs: list[dict[str, Any]],
        duration_ms: float,
    ) -> ExecutionRecord | None:
        """The run's outcome, in one statement on the row :meth:`begin` wrote."""
        async with self._sessions.begin() as session:
            row = await session.get(ExecutionRow, execution_id, with_for_update=True)
            if row is None:  # pruned meanwhile
                return None
            row.status = status
            row.input = input
            row.body = body
            row.logs = logs
            row.duration_ms = duration_ms
            await session.flush()
            return _to_execution(row)

    async def discard(self, execution_id: int) -> None:
        async with self._sessions.begin() as session:
            await session.execute(delete(ExecutionRow).where(ExecutionRow.id == execution_id))

    async def begin_kept(
        self,
        server_id: str,
        *,
        retention: str,
        retention_days: int | None,
        version: int,
        source: str,
    ) -> int | None:
        """:meth:`begin` unless ``retention`` keeps nothing; prunes past ``retention_days``."""
        if retention_days is not None and self._due(server_id):
            await self.prune(server_id, older_than=timedelta(days=retention_days))
        if retention == "none":
            return None
        return await self.begin(server_id, version=version, source=source)

    async def finish_kept(
        self,
        execution_id: int | None,
        server_id: str,
        *,
        retention: str,
        version: int,
        source: str,
        status: int,
        input: Any,
        body: Any,
        logs: list[dict[str, Any]],
        duration_ms: float,
    ) -> ExecutionRecord:
        """The outcome as ``retention`` says (``all``; ``errors``: status 400 or more;
        ``none``). A run that is not kept gets a record with id 0 and no data."""
        kept = execution_id is not None and (retention == "all" or status >= 400)
        if kept and execution_id is not None:
            record = await self.finish(
                execution_id,
                status=status,
                input=input,
                body=body,
                logs=logs,
                duration_ms=duration_ms,
            )
            if record is not None:
                return record
        elif execution_id is not None:
            await self.discard(execution_id)
        return ExecutionRecord(
            id=0,
            server_id=server_id,
            version=version,
            source=source,
            status=status,
            input=None,
            body=None,
            logs=[],
            duration_ms=duration_ms,
            created_at=utcnow(),
        )

    async def prune(self, server_id: str | None, *, older_than: timedelta) -> int:
        """Delete executions older than ``older_than`` (of one server, or of all)."""
        query = delete(ExecutionRow).where(ExecutionRow.created_at < utcnow() - older_than)
        if server_id is not None:
            query = query.where(ExecutionRow.server_id == server_id)
        async with self._sessions.begin() as session:
            result = await session.execute(query)
        return int(getattr(result, "rowcount", 0) or 0)

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

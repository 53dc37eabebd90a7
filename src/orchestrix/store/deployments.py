"""Deployment records: at most one live deployment per server, claimed atomically.

The deploy flow is ``claim`` (a row in state ``deploying``; a second concurrent claim fails on
the partial unique index and answers 409), then the target is called, then ``complete`` (state
``deployed`` with the agent id and endpoints) or ``fail``. ``undeploy`` ends a live one. A new
version is ``begin_redeploy`` (the live row back to ``deploying``: one redeploy at a time) then
``supersede`` (the old row ``superseded``, a new ``deployed`` row), so the history keeps every
version that was served.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from orchestrix.errors import Conflict, NotFoundError
from orchestrix.store.models import LIVE_DEPLOYMENT_STATES, DeploymentRow
from orchestrix.store.records import DeploymentRecord
from orchestrix.store.types import new_id, utcnow


def to_deployment(row: DeploymentRow) -> DeploymentRecord:
    return DeploymentRecord(
        id=row.id,
        server_id=row.server_id,
        target=row.target,
        version=row.version,
        status=row.status,
        agent_id=row.agent_id,
        endpoint=row.endpoint,
        dashboard_url=row.dashboard_url,
        deployed_at=row.deployed_at,
        error=row.error,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class DeploymentRepository:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def live(self, server_id: str) -> DeploymentRecord | None:
        """The server's ``deploying`` or ``deployed`` deployment, if any."""
        query = select(DeploymentRow).where(
            DeploymentRow.server_id == server_id,
            DeploymentRow.status.in_(LIVE_DEPLOYMENT_STATES),
        )
        async with self._sessions() as session:
            row = (await session.scalars(query)).first()
        return to_deployment(row) if row is not None else None

    async def get(self, deployment_id: str) -> DeploymentRecord:
        async with self._sessions() as session:
            row = await session.get(DeploymentRow, deployment_id)
        if row is None:
            raise NotFoundError("Deployment not found", {"deploymentId": deployment_id})
        return to_deployment(row)

    async def by_agent(self, agent_id: str) -> DeploymentRecord | None:
        query = (
            select(DeploymentRow)
            .where(DeploymentRow.agent_id == agent_id)
            .order_by(DeploymentRow.created_at.desc())
        )
        async with self._sessions() as session:
            row = (await session.scalars(query)).first()
        return to_deployment(row) if row is not None else None

    async def history(self, server_id: str) -> list[DeploymentRecord]:
        query = (
            select(DeploymentRow)
            .where(DeploymentRow.server_id == server_id)
            .order_by(DeploymentRow.created_at.desc())
        )
        async with self._sessions() as session:
            rows = (await session.scalars(query)).all()
        return [to_deployment(row) for row in rows]

    async def claim(self, server_id: str, *, target: str, version: int) -> DeploymentRecord:
        """Start a deployment; ``Conflict`` when the server already has a live one."""
        now = utcnow()
        row = DeploymentRow(
            id=new_id("dep_"),
            server_id=server_id,
            target=target,
            version=version,
            status="deploying",
            created_at=now,
            updated_at=now,
        )
        try:
            async with self._sessions.begin() as session:
                session.add(row)
        except IntegrityError as e:
            live = await self.live(server_id)
            raise Conflict(
                "The server is already deployed or being deployed",
                {
                    "serverId": server_id,
                    "status": live.status if live else None,
                    "agentId": live.agent_id if live else None,
                },
            ) from e
        return await self.get(row.id)

    async def complete(
        self,
        deployment_id: str,
        *,
        agent_id: str,
        endpoint: str | None,
        dashboard_url: str | None,
        deployed_at: datetime | None = None,
        version: int | None = None,
    ) -> DeploymentRecord:
        """Mark a claimed deployment ``deployed`` (also used by a redeploy to move versions)."""
        async with self._sessions.begin() as session:
            row = await session.get(DeploymentRow, deployment_id)
            if row is None:
                raise NotFoundError("Deployment not found", {"deploymentId": deployment_id})
            row.status = "deployed"
            row.agent_id = agent_id
            row.endpoint = endpoint
            row.dashboard_url = dashboard_url
            row.deployed_at = deployed_at or utcnow()
            row.error = None
            if version is not None:
                row.version = version
            row.updated_at = utcnow()
        return await self.get(deployment_id)

    async def begin_redeploy(self, deployment_id: str) -> DeploymentRecord:
        """Claim a ``deployed`` deployment for a new version (state ``deploying``, still live);
        ``Conflict`` when it is not ``deployed`` any more (another redeploy or an undeploy)."""
        async with self._sessions.begin() as session:
            result = await session.execute(
                update(DeploymentRow)
                .where(DeploymentRow.id == deployment_id, DeploymentRow.status == "deployed")
                .values(status="deploying", updated_at=utcnow())
                .execution_options(synchronize_session=False)
            )
            if getattr(result, "rowcount", 1) != 1:
                raise Conflict(
                    "The deployment is being changed by another request",
                    {"deploymentId": deployment_id},
                )
        return await self.get(deployment_id)

    async def supersede(
        self,
        deployment_id: str,
        *,
        version: int,
        agent_id: str,
        endpoint: str | None,
        dashboard_url: str | None,
        deployed_at: datetime | None = None,
    ) -> DeploymentRecord:
        """End a claimed redeploy: in one transaction the old row becomes ``superseded`` and a
        new ``deployed`` row (same target, the new version) takes its place in the history."""
        now = utcnow()
        async with self._sessions.begin() as session:
            old = await session.get(DeploymentRow, deployment_id)
            if old is None or old.status != "deploying":
                raise Conflict(
                    "The deployment is not being redeployed", {"deploymentId": deployment_id}
                )
            old.status = "superseded"
            old.updated_at = now
            await session.flush()
            row = DeploymentRow(
                id=new_id("dep_"),
                server_id=old.server_id,
                target=old.target,
                version=version,
                status="deployed",
                agent_id=agent_id,
                endpoint=endpoint,
                dashboard_url=dashboard_url,
                deployed_at=deployed_at or now,
                created_at=now,
                updated_at=now,
            )
            session.add(row)
        return await self.get(row.id)

    async def fail(self, deployment_id: str, error: str) -> DeploymentRecord:
        """A claim whose target refused: no longer live, the reason kept."""
        return await self._set_status(deployment_id, "failed", error)

    async def undeploy(self, deployment_id: str) -> DeploymentRecord:
        return await self._set_status(deployment_id, "undeployed", None)

    async def _set_status(
        self, deployment_id: str, status: str, error: str | None
    ) -> DeploymentRecord:
        async with self._sessions.begin() as session:
            row = await session.get(DeploymentRow, deployment_id)
            if row is None:
                raise NotFoundError("Deployment not found", {"deploymentId": deployment_id})
            row.status = status
            row.error = error
            row.updated_at = utcnow()
        return await self.get(deployment_id)

"""Deployment records: at most one live deployment per server, every change a compare-and-set.

A deploy is ``claim`` (a row in state ``deploying``, intent ``deploy``; a second concurrent
claim fails on the partial unique index), then the target is called, then ``complete`` or
``fail``. A redeploy or an undeploy first takes the ``deployed`` row back to ``deploying``
(``begin``, with its intent: one change at a time, so an undeploy and a redeploy cannot both
act), then ends with ``supersede`` (the old row ``superseded``, a new ``deployed`` row: the
history keeps every version served), ``undeploy``, or ``restore`` (back to ``deployed`` as it
was, when the target refused).

Each claim carries an idempotency key, written before the target is called and sent to it.
Every later transition names the status and the key it expects and changes nothing when the
row has moved on (:class:`Conflict`): a process whose claim was taken over as stale
(``take_over``) cannot overwrite what the new holder did.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

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
        intent=row.intent,
        idempotency_key=row.idempotency_key,
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

    async def targets(self) -> set[str]:
        """Every target a deployment was recorded for."""
        async with self._sessions() as session:
            found = (await session.scalars(select(DeploymentRow.target).distinct())).all()
        return {str(t) for t in found}

    async def known_agents(self) -> set[tuple[str, str]]:
        """(target, agent id) of every live deployment: what the reconciler keeps."""
        query = select(DeploymentRow.target, DeploymentRow.agent_id).where(
            DeploymentRow.status.in_(LIVE_DEPLOYMENT_STATES),
            DeploymentRow.agent_id.is_not(None),
        )
        async with self._sessions() as session:
            rows = (await session.execute(query)).all()
        return {(str(target), str(agent)) for target, agent in rows}

    async def claim(
        self, server_id: str, *, target: str, version: int, idempotency_key: str | None = None
    ) -> DeploymentRecord:
        """Start a deployment (intent ``deploy``, the key stored before the target is called);
        ``Conflict`` when the server already has a live one."""
        now = utcnow()
        row = DeploymentRow(
            id=new_id("dep_"),
            server_id=server_id,
            target=target,
            version=version,
            status="deploying",
            intent="deploy",
            idempotency_key=idempotency_key,
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

    async def adopt(
        self,
        server_id: str,
        *,
        target: str,
        version: int,
        agent_id: str,
        endpoint: str | None,
        dashboard_url: str | None,
        deployed_at: datetime | None = None,
    ) -> DeploymentRecord:
        """Record an agent found at a target as the server's live deployment (the reconciler);
        ``Conflict`` when the server has one."""
        claim = await self.claim(server_id, target=target, version=version)
        return await self.complete(
            claim.id,
            idempotency_key=None,
            agent_id=agent_id,
            endpoint=endpoint,
            dashboard_url=dashboard_url,
            deployed_at=deployed_at,
        )

    async def begin(
        self, deployment_id: str, *, intent: str, idempotency_key: str | None
    ) -> DeploymentRecord:
        """Take a ``deployed`` deployment for a change (``redeploy`` or ``undeploy``): state
        ``deploying``, still live, the agent as it was; ``Conflict`` when it is not
        ``deployed`` any more (another change got there first)."""
        await self._move(
            deployment_id,
            expect=("deployed", None),
            any_key=True,
            values={"status": "deploying", "intent": intent, "idempotency_key": idempotency_key},
            conflict="The deployment is being changed by another request",
        )
        return await self.get(deployment_id)

    async def begin_redeploy(
        self, deployment_id: str, idempotency_key: str | None = None
    ) -> DeploymentRecord:
        return await self.begin(deployment_id, intent="redeploy", idempotency_key=idempotency_key)

    async def take_over(
        self, deployment_id: str, *, idempotency_key: str | None, new_key: str, before: datetime
    ) -> bool:
        """Take a ``deploying`` claim left by a process that stopped (not touched since
        ``before``) under a new key; False when another process did, or it moved on."""
        async with self._sessions.begin() as session:
            result = await session.execute(
                update(DeploymentRow)
                .where(
                    DeploymentRow.id == deployment_id,
                    DeploymentRow.status == "deploying",
                    _key_is(idempotency_key),
                    DeploymentRow.updated_at < before,
                )
                .values(idempotency_key=new_key, updated_at=utcnow())
                .execution_options(synchronize_session=False)
            )
        return _rowcount(result) == 1

    async def complete(
        self,
        deployment_id: str,
        *,
        agent_id: str,
        endpoint: str | None,
        dashboard_url: str | None,
        deployed_at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> DeploymentRecord:
        """A claimed deploy the target accepted: ``deployed`` with the agent."""
        await self._move(
            deployment_id,
            expect=("deploying", idempotency_key),
            values={
                "status": "deployed",
                "agent_id": agent_id,
                "endpoint": endpoint,
                "dashboard_url": dashboard_url,
                "deployed_at": deployed_at or utcnow(),
                "error": None,
                "intent": None,
            },
        )
        return await self.get(deployment_id)

    async def restore(self, deployment_id: str, *, idempotency_key: str | None) -> DeploymentRecord:
        """A change the target refused: ``deployed`` again, the agent as it was."""
        await self._move(
            deployment_id,
            expect=("deploying", idempotency_key),
            values={"status": "deployed", "intent": None},
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
        idempotency_key: str | None = None,
    ) -> DeploymentRecord:
        """End a claimed redeploy: in one transaction the old row becomes ``superseded`` and a
        new ``deployed`` row (same target, the new version) takes its place in the history."""
        now = utcnow()
        async with self._sessions.begin() as session:
            result = await session.execute(
                update(DeploymentRow)
                .where(
                    DeploymentRow.id == deployment_id,
                    DeploymentRow.status == "deploying",
                    _key_is(idempotency_key),
                )
                .values(status="superseded", intent=None, updated_at=now)
                .execution_options(synchronize_session=False)
            )
            if _rowcount(result) != 1:
                raise Conflict(
                    "The deployment is not being redeployed by this request",
                    {"deploymentId": deployment_id},
                )
            old = await session.get(DeploymentRow, deployment_id)
            assert old is not None
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

    async def fail(
        self, deployment_id: str, error: str, *, idempotency_key: str | None = None
    ) -> DeploymentRecord:
        """A claim whose target refused: no longer live, the reason kept."""
        await self._move(
            deployment_id,
            expect=("deploying", idempotency_key),
            values={"status": "failed", "error": error, "intent": None},
        )
        return await self.get(deployment_id)

    async def undeploy(
        self, deployment_id: str, *, idempotency_key: str | None = None
    ) -> DeploymentRecord:
        """An undeploy the target carried out: the row claimed with ``idempotency_key`` (or,
        without one, a ``deployed`` row) ends ``undeployed``."""
        await self._move(
            deployment_id,
            expect=("deploying" if idempotency_key else "deployed", idempotency_key),
            any_key=idempotency_key is None,
            values={"status": "undeployed", "error": None, "intent": None},
        )
        return await self.get(deployment_id)

    async def _move(
        self,
        deployment_id: str,
        *,
        expect: tuple[str, str | None],
        values: dict[str, Any],
        any_key: bool = False,
        conflict: str = "The deployment was changed by another request",
    ) -> None:
        """One compare-and-set: ``values`` only where the row still has the expected status
        (and key); ``Conflict`` (or ``NotFoundError``) otherwise."""
        status, key = expect
        conditions = [DeploymentRow.id == deployment_id, DeploymentRow.status == status]
        if not any_key:
            conditions.append(_key_is(key))
        async with self._sessions.begin() as session:
            result = await session.execute(
                update(DeploymentRow)
                .where(*conditions)
                .values(**values, updated_at=utcnow())
                .execution_options(synchronize_session=False)
            )
            moved = _rowcount(result) == 1
        if not moved:
            current = await self.get(deployment_id)  # NotFoundError when there is none
            raise Conflict(
                conflict,
                {"deploymentId": deployment_id, "status": current.status, "expected": status},
            )


def _key_is(key: str | None) -> Any:
    column = DeploymentRow.idempotency_key
    return column.is_(None) if key is None else column == key


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 1))

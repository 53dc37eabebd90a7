"""The ``local`` target: the host mounted inside ``orchestrix serve``, over the same database.

A first deploy needs no account and no second process: the agent is written to the host's
table directly and served by the running ``orchestrix serve`` at ``/agents/{agentId}`` (every
worker reads agents from the database). Without a bound runtime (``orchestrix deploy`` from the
command line) the target opens the settings' database itself; the next ``orchestrix serve``
on that database serves the agent.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from orchestrix.deploy.base import DeployedAgent, DeployError, DeploymentRequest, register_target
from orchestrix.errors import SpecError
from orchestrix.host.agents import AgentRecord, AgentRepository
from orchestrix.host.runtime import HostRuntime
from orchestrix.host.wire import read_deployment, stored_spec
from orchestrix.runtime.checks import referenced_secrets
from orchestrix.runtime.cipher import SecretCipher
from orchestrix.runtime.database import ensure_schema, make_engine
from orchestrix.runtime.datastore import SqlSecretStore
from orchestrix.settings import Settings
from orchestrix.store.migrate import migrate
from orchestrix.store.secrets import ServerSecretRepository

#: Where ``orchestrix serve`` listens unless told otherwise.
DEFAULT_BASE_URL = "http://127.0.0.1:8000"


class LocalTarget:
    name = "local"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.runtime: HostRuntime | None = None
        self.base_url = settings.public_url or settings.host_public_url or DEFAULT_BASE_URL

    def bind(self, runtime: HostRuntime | None, *, base_url: str | None = None) -> LocalTarget:
        """Deploy through a running host (its cache is warmed) and hand out ``base_url``."""
        self.runtime = runtime
        if base_url and not (self.settings.public_url or self.settings.host_public_url):
            self.base_url = base_url
        return self

    @asynccontextmanager
    async def _database(self) -> AsyncIterator[tuple[AgentRepository, AsyncEngine]]:
        if self.runtime is not None:
            yield self.runtime.agents, self.runtime.engine
            return
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = make_engine(self.settings.resolved_database_url)
        try:
            await migrate(engine)
            sessions: async_sessionmaker[AsyncSession] = async_sessionmaker(
                engine, expire_on_commit=False
            )
            yield AgentRepository(sessions), engine
        finally:
            await engine.dispose()

    @asynccontextmanager
    async def _agents(self) -> AsyncIterator[AgentRepository]:
        async with self._database() as (agents, _):
            yield agents

    async def _hand_over_secrets(
        self, engine: AsyncEngine, agent_id: str, request: DeploymentRequest
    ) -> None:
        """The values of the ``{{ secrets.* }}`` the graph reads, from the server's store to
        the agent's (both encrypted; the host and the control plane share this database)."""
        names = referenced_secrets(request.workflow)
        cipher = SecretCipher(self.settings)
        values: dict[str, str] = {}
        if names:
            sessions: async_sessionmaker[AsyncSession] = async_sessionmaker(
                engine, expire_on_commit=False
            )
            stored = await ServerSecretRepository(sessions, cipher).values(request.server_id)
            values = {name: stored[name] for name in names if name in stored}
        await ensure_schema(engine)
        await SqlSecretStore(engine, cipher).replace_named(agent_id, values)

    def _agent(self, record: AgentRecord) -> DeployedAgent:
        base = self.base_url.rstrip("/")
        endpoint = f"{base}/agents/{record.id}"
        return DeployedAgent(
            agent_id=record.id,
            endpoint=endpoint,
            dashboard_url=endpoint,
            deployed_at=record.updated_at,
            target=self.name,
            raw={"revision": record.revision, "mcpEndpoint": f"{endpoint}/mcp"},
        )

    async def deploy(
        self, request: DeploymentRequest, *, agent_id: str | None = None
    ) -> DeployedAgent:
        try:
            workflow, source = read_deployment(request.to_wire())
        except SpecError as e:
            raise DeployError(e.message, e.details) from e
        async with self._database() as (agents, engine):
            if agent_id is None:
                record, _ = await agents.create(stored_spec(workflow), source)
                await self._hand_over_secrets(engine, record.id, request)
            else:
                await agents.require(agent_id)
                await self._hand_over_secrets(engine, agent_id, request)
                record = await agents.replace(agent_id, stored_spec(workflow), source)
        if self.runtime is not None:
            self.runtime.remember(record)
        return self._agent(record)

    async def undeploy(self, agent_id: str) -> None:
        async with self._database() as (agents, engine):
            await agents.delete(agent_id)
            await ensure_schema(engine)
            await SqlSecretStore(engine, SecretCipher(self.settings)).replace_named(agent_id, {})
        if self.runtime is not None:
            self.runtime.forget(agent_id)

    async def status(self, agent_id: str) -> dict[str, Any]:
        async with self._agents() as agents:
            record = await agents.get(agent_id)
        if record is None:
            return {"agentId": agent_id, "deployed": False}
        agent = self._agent(record)
        return {
            "agentId": record.id,
            "deployed": True,
            "publicEndpoint": agent.endpoint,
            "version": record.version,
            "revision": record.revision,
            "checkedAt": datetime.now(UTC).isoformat(),
        }


register_target("local", LocalTarget)

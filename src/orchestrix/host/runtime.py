"""The host runtime of one worker: the database, the services runs use, and a cache of
compiled agents kept in step with the shared database.

Workers hold no state of their own: an agent is read from the database on its first request,
compiled once, and recompiled when its ``revision`` moves (another worker accepted a new
version). A worker checks a cached agent's revision with one indexed read at most every
``revision_ttl`` seconds (1 s by default; 0 checks on every request), so a new agent is served
by every worker at once, and a replaced or deleted one within that time, with no restart and
no message bus. The worker that accepted a change serves it from the next request on.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager, suppress
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from orchestrix.errors import OrchestrixError, SpecError
from orchestrix.host.agents import AgentRecord, AgentRepository
from orchestrix.runtime.database import make_engine
from orchestrix.runtime.executor import ExecutionResult, Executor
from orchestrix.runtime.mcp import McpAccess, McpMount, transport_security
from orchestrix.runtime.services import open_services
from orchestrix.settings import Settings
from orchestrix.spec.io import parse_workflow
from orchestrix.spec.models import Workflow
from orchestrix.store.mcp_keys import ServerKeys
from orchestrix.store.migrate import migrate
from orchestrix.telemetry import DISABLED, Telemetry, span
from orchestrix.tools.base import Services

log = logging.getLogger("orchestrix.host")

_T = TypeVar("_T")


class AgentUnavailable(OrchestrixError):
    """A stored agent that this worker cannot compile (e.g. a tool type it does not know)."""

    status = 500
    code = "agent_unavailable"


def _started(part: _T | None) -> _T:
    """A part the runtime holds only while :meth:`HostRuntime.running` is entered."""
    if part is None:
        raise RuntimeError("the host runtime is not running (enter HostRuntime.running())")
    return part


@dataclass(eq=False)
class LoadedAgent:
    record: AgentRecord
    workflow: Workflow
    executor: Executor
    checked_at: float = 0.0  # monotonic time of the last revision check


class HostRuntime:
    """One worker's view of the deployed agents. Enter :meth:`running` in the app lifespan."""

    def __init__(
        self,
        settings: Settings,
        *,
        engine: AsyncEngine | None = None,
        telemetry: Telemetry | None = None,
        revision_ttl: float = 1.0,
    ) -> None:
        self.settings = settings
        self.revision_ttl = revision_ttl
        self._given_engine = engine
        self.telemetry = telemetry or DISABLED
        # MCP: DNS-rebinding protection, and the keys of each agent's server (issue 15).
        keys = ServerKeys(lambda: self._sessions(), self._server_of)
        self.mount = McpMount(
            security=transport_security(settings), access=McpAccess.from_settings(settings, keys)
        )
        #: The base URL this process was first reached at (the local target's endpoints).
        self.seen_base_url: str | None = None
        self._agents: dict[str, LoadedAgent] = {}
        self._engine: AsyncEngine | None = None
        self._repo: AgentRepository | None = None
        self._services: Services | None = None

    def _sessions(self) -> async_sessionmaker[AsyncSession]:
        return async_sessionmaker(self.engine, expire_on_commit=False)

    def _server_of(self, agent_id: str) -> str | None:
        agent = self._agents.get(agent_id)
        return agent.record.server_id if agent is not None else None

    @property
    def agents(self) -> AgentRepository:
        return _started(self._repo)

    @property
    def services(self) -> Services:
        return _started(self._services)

    @property
    def engine(self) -> AsyncEngine:
        return _started(self._engine)

    @asynccontextmanager
    async def running(self) -> AsyncIterator[HostRuntime]:
        async with AsyncExitStack() as stack:
            engine = self._given_engine
            if engine is None:
                self.settings.data_dir.mkdir(parents=True, exist_ok=True)
                engine = make_engine(self.settings.resolved_database_url)
                stack.push_async_callback(engine.dispose)
            await migrate(engine)
            self._engine = engine
            sessions: async_sessionmaker[AsyncSession] = async_sessionmaker(
                engine, expire_on_commit=False
            )
            self._repo = AgentRepository(sessions)
            self._services = await stack.enter_async_context(
                open_services(self.settings, engine=engine)
            )
            await stack.enter_async_context(self.mount.running())
            try:
                yield self
            finally:
                self._agents.clear()
                self._repo = None
                self._services = None
                self._engine = None

    # -- the cache --------------------------------------------------------------------------

    async def load(self, agent_id: str) -> LoadedAgent | None:
        """The agent as deployed now (None when it is not), compiled once per revision."""
        cached = self._agents.get(agent_id)
        now = time.monotonic()
        if cached is not None and now - cached.checked_at < self.revision_ttl:
            return cached
        revision = await self.agents.revision(agent_id)
        if revision is None:
            if cached is not None:
                self.forget(agent_id)
            return None
        if cached is not None and cached.record.revision == revision:
            cached.checked_at = now
            return cached
        record = await self.agents.get(agent_id)
        if record is None:
            self.forget(agent_id)
            return None
        return self._compile(record)

    def _compile(self, record: AgentRecord) -> LoadedAgent:
        try:
            workflow = parse_workflow(record.spec)
            executor = Executor(workflow)
        except SpecError as e:
            log.error(
                "agent %s (revision %d) cannot be compiled: %s", record.id, record.revision, e
            )
            raise AgentUnavailable(
                "The agent cannot be run by this host",
                {"agentId": record.id, "problems": e.details},
            ) from e
        loaded = LoadedAgent(record, workflow, executor, time.monotonic())
        current = self._agents.get(record.id)
        if current is None or current.record.revision <= record.revision:
            self._agents[record.id] = loaded
            version = str(record.version if record.version is not None else record.revision)
            self.mount.put(record.id, workflow, self._mcp_runner(record.id), version=version)
        return loaded

    def remember(self, record: AgentRecord) -> None:
        """Warm the cache with a record this worker just wrote."""
        with suppress(AgentUnavailable):
            self._compile(record)

    def forget(self, agent_id: str) -> None:
        self._agents.pop(agent_id, None)
        self.mount.remove(agent_id)

    # -- runs -------------------------------------------------------------------------------

    async def run(
        self,
        agent: LoadedAgent,
        arguments: dict[str, Any],
        headers: dict[str, str],
        *,
        via: str,
        client_ip: str | None = None,
    ) -> ExecutionResult:
        record = agent.record
        with span("orchestrix.execution", agent_id=record.id, revision=record.revision, via=via):
            result = await agent.executor.run(
                arguments, self.services, namespace=record.id, headers=headers, client_ip=client_ip
            )
        self.telemetry.emit(
            "workflow_run",
            server_id=record.server_id,
            agent_id=record.id,
            via=via,
            status=result.status,
            durationMs=round(result.duration_ms, 3),
            version=record.version,
        )
        return result

    def _mcp_runner(self, agent_id: str) -> Any:
        async def run(arguments: dict[str, Any], headers: dict[str, str]) -> ExecutionResult:
            agent = self._agents.get(agent_id)
            if agent is None:
                raise OrchestrixError("The agent is no longer deployed", {"agentId": agent_id})
            return await self.run(agent, arguments, headers, via="mcp")

        return run

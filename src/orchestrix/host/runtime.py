"""The host runtime of one worker: the database, the services runs use, and a cache of
compiled agents kept in step with the shared database.

Workers hold no state of their own: an agent is read from the database on its first request,
compiled once, and recompiled when its ``revision`` moves (another worker accepted a new
version). Keeping the cache in step stays off the request path:

- on PostgreSQL every deploy, replace and delete sends ``NOTIFY orchestrix_agents`` in its
  transaction; each worker ``LISTEN``s on its own connection and re-checks that agent at once,
  so every worker serves the change within milliseconds;
- a background task re-checks the revisions of all cached agents in one query every
  ``revision_ttl`` seconds (1 s by default): the fallback on SQLite and while the listening
  connection is down;
- a request re-checks inline only when that background check is late (``revision_ttl`` 0:
  on every request), and one check at a time per agent (single flight): concurrent requests
  wait for the check in progress instead of each running their own query.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager, suppress
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from orchestrix.errors import OrchestrixError, SpecError
from orchestrix.host.agents import CHANNEL, AgentRecord, AgentRepository
from orchestrix.runtime.database import DatabaseUnavailable, make_engine
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
    stale: bool = False  # a change was announced: check before serving it again


class HostRuntime:
    """One worker's view of the deployed agents. Enter :meth:`running` in the app lifespan."""

    def __init__(
        self,
        settings: Settings,
        *,
        engine: AsyncEngine | None = None,
        telemetry: Telemetry | None = None,
        revision_ttl: float | None = None,
    ) -> None:
        self.settings = settings
        self.revision_ttl = settings.host_revision_ttl if revision_ttl is None else revision_ttl
        #: True while this worker's LISTEN connection is up (PostgreSQL).
        self.listening = False
        self._checks: dict[str, asyncio.Task[LoadedAgent | None]] = {}
        self._background = False
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
                engine = make_engine(
                    self.settings.resolved_database_url,
                    pool_size=self.settings.db_pool_size,
                    max_overflow=self.settings.db_max_overflow,
                )
                stack.push_async_callback(engine.dispose)
            await migrate(engine)
            self._engine = engine
            sessions: async_sessionmaker[AsyncSession] = async_sessionmaker(
                engine, expire_on_commit=False
            )
            postgres = engine.dialect.name == "postgresql"
            self._repo = AgentRepository(sessions, notify=postgres)
            self._services = await stack.enter_async_context(
                open_services(self.settings, engine=engine)
            )
            await stack.enter_async_context(self.mount.running())
            if postgres:
                await stack.enter_async_context(_background(self._listen(engine)))
            if self.revision_ttl > 0:
                await stack.enter_async_context(_background(self._refresh_every_ttl()))
                self._background = True
            try:
                yield self
            finally:
                self._background = False
                for check in list(self._checks.values()):
                    check.cancel()
                self._agents.clear()
                self._repo = None
                self._services = None
                self._engine = None

    # -- the cache --------------------------------------------------------------------------

    def _fresh(self, agent: LoadedAgent, now: float) -> bool:
        if agent.stale:
            return False
        # With the background check running, a request checks only when it is late.
        max_age = 3 * self.revision_ttl + 1.0 if self._background else self.revision_ttl
        return now - agent.checked_at < max_age

    async def load(self, agent_id: str) -> LoadedAgent | None:
        """The agent as deployed now (None when it is not), compiled once per revision."""
        cached = self._agents.get(agent_id)
        if cached is not None and self._fresh(cached, time.monotonic()):
            return cached
        return await self._check(agent_id)

    def _check(self, agent_id: str) -> asyncio.Future[LoadedAgent | None]:
        """One revision check of ``agent_id`` at a time: a caller that arrives during a check
        waits for it. The check runs as its own task, so a caller that goes away does not
        cancel it for the others."""
        check = self._checks.get(agent_id)
        if check is None:
            check = asyncio.ensure_future(self._read(agent_id))
            self._checks[agent_id] = check
            check.add_done_callback(lambda done: self._checked(agent_id, done))
        return asyncio.shield(check)

    def _checked(self, agent_id: str, done: asyncio.Task[LoadedAgent | None]) -> None:
        if self._checks.get(agent_id) is done:
            del self._checks[agent_id]
        if not done.cancelled():
            done.exception()  # retrieved here: the callers that awaited it have it too

    async def _read(self, agent_id: str) -> LoadedAgent | None:
        cached = self._agents.get(agent_id)
        now = time.monotonic()
        revision = await self.agents.revision(agent_id)
        if revision is None:
            if cached is not None:
                self.forget(agent_id)
            return None
        if cached is not None and cached.record.revision == revision:
            cached.checked_at = now
            cached.stale = False
            return cached
        record = await self.agents.get(agent_id)
        if record is None:
            self.forget(agent_id)
            return None
        return self._compile(record)

    # -- keeping in step, off the request path -----------------------------------------------

    def _announced(self, agent_id: str) -> None:
        """Another worker (or this one) changed ``agent_id``: check it now."""
        cached = self._agents.get(agent_id)
        if cached is None:
            return
        cached.stale = True
        self._check(agent_id)

    def _all_stale(self) -> None:
        for agent_id in list(self._agents):
            self._announced(agent_id)

    async def _refresh(self) -> None:
        """Check every cached agent's revision with one query."""
        ids = list(self._agents)
        if not ids:
            return
        now = time.monotonic()
        revisions = await self.agents.revisions(ids)
        for agent_id in ids:
            cached = self._agents.get(agent_id)
            if cached is None:
                continue
            revision = revisions.get(agent_id)
            if revision is None:
                self.forget(agent_id)
            elif revision == cached.record.revision:
                cached.checked_at = max(cached.checked_at, now)
            else:
                self._announced(agent_id)

    async def _refresh_every_ttl(self) -> None:
        failing = False
        while True:
            await asyncio.sleep(self.revision_ttl)
            try:
                await self._refresh()
            except DatabaseUnavailable as e:
                if not failing:
                    log.warning("cannot check the deployed agents' revisions: %s", e.details)
                failing = True
            else:
                failing = False

    async def _listen(self, engine: AsyncEngine) -> None:
        """LISTEN on a connection of its own; reconnect when it drops (and then re-check
        everything cached, since announcements may have been missed meanwhile)."""
        import asyncpg  # type: ignore[import-untyped]  # asyncpg ships no type hints

        url = make_url(engine.url).set(drivername="postgresql")
        dsn = url.render_as_string(hide_password=False)
        delay = 0.5
        while True:
            try:
                conn = await asyncpg.connect(dsn, timeout=10)
            except (OSError, asyncpg.PostgresError, TimeoutError) as e:
                log.warning("cannot LISTEN for agent changes (retrying): %r", e)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)
                continue
            delay = 0.5
            lost = asyncio.Event()
            conn.add_termination_listener(functools.partial(_set_on_call, lost))
            try:
                await conn.add_listener(CHANNEL, self._notified)
                self.listening = True
                self._all_stale()
                while not lost.is_set():
                    with suppress(TimeoutError):
                        await asyncio.wait_for(lost.wait(), 30)
                    if not lost.is_set():
                        await conn.execute("SELECT 1", timeout=10)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError) as e:
                log.warning("the LISTEN connection dropped (reconnecting): %r", e)
            finally:
                self.listening = False
                with suppress(Exception):
                    await conn.close(timeout=2)

    def _notified(self, _conn: Any, _pid: int, _channel: str, payload: object) -> None:
        self._announced(str(payload))

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
        if result.status == DatabaseUnavailable.status:
            result.headers.setdefault("Retry-After", str(DatabaseUnavailable.retry_after))
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


@asynccontextmanager
async def _background(work: Any) -> AsyncIterator[None]:
    """Run the coroutine ``work`` while the block runs; cancel it after."""
    task = asyncio.ensure_future(work)
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task


def _set_on_call(event: asyncio.Event, *_args: Any) -> None:
    event.set()

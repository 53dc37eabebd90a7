"""The host's agent cache: one revision check at a time per agent, and checks kept off the
request path by the background refresh. Statements are counted on the real database."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from orchestrix.host.agents import AgentSource
from orchestrix.host.runtime import HostRuntime
from orchestrix.host.wire import stored_spec
from orchestrix.runtime.database import make_engine
from tests.host.helpers import deployment, host_settings

#: The request path's single-agent check, as the database sees it.
SINGLE_CHECK = "SELECT host_agents.revision"


@contextmanager
def statements(engine: AsyncEngine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


async def test_concurrent_requests_share_one_revision_check(tmp_path: Path) -> None:
    settings = host_settings(tmp_path)
    engine = make_engine(settings.resolved_database_url)
    runtime = HostRuntime(settings, engine=engine, revision_ttl=0)  # check on every request
    try:
        async with runtime.running():
            workflow = deployment("todo").workflow
            record, _ = await runtime.agents.create(stored_spec(workflow), AgentSource())
            runtime.remember(record)
            for _ in range(2):
                with statements(engine) as seen:
                    loaded = await asyncio.gather(*(runtime.load(record.id) for _ in range(32)))
                assert {agent.record.id for agent in loaded if agent} == {record.id}
                checks = [s for s in seen if s.startswith(SINGLE_CHECK)]
                assert len(checks) == 1, seen
    finally:
        await engine.dispose()


async def test_a_cancelled_caller_does_not_cancel_the_check_for_the_others(
    tmp_path: Path,
) -> None:
    settings = host_settings(tmp_path)
    engine = make_engine(settings.resolved_database_url)
    runtime = HostRuntime(settings, engine=engine, revision_ttl=0)
    try:
        async with runtime.running():
            workflow = deployment("todo").workflow
            record, _ = await runtime.agents.create(stored_spec(workflow), AgentSource())
            first = asyncio.ensure_future(runtime.load(record.id))
            second = asyncio.ensure_future(runtime.load(record.id))
            await asyncio.sleep(0)
            first.cancel()
            agent = await second
            assert agent is not None
            assert agent.record.id == record.id
    finally:
        await engine.dispose()


async def test_the_background_check_drops_a_deleted_agent_without_a_request_check(
    tmp_path: Path,
) -> None:
    """Two workers over one SQLite file (no NOTIFY there): a delete through one is noticed by
    the other's background check; its requests make no revision query of their own."""
    settings = host_settings(tmp_path)
    engine_a = make_engine(settings.resolved_database_url)
    engine_b = make_engine(settings.resolved_database_url)
    a = HostRuntime(settings, engine=engine_a, revision_ttl=0.1)
    b = HostRuntime(settings, engine=engine_b, revision_ttl=0.1)
    try:
        async with a.running(), b.running():
            workflow = deployment("todo").workflow
            record, _ = await a.agents.create(stored_spec(workflow), AgentSource())
            assert await b.load(record.id) is not None  # now cached by b
            with statements(engine_b) as seen:
                for _ in range(30):  # 0.3 s at least: three background checks
                    assert await b.load(record.id) is not None
                    await asyncio.sleep(0.01)
            assert not [s for s in seen if s.startswith(SINGLE_CHECK)], seen
            assert any(s.startswith("SELECT host_agents.id, host_agents.revision") for s in seen)
            assert await a.agents.delete(record.id)
            deadline = time.monotonic() + 30
            while await b.load(record.id) is not None:
                assert time.monotonic() < deadline, "b never noticed the delete"
                await asyncio.sleep(0.02)
    finally:
        await engine_a.dispose()
        await engine_b.dispose()

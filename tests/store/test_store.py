"""The control-plane store on SQLite and PostgreSQL: migrations, versions, deployments."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from orchestrix.errors import Conflict, NotFoundError
from orchestrix.runtime.database import make_engine
from orchestrix.settings import Settings
from orchestrix.store import Store
from orchestrix.store.migrate import VERSION_TABLE, current_revision, head_revision, migrate
from orchestrix.store.models import Base

SPEC = {"apiVersion": "orchestrix/v1", "name": "S", "tools": []}


@pytest.fixture
async def store(any_settings: Settings) -> AsyncIterator[Store]:
    async with Store.open(any_settings) as s:
        yield s


async def new_server(store: Store, owner: str = "o1") -> str:
    record = await store.servers.create(
        owner_id=owner, name="S", description="", spec=SPEC, summary="first"
    )
    return record.id


def _diff(connection: Connection) -> list[object]:
    context = MigrationContext.configure(
        connection, opts={"version_table": VERSION_TABLE, "compare_type": True}
    )

    def ours(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        # other tables (the data plane's, the host's) share the database but are not ours
        table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
        return table is None or table in Base.metadata.tables

    context.opts["include_object"] = ours
    return list(compare_metadata(context, Base.metadata))


async def test_migrations_create_exactly_the_models(store: Store) -> None:
    assert await current_revision(store.engine) == head_revision()
    async with store.engine.connect() as conn:
        assert await conn.run_sync(_diff) == []
        tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
    assert {"servers", "versions", "deployments", "executions", "api_tokens"} <= tables
    await migrate(store.engine)  # idempotent
    assert await current_revision(store.engine) == head_revision()


async def test_concurrent_starts_migrate_once(any_settings: Settings) -> None:
    engines = [make_engine(any_settings.resolved_database_url) for _ in range(3)]
    try:
        await asyncio.gather(*(migrate(e) for e in engines))
        assert await current_revision(engines[0]) == head_revision()
    finally:
        for engine in engines:
            await engine.dispose()


async def test_timestamps_are_aware_utc(store: Store) -> None:
    server = await store.servers.get(await new_server(store))
    assert server.created_at.tzinfo is not None
    assert server.created_at.utcoffset() == UTC.utcoffset(None)


async def test_concurrent_saves_on_one_version_let_one_win(store: Store) -> None:
    sid = await new_server(store)

    async def save(i: int) -> int:
        record = await store.servers.save(
            sid, "o1", name=f"S{i}", description="", spec=SPEC, summary=str(i), base_version=1
        )
        return record.version

    results = await asyncio.gather(*(save(i) for i in range(5)), return_exceptions=True)
    wins = [r for r in results if isinstance(r, int)]
    assert wins == [2]
    assert all(isinstance(r, Conflict) for r in results if not isinstance(r, int))
    assert [v.version for v in await store.servers.versions(sid, "o1")] == [2, 1]


async def test_one_live_deployment_per_server(store: Store) -> None:
    sid = await new_server(store)
    claims = await asyncio.gather(
        *(store.deployments.claim(sid, target="local", version=1) for _ in range(4)),
        return_exceptions=True,
    )
    won = [c for c in claims if not isinstance(c, BaseException)]
    assert len(won) == 1
    assert all(isinstance(c, Conflict) for c in claims if isinstance(c, BaseException))
    deployment = won[0]
    assert (await store.servers.get(sid)).deployment is None  # deploying is not deployed yet

    done = await store.deployments.complete(
        deployment.id, agent_id="agent-1", endpoint="https://x/agents/agent-1", dashboard_url=None
    )
    server = await store.servers.get(sid)
    assert server.deployment == done
    assert (await store.deployments.by_agent("agent-1")) == done

    await store.deployments.undeploy(deployment.id)
    assert (await store.servers.get(sid)).deployment is None
    again = await store.deployments.claim(sid, target="local", version=1)
    failed = await store.deployments.fail(again.id, "target refused")
    assert (failed.status, failed.error) == ("failed", "target refused")
    assert [d.status for d in await store.deployments.history(sid)] == ["failed", "undeployed"]


async def test_owner_and_missing_server(store: Store) -> None:
    sid = await new_server(store, "o1")
    with pytest.raises(NotFoundError):
        await store.servers.get(sid, "o2")
    with pytest.raises(NotFoundError):
        await store.servers.save(sid, "o2", name="x", description="", spec=SPEC, summary="")
    with pytest.raises(NotFoundError):
        await store.servers.set_runtime(sid, "o2", "running")
    assert await store.servers.find("mcp_missing") is None
    assert await store.servers.count("o1") >= 1


async def test_tokens_hash_only(store: Store) -> None:
    record, token = await store.tokens.create("o1", "ci")
    assert await store.tokens.authenticate(token) == "o1"
    async with store.engine.connect() as conn:
        stored = (await conn.exec_driver_sql("SELECT token_hash FROM api_tokens")).scalars().all()
    assert token not in stored
    await store.tokens.revoke(record.id)
    assert await store.tokens.authenticate(token) is None

"""Atomic updates, on SQLite and PostgreSQL: ``increment`` never loses a count under
concurrency, and ``expectVersion`` lets exactly one of many concurrent writers win (409 for the
others). Before, 50 concurrent "read count, write count + 1" runs lost 49 increments."""

from __future__ import annotations

import asyncio
from typing import Any

from orchestrix.runtime.executor import Executor
from orchestrix.spec.models import Workflow
from orchestrix.tools.base import Services
from tests.conftest import unique_namespace

ID = {"type": "object", "properties": {"id": {"type": "string"}, "version": {"type": "integer"}}}


def _graph(update: dict[str, Any]) -> Executor:
    return Executor(
        Workflow.model_validate(
            {
                "name": "Counter",
                "inputSchema": ID,
                "tools": [
                    {
                        "id": "dbUpdate",
                        "type": "dbUpdate",
                        "config": {"collection": "counters", "where": {"id": "{{ input.id }}"}}
                        | update,
                    },
                    {
                        "id": "response",
                        "type": "response",
                        "config": {"body": "{{ steps.dbUpdate }}"},
                    },
                ],
            }
        )
    )


async def test_fifty_concurrent_increments_all_count(any_services: Services) -> None:
    ns = unique_namespace()
    doc = await any_services.datastore.insert(ns, "counters", {"count": 0, "name": "c"}, [])
    assert doc["version"] == 1
    executor = _graph({"increment": {"count": 1, "hits": 2}})
    results = await asyncio.gather(
        *(executor.run({"id": doc["id"]}, any_services, namespace=ns) for _ in range(50))
    )
    assert [r.status for r in results] == [200] * 50
    stored = await any_services.datastore.find_one(ns, "counters", {"id": doc["id"]})
    assert stored is not None
    assert (stored["count"], stored["hits"], stored["version"]) == (50, 100, 51)
    assert stored["name"] == "c"
    assert sorted(r.body["count"] for r in results) == list(range(1, 51))


async def test_concurrent_compare_and_set_gives_one_winner(any_services: Services) -> None:
    ns = unique_namespace()
    doc = await any_services.datastore.insert(ns, "counters", {"owner": "nobody"}, [])
    executor = _graph({"set": {"owner": "{{ input.id }}"}, "expectVersion": "{{ input.version }}"})
    results = await asyncio.gather(
        *(
            executor.run({"id": doc["id"], "version": 1}, any_services, namespace=ns)
            for _ in range(20)
        )
    )
    statuses = sorted(r.status for r in results)
    assert statuses == [200] + [409] * 19
    conflict = next(r for r in results if r.status == 409)
    assert conflict.body["details"] == {"expectedVersion": 1, "version": 2}
    assert "changed since version 1" in conflict.body["error"]
    again = await executor.run({"id": doc["id"], "version": 2}, any_services, namespace=ns)
    assert again.status == 200 and again.body["version"] == 3


async def test_increment_mistakes_are_clear(any_services: Services) -> None:
    ns = unique_namespace()
    doc = await any_services.datastore.insert(ns, "counters", {"label": "x"}, [])
    not_a_number = await _graph({"increment": {"label": 1}}).run(
        {"id": doc["id"]}, any_services, namespace=ns
    )
    assert not_a_number.status == 400
    assert "not a number" in not_a_number.body["error"]
    both = await _graph({"set": {"n": 1}, "increment": {"n": 1}}).run(
        {"id": doc["id"]}, any_services, namespace=ns
    )
    assert both.status == 400
    queried, total = await any_services.datastore.query(ns, "counters", {"version": 1})
    assert total == 1 and queried[0]["id"] == doc["id"]


async def test_a_table_of_before_versions_gets_the_column(tmp_path: Any) -> None:
    from sqlalchemy import text

    from orchestrix.runtime.database import ensure_schema, make_engine
    from orchestrix.runtime.datastore import SqlDataStore

    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
    try:
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "CREATE TABLE orx_records (id VARCHAR(36) PRIMARY KEY, namespace VARCHAR(128)"
                    " NOT NULL, collection VARCHAR(64) NOT NULL, data JSON NOT NULL, created_at "
                    "DATETIME NOT NULL, updated_at DATETIME NOT NULL)"
                )
            )
            await conn.execute(
                text(
                    "INSERT INTO orx_records VALUES ('r1', 'ns', 'counters', '{\"count\": 4}', "
                    "'2026-01-01 00:00:00', '2026-01-01 00:00:00')"
                )
            )
        await ensure_schema(engine)
        store = SqlDataStore(engine)
        updated = await store.update("ns", "counters", {"id": "r1"}, {}, [], increment={"count": 1})
        assert updated is not None and (updated["count"], updated["version"]) == (5, 2)
    finally:
        await engine.dispose()

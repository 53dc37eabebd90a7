"""Pool sizing for ``orchestrix host --workers N``: N workers stay within the connections
PostgreSQL has left, and no connection is pinged on every checkout."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from orchestrix.runtime import database
from orchestrix.runtime.database import connections_left, make_engine, plan_pools
from orchestrix.settings import Settings


def test_the_pools_of_n_workers_fit_the_connections_left() -> None:
    plan = plan_pools(10, 10, workers=4, limit=97)
    assert plan.total <= 97
    assert (plan.pool_size, plan.max_overflow) == (10, 10)  # 4 x 21 = 84 fits
    small = plan_pools(10, 10, workers=8, limit=97)
    assert small.total <= 97
    assert small.pool_size == 10
    assert small.max_overflow == 1
    tiny = plan_pools(10, 10, workers=8, limit=40)
    assert tiny.total <= 40
    assert (tiny.pool_size, tiny.max_overflow) == (4, 0)
    assert plan_pools(10, 10, workers=2, limit=None).total == 42  # SQLite: no limit applies


def test_too_many_workers_for_the_server_is_refused() -> None:
    with pytest.raises(ValueError, match="200 workers need at least 400"):
        plan_pools(10, 10, workers=200, limit=100)


async def test_connections_left_reads_the_servers_limit(postgres_url: str) -> None:
    url = Settings(database_url=postgres_url, _env_file=None).resolved_database_url  # type: ignore[call-arg]
    engine = make_engine(url)
    try:
        left = await connections_left(engine)
        async with engine.connect() as conn:
            maximum = int((await conn.execute(text("SHOW max_connections"))).scalar_one())
        assert left is not None
        assert 0 < left < maximum
    finally:
        await engine.dispose()


async def test_a_checkout_does_not_ping_and_a_dead_idle_connection_is_replaced(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = Settings(database_url=postgres_url, _env_file=None).resolved_database_url  # type: ignore[call-arg]
    engine = make_engine(url, pool_size=1, max_overflow=0)
    # pool_pre_ping would add BEGIN; SELECT; ROLLBACK to every checkout
    assert engine.sync_engine.pool._pre_ping is False
    try:
        async with engine.connect() as conn:
            pid = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        admin = make_engine(url, pool_size=1, max_overflow=0)
        try:
            async with admin.connect() as conn:
                await conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        finally:
            await admin.dispose()
        # idle long enough to be pinged: the dead connection is swapped for a fresh one
        monkeypatch.setattr(database, "IDLE_PING_AFTER", 0.0)
        async with engine.connect() as conn:
            again = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        assert again != pid
    finally:
        await engine.dispose()

"""Shared fixtures: real SQLite and PostgreSQL databases, Redis, and runtime services.

PostgreSQL and Redis are the services on 127.0.0.1. Locally a missing service skips the tests
that need it; under ``CI=true`` it fails them, so CI never passes on tests that did not run.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from orchestrix.settings import Settings
from tests.factories import cheap_argon2_env, make_settings
from tests.servers import scaled

POSTGRES_ADMIN_URL = os.environ.get(
    "ORCHESTRIX_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("ORCHESTRIX_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
# Every process over one database needs the same ORCHESTRIX_ENCRYPTION_KEY (secrets are
# encrypted with it; docs/security.md). Workers built in one test get separate data
# directories, so the suite sets one key, as a deployment would on each worker.
os.environ.setdefault("ORCHESTRIX_ENCRYPTION_KEY", "orchestrix-test-suite-encryption-key")

# Code under test that reads its settings from the environment (``get_settings()``) hashes
# cheaply too; ``make_settings`` and ``server_env`` say so explicitly.
for _name, _value in cheap_argon2_env().items():
    os.environ.setdefault(_name, _value)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test keeps a timeout (a hang fails, it does not stall the run), stretched by the
    machine's load as the servers' start-up limits are: a loaded machine is slow, not red."""
    default = float(config.getini("timeout") or 0)
    for item in items:
        marker = item.get_closest_marker("timeout")
        if marker is not None:
            base = float(marker.args[0] if marker.args else marker.kwargs.get("timeout", default))
        else:
            base = default
        if base > 0:
            item.add_marker(pytest.mark.timeout(scaled(base)), append=False)


def _unavailable(what: str, error: BaseException) -> None:
    message = f"{what} is not reachable: {error!r}"
    if IN_CI:
        pytest.fail(f"{message} (CI=true: service tests must run)")
    pytest.skip(message)


async def _pg_exec(url: str, sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url, timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped at the end."""
    name = f"orx_test_{uuid.uuid4().hex[:10]}"
    try:
        asyncio.run(_pg_exec(POSTGRES_ADMIN_URL, f'CREATE DATABASE "{name}"'))
    except Exception as e:  # any connection failure means the service is not there
        _unavailable("PostgreSQL", e)
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    asyncio.run(_pg_exec(POSTGRES_ADMIN_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def redis_url() -> str:
    import redis

    try:
        client = redis.Redis.from_url(REDIS_URL, socket_timeout=3)
        client.ping()
        client.close()
    except Exception as e:
        _unavailable("Redis", e)
    return REDIS_URL


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each test that takes this runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'orchestrix.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture(params=["sqlite", "postgres"])
def own_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Like ``database_url``, but the PostgreSQL database is this test's alone (made and
    dropped around it): for tests that look at everything a database holds."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'orchestrix.db'}"
        return
    request.getfixturevalue("postgres_url")  # the service is there (or CI fails)
    name = f"orx_own_{uuid.uuid4().hex[:10]}"
    asyncio.run(_pg_exec(POSTGRES_ADMIN_URL, f'CREATE DATABASE "{name}"'))
    try:
        yield f"{POSTGRES_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        asyncio.run(_pg_exec(POSTGRES_ADMIN_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Embedded-default settings in a private data directory (SQLite, outbox, memory limits)."""
    return make_settings(tmp_path)


@pytest.fixture
def any_settings(tmp_path: Path, database_url: str) -> Settings:
    """Settings on SQLite and on PostgreSQL (parametrized through ``database_url``)."""
    return make_settings(tmp_path, database_url=database_url)


@pytest.fixture
async def services(settings: Settings) -> AsyncIterator[object]:
    from orchestrix.runtime.services import open_services

    async with open_services(settings) as svc:
        yield svc


@pytest.fixture
async def loopback_services(tmp_path: Path) -> AsyncIterator[object]:
    """Services whose egress policy lets graphs reach peers on 127.0.0.1 (tests' servers)."""
    from orchestrix.runtime.services import open_services

    settings = Settings(data_dir=tmp_path, egress_allow=["127.0.0.1"], _env_file=None)  # type: ignore[call-arg]
    async with open_services(settings) as svc:
        yield svc


@pytest.fixture
async def any_services(any_settings: Settings) -> AsyncIterator[object]:
    from orchestrix.runtime.services import open_services

    async with open_services(any_settings) as svc:
        yield svc


def unique_namespace() -> str:
    return f"t{uuid.uuid4().hex[:12]}"

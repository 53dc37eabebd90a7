"""When the database cannot be reached, the host answers a JSON 503 with ``Retry-After`` (for
a run, an agent lookup and management alike), logs no traceback, and serves again once the
database is back. A client that hangs up mid-request is logged at debug, not as an error.

The database is made unreachable for real: its backends are terminated and new connections
refused (``ALLOW_CONNECTIONS false``), on the PostgreSQL service."""

from __future__ import annotations

import logging
import socket
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest

from tests.conftest import POSTGRES_ADMIN_URL
from tests.host.helpers import auth, host_settings, running_host, wire

RECOVERY_LIMIT = 30.0


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=10)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture
async def own_database(postgres_url: str) -> Iterator[str]:
    """A database of this test's own, which it may cut off."""
    name = f"orx_down_{uuid.uuid4().hex[:10]}"
    await _admin(f'CREATE DATABASE "{name}"')
    yield f"{postgres_url.rsplit('/', 1)[0]}/{name}"
    await _admin(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
    await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _cut_off(name: str) -> None:
    await _admin(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
    await _admin(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        f"WHERE datname = '{name}' AND pid <> pg_backend_pid()"
    )


def _is_503(answer: httpx.Response) -> None:
    assert answer.status_code == 503, answer.text
    assert answer.headers["content-type"].startswith("application/json")
    body = answer.json()
    assert set(body) == {"error", "details"}
    assert "unavailable" in body["error"]
    assert int(answer.headers["retry-after"]) >= 1


@pytest.mark.timeout(180)
async def test_an_unreachable_database_answers_503_then_recovers(
    tmp_path: Path, own_database: str, caplog: pytest.LogCaptureFixture
) -> None:
    name = own_database.rsplit("/", 1)[1]
    settings = host_settings(tmp_path, own_database)
    caplog.set_level(logging.WARNING)
    with running_host(settings) as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            created = await client.post("/mcp/agents", json=wire("todo"), headers=auth())
            assert created.status_code == 201, created.text
            agent = created.json()["agentId"]
            assert (await client.post(f"/agents/{agent}", json={"title": "a"})).status_code == 201

            await _cut_off(name)
            # the cached agent runs, and its dbInsert cannot reach the database
            _is_503(await client.post(f"/agents/{agent}", json={"title": "b"}))
            # an agent this worker has not cached: the lookup itself fails
            _is_503(await client.post("/agents/agt_notcachedhere", json={"title": "c"}))
            _is_503(await client.get("/mcp/agents", headers=auth()))

            await _admin(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
            deadline = time.monotonic() + RECOVERY_LIMIT
            while True:
                answer = await client.post(f"/agents/{agent}", json={"title": "d"})
                if answer.status_code == 201:
                    break
                _is_503(answer)
                assert time.monotonic() < deadline, "the host did not recover"
            lookup = await client.post("/agents/agt_notcachedhere", json={})
            assert lookup.status_code == 404
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage() for r in errors]
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"


def test_a_client_that_hangs_up_is_logged_at_debug(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="orchestrix.host")
    with running_host(host_settings(tmp_path)) as base:
        agent = httpx.post(f"{base}/mcp/agents", json=wire("todo"), headers=auth()).json()[
            "agentId"
        ]
        host, port = base.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=10) as sock:
            sock.sendall(
                f"POST /agents/{agent} HTTP/1.1\r\nHost: {host}\r\n"
                "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
                '{"title": "half'.encode()
            )
        deadline = time.monotonic() + RECOVERY_LIMIT
        while not any("hung up" in r.getMessage() for r in caplog.records):
            assert time.monotonic() < deadline, "the hang-up was not logged"
            time.sleep(0.02)
        # the host goes on serving
        assert httpx.post(f"{base}/agents/{agent}", json={"title": "x"}).status_code == 201
    hung_up = [r for r in caplog.records if "hung up" in r.getMessage()]
    assert {r.levelno for r in hung_up} == {logging.DEBUG}
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]

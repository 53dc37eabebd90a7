"""Two ``orchestrix host`` processes over one PostgreSQL serve the same agents: a deployment,
a new version and a removal accepted by one are seen by the other without a restart. And the
command refuses to listen beyond loopback without an API key."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from mcp import Client

from tests.factories import server_env
from tests.host.helpers import HOST_KEY, auth, signup, wire
from tests.servers import orchestrix_process

#: How long the polling below goes on before it gives up (the test's own bound).
POLL_LIMIT = 10.0
#: Deploys and deletes are announced over PostgreSQL LISTEN/NOTIFY: every host sees them at once.
PROPAGATION = 0.2


def seen_within(check: Callable[[], bool]) -> float:
    """Poll ``check`` until it holds; the seconds from now to the start of the request that
    saw the change (the request's own time on a loaded machine is not propagation). A change
    must reach the other host without a restart."""
    started = time.monotonic()
    while True:
        asked = time.monotonic()
        if check():
            return asked - started
        assert asked - started < POLL_LIMIT, "the other host did not pick up the change"
        time.sleep(0.01)


@contextmanager
def host_process(env: dict[str, str], cwd: Path, *args: str) -> Iterator[str]:
    with orchestrix_process("host", *args, env=env, cwd=cwd) as running:
        yield running.url


@pytest.mark.timeout(180)
async def test_two_hosts_over_one_postgresql_serve_the_same_agents(
    tmp_path: Path, postgres_url: str
) -> None:
    env = server_env(tmp_path, postgres_url, ORCHESTRIX_HOST_API_KEY=HOST_KEY)
    with host_process(env, tmp_path) as one, host_process(env, tmp_path) as two:
        body = wire("signup")
        created = httpx.post(f"{one}/mcp/agents", json=body, headers=auth())
        assert created.status_code == 201, created.text
        agent_id = created.json()["agentId"]

        # deployed on one, served by two (which never saw the request)
        assert (
            httpx.post(f"{two}/agents/{agent_id}", json=signup("a@example.com")).status_code == 201
        )
        # one data store: the email taken through two is taken through one
        assert (
            httpx.post(f"{one}/agents/{agent_id}", json=signup("a@example.com")).status_code == 409
        )
        async with Client(f"{two}/agents/{agent_id}/mcp") as mcp:
            result = await mcp.call_tool("signup_api", signup("b@example.com"))
            assert result.is_error is False

        # a new version accepted by two is served by one, which had the old one cached
        assert httpx.get(f"{one}/agents/{agent_id}").json()["revision"] == 1
        v2 = {**body, "description": "second version"}
        replaced = httpx.put(f"{two}/mcp/agents/{agent_id}", json=v2, headers=auth())
        assert replaced.status_code == 200
        took = seen_within(lambda: httpx.get(f"{one}/agents/{agent_id}").json()["revision"] == 2)
        assert took < PROPAGATION, f"the new version reached the other host after {took:.3f} s"
        info = httpx.get(f"{one}/agents/{agent_id}").json()
        assert info["description"] == "second version"
        async with Client(f"{one}/agents/{agent_id}/mcp") as mcp:
            [tool] = (await mcp.list_tools()).tools
            assert tool.description == "second version"

        # removed through one, gone from two
        assert httpx.delete(f"{one}/mcp/agents/{agent_id}", headers=auth()).status_code == 200
        took = seen_within(lambda: httpx.get(f"{two}/agents/{agent_id}").status_code == 404)
        assert took < PROPAGATION, f"the delete reached the other host after {took:.3f} s"
        assert httpx.get(f"{one}/agents/{agent_id}").status_code == 404
        assert (
            httpx.post(f"{two}/agents/{agent_id}", json=signup("c@example.com")).status_code == 404
        )
        assert httpx.post(f"{two}/agents/{agent_id}/mcp", json={}).status_code == 404


def test_workers_of_one_host(tmp_path: Path, postgres_url: str) -> None:
    env = server_env(tmp_path, postgres_url, ORCHESTRIX_HOST_API_KEY=HOST_KEY)
    with host_process(env, tmp_path, "--workers", "2") as base:
        agent_id = httpx.post(f"{base}/mcp/agents", json=wire("todo"), headers=auth()).json()[
            "agentId"
        ]
        answers = [
            httpx.post(f"{base}/agents/{agent_id}", json={"title": f"t{i}"}) for i in range(10)
        ]
        assert {a.status_code for a in answers} == {201}
    # the pools of the two workers were sized against the server's connection limit
    [log] = tmp_path.glob("process-*.log")
    line = next(x for x in log.read_text().splitlines() if x.startswith("PostgreSQL pools:"))
    assert "2 worker(s) x (10 + 10 overflow + 1 listener) = at most 42" in line


def test_refuses_a_public_address_without_an_api_key(tmp_path: Path) -> None:
    env = server_env(tmp_path, None)
    done = subprocess.run(
        [sys.executable, "-m", "orchestrix", "host", "--host", "0.0.0.0", "--port", "1"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "ORCHESTRIX_HOST_API_KEY" in lines[0]
    assert "Traceback" not in done.stderr

"""``host`` mode: a workflow that an ``orchestrix host`` serves becomes a remote catalog item.

A real host app and the loopback Archestra run on loopback; the loopback Archestra connects to
the remote item's URL over MCP to list its tools, as the platform does for remote servers.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from mcp import Client

from orchestrix.deploy.archestra_platform import catalog_name, host_agent_id
from orchestrix.deploy.base import DeployError
from orchestrix.host.app import create_host_app
from orchestrix.settings import Settings
from tests.deploy.test_archestra_platform_loopback import (
    LoopbackArchestra,
    platform_settings,
    signup_request,
    target_for,
)
from tests.factories import make_settings
from tests.host.helpers import HOST_KEY, auth
from tests.servers import serve_asgi


@contextmanager
def host_and_platform(tmp_path: Path) -> Iterator[tuple[str, LoopbackArchestra, Settings]]:
    host_settings = make_settings(tmp_path / "host", host_api_key=HOST_KEY)
    state = LoopbackArchestra()
    with serve_asgi(create_host_app(host_settings)) as host, serve_asgi(state.app()) as url:
        settings = platform_settings(
            tmp_path / "control",
            url,
            archestra_platform_upstream="host",
            host_url=host,
            host_api_key=HOST_KEY,
        )
        yield host, state, settings
    assert state.problems == []


async def test_deploy_redeploy_undeploy_a_host_served_workflow(tmp_path: Path) -> None:
    with host_and_platform(tmp_path) as (host, state, settings):
        target = target_for(settings)
        agent = await target.deploy(signup_request(version=1))

        item = state.catalog[agent.agent_id]
        assert item["serverType"] == "remote"
        assert item["localConfig"] is None
        hosted = host_agent_id(item["serverUrl"])
        assert hosted is not None
        assert item["serverUrl"] == f"{host}/agents/{hosted}/mcp"
        [server] = state.servers.values()
        [tool] = state.tools[server["id"]]
        assert tool["name"] == f"{item['name']}__signup_api"  # listed over MCP at the URL
        assert len(state.assignments) == 1
        status = await target.status(agent.agent_id)
        assert status["hostAgentId"] == hosted
        assert status["deployed"] is True

        async with Client(item["serverUrl"]) as client:
            created = await client.call_tool(
                "signup_api", {"email": "lin@example.com", "password": "a-long-password-1"}
            )
            assert created.is_error is False

        again = await target.deploy(signup_request(version=2), agent_id=agent.agent_id)
        assert again.agent_id == agent.agent_id
        assert state.catalog[agent.agent_id]["serverUrl"] == item["serverUrl"]
        async with httpx.AsyncClient(base_url=host, headers=auth()) as http:
            assert (await http.get(f"/mcp/agents/{hosted}")).json()["version"] == 2

            await target.undeploy(agent.agent_id)
            assert state.catalog == {}
            assert state.servers == {}
            assert (await http.get(f"/mcp/agents/{hosted}")).status_code == 404


async def test_a_refused_item_takes_the_host_agent_down_again(tmp_path: Path) -> None:
    with host_and_platform(tmp_path) as (host, state, settings):
        request = signup_request()
        state.catalog["taken"] = {"name": catalog_name(request)}  # someone else's item
        with pytest.raises(DeployError, match=r"^conflict in Archestra \(409"):
            await target_for(settings).deploy(request)
        state.catalog.clear()
        async with httpx.AsyncClient(base_url=host, headers=auth()) as http:
            listed = (await http.get("/mcp/agents")).json()
        agents = listed["agents"] if isinstance(listed, dict) else listed
        assert agents == []

"""``host`` mode: a workflow that an ``orchestrix host`` serves becomes a remote catalog item.

A real host app and the loopback Archestra run on loopback; the loopback Archestra connects to
the remote item's URL over MCP during the install request, as Archestra 1.2.76 does.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp import Client

from orchestrix.deploy.archestra_platform import catalog_name, host_agent_id, split_agent_id
from orchestrix.deploy.base import DeployError
from orchestrix.host.app import create_host_app
from orchestrix.settings import Settings
from tests.deploy.test_archestra_platform_contract import assert_valid
from tests.deploy.test_archestra_platform_loopback import (
    LoopbackArchestra,
    platform_settings,
    signup_request,
    target_for,
)
from tests.factories import make_settings
from tests.host.helpers import HOST_KEY, auth
from tests.servers import free_port, serve_asgi


@contextmanager
def host_and_platform(
    tmp_path: Path, **host: Any
) -> Iterator[tuple[str, LoopbackArchestra, Settings]]:
    host_settings = make_settings(tmp_path / "host", **{"host_api_key": HOST_KEY, **host})
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


async def host_agents(host: str) -> list[Any]:
    async with httpx.AsyncClient(base_url=host, headers=auth()) as http:
        listed = (await http.get("/mcp/agents")).json()
    return list(listed["agents"] if isinstance(listed, dict) else listed)


async def test_deploy_redeploy_undeploy_a_host_served_workflow(tmp_path: Path) -> None:
    with host_and_platform(tmp_path) as (host, state, settings):
        target = target_for(settings)
        agent = await target.deploy(signup_request(version=1))

        catalog_id, hosted = split_agent_id(agent.agent_id)
        item = state.catalog[catalog_id]
        assert item["serverType"] == "remote"
        assert item["localConfig"] is None
        assert hosted == host_agent_id(item["serverUrl"])
        assert item["serverUrl"] == f"{host}/agents/{hosted}/mcp"
        # Synchronous: the install answered with the tools, nothing was polled.
        assert "getMcpServerInstallationStatus" not in state.operations()
        [tool] = state.tools.values()
        assert tool["name"] == f"{item['name']}__signup_api"  # listed over MCP at the URL
        assert len(state.assignments()) == 1
        status = await target.status(agent.agent_id)
        assert (status["hostAgentId"], status["deployed"]) == (hosted, True)

        async with Client(item["serverUrl"]) as client:
            created = await client.call_tool(
                "signup_api", {"email": "lin@example.com", "password": "a-long-password-1"}
            )
            assert created.is_error is False

        mark = len(state.calls)
        again = await target.deploy(signup_request(version=2), agent_id=agent.agent_id)
        assert again.agent_id == agent.agent_id
        assert state.catalog[catalog_id]["serverUrl"] == item["serverUrl"]
        gateway = state.agent("Orchestrix")["id"]
        assert all(served.get(gateway) == {tool["name"]} for served in state.timeline[mark:])
        async with httpx.AsyncClient(base_url=host, headers=auth()) as http:
            assert (await http.get(f"/mcp/agents/{hosted}")).json()["version"] == 2

            mark_undeploy = len(state.calls)
            await target.undeploy(agent.agent_id)
            assert (state.catalog, state.servers) == ({}, {})
            assert (await http.get(f"/mcp/agents/{hosted}")).status_code == 404
        assert_valid(state.calls)
        assert state.operations()[mark_undeploy:] == [
            "getInternalMcpCatalogItem",
            "getMcpServers",
            "deleteMcpServer",
            "deleteInternalMcpCatalogItem",
        ]


async def test_undeploy_takes_the_host_agent_down_when_the_item_is_already_gone(
    tmp_path: Path,
) -> None:
    with host_and_platform(tmp_path) as (host, _state, settings):
        target = target_for(settings)
        agent = await target.deploy(signup_request())
        catalog_id, hosted = split_agent_id(agent.agent_id)
        async with target._client() as http:  # someone deletes the item in Archestra's UI
            assert (await http.delete(f"/api/internal_mcp_catalog/{catalog_id}")).is_success
        assert [a["agentId"] for a in await host_agents(host)] == [hosted]

        await target.undeploy(agent.agent_id)
        assert await host_agents(host) == []


async def test_a_host_archestra_cannot_reach_fails_in_the_install_and_cleans_up(
    tmp_path: Path,
) -> None:
    # The host answers Orchestrix, but the URL it gives out (and Archestra is told) leads nowhere.
    unreachable = f"http://127.0.0.1:{free_port()}"
    with host_and_platform(tmp_path, host_public_url=unreachable) as (host, state, settings):
        with pytest.raises(DeployError) as caught:
            await target_for(settings).deploy(signup_request())
        assert caught.value.message.startswith(
            "Archestra could not install the MCP server: Failed to connect to MCP server "
        )
        assert unreachable in caught.value.message
        assert (state.catalog, state.servers) == ({}, {})
        assert await host_agents(host) == []


async def test_an_item_of_that_name_from_elsewhere_stops_the_deploy_before_the_host(
    tmp_path: Path,
) -> None:
    with host_and_platform(tmp_path) as (host, _state, settings):
        request = signup_request()
        async with target_for(settings)._client() as http:
            await http.post(
                "/api/internal_mcp_catalog",
                json={"name": catalog_name(request), "serverType": "remote", "serverUrl": "x"},
            )
        with pytest.raises(DeployError, match="already has a catalog item named"):
            await target_for(settings).deploy(request)
        assert await host_agents(host) == []

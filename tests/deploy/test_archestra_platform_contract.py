"""Contract tests of the ``archestra-platform`` target against a loopback Archestra.

The loopback platform (``test_archestra_platform_loopback.py``) validates every request
against Archestra's API description and answers as the platform does, including its failures;
each test here ends by asserting it recorded no contract problem.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from orchestrix.deploy.archestra_platform import ArchestraPlatformTarget, PlatformConfig
from orchestrix.deploy.base import DeployError, get_target
from orchestrix.spec.io import loads_workflow
from tests.deploy.test_archestra_platform_loopback import (
    API_KEY,
    LoopbackArchestra,
    platform_settings,
    signup_request,
    target_for,
)
from tests.factories import make_settings
from tests.servers import free_port, serve_asgi

# --- fixtures ---------------------------------------------------------------------------------


@pytest.fixture
def platform() -> Iterator[tuple[LoopbackArchestra, str]]:
    state = LoopbackArchestra()
    with serve_asgi(state.app()) as url:
        yield state, url
    assert state.problems == []


# --- deploy ------------------------------------------------------------------------------------


async def test_deploy_registers_installs_and_assigns_through_a_gateway(
    platform: tuple[LoopbackArchestra, str], tmp_path: Path
) -> None:
    state, url = platform
    target = target_for(platform_settings(tmp_path, url))

    agent = await target.deploy(signup_request())

    assert state.operations() == [
        "getAgents",
        "createAgent",
        "createInternalMcpCatalogItem",
        "installMcpServer",
        "getMcpServerInstallationStatus",
        "getMcpServerInstallationStatus",
        "getMcpServerInstallationStatus",
        "getMcpServerTools",
        "assignToolToAgent",
    ]
    gateway = state.agent("Orchestrix")
    item = state.catalog[agent.agent_id]
    assert item["serverType"] == "local"
    assert item["version"] == "1"
    local = item["localConfig"]
    assert local["command"] == "orchestrix"
    assert local["arguments"] == ["mcp"]
    assert local["transportType"] == "stdio"
    [env] = local["environment"]
    assert env["key"] == "ORCHESTRIX_SPEC"
    assert env["type"] == "plain_text"
    assert loads_workflow(env["value"]).name == "Signup API"

    [server] = state.servers.values()
    assert server["catalogId"] == agent.agent_id
    assert server["localInstallationStatus"] == "success"
    [tool] = state.tools[server["id"]]
    assert state.assignments == {
        (gateway["id"], tool["id"]): {"executionSourceMcpServerId": server["id"]}
    }

    assert agent.target == "archestra-platform"
    assert agent.endpoint == f"{url}/v1/mcp/{gateway['id']}"
    assert agent.dashboard_url == "http://archestra.test:3000/mcp-catalog/registry"
    assert agent.raw["installationId"] == server["id"]
    assert agent.raw["tools"] == [{"id": tool["id"], "name": tool["name"]}]
    assert tool["name"] == f"{item['name']}__signup_api"


async def test_every_request_carries_the_key_and_no_secret_or_test_data(
    platform: tuple[LoopbackArchestra, str], tmp_path: Path
) -> None:
    state, url = platform
    await target_for(platform_settings(tmp_path, url)).deploy(signup_request())

    sent = json.dumps([c.body for c in state.calls])
    assert all(c.status == 200 for c in state.calls)
    assert API_KEY not in sent
    # The spec's tests hold sample inputs (a password among them): they stay home.
    assert "correct-horse-1" not in sent
    assert "ada@example.com" not in sent
    [item] = state.catalog.values()
    spec = json.loads(item["localConfig"]["environment"][0]["value"])
    assert "tests" not in spec
    assert spec["executionOrder"][0] == "input"


async def test_an_existing_gateway_is_reused_and_a_configured_id_skips_the_lookup(
    platform: tuple[LoopbackArchestra, str], tmp_path: Path
) -> None:
    state, url = platform
    settings = platform_settings(tmp_path, url, archestra_gateway_name="Team tools")
    first = await target_for(settings).deploy(signup_request(server_id="srv_a"))
    second = await target_for(settings).deploy(signup_request(server_id="srv_b"))
    assert [a["name"] for a in state.agents.values()] == ["Team tools"]
    assert first.endpoint == second.endpoint

    gateway_id = state.agent("Team tools")["id"]
    state.calls.clear()
    by_id = platform_settings(tmp_path, url, archestra_gateway_id=gateway_id)
    third = await target_for(by_id).deploy(signup_request(server_id="srv_c"))
    assert "getAgents" not in state.operations()
    assert third.endpoint == f"{url}/v1/mcp/{gateway_id}"
    assert len(state.assignments) == 3


async def test_streamable_http_transport_registers_port_and_path(
    platform: tuple[LoopbackArchestra, str], tmp_path: Path
) -> None:
    state, url = platform
    settings = platform_settings(
        tmp_path,
        url,
        archestra_platform_transport="streamable-http",
        archestra_platform_http_port=9123,
        archestra_platform_command="uvx orchestrix",
        archestra_platform_docker_image="ghcr.io/example/orchestrix:1",
    )
    agent = await target_for(settings).deploy(signup_request())
    local = state.catalog[agent.agent_id]["localConfig"]
    assert local["command"] == "uvx"
    assert local["arguments"] == [
        "orchestrix",
        "mcp",
        "--transport",
        "streamable-http",
        "--host",
        "0.0.0.0",
        "--port",
        "9123",
    ]
    assert local["transportType"] == "streamable-http"
    assert local["httpPort"] == 9123
    assert local["httpPath"] == "/mcp"
    assert local["dockerImage"] == "ghcr.io/example/orchestrix:1"


# --- redeploy, undeploy, status -------------------------------------------------------------


async def test_redeploy_replaces_the_item_and_its_installation_keeping_ids(
    platform: tuple[LoopbackArchestra, str], tmp_path: Path
) -> None:
    state, url = platform
    target = target_for(platform_settings(tmp_path, url))
    first = await target.deploy(signup_request(version=1))
    [old_server] = state.servers

    second = await target.deploy(signup_request(version=2), agent_id=first.agent_id)

    assert second.agent_id == first.agent_id
    assert second.endpoint == first.endpoint
    assert list(state.catalog) == [first.agent_id]
    assert state.catalog[first.agent_id]["version"] == "2"
    [new_server] = state.servers
    assert new_server != old_server
    assert len(state.assignments) == 1
    assert "updateInternalMcpCatalogItem" in state.operations()
    assert "deleteMcpServer" in state.operations()
    assert "createInternalMcpCatalogItem" not in state.operations()[9:]


async def test_undeploy_removes_installation_and_item_and_is_idempotent(
    platform: tuple[LoopbackArchestra, str], tmp_path: Path
) -> None:
    state, url = platform
    target = target_for(platform_settings(tmp_path, url))
    agent = await target.deploy(signup_request())
    assert (await target.status(agent.agent_id))["deployed"] is True

    await target.undeploy(agent.agent_id)
    assert state.catalog == {}
    assert state.servers == {}
    assert state.assignments == {}
    assert len(state.agents) == 1  # the gateway is shared: it stays

    await target.undeploy(agent.agent_id)  # already gone: not an error
    assert await target.status(agent.agent_id) == {
        "agentId": agent.agent_id,
        "deployed": False,
        "target": "archestra-platform",
    }


async def test_status_reports_the_installation(
    platform: tuple[LoopbackArchestra, str], tmp_path: Path
) -> None:
    state, url = platform
    target = target_for(platform_settings(tmp_path, url))
    agent = await target.deploy(signup_request(version=3))
    status = await target.status(agent.agent_id)
    [server_id] = state.servers
    assert status["name"] == state.catalog[agent.agent_id]["name"]
    assert status["version"] == "3"
    assert status["installations"] == [{"id": server_id, "status": "success", "error": None}]


# --- the platform's failures reach the user -------------------------------------------------


async def test_a_wrong_key_is_a_401_reason(
    platform: tuple[LoopbackArchestra, str], tmp_path: Path
) -> None:
    state, url = platform
    settings = platform_settings(tmp_path, url, archestra_platform_api_key="not-the-key")
    with pytest.raises(DeployError) as caught:
        await target_for(settings).deploy(signup_request())
    assert caught.value.message == "Archestra rejected the API key (401): Unauthorized"
    assert caught.value.details["type"] == "api_authentication_error"
    assert f"Failed to deploy to Archestra: {caught.value.message}".startswith(
        "Failed to deploy to Archestra: Archestra rejected the API key"
    )
    assert "not-the-key" not in repr(caught.value.details)
    assert state.catalog == {}


async def test_a_name_taken_in_the_registry_is_a_409_reason_and_nothing_is_left(
    platform: tuple[LoopbackArchestra, str], tmp_path: Path
) -> None:
    state, url = platform
    target = target_for(platform_settings(tmp_path, url))
    first = await target.deploy(signup_request())
    with pytest.raises(DeployError) as caught:
        await target.deploy(signup_request())  # the same server again, not as a redeploy
    assert caught.value.message.startswith(
        "conflict in Archestra (409 on POST /api/internal_mcp_catalog): Catalog item with name"
    )
    assert caught.value.status == 502
    assert list(state.catalog) == [first.agent_id]
    assert len(state.servers) == 1


async def test_redeploying_an_agent_the_platform_lost_is_a_404_reason(
    platform: tuple[LoopbackArchestra, str], tmp_path: Path
) -> None:
    _state, url = platform
    missing = str(uuid.uuid4())
    with pytest.raises(DeployError) as caught:
        await target_for(platform_settings(tmp_path, url)).deploy(
            signup_request(), agent_id=missing
        )
    assert caught.value.message == (
        f"not found in Archestra (404 on PUT /api/internal_mcp_catalog/{missing}): "
        "Catalog item not found"
    )


async def test_a_validation_error_of_the_platform_is_a_400_reason_and_cleans_up(
    tmp_path: Path,
) -> None:
    state = LoopbackArchestra()
    with serve_asgi(state.app()) as url:
        settings = platform_settings(tmp_path, url, archestra_gateway_id="not-a-uuid")
        with pytest.raises(DeployError) as caught:
            await target_for(settings).deploy(signup_request())
    assert caught.value.message.startswith(
        "Archestra refused the request (400 on POST /api/agents/not-a-uuid/tools/"
    )
    assert "params/agentId" in caught.value.message
    assert caught.value.details["type"] == "api_validation_error"
    # What this deploy made is gone again: no half-written deployment.
    assert state.catalog == {}
    assert state.servers == {}
    assert state.operations()[-2:] == ["deleteMcpServer", "deleteInternalMcpCatalogItem"]
    assert state.problems == []


async def test_an_install_the_runtime_cannot_start_is_reported_and_cleaned_up(
    tmp_path: Path,
) -> None:
    state = LoopbackArchestra(install_error="ImagePullBackOff: orchestrix not found in image")
    with serve_asgi(state.app()) as url, pytest.raises(DeployError) as caught:
        await target_for(platform_settings(tmp_path, url)).deploy(signup_request())
    assert caught.value.message == (
        "Archestra could not start the MCP server: ImagePullBackOff: orchestrix not found in image"
    )
    assert state.catalog == {}
    assert state.servers == {}
    assert state.problems == []


async def test_an_unreachable_platform_is_a_clear_reason(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(DeployError) as caught:
        await target_for(platform_settings(tmp_path, url)).deploy(signup_request())
    assert caught.value.message.startswith(f"cannot reach Archestra at {url}")


# --- settings -----------------------------------------------------------------------------


def test_missing_settings_name_the_setting(tmp_path: Path) -> None:
    from orchestrix.errors import ConfigurationError

    bare = make_settings(tmp_path)
    with pytest.raises(ConfigurationError, match="ORCHESTRIX_ARCHESTRA_PLATFORM_URL"):
        PlatformConfig.from_settings(bare)
    no_key = make_settings(tmp_path, archestra_platform_url="http://a.test:9000")
    with pytest.raises(ConfigurationError, match="ORCHESTRIX_ARCHESTRA_PLATFORM_API_KEY"):
        PlatformConfig.from_settings(no_key)
    ftp = make_settings(
        tmp_path, archestra_platform_url="ftp://a.test", archestra_platform_api_key="k"
    )
    with pytest.raises(ConfigurationError, match="http:// or https://"):
        PlatformConfig.from_settings(ftp)


def test_the_target_is_registered_under_its_name(tmp_path: Path) -> None:
    settings = platform_settings(tmp_path, "http://archestra.test:9000/")
    target = get_target(settings)
    assert isinstance(target, ArchestraPlatformTarget)
    assert target.name == "archestra-platform"
    assert target.config.url == "http://archestra.test:9000"

"""Contract tests of the ``archestra-platform`` target against a loopback Archestra 1.2.76.

The loopback (``archestra_peer.py``) validates every request against Archestra's own API
description and answers as the live platform does, including its failures; each test ends by
asserting it recorded no contract problem.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from orchestrix.deploy.archestra_platform import (
    SERVER_LABEL,
    ArchestraPlatformTarget,
    PlatformConfig,
    catalog_name,
    name_suffix,
)
from orchestrix.deploy.base import DeployError, get_target
from orchestrix.errors import ConfigurationError
from orchestrix.spec.io import loads_workflow
from tests.deploy.archestra_api import check_request
from tests.deploy.archestra_peer import Call
from tests.deploy.test_archestra_platform_loopback import (
    API_KEY,
    LoopbackArchestra,
    platform_settings,
    signup_request,
    target_for,
)
from tests.factories import make_settings
from tests.servers import free_port, serve_asgi

TEAM = "team-7"


@pytest.fixture
def platform() -> Iterator[tuple[LoopbackArchestra, str]]:
    state = LoopbackArchestra()
    with serve_asgi(state.app()) as url:
        yield state, url
    assert state.problems == []


def assert_valid(calls: list[Call]) -> None:
    """Each request, checked again here against the description: an operation of it, with
    nothing it refuses and nothing it does not name."""
    for c in calls:
        check = check_request(c.method, c.path, c.query, c.body, c.body is not None)
        assert check.operation is not None, f"{c.method} {c.path}"
        assert (check.refused, check.undescribed) == ([], []), f"{c.method} {c.path}"


# --- deploy ------------------------------------------------------------------------------------


async def test_deploy_checks_the_version_then_registers_installs_and_assigns(
    platform: tuple[LoopbackArchestra, str], tmp_path: Path
) -> None:
    state, url = platform
    agent = await target_for(platform_settings(tmp_path, url)).deploy(signup_request())

    assert state.operations() == [
        "GET /health",
        "getAgents",
        "createAgent",
        "getInternalMcpCatalog",
        "createInternalMcpCatalogItem",
        "installMcpServer",
        "getMcpServerInstallationStatus",
        "getMcpServerInstallationStatus",
        "getMcpServerTools",
        "getAllAgentTools",
        "assignToolToAgent",
    ]
    assert_valid(state.calls)
    gateway = state.agent("Orchestrix")
    assert (gateway["scope"], gateway["agentType"]) == ("org", "mcp_gateway")
    item = state.catalog[agent.agent_id]
    assert item["name"] == f"signup-api-{name_suffix('mcp_8c1f0e2a9b')}"
    assert len(name_suffix("mcp_8c1f0e2a9b")) == 8
    assert int(name_suffix("mcp_8c1f0e2a9b"), 16) >= 0
    assert item["scope"] == "org"
    assert item["labels"] == [{"key": SERVER_LABEL, "value": "mcp_8c1f0e2a9b"}]
    assert item["serverType"] == "local"
    assert item["version"] == "1"
    local = item["localConfig"]
    assert (local["command"], local["arguments"], local["transportType"]) == (
        "orchestrix",
        ["mcp"],
        "stdio",
    )
    [env] = local["environment"]
    assert (env["key"], env["type"]) == ("ORCHESTRIX_SPEC", "plain_text")
    assert loads_workflow(env["value"]).name == "Signup API"

    [server] = state.servers.values()
    assert (server["catalogId"], server["scope"]) == (agent.agent_id, "org")
    assert server["localInstallationStatus"] == "success"
    [tool] = state.tools.values()
    [link] = state.assignments()  # only the gateway: an org install is not also personal
    assert (link["agentId"], link["toolId"], link["mcpServerId"]) == (
        gateway["id"],
        tool["id"],
        server["id"],
    )
    assert state.served() == {gateway["id"]: {f"{item['name']}__signup_api"}}

    assert agent.target == "archestra-platform"
    assert agent.endpoint == f"{url}/v1/mcp/{gateway['id']}"
    assert agent.dashboard_url == "http://archestra.test:3000/mcp/registry"
    assert agent.raw["installationId"] == server["id"]
    assert agent.raw["tools"] == [{"id": tool["id"], "name": tool["name"]}]
    access = agent.raw["gateway"]
    assert access["url"] == agent.endpoint
    assert access["dashboardUrl"] == "http://archestra.test:3000/mcp/gateways"
    assert access["personalTokenUrl"] == f"{url}/api/user-tokens/me/value"
    assert "refuses the API key" in access["token"]
    assert access["clientConfig"] == {
        "mcpServers": {
            "orchestrix": {
                "type": "http",
                "url": agent.endpoint,
                "headers": {"Authorization": "Bearer <token>"},
            }
        }
    }


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


async def test_an_archestra_older_than_1_2_is_refused_before_anything_is_made(
    tmp_path: Path,
) -> None:
    state = LoopbackArchestra(version="1.0.11")
    agents_before = dict(state.agents)
    with serve_asgi(state.app()) as url, pytest.raises(DeployError) as caught:
        await target_for(platform_settings(tmp_path, url)).deploy(signup_request())
    assert caught.value.message == "this Archestra is 1.0.11; Orchestrix needs 1.2.0 or newer"
    assert state.operations() == ["GET /health"]
    assert state.agents == agents_before
    assert (state.catalog, state.servers, state.agent_tools) == ({}, {}, {})
    assert state.problems == []


async def test_a_version_that_cannot_be_read_is_refused(tmp_path: Path) -> None:
    state = LoopbackArchestra(version="nightly")
    with serve_asgi(state.app()) as url, pytest.raises(DeployError) as caught:
        await target_for(platform_settings(tmp_path, url)).deploy(signup_request())
    assert caught.value.message == (
        "cannot tell which Archestra this is (GET /health reports version 'nightly'); "
        "Orchestrix needs 1.2.0 or newer"
    )
    assert state.catalog == {}


async def test_personal_scope_is_archestras_default_and_serves_on_two_gateways(
    platform: tuple[LoopbackArchestra, str], tmp_path: Path
) -> None:
    state, url = platform
    settings = platform_settings(tmp_path, url, archestra_platform_scope="personal")
    agent = await target_for(settings).deploy(signup_request())
    assert_valid(state.calls)
    assert state.agent("Orchestrix")["scope"] == "personal"
    assert state.catalog[agent.agent_id]["scope"] == "personal"
    [server] = state.servers.values()
    assert server["scope"] == "personal"
    # Archestra also hands a personal installation to the installer's own gateway.
    assert set(state.served()) == {state.agent("Orchestrix")["id"], state.personal_gateway["id"]}


async def test_team_scope_names_the_team_everywhere(
    platform: tuple[LoopbackArchestra, str], tmp_path: Path
) -> None:
    state, url = platform
    settings = platform_settings(
        tmp_path, url, archestra_platform_scope="team", archestra_platform_team_id=TEAM
    )
    agent = await target_for(settings).deploy(signup_request())
    assert_valid(state.calls)
    gateway = state.agent("Orchestrix")
    assert (gateway["scope"], gateway["teams"]) == ("team", [{"id": TEAM, "name": f"team {TEAM}"}])
    assert state.catalog[agent.agent_id]["teams"] == [{"id": TEAM, "name": f"team {TEAM}"}]
    [server] = state.servers.values()
    assert (server["scope"], server["teamId"]) == ("team", TEAM)
    assert set(state.served()) == {gateway["id"]}


async def test_an_existing_gateway_is_reused_and_a_configured_id_skips_the_lookup(
    platform: tuple[LoopbackArchestra, str], tmp_path: Path
) -> None:
    state, url = platform
    settings = platform_settings(tmp_path, url, archestra_gateway_name="Team tools")
    first = await target_for(settings).deploy(signup_request(server_id="mcp_a"))
    second = await target_for(settings).deploy(signup_request(server_id="mcp_b"))
    assert [a["name"] for a in state.agents.values() if not a["isPersonalGateway"]] == [
        "Team tools"
    ]
    assert first.endpoint == second.endpoint
    assert state.catalog[first.agent_id]["name"] != state.catalog[second.agent_id]["name"]

    gateway_id = state.agent("Team tools")["id"]
    state.calls.clear()
    by_id = platform_settings(tmp_path, url, archestra_gateway_id=gateway_id)
    third = await target_for(by_id).deploy(signup_request(server_id="mcp_c"))
    assert "getAgents" not in state.operations()
    assert third.endpoint == f"{url}/v1/mcp/{gateway_id}"
    assert len(state.assignments(gateway_id)) == 3


async def test_streamable_http_transport_registers_port_path_and_image(
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
    assert (local["transportType"], local["httpPort"], local["httpPath"]) == (
        "streamable-http",
        9123,
        "/mcp",
    )
    assert local["dockerImage"] == "ghcr.io/example/orchestrix:1"


# --- names and duplicates -----------------------------------------------------------------------


def test_names_carry_8_hex_characters_of_the_server_id() -> None:
    a, b = signup_request(server_id="mcp_one"), signup_request(server_id="mcp_two")
    assert catalog_name(a) == catalog_name(signup_request(server_id="mcp_one"))
    assert catalog_name(a) != catalog_name(b)
    for request in (a, b):
        base, suffix = catalog_name(request).rsplit("-", 1)
        assert base == "signup-api"
        assert len(suffix) == 8
        assert set(suffix) <= set("0123456789abcdef")


async def test_an_item_of_that_name_made_by_someone_else_is_refused_and_nothing_made(
    platform: tuple[LoopbackArchestra, str], tmp_path: Path
) -> None:
    state, url = platform
    request = signup_request()
    async with target_for(platform_settings(tmp_path, url))._client() as http:
        taken = (
            await http.post(
                "/api/internal_mcp_catalog",
                json={"name": catalog_name(request), "serverType": "remote", "serverUrl": "x"},
            )
        ).json()
    with pytest.raises(DeployError) as caught:
        await target_for(platform_settings(tmp_path, url)).deploy(request)
    assert caught.value.message == (
        f"Archestra already has a catalog item named {catalog_name(request)!r} (id "
        f"{taken['id']}) that server mcp_8c1f0e2a9b did not make; remove or rename it in "
        "Archestra's MCP registry"
    )
    assert list(state.catalog) == [taken["id"]]
    assert state.servers == {}


async def test_an_item_this_server_left_behind_is_taken_over_not_doubled(
    platform: tuple[LoopbackArchestra, str], tmp_path: Path
) -> None:
    state, url = platform
    target = target_for(platform_settings(tmp_path, url))
    first = await target.deploy(signup_request(version=1))
    # The deploy was never recorded (the process died): the next one finds the item.
    again = await target.deploy(signup_request(version=2))
    assert again.agent_id == first.agent_id
    assert list(state.catalog) == [first.agent_id]
    assert state.catalog[first.agent_id]["version"] == "2"
    assert len(state.servers) == 1
    assert len(state.assignments()) == 1


# --- redeploy, undeploy, status -------------------------------------------------------------


async def test_redeploy_installs_then_switches_so_the_tool_is_always_served(
    platform: tuple[LoopbackArchestra, str], tmp_path: Path
) -> None:
    state, url = platform
    target = target_for(platform_settings(tmp_path, url))
    first = await target.deploy(signup_request(version=1))
    [old_server] = state.servers
    [tool] = state.tools.values()
    gateway = state.agent("Orchestrix")["id"]
    mark = len(state.calls)

    second = await target.deploy(signup_request(version=2), agent_id=first.agent_id)

    redeploy = state.operations()[mark:]
    assert_valid(state.calls[mark:])
    assert redeploy == [
        "GET /health",
        "getAgents",
        "getInternalMcpCatalogItem",
        "getMcpServers",
        "updateInternalMcpCatalogItem",
        "installMcpServer",
        "getMcpServerInstallationStatus",
        "getMcpServerInstallationStatus",
        "getMcpServerTools",
        "getAllAgentTools",
        "updateAgentTool",  # the assignment moves to the new installation...
        "deleteMcpServer",  # ...before the old one goes
    ]
    for served in state.timeline[mark:]:
        assert served.get(gateway) == {tool["name"]}
    assert (second.agent_id, second.endpoint) == (first.agent_id, first.endpoint)
    assert list(state.catalog) == [first.agent_id]
    assert state.catalog[first.agent_id]["version"] == "2"
    [new_server] = state.servers
    assert new_server != old_server
    [link] = state.assignments()
    assert (link["toolId"], link["mcpServerId"]) == (tool["id"], new_server)
    assert second.raw["tools"] == first.raw["tools"]


async def test_a_failed_redeploy_keeps_the_old_installation_serving(tmp_path: Path) -> None:
    state = LoopbackArchestra()
    with serve_asgi(state.app()) as url:
        target = target_for(platform_settings(tmp_path, url))
        first = await target.deploy(signup_request(version=1))
        [old_server] = state.servers
        served = state.served()
        state.install_error = "OOMKilled"
        with pytest.raises(DeployError, match="could not start the MCP server: OOMKilled"):
            await target.deploy(signup_request(version=2), agent_id=first.agent_id)
        assert list(state.servers) == [old_server]
        assert state.served() == served
        assert state.catalog[first.agent_id]["version"] == "1"  # put back
    assert state.problems == []


async def test_undeploy_removes_installation_and_item_and_is_idempotent(
    platform: tuple[LoopbackArchestra, str], tmp_path: Path
) -> None:
    state, url = platform
    target = target_for(platform_settings(tmp_path, url))
    agent = await target.deploy(signup_request())
    assert (await target.status(agent.agent_id))["deployed"] is True
    mark = len(state.calls)

    await target.undeploy(agent.agent_id)
    assert_valid(state.calls[mark:])
    assert state.operations()[mark:] == [
        "getInternalMcpCatalogItem",
        "getMcpServers",
        "deleteMcpServer",
        "deleteInternalMcpCatalogItem",
    ]
    assert (state.catalog, state.servers, state.agent_tools, state.tools) == ({}, {}, {}, {})
    assert "Orchestrix" in [a["name"] for a in state.agents.values()]  # the gateway stays

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
    assert (status["version"], status["scope"]) == ("3", "org")
    assert status["installations"] == [{"id": server_id, "status": "success", "error": None}]


# --- the platform's failures reach the user -------------------------------------------------


async def test_a_wrong_key_is_a_401_reason(
    platform: tuple[LoopbackArchestra, str], tmp_path: Path
) -> None:
    state, url = platform
    settings = platform_settings(tmp_path, url, archestra_platform_api_key="arch_not-the-key")
    with pytest.raises(DeployError) as caught:
        await target_for(settings).deploy(signup_request())
    assert caught.value.message == "Archestra rejected the API key (401): Unauthenticated"
    assert caught.value.details["type"] == "api_authentication_error"
    assert "not-the-key" not in repr(caught.value.details)
    assert state.catalog == {}


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
        f"not found in Archestra (404 on GET /api/internal_mcp_catalog/{missing}): "
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
        "Archestra refused the request (400 on GET /api/agent-tools): querystring/agentId"
    )
    assert caught.value.details["type"] == "api_validation_error"
    # What this deploy made is gone again: no half-written deployment.
    assert (state.catalog, state.servers) == ({}, {})
    assert state.operations()[-2:] == ["deleteMcpServer", "deleteInternalMcpCatalogItem"]
    # The loopback noted the refused request; it is the one the test provoked.
    assert len(state.problems) == 1
    assert "not-a-uuid" in state.problems[0]


async def test_an_install_the_runtime_cannot_start_is_reported_and_cleaned_up(
    tmp_path: Path,
) -> None:
    state = LoopbackArchestra(install_error="ImagePullBackOff: orchestrix not found in image")
    with serve_asgi(state.app()) as url, pytest.raises(DeployError) as caught:
        await target_for(platform_settings(tmp_path, url)).deploy(signup_request())
    assert caught.value.message == (
        "Archestra could not start the MCP server: ImagePullBackOff: orchestrix not found in image"
    )
    assert (state.catalog, state.servers) == ({}, {})
    assert state.problems == []


async def test_an_unreachable_platform_is_a_clear_reason(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(DeployError) as caught:
        await target_for(platform_settings(tmp_path, url)).deploy(signup_request())
    assert caught.value.message.startswith(f"cannot reach Archestra at {url}")


# --- settings -----------------------------------------------------------------------------


def test_missing_settings_name_the_setting(tmp_path: Path) -> None:
    bare = make_settings(tmp_path)
    with pytest.raises(ConfigurationError, match="ORCHESTRIX_ARCHESTRA_PLATFORM_URL"):
        PlatformConfig.from_settings(bare)
    no_key = make_settings(tmp_path, archestra_platform_url="http://a.test:9000")
    with pytest.raises(ConfigurationError, match="ORCHESTRIX_ARCHESTRA_PLATFORM_API_KEY"):
        PlatformConfig.from_settings(no_key)
    ftp = platform_settings(tmp_path, "ftp://a.test")
    with pytest.raises(ConfigurationError, match="http:// or https://"):
        PlatformConfig.from_settings(ftp)
    no_team = platform_settings(tmp_path, "http://a.test", archestra_platform_scope="team")
    with pytest.raises(ConfigurationError, match="ORCHESTRIX_ARCHESTRA_PLATFORM_TEAM_ID"):
        PlatformConfig.from_settings(no_team)
    org = PlatformConfig.from_settings(platform_settings(tmp_path, "http://a.test"))
    assert (org.scope, org.team_id) == ("org", None)


def test_the_target_is_registered_under_its_name(tmp_path: Path) -> None:
    settings = platform_settings(tmp_path, "http://archestra.test:9000/")
    target = get_target(settings)
    assert isinstance(target, ArchestraPlatformTarget)
    assert target.name == "archestra-platform"
    assert target.config.url == "http://archestra.test:9000"


async def test_the_items_orchestrix_made_are_listed_for_the_reconciler(
    platform: tuple[LoopbackArchestra, str], tmp_path: Path
) -> None:
    state, url = platform
    target = target_for(platform_settings(tmp_path, url))
    agent = await target.deploy(signup_request(version=2))
    async with target._client() as http:  # an item someone made by hand: not Orchestrix's
        await http.post(
            "/api/internal_mcp_catalog",
            json={"name": "by-hand", "serverType": "remote", "serverUrl": "http://x"},
        )
    mark = len(state.calls)
    assert await target.agents() == [
        {
            "agentId": agent.agent_id,
            "serverId": "mcp_8c1f0e2a9b",
            "endpoint": agent.endpoint,
            "dashboardUrl": "http://archestra.test:3000/mcp/registry",
            "version": 2,
        }
    ]
    assert_valid(state.calls[mark:])

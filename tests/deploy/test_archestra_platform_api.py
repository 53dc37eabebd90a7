"""The ``archestra-platform`` target behind Orchestrix's own API: deploy, the stored agent,
redeploy, undeploy, and the platform's failures as ``Failed to deploy to Archestra: <reason>``.

Both sides are real HTTP servers on loopback: the control-plane app and the loopback Archestra
of the contract tests, which checks every request against Archestra's API description.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import yaml

from orchestrix.api import create_app
from tests.deploy.test_archestra_platform_loopback import (
    API_KEY,
    EXAMPLES,
    LoopbackArchestra,
    platform_settings,
)
from tests.servers import serve_asgi

OWNER = {"ownerId": "ada"}


def signup_spec() -> dict[str, Any]:
    spec: dict[str, Any] = yaml.safe_load((EXAMPLES / "signup.yaml").read_text())
    return spec


async def test_deploy_redeploy_undeploy_through_the_api(tmp_path: Path) -> None:
    state = LoopbackArchestra()
    with serve_asgi(state.app()) as archestra:
        settings = platform_settings(tmp_path, archestra)
        with serve_asgi(create_app(settings)) as base:
            async with httpx.AsyncClient(base_url=base, timeout=60) as http:
                created = await http.post("/mcp/servers", json={"spec": signup_spec(), **OWNER})
                assert created.status_code == 201, created.text
                sid = created.json()["id"]

                deployed = await http.post(f"/mcp/servers/{sid}/deploy", json=OWNER)
                assert deployed.status_code == 200, deployed.text
                answer = deployed.json()
                assert answer["success"] is True
                [item_id] = state.catalog
                assert answer["agentId"] == item_id
                gateway = state.agent("Orchestrix")
                assert answer["endpoint"] == f"{archestra}/v1/mcp/{gateway['id']}"
                assert answer["dashboardUrl"] == "http://archestra.test:3000/mcp/registry"
                # How a client gets in: the gateway wants an Archestra token, not the API key.
                access = answer["gateway"]
                assert access["url"] == answer["endpoint"]
                assert access["personalTokenUrl"] == f"{archestra}/api/user-tokens/me/value"
                assert access["organizationTokensUrl"] == f"{archestra}/api/tokens"
                assert "refuses the API key" in access["token"]
                assert API_KEY not in deployed.text

                server = (await http.get(f"/mcp/servers/{sid}", params=OWNER)).json()
                assert server["archestraAgentId"] == item_id
                assert server["archestraEndpoint"] == answer["endpoint"]

                again = await http.post(f"/mcp/servers/{sid}/deploy", json=OWNER)
                assert again.status_code == 400
                assert again.json()["error"] == "Server already deployed to Archestra"

                spec = signup_spec()
                spec["description"] = "User registration, second version"
                saved = await http.put(f"/mcp/servers/{sid}", json={"spec": spec, **OWNER})
                assert saved.status_code == 200, saved.text
                redeployed = await http.post(f"/mcp/servers/{sid}/redeploy", json=OWNER)
                assert redeployed.status_code == 200, redeployed.text
                assert redeployed.json()["agentId"] == item_id
                assert redeployed.json()["endpoint"] == answer["endpoint"]
                assert redeployed.json()["gateway"] == access
                assert state.catalog[item_id]["description"] == "User registration, second version"
                assert state.catalog[item_id]["version"] == "2"
                assert len(state.servers) == 1
                assert len(state.assignments(gateway["id"])) == 1

                gone = await http.delete(f"/mcp/servers/{sid}/deploy", params=OWNER)
                assert gone.status_code == 200, gone.text
                assert state.catalog == {}
                assert state.servers == {}
    assert state.problems == []


async def test_the_platform_refusing_reaches_the_user_as_failed_to_deploy(tmp_path: Path) -> None:
    state = LoopbackArchestra()
    with serve_asgi(state.app()) as archestra:
        settings = platform_settings(tmp_path, archestra, archestra_platform_api_key="arch_revoked")
        with serve_asgi(create_app(settings)) as base:
            async with httpx.AsyncClient(base_url=base, timeout=60) as http:
                created = await http.post("/mcp/servers", json={"spec": signup_spec(), **OWNER})
                sid = created.json()["id"]
                failed = await http.post(f"/mcp/servers/{sid}/deploy", json=OWNER)
                assert failed.status_code == 500
                assert failed.json() == {
                    "success": False,
                    "error": "Failed to deploy to Archestra: "
                    "Archestra rejected the API key (401): Unauthenticated",
                }
                server = (await http.get(f"/mcp/servers/{sid}", params=OWNER)).json()
                assert server["archestraAgentId"] is None
    assert state.catalog == {}
    assert state.problems == []


async def test_an_archestra_1_0_11_gets_the_version_message_and_nothing_is_made(
    tmp_path: Path,
) -> None:
    state = LoopbackArchestra(version="1.0.11")
    with serve_asgi(state.app()) as archestra:
        settings = platform_settings(tmp_path, archestra)
        with serve_asgi(create_app(settings)) as base:
            async with httpx.AsyncClient(base_url=base, timeout=60) as http:
                created = await http.post("/mcp/servers", json={"spec": signup_spec(), **OWNER})
                sid = created.json()["id"]
                failed = await http.post(f"/mcp/servers/{sid}/deploy", json=OWNER)
                assert failed.status_code == 500
                assert failed.json() == {
                    "success": False,
                    "error": "Failed to deploy to Archestra: this Archestra is 1.0.11; "
                    "Orchestrix needs 1.2.0 or newer",
                }
                server = (await http.get(f"/mcp/servers/{sid}", params=OWNER)).json()
                assert server["archestraAgentId"] is None
    assert state.operations() == ["GET /health"]
    assert (state.catalog, state.servers, state.agent_tools) == ({}, {}, {})
    assert [a["name"] for a in state.agents.values()] == ["Ada's gateway"]

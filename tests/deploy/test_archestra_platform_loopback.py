"""The loopback Archestra of the ``archestra-platform`` tests, and the helpers they share.

:class:`LoopbackArchestra` (``archestra_peer.py``) answers from Archestra 1.2.76's own API
description (``data/archestra_api/openapi-1.2.76.json``, source in ``SOURCE.md``); the tests
here check that the description is the one named, that the loopback refuses what the
description refuses and answers as the live platform was seen to, and that the two request
bodies the target sent to 1.0.x would not pass.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from orchestrix.deploy.archestra_platform import ArchestraPlatformTarget
from orchestrix.deploy.base import DeploymentRequest
from orchestrix.settings import Settings
from orchestrix.spec.io import load_workflow
from tests.deploy.archestra_api import (
    API,
    BY_ID,
    DATA,
    DESCRIPTION_FILE,
    body_problems,
    response_problems,
)
from tests.deploy.archestra_peer import (
    API_KEY,
    ASSIGN_NEEDS_INSTALLATION,
    LoopbackArchestra,
)
from tests.factories import make_settings
from tests.servers import serve_asgi

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
RECORDED = json.loads((DATA / "recorded-1.2.76.json").read_text())

__all__ = [
    "API_KEY",
    "EXAMPLES",
    "LoopbackArchestra",
    "platform_settings",
    "signup_request",
    "target_for",
]


def platform_settings(tmp_path: Path, url: str, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": tmp_path,
        "deploy_target": "archestra-platform",
        "archestra_platform_url": url,
        "archestra_platform_api_key": API_KEY,
        "archestra_platform_dashboard_url": "http://archestra.test:3000",
        **extra,
    }
    return make_settings(**values)


def target_for(settings: Settings) -> ArchestraPlatformTarget:
    target = ArchestraPlatformTarget.from_settings(settings)
    target.poll_interval = 0.01
    return target


def signup_request(version: int = 1, server_id: str = "mcp_8c1f0e2a9b") -> DeploymentRequest:
    return DeploymentRequest(
        server_id=server_id,
        owner_id="owner-1",
        version=version,
        workflow=load_workflow(EXAMPLES / "signup.yaml"),
        created_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
    )


# --- the description ---------------------------------------------------------------------------


def test_the_description_is_archestra_1_2_76_as_its_source_says() -> None:
    assert API["info"] == {"title": "Archestra", "version": "1.2.76"}
    source = (DATA / "SOURCE.md").read_text()
    digest = hashlib.sha256(DESCRIPTION_FILE.read_bytes()).hexdigest()
    assert digest in source
    assert "GET /openapi.json" in source
    for operation in (
        "GET /health",
        "getAgents",
        "createAgent",
        "assignToolToAgent",
        "unassignToolFromAgent",
        "getAllAgentTools",
        "updateAgentTool",
        "getInternalMcpCatalog",
        "createInternalMcpCatalogItem",
        "getInternalMcpCatalogItem",
        "updateInternalMcpCatalogItem",
        "deleteInternalMcpCatalogItem",
        "getMcpServers",
        "installMcpServer",
        "deleteMcpServer",
        "getMcpServerInstallationStatus",
        "getMcpServerTools",
    ):
        assert operation in BY_ID, operation
        assert f"`{operation}`" in source, operation
    assert not (DATA / "openapi-subset.json").exists()  # the 1.0.11 description is gone


def test_the_two_bodies_sent_to_1_0_x_do_not_pass_1_2_76() -> None:
    # createAgent without a scope: what the live platform answered 400 for.
    assert body_problems("createAgent", {"name": "Orchestrix", "teams": []}) == [
        "(root): 'scope' is a required property"
    ]
    assert body_problems("createAgent", {"name": "Orchestrix", "scope": "org"}) == []
    assert body_problems("createAgent", {"name": "Orchestrix", "scope": "everyone"}) == [
        "scope: 'everyone' is not one of ['personal', 'team', 'org']"
    ]
    # The old field of assignToolToAgent is not in the description: dropped without a word,
    # which left the assignment without an installation.
    old = {"executionSourceMcpServerId": str(uuid.uuid4())}
    assert body_problems("assignToolToAgent", old, strict=True) == [
        "undescribed: (root): Additional properties are not allowed "
        "('executionSourceMcpServerId' was unexpected)"
    ]
    assert (
        body_problems(
            "assignToolToAgent", {"mcpServerId": old["executionSourceMcpServerId"]}, strict=True
        )
        == []
    )


def test_the_answers_recorded_from_a_live_1_2_76_match_the_description() -> None:
    for answer in RECORDED["answers"]:
        assert response_problems(answer["operation"], answer["status"], answer["body"]) == [], (
            answer
        )


# --- the loopback ----------------------------------------------------------------------------


async def test_the_loopback_refuses_what_the_description_refuses() -> None:
    state = LoopbackArchestra()
    with serve_asgi(state.app()) as url:
        async with httpx.AsyncClient(base_url=url, headers={"Authorization": API_KEY}) as http:
            old_agent = await http.post("/api/agents", json={"name": "p", "teams": []})
            assert old_agent.status_code == 400
            assert old_agent.json() == {
                "error": {
                    "message": "body/(root): 'scope' is a required property",
                    "type": "api_validation_error",
                }
            }

            no_type = await http.post("/api/internal_mcp_catalog", json={"name": "x"})
            assert no_type.status_code == 400
            assert "serverType" in no_type.json()["error"]["message"]

            bad_id = await http.get("/api/mcp_server/42")
            assert bad_id.status_code == 400
            assert bad_id.json()["error"]["message"].startswith("params/id")

            missing = await http.get(f"/api/mcp_server/{uuid.uuid4()}")
            assert missing.status_code == 404
            assert missing.json()["error"]["type"] == "api_not_found_error"

            unknown = await http.post("/api/mcp_servers", json={})
            assert unknown.status_code == 404
            assert unknown.json()["statusCode"] == 404  # Fastify's own not-found body

            health = await http.get("/health")
            assert health.json() == {"name": "Archestra", "status": "ok", "version": "1.2.76"}
        anonymous = httpx.post(f"{url}/api/agents", json={"name": "p", "scope": "org"})
        assert anonymous.status_code == 401
        assert anonymous.json() == {
            "error": {"message": "Unauthenticated", "type": "api_authentication_error"}
        }
    assert len(state.problems) == 4
    assert "'scope' is a required property" in state.problems[0]
    assert "serverType" in state.problems[1]
    assert "params/id" in state.problems[2]
    assert "no such operation" in state.problems[3]


async def test_the_loopback_answers_as_the_live_platform_did() -> None:
    state = LoopbackArchestra()
    with serve_asgi(state.app()) as url:
        async with httpx.AsyncClient(base_url=url, headers={"Authorization": API_KEY}) as http:
            item = {"name": "same", "serverType": "local", "localConfig": {"command": "x"}}
            first = await http.post("/api/internal_mcp_catalog", json=item)
            second = await http.post("/api/internal_mcp_catalog", json=item)
            assert (first.status_code, second.status_code) == (200, 200)  # names not unique
            assert first.json()["scope"] == "personal"  # the default scope

            gateway = (await http.post("/api/agents", json={"name": "g", "scope": "org"})).json()
            assert gateway["agentType"] == "mcp_gateway"
            tool_id = str(uuid.uuid4())
            state.tools[tool_id] = {
                "id": tool_id,
                "catalogId": first.json()["id"],
                "name": "same__t",
                "createdAt": "2026-01-01T00:00:00.000Z",
                "description": None,
                "parameters": {},
            }
            path = f"/api/agents/{gateway['id']}/tools/{tool_id}"
            old = await http.post(path, json={"executionSourceMcpServerId": str(uuid.uuid4())})
            assert old.status_code == 400
            assert old.json()["error"]["message"] == ASSIGN_NEEDS_INSTALLATION

            server = await http.post(
                "/api/mcp_server", json={"name": "same", "catalogId": first.json()["id"]}
            )
            assert server.json()["localInstallationStatus"] == "pending"  # local: asynchronous
            ok = await http.post(path, json={"mcpServerId": server.json()["id"]})
            again = await http.post(path, json={"mcpServerId": server.json()["id"]})
            assert (ok.json(), again.json()) == ({"success": True}, {"success": True})
            assert len(state.assignments(gateway["id"])) == 1
    assert len(state.problems) == 1
    assert "executionSourceMcpServerId" in state.problems[0]


@pytest.mark.parametrize("version", ["1.0.11", "1.2.76"])
async def test_the_loopback_reports_the_version_it_is_given(version: str) -> None:
    state = LoopbackArchestra(version=version)
    with serve_asgi(state.app()) as url:
        health = httpx.get(f"{url}/health").json()
    assert health["version"] == version

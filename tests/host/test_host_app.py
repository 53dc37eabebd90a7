"""The host over real HTTP: deploy on POST /mcp/agents, serve REST and MCP, replace, delete,
authorization and bad requests. SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from mcp import Client
from sqlalchemy.engine import Connection

from orchestrix.host.models import HostAgentRow
from orchestrix.runtime.database import make_engine
from orchestrix.settings import Settings
from orchestrix.store.migrate import VERSION_TABLE, migrate
from orchestrix.store.models import Base
from tests.factories import make_settings
from tests.host.helpers import (
    auth,
    host_settings,
    running_host,
    signup,
    wire,
)


@pytest.fixture
def host_cfg(tmp_path: Path, database_url: str) -> Settings:
    return host_settings(tmp_path, database_url)


async def test_deploy_run_and_call_over_mcp(host_cfg: Settings) -> None:
    with running_host(host_cfg) as base, httpx.Client(base_url=base, timeout=30) as http:
        created = http.post("/mcp/agents", json=wire("signup"), headers=auth())
        assert created.status_code == 201, created.text
        agent = created.json()
        agent_id = agent["agentId"]
        assert agent_id.startswith("agt_")
        assert agent["publicEndpoint"] == f"{base}/agents/{agent_id}"
        assert agent["mcpEndpoint"] == f"{base}/agents/{agent_id}/mcp"
        assert agent["dashboardUrl"]
        assert agent["version"] == 1

        answer = http.post(f"/agents/{agent_id}", json=signup("ada@example.com"))
        assert answer.status_code == 201, answer.text
        assert answer.json()["token"].count(".") == 2
        again = http.post(f"/agents/{agent_id}", json=signup("ada@example.com"))
        assert again.status_code == 409
        assert set(again.json()) == {"error", "details"}
        bad = http.post(f"/agents/{agent_id}", json={"email": "nope", "password": "x"})
        assert bad.status_code == 400

        info = http.get(f"/agents/{agent_id}").json()
        assert info["name"] == "Signup API"
        assert info["inputSchema"]["required"] == ["email", "password"]
        assert [t["id"] for t in info["tools"]] == [
            "input",
            "validation",
            "hashPassword",
            "dbInsert",
            "jwtGenerate",
            "response",
        ]
        openapi = info["openapi"]
        assert openapi["openapi"].startswith("3.")
        operation = openapi["paths"][f"/agents/{agent_id}"]["post"]
        assert "201" in operation["responses"]

        async with Client(f"{base}/agents/{agent_id}/mcp") as client:
            tools = (await client.list_tools()).tools
            assert [t.name for t in tools] == ["signup_api"]
            result = await client.call_tool("signup_api", signup("bob@example.com"))
            assert result.is_error is False
            assert result.structured_content is not None
            assert result.structured_content["email"] == "bob@example.com"
            duplicate = await client.call_tool("signup_api", signup("bob@example.com"))
            assert duplicate.is_error is True


def test_replace_keeps_the_endpoint_and_the_data(host_cfg: Settings) -> None:
    with running_host(host_cfg) as base, httpx.Client(base_url=base, timeout=30) as http:
        agent_id = http.post("/mcp/agents", json=wire("signup"), headers=auth()).json()["agentId"]
        assert http.post(f"/agents/{agent_id}", json=signup("ada@example.com")).status_code == 201

        v2 = wire("signup", description="Version two")
        v2["metadata"]["version"] = 2
        replaced = http.put(f"/mcp/agents/{agent_id}", json=v2, headers=auth())
        assert replaced.status_code == 200, replaced.text
        assert replaced.json()["agentId"] == agent_id
        assert replaced.json()["revision"] == 2
        assert replaced.json()["version"] == 2
        assert http.get(f"/agents/{agent_id}").json()["description"] == "Version two"
        # the data namespace is the agent's: the first signup is still there
        assert http.post(f"/agents/{agent_id}", json=signup("ada@example.com")).status_code == 409

        missing = http.put("/mcp/agents/agt_nope", json=v2, headers=auth())
        assert missing.status_code == 404


def test_delete(host_cfg: Settings) -> None:
    with running_host(host_cfg) as base, httpx.Client(base_url=base, timeout=30) as http:
        body = wire("todo")
        agent_id = http.post("/mcp/agents", json=body, headers=auth()).json()["agentId"]
        assert http.post(f"/agents/{agent_id}", json={"title": "x"}).status_code == 201
        assert http.get(f"/mcp/agents/{agent_id}", headers=auth()).status_code == 200
        mine = {"serverId": body["metadata"]["serverId"]}
        listed = http.get("/mcp/agents", params=mine, headers=auth()).json()["agents"]
        assert [a["agentId"] for a in listed] == [agent_id]

        gone = http.delete(f"/mcp/agents/{agent_id}", headers=auth())
        assert gone.status_code == 200
        assert gone.json()["status"] == "undeployed"
        assert http.post(f"/agents/{agent_id}", json={"title": "x"}).status_code == 404
        assert http.get(f"/agents/{agent_id}").status_code == 404
        assert http.post(f"/agents/{agent_id}/mcp", json={}).status_code == 404
        assert http.delete(f"/mcp/agents/{agent_id}", headers=auth()).status_code == 404


def test_management_needs_the_api_key(host_cfg: Settings) -> None:
    with running_host(host_cfg) as base, httpx.Client(base_url=base, timeout=30) as http:
        body = wire()
        mine = {"serverId": body["metadata"]["serverId"]}
        missing = http.post("/mcp/agents", json=body)
        assert missing.status_code == 401
        assert missing.json()["error"] == "Unauthorized"
        assert missing.headers["www-authenticate"].startswith("Bearer")
        wrong = http.post("/mcp/agents", json=body, headers=auth("not-the-key"))
        assert wrong.status_code == 401
        assert http.get("/mcp/agents", headers=auth("nope")).status_code == 401
        # nothing was stored by the refused requests
        assert http.get("/mcp/agents", params=mine, headers=auth()).json() == {"agents": []}
        created = http.post("/mcp/agents", json=body, headers=auth())
        agent_id = created.json()["agentId"]
        assert http.delete(f"/mcp/agents/{agent_id}").status_code == 401
        assert http.put(f"/mcp/agents/{agent_id}", json=wire()).status_code == 401
        # serving is public, like the original product's endpoints
        assert http.post(f"/agents/{agent_id}", json=signup("a@example.com")).status_code == 201


def test_bad_requests(host_cfg: Settings) -> None:
    with running_host(host_cfg) as base, httpx.Client(base_url=base, timeout=30) as http:
        broken = wire()
        mine = {"serverId": broken["metadata"]["serverId"]}
        broken["tools"].append({"id": "x", "type": "noSuchTool"})
        broken["executionOrder"].append("ghost")
        refused = http.post("/mcp/agents", json=broken, headers=auth())
        assert refused.status_code == 422
        problems = refused.json()["details"]
        assert len(problems) >= 2
        assert any("noSuchTool" in p["message"] for p in problems)

        incomplete = http.post("/mcp/agents", json={"description": "x"}, headers=auth())
        assert incomplete.status_code == 422
        assert {p["path"] for p in incomplete.json()["details"]} == {"name", "tools"}
        not_json = http.post(
            "/mcp/agents", content=b"{nope", headers={**auth(), "Content-Type": "application/json"}
        )
        assert not_json.status_code == 400
        assert http.get("/mcp/agents", params=mine, headers=auth()).json() == {"agents": []}

        agent_id = http.post("/mcp/agents", json=wire(), headers=auth()).json()["agentId"]
        assert http.post(f"/agents/{agent_id}", json=[1, 2]).status_code == 400
        garbage = http.post(
            f"/agents/{agent_id}", content=b"\xff", headers={"Content-Type": "application/json"}
        )
        assert garbage.status_code == 400
        assert set(garbage.json()) == {"error", "details"}
        too_big = http.post(f"/agents/{agent_id}", content=b"x" * (1024 * 1024 + 10))
        assert too_big.status_code == 413
        assert http.post("/agents/agt_unknown", json={}).status_code == 404


def test_a_retried_request_with_its_idempotency_key_makes_one_agent(host_cfg: Settings) -> None:
    with running_host(host_cfg) as base, httpx.Client(base_url=base, timeout=30) as http:
        body = wire()
        mine = {"serverId": body["metadata"]["serverId"]}
        headers = {**auth(), "Idempotency-Key": f"deploy-{mine['serverId']}"}
        first = http.post("/mcp/agents", json=body, headers=headers)
        second = http.post("/mcp/agents", json=body, headers=headers)
        assert first.status_code == 201
        assert second.status_code == 200
        assert first.json()["agentId"] == second.json()["agentId"]
        agents = http.get("/mcp/agents", params=mine, headers=auth()).json()["agents"]
        assert len(agents) == 1


def test_public_url_setting_is_used_in_endpoints(tmp_path: Path) -> None:
    settings = host_settings(tmp_path, host_public_url="https://agents.example.com/")
    with running_host(settings) as base, httpx.Client(base_url=base, timeout=30) as http:
        agent = http.post("/mcp/agents", json=wire(), headers=auth()).json()
        assert agent["publicEndpoint"] == f"https://agents.example.com/agents/{agent['agentId']}"


def _diff(connection: Connection) -> list[object]:
    context = MigrationContext.configure(
        connection, opts={"version_table": VERSION_TABLE, "compare_type": True}
    )

    def ours(obj: object, name: str | None, type_: str, reflected: bool, other: object) -> bool:
        table = getattr(obj, "name", None) if type_ == "table" else None
        table = table or getattr(getattr(obj, "table", None), "name", None)
        return table is None or table == HostAgentRow.__tablename__

    context.opts["include_object"] = ours
    return list(compare_metadata(context, Base.metadata))


async def test_the_migration_creates_the_host_table_as_modelled(database_url: str) -> None:
    settings = make_settings(database_url=database_url)
    engine = make_engine(settings.resolved_database_url)
    try:
        await migrate(engine)
        async with engine.connect() as conn:
            assert await conn.run_sync(_diff) == []
    finally:
        await engine.dispose()

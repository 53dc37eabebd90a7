"""The local MCPRuntime: start/stop/status, REST at /runtime/{id}, MCP at /runtime/{id}/mcp."""

from __future__ import annotations

from typing import Any

import httpx
from mcp import Client

from orchestrix.settings import Settings
from tests.api.conftest import create_server, example_spec, serve_app

OWNER = {"ownerId": "alice"}
PASSWORD = "correct-horse-1"
MCP_HEADERS = {"accept": "application/json, text/event-stream"}


def signup(email: str) -> dict[str, Any]:
    return {"email": email, "password": PASSWORD}


def test_rest_runtime_follows_start_and_stop(any_client: httpx.Client) -> None:
    sid = create_server(any_client)["id"]
    status = any_client.get(f"/mcp/servers/{sid}/runtime", params=OWNER).json()
    assert status["status"] == "stopped"
    assert any_client.post(f"/runtime/{sid}", json=signup("a@example.com")).status_code == 404

    started = any_client.post(f"/mcp/servers/{sid}/runtime/start", json=OWNER).json()
    assert started["status"] == "running"
    assert started["startedAt"] is not None
    again = any_client.post(f"/mcp/servers/{sid}/runtime/start", params=OWNER).json()
    assert again["startedAt"] == started["startedAt"]  # starting twice changes nothing

    created = any_client.post(f"/runtime/{sid}", json=signup("a@example.com"))
    assert created.status_code == 201
    assert created.json()["email"] == "a@example.com"
    assert int(created.headers["x-orchestrix-execution-id"]) >= 1
    duplicate = any_client.post(f"/runtime/{sid}", json=signup("a@example.com"))
    assert duplicate.status_code == 409
    assert set(duplicate.json()) == {"error", "details"}
    invalid = any_client.post(f"/runtime/{sid}", json={"email": "nope"})
    assert invalid.status_code == 400

    stopped = any_client.post(f"/mcp/servers/{sid}/runtime/stop", params=OWNER).json()
    assert stopped["status"] == "stopped"
    assert any_client.post(f"/runtime/{sid}", json=signup("b@example.com")).status_code == 404

    sources = [
        e["source"]
        for e in any_client.get(f"/mcp/servers/{sid}/executions", params=OWNER).json()["items"]
    ]
    assert sources == ["runtime", "runtime", "runtime"]


def test_runtime_serves_the_current_version(client: httpx.Client) -> None:
    server = create_server(client)
    sid = server["id"]
    client.post(f"/mcp/servers/{sid}/runtime/start", params=OWNER)
    spec = server["spec"]
    response_tool = next(t for t in spec["tools"] if t["id"] == "response")
    response_tool["config"]["status"] = 202
    assert client.put(f"/mcp/servers/{sid}", json={"spec": spec, **OWNER}).status_code == 200
    assert client.post(f"/runtime/{sid}", json=signup("v2@example.com")).status_code == 202
    assert client.get(f"/mcp/servers/{sid}/runtime", params=OWNER).json()["version"] == 2


def test_rest_runtime_body_and_headers(client: httpx.Client) -> None:
    spec = {
        "name": "Headers and empty answers",
        "tools": [
            {"id": "input", "type": "input"},
            {
                "id": "empty",
                "type": "response",
                "when": "input.empty == true",
                "config": {"status": 204},
            },
            {
                "id": "response",
                "type": "response",
                "config": {
                    "status": 200,
                    "headers": {"X-Answer": "42", "Content-Length": "1"},
                    "body": {"got": "{{ input.value }}"},
                },
            },
        ],
    }
    sid = create_server(client, spec=spec)["id"]
    client.post(f"/mcp/servers/{sid}/runtime/start", params=OWNER)
    answer = client.post(f"/runtime/{sid}", json={"value": "x"})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"got": "x"}
    assert answer.headers["x-answer"] == "42"
    empty = client.post(f"/runtime/{sid}", json={"empty": True})
    assert (empty.status_code, empty.content) == (204, b"")
    no_body = client.post(f"/runtime/{sid}")
    assert no_body.status_code == 200

    for raw in (b"[1, 2]", b"{nope", b'{"x": NaN}', b'{"x": "\\u0000"}'):
        bad = client.post(
            f"/runtime/{sid}", content=raw, headers={"content-type": "application/json"}
        )
        assert bad.status_code == 400, raw
        assert set(bad.json()) == {"error", "details"}


def test_runtime_state_survives_a_restart(settings: Settings) -> None:
    with serve_app(settings) as base, httpx.Client(base_url=base) as c:
        sid = create_server(c)["id"]
        c.post(f"/mcp/servers/{sid}/runtime/start", params=OWNER)
    with serve_app(settings) as base, httpx.Client(base_url=base) as c:
        assert c.get(f"/mcp/servers/{sid}/runtime", params=OWNER).json()["status"] == "running"
        assert c.post(f"/runtime/{sid}", json=signup("r@example.com")).status_code == 201


async def test_mcp_side_of_the_runtime(app_url: str) -> None:
    async with httpx.AsyncClient(base_url=app_url) as c:
        created = await c.post("/mcp/servers", json={"spec": example_spec(), **OWNER})
        sid = created.json()["id"]
        url = f"{app_url}/runtime/{sid}/mcp"
        listing = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
        refused = await c.post(url, json=listing, headers=MCP_HEADERS)
        assert refused.status_code == 404
        assert refused.json()["details"] == {"serverId": sid}

        await c.post(f"/mcp/servers/{sid}/runtime/start", params=OWNER)
        async with Client(url) as client:
            tools = (await client.list_tools()).tools
            assert [t.name for t in tools] == ["signup_api"]
            result = await client.call_tool("signup_api", signup("mcp@example.com"))
            assert result.is_error is False, result.content
            assert result.structured_content is not None
            assert result.structured_content["token"].count(".") == 2
            twice = await client.call_tool("signup_api", signup("mcp@example.com"))
            assert twice.is_error is True

        # one data namespace per server: REST sees the user MCP created
        assert (await c.post(f"/runtime/{sid}", json=signup("mcp@example.com"))).status_code == 409
        page = (await c.get(f"/mcp/servers/{sid}/executions", params=OWNER)).json()
        assert [e["source"] for e in page["items"]] == ["runtime", "mcp", "mcp"]

        await c.post(f"/mcp/servers/{sid}/runtime/stop", params=OWNER)
        gone = await c.post(url, json=listing, headers=MCP_HEADERS)
        assert gone.status_code == 404
        assert set(gone.json()) == {"error", "details"}

"""Servers, versions and executions over HTTP (uvicorn on loopback), on SQLite and PostgreSQL."""

from __future__ import annotations

import copy

import httpx
import pytest

from tests.api.conftest import EXAMPLES, create_server, example_spec

OWNER = {"ownerId": "alice"}
PASSWORD = "correct-horse-1"


def test_create_from_spec_and_read_it_back(any_client: httpx.Client) -> None:
    server = create_server(any_client)
    assert server["name"] == "Signup API"
    assert server["spec"]["executionOrder"][0] == "input"
    assert server["runtime"] == {
        "status": "stopped",
        "version": 1,
        "startedAt": None,
        "restEndpoint": f"/runtime/{server['id']}",
        "mcpEndpoint": f"/runtime/{server['id']}/mcp",
    }
    for field in ("archestraAgentId", "archestraEndpoint", "archestraDashboardUrl"):
        assert server[field] is None
    got = any_client.get(f"/mcp/servers/{server['id']}", params=OWNER)
    assert got.status_code == 200
    fetched = got.json()
    assert fetched["createdAt"] == server["createdAt"]
    assert fetched["spec"] == server["spec"]
    # the stored spec keeps the key order it was given (inputSchema properties included)
    assert list(fetched["spec"]["inputSchema"]["properties"]) == ["email", "password", "name"]


def test_create_from_yaml_text(client: httpx.Client) -> None:
    text = (EXAMPLES / "todo.yaml").read_text()
    response = client.post("/mcp/servers", json={"spec": text, **OWNER})
    assert response.status_code == 201, response.text
    assert response.json()["name"] == "Todo API"


def test_list_is_the_owners_newest_first(any_client: httpx.Client) -> None:
    owner = f"lister-{id(any_client)}"
    first = create_server(any_client, owner)
    second = create_server(any_client, owner, example_spec("todo"))
    create_server(any_client, "someone-else")
    listed = any_client.get("/mcp/servers", params={"ownerId": owner}).json()
    assert [s["id"] for s in listed] == [second["id"], first["id"]]
    page = any_client.get("/mcp/servers", params={"ownerId": owner, "limit": 1, "offset": 1})
    assert [s["id"] for s in page.json()] == [first["id"]]


def test_another_owners_server_is_404_everywhere(any_client: httpx.Client) -> None:
    sid = create_server(any_client)["id"]
    other = {"ownerId": "mallory"}
    spec = example_spec()
    attempts = [
        any_client.get(f"/mcp/servers/{sid}", params=other),
        any_client.put(f"/mcp/servers/{sid}", json={"spec": spec, **other}),
        any_client.get(f"/mcp/servers/{sid}/versions", params=other),
        any_client.get(f"/mcp/servers/{sid}/versions/1", params=other),
        any_client.post(f"/mcp/servers/{sid}/versions/1/restore", json=other),
        any_client.get(f"/mcp/servers/{sid}/executions", params=other),
        any_client.post(f"/mcp/servers/{sid}/run", json={"input": {}, **other}),
        any_client.post(f"/mcp/servers/{sid}/runtime/start", params=other),
        any_client.post(f"/mcp/servers/{sid}/runtime/stop", json=other),
        any_client.get(f"/mcp/servers/{sid}/runtime", params=other),
        any_client.delete(f"/mcp/servers/{sid}", params=other),
    ]
    for response in attempts:
        assert response.status_code == 404, (response.request.url, response.text)
        assert response.json() == {"error": "Server not found", "details": {"serverId": sid}}
    assert any_client.get(f"/mcp/servers/{sid}", params=OWNER).status_code == 200
    assert any_client.get("/mcp/servers/mcp_doesnotexist", params=OWNER).status_code == 404


def test_save_versions_restore_and_stale_saves(any_client: httpx.Client) -> None:
    server = create_server(any_client)
    sid = server["id"]
    v2 = copy.deepcopy(server["spec"])
    v2["name"] = "Signup API v2"
    saved = any_client.put(
        f"/mcp/servers/{sid}", json={"spec": v2, "baseVersion": 1, "summary": "rename", **OWNER}
    )
    assert saved.status_code == 200, saved.text
    assert (saved.json()["version"], saved.json()["name"]) == (2, "Signup API v2")

    stale = any_client.put(f"/mcp/servers/{sid}", json={"spec": v2, "baseVersion": 1, **OWNER})
    assert stale.status_code == 409
    assert stale.json()["details"] == {"serverId": sid, "baseVersion": 1, "currentVersion": 2}

    # without a baseVersion the save goes on top of the current version
    v3 = copy.deepcopy(v2)
    v3["description"] = "third"
    assert any_client.put(f"/mcp/servers/{sid}", json={"spec": v3, **OWNER}).json()["version"] == 3

    one = any_client.get(f"/mcp/servers/{sid}/versions/1", params=OWNER).json()
    assert one["spec"] == server["spec"]
    assert one["summary"] == "Created from a spec"
    restored = any_client.post(
        f"/mcp/servers/{sid}/versions/1/restore", json={"baseVersion": 3, **OWNER}
    ).json()
    assert restored["version"] == 4
    assert restored["spec"] == server["spec"]
    assert restored["name"] == "Signup API"
    versions = any_client.get(f"/mcp/servers/{sid}/versions", params=OWNER).json()
    assert [(v["version"], v["summary"]) for v in versions] == [
        (4, "Restored version 1"),
        (3, "Saved an edited spec"),
        (2, "rename"),
        (1, "Created from a spec"),
    ]
    missing = any_client.get(f"/mcp/servers/{sid}/versions/9", params=OWNER)
    assert missing.status_code == 404
    stale_restore = any_client.post(
        f"/mcp/servers/{sid}/versions/2/restore", json={"baseVersion": 3, **OWNER}
    )
    assert stale_restore.status_code == 409


def test_an_invalid_spec_is_refused_with_every_problem_and_nothing_is_saved(
    any_client: httpx.Client,
) -> None:
    server = create_server(any_client)
    broken = copy.deepcopy(server["spec"])
    broken["tools"].append({"id": "mystery", "type": "teleport"})
    broken["executionOrder"].append("nowhere")
    response = any_client.put(f"/mcp/servers/{server['id']}", json={"spec": broken, **OWNER})
    assert response.status_code == 422
    body = response.json()
    assert body["error"]
    messages = " ".join(str(p) for p in body["details"])
    assert "teleport" in messages
    assert "nowhere" in messages
    assert any_client.get(f"/mcp/servers/{server['id']}", params=OWNER).json()["version"] == 1

    shapeless = any_client.post("/mcp/servers", json={"spec": {"tools": "no"}, **OWNER})
    assert shapeless.status_code == 422
    assert any(p["path"].startswith("tools") for p in shapeless.json()["details"])
    not_yaml = any_client.post("/mcp/servers", json={"spec": "name: [unclosed", **OWNER})
    assert not_yaml.status_code == 422


def test_run_records_executions_newest_first_and_paginated(any_client: httpx.Client) -> None:
    sid = create_server(any_client)["id"]
    statuses = []
    for i, email in enumerate(["a@example.com", "not-an-email", "b@example.com"]):
        ran = any_client.post(
            f"/mcp/servers/{sid}/run",
            json={"input": {"email": email, "password": PASSWORD, "name": f"n{i}"}, **OWNER},
        )
        assert ran.status_code == 200, ran.text
        statuses.append(ran.json()["status"])
        assert ran.json()["executionId"] >= 1
    assert statuses == [201, 400, 201]

    page = any_client.get(f"/mcp/servers/{sid}/executions", params={"limit": 2, **OWNER}).json()
    assert (page["total"], page["limit"], page["offset"]) == (3, 2, 0)
    assert [e["input"]["name"] for e in page["items"]] == ["n2", "n1"]
    rest = any_client.get(
        f"/mcp/servers/{sid}/executions", params={"limit": 2, "offset": 2, **OWNER}
    ).json()
    assert [e["input"]["name"] for e in rest["items"]] == ["n0"]
    newest = page["items"][0]
    assert newest["input"]["password"] == "***"
    assert PASSWORD not in str(page)
    assert newest["version"] == 1
    assert newest["source"] == "run"
    assert [s["id"] for s in newest["logs"]][:2] == ["input", "validation"]
    one = any_client.get(f"/mcp/servers/{sid}/executions/{newest['id']}", params=OWNER)
    assert one.json() == newest


def test_run_passes_headers_to_the_graph(client: httpx.Client) -> None:
    spec = {
        "name": "Echo header",
        "tools": [
            {"id": "input", "type": "input"},
            {
                "id": "response",
                "type": "response",
                "config": {"status": 200, "body": {"agent": "{{ headers['x-agent'] }}"}},
            },
        ],
    }
    sid = create_server(client, spec=spec)["id"]
    ran = client.post(
        f"/mcp/servers/{sid}/run", json={"input": {}, "headers": {"X-Agent": "007"}, **OWNER}
    )
    assert ran.status_code == 200, ran.text
    assert ran.json()["body"] == {"agent": "007"}


def test_delete_removes_the_server_and_its_history(client: httpx.Client) -> None:
    sid = create_server(client)["id"]
    client.post(f"/mcp/servers/{sid}/run", json={"input": {}, **OWNER})
    deleted = client.delete(f"/mcp/servers/{sid}", params=OWNER)
    assert deleted.status_code == 204
    assert client.get(f"/mcp/servers/{sid}", params=OWNER).status_code == 404
    assert client.get(f"/mcp/servers/{sid}/executions", params=OWNER).status_code == 404


@pytest.mark.parametrize("name", ["signup", "login", "todo"])
def test_every_example_is_accepted(client: httpx.Client, name: str) -> None:
    server = create_server(client, spec=example_spec(name))
    assert server["version"] == 1

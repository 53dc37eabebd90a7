"""The tool catalog and the draft checks (/mcp/tools), over HTTP on loopback."""

from __future__ import annotations

import copy

import httpx

from tests.api.conftest import example_spec


def test_catalog_lists_every_tool_type_with_its_config_schema(client: httpx.Client) -> None:
    answer = client.get("/mcp/tools")
    assert answer.status_code == 200
    tools = {t["type"]: t for t in answer.json()}
    assert {"input", "validation", "dbInsert", "response", "hashPassword"} <= set(tools)
    insert = tools["dbInsert"]
    assert insert["summary"]
    assert insert["readOnly"] is False
    assert tools["response"]["endsRun"] is True
    schema = insert["configSchema"]
    assert "collection" in schema["properties"]
    assert "collection" in schema.get("required", [])


def test_check_of_a_sound_spec_has_no_problems(client: httpx.Client) -> None:
    answer = client.post("/mcp/tools/check", json={"spec": example_spec()})
    assert answer.status_code == 200
    assert answer.json() == {"problems": []}


def test_check_lists_problems_with_their_path_and_tool(client: httpx.Client) -> None:
    spec = copy.deepcopy(example_spec())
    insert = next(t for t in spec["tools"] if t["id"] == "dbInsert")
    insert["config"]["document"]["email"] = "{{ steps.nowhere.email }}"
    spec["tools"].append({"id": "mystery", "type": "noSuchTool"})
    spec["executionOrder"].append("mystery")
    problems = client.post("/mcp/tools/check", json={"spec": spec}).json()["problems"]
    by_tool = {p["toolId"]: p for p in problems}
    assert "nowhere" in by_tool["dbInsert"]["message"]
    assert by_tool["dbInsert"]["path"].startswith("tools[")
    assert "mystery" in by_tool


def test_check_of_a_malformed_spec_lists_shape_problems(client: httpx.Client) -> None:
    answer = client.post("/mcp/tools/check", json={"spec": {"name": "x", "tools": "nope"}})
    assert answer.status_code == 200
    problems = answer.json()["problems"]
    assert problems
    assert any("tools" in p["path"] for p in problems)

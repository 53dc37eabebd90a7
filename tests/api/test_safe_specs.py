"""A YAML alias bomb in ``POST /mcp/servers {spec}`` answers at once; serve stays healthy."""

from __future__ import annotations

import httpx
import pytest

from tests.spec.test_safe_yaml import alias_bomb


@pytest.mark.timeout(60)
def test_the_api_answers_a_bomb_with_a_clear_error(client: httpx.Client) -> None:
    answer = client.post("/mcp/servers", json={"spec": alias_bomb(), "ownerId": "alice"})
    assert answer.status_code == 422
    assert "YAML aliases" in answer.json()["error"]
    assert client.get("/mcp/servers", params={"ownerId": "alice"}).json() == []
    assert client.get("/healthz").status_code == 200


REDOS = {
    "apiVersion": "orchestrix/v1",
    "name": "Patterns",
    "inputSchema": {
        "type": "object",
        "properties": {"name": {"type": "string", "pattern": "^(a+)+$"}},
    },
    "tools": [
        {"id": "input", "type": "input"},
        {"id": "validation", "type": "validation"},
        {
            "id": "response",
            "type": "response",
            "config": {"body": {"ok": "{{ matches(input.name, '^(a|aa)+$') }}"}},
        },
    ],
}


@pytest.mark.timeout(60)
def test_a_catastrophic_pattern_answers_at_once(client: httpx.Client) -> None:
    """``^(a+)+$`` against 30 a's and a ``!``: 2**30 backtracking steps on Python's ``re``
    (over a minute with the event loop blocked); linear on RE2."""
    created = client.post("/mcp/servers", json={"spec": REDOS, "ownerId": "alice"})
    assert created.status_code == 201, created.text
    sid = created.json()["id"]
    run = client.post(
        f"/mcp/servers/{sid}/run", json={"input": {"name": "a" * 30 + "!"}, "ownerId": "alice"}
    )
    assert run.json()["status"] == 400
    assert run.json()["body"]["details"][0]["field"] == "name"
    good = client.post(
        f"/mcp/servers/{sid}/run", json={"input": {"name": "a" * 30}, "ownerId": "alice"}
    )
    assert good.json()["body"] == {"ok": True}


def test_a_pattern_the_linear_engine_cannot_run_is_refused(client: httpx.Client) -> None:
    spec = {
        **REDOS,
        "inputSchema": {
            "type": "object",
            "properties": {"name": {"type": "string", "pattern": "^(?=a)(a)\\\\1$"}},
        },
    }
    refused = client.post("/mcp/servers", json={"spec": spec, "ownerId": "alice"})
    assert refused.status_code == 422
    assert "linear-time engine" in refused.text

"""The issue's journey through HTTP only, against a real ``orchestrix serve`` process:
create from a prompt, start the runtime, run with sample data, save v2, restore v1, list
executions, restart (the runtime state survives) — on SQLite and on PostgreSQL."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import httpx

from tests.api.conftest import orchestrix_serve
from tests.factories import server_env

ID_PATTERN = re.compile(r"^mcp_[A-Za-z0-9_-]{22}$")


def sample_input(spec: dict[str, Any], email: str) -> dict[str, Any]:
    """The input of the builder's own success test, with a fresh email."""
    success = next(t for t in spec["tests"] if t.get("expect", {}).get("status") == 201)
    data = copy.deepcopy(success["input"])
    data["email"] = email
    return data


def test_sign_up_api_journey(tmp_path: Path, database_url: str) -> None:
    env = server_env(tmp_path / "data", database_url)
    owner = {"ownerId": "ada"}
    with orchestrix_serve(env, tmp_path) as base, httpx.Client(base_url=base, timeout=30) as c:
        created = c.post("/mcp/servers", json={"prompt": "create a sign up api", **owner})
        assert created.status_code == 201, created.text
        server = created.json()
        sid = server["id"]
        assert ID_PATTERN.match(sid)
        assert server["version"] == 1
        assert server["ownerId"] == "ada"
        assert server["build"]["summary"]
        assert server["runtime"]["status"] == "stopped"
        assert server["archestraAgentId"] is None
        v1_spec = server["spec"]

        assert c.post(f"/runtime/{sid}", json={}).status_code == 404
        started = c.post(f"/mcp/servers/{sid}/runtime/start", params=owner)
        assert started.status_code == 200, started.text
        assert started.json()["status"] == "running"

        signup = c.post(f"/runtime/{sid}", json=sample_input(v1_spec, "ada@example.com"))
        assert signup.status_code == 201, signup.text
        assert signup.json()["token"].count(".") == 2
        assert (
            c.post(f"/runtime/{sid}", json=sample_input(v1_spec, "ada@example.com")).status_code
            == 409
        )

        ran = c.post(
            f"/mcp/servers/{sid}/run",
            json={"input": sample_input(v1_spec, "bob@example.com"), **owner},
        )
        assert ran.status_code == 200, ran.text
        run = ran.json()
        assert run["status"] == 201
        assert run["body"]["token"].count(".") == 2
        assert [step["id"] for step in run["logs"]] == v1_spec["executionOrder"]
        assert all(step["status"] == "success" for step in run["logs"])

        edited = copy.deepcopy(v1_spec)
        edited["description"] = "Sign up, edited by hand"
        saved = c.put(f"/mcp/servers/{sid}", json={"spec": edited, "baseVersion": 1, **owner})
        assert saved.status_code == 200, saved.text
        assert saved.json()["version"] == 2
        assert saved.json()["description"] == "Sign up, edited by hand"
        stale = c.put(f"/mcp/servers/{sid}", json={"spec": edited, "baseVersion": 1, **owner})
        assert stale.status_code == 409

        restored = c.post(f"/mcp/servers/{sid}/versions/1/restore", json=owner)
        assert restored.status_code == 200, restored.text
        assert restored.json()["version"] == 3
        assert restored.json()["spec"] == v1_spec
        versions = c.get(f"/mcp/servers/{sid}/versions", params=owner).json()
        assert [v["version"] for v in versions] == [3, 2, 1]
        assert versions[0]["summary"] == "Restored version 1"
        assert all(v["author"] == "ada" for v in versions)

        page = c.get(f"/mcp/servers/{sid}/executions", params=owner).json()
        assert page["total"] == 3
        assert [e["source"] for e in page["items"]] == ["run", "runtime", "runtime"]
        assert [e["status"] for e in page["items"]] == [201, 409, 201]
        newest = page["items"][0]
        assert newest["input"]["email"] == "bob@example.com"
        assert newest["input"]["password"] == "***"
        assert newest["body"]["token"] == "***"
        assert run["body"]["token"] not in str(page)

    # A new process over the same database: the runtime is still running.
    with orchestrix_serve(env, tmp_path) as base, httpx.Client(base_url=base, timeout=30) as c:
        runtime = c.get(f"/mcp/servers/{sid}/runtime", params=owner).json()
        assert runtime["status"] == "running"
        assert runtime["version"] == 3
        again = c.post(f"/runtime/{sid}", json=sample_input(v1_spec, "cy@example.com"))
        assert again.status_code == 201, again.text
        assert c.post(f"/mcp/servers/{sid}/runtime/stop", params=owner).json()["status"] == (
            "stopped"
        )
        gone = c.post(f"/runtime/{sid}", json=sample_input(v1_spec, "dee@example.com"))
        assert gone.status_code == 404
        assert gone.json() == {
            "error": "No runtime is running for this server",
            "details": {"serverId": sid},
        }

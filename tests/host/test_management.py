"""The host's management API (``/mcp/agents*``) is its own router with its own authorization.

Attacks, over real HTTP on loopback: in ``orchestrix serve`` the management routes are not
mounted at all (the ``local`` target writes agents in process), so no caller, with or without
an API token, can list or replace another owner's agents there; on ``orchestrix host`` they
demand ``ORCHESTRIX_HOST_API_KEY`` from every client, loopback included, and refuse when the
host has no key configured.
"""

from __future__ import annotations

from pathlib import Path

import httpx

from orchestrix.api import create_app
from orchestrix.settings import Settings
from tests.api.conftest import example_spec
from tests.host.helpers import auth, host_settings, running_host, signup, wire
from tests.servers import serve_asgi

OWNER = {"ownerId": "alice"}


def _serve_settings(tmp_path: Path, **extra: object) -> Settings:
    return Settings(data_dir=tmp_path, _env_file=None, **extra)  # type: ignore[call-arg]


def test_serve_does_not_mount_the_management_routes(tmp_path: Path) -> None:
    settings = _serve_settings(tmp_path, auth="tokens", deploy_target="local")
    with serve_asgi(create_app(settings)) as base, httpx.Client(base_url=base, timeout=30) as c:
        listed = c.get("/mcp/agents")
        assert listed.status_code == 404, listed.text
        assert listed.json()["error"] == "Not found"
        replaced = c.put("/mcp/agents/agt_anything", json=wire())
        assert replaced.status_code in {404, 405}, replaced.text
        assert c.post("/mcp/agents", json=wire()).status_code in {404, 405}
        assert c.delete("/mcp/agents/agt_anything").status_code in {404, 405}
        # not in the published API either
        paths = c.get("/openapi.json").json()["paths"]
        assert not [p for p in paths if p.startswith("/mcp/agents")]


def test_serve_in_local_mode_still_deploys_and_serves_in_process(tmp_path: Path) -> None:
    settings = _serve_settings(tmp_path, deploy_target="local")
    with serve_asgi(create_app(settings)) as base, httpx.Client(base_url=base, timeout=60) as c:
        assert c.get("/mcp/agents").status_code == 404
        created = c.post("/mcp/servers", json={"spec": example_spec(), **OWNER})
        assert created.status_code == 201, created.text
        sid = created.json()["id"]
        deployed = c.post(f"/mcp/servers/{sid}/deploy", json=OWNER)
        assert deployed.status_code == 200, deployed.text
        agent_id = deployed.json()["agentId"]
        answer = c.post(f"/agents/{agent_id}", json=signup("local@example.com"))
        assert answer.status_code == 201, answer.text


def test_the_host_demands_the_key_from_loopback_clients_too(tmp_path: Path) -> None:
    with running_host(host_settings(tmp_path)) as base, httpx.Client(base_url=base) as http:
        for method, path in (
            ("GET", "/mcp/agents"),
            ("GET", "/mcp/agents/agt_x"),
            ("PUT", "/mcp/agents/agt_x"),
            ("DELETE", "/mcp/agents/agt_x"),
            ("POST", "/mcp/agents"),
        ):
            answer = http.request(method, path, json=wire() if method in {"POST", "PUT"} else None)
            assert answer.status_code == 401, (method, path, answer.text)
            assert answer.json()["error"] == "Unauthorized"


def test_a_host_without_a_key_refuses_management(tmp_path: Path) -> None:
    settings = host_settings(tmp_path, host_api_key=None)
    with running_host(settings) as base, httpx.Client(base_url=base) as http:
        for method, path in (("GET", "/mcp/agents"), ("PUT", "/mcp/agents/agt_x")):
            answer = http.request(method, path, json=wire() if method == "PUT" else None)
            assert answer.status_code == 401, answer.text
            body = answer.json()
            assert "ORCHESTRIX_HOST_API_KEY" in body["error"]
        created = http.post("/mcp/agents", json=wire(), headers=auth())
        assert created.status_code == 401  # any key is wrong when none is configured
        assert http.get("/healthz").status_code == 200  # serving still runs

"""Deploying through the control plane over real HTTP: ``orchestrix serve``'s app and an
``orchestrix host`` on loopback, the ``archestra`` target between them (ARCHESTRA_DEPLOYMENT_
ENDPOINT pointing at the host), the ``local`` target, and every way a deploy can fail."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp import Client
from sqlalchemy import text

from orchestrix.api import create_app
from orchestrix.deploy.archestra import NOT_CONFIGURED
from orchestrix.deploy.service import TESTS_FAIL
from orchestrix.runtime.database import make_engine
from orchestrix.settings import Settings
from tests.deploy.peers import agent_answer, closing_peer, scripted_peer
from tests.factories import make_settings
from tests.host.helpers import HOST_KEY, auth, example, host_settings, running_host
from tests.servers import serve_asgi

OWNER = {"ownerId": "ada"}
DEPLOYED_KEYS = {"success", "serverId", "agentId", "endpoint", "dashboardUrl", "deployedAt"}
ARCHESTRA_FIELDS = (
    "archestraAgentId",
    "archestraEndpoint",
    "archestraDashboardUrl",
    "archestraDeployedAt",
)


def cp_settings(data_dir: Path, database_url: str | None = None, **extra: Any) -> Settings:
    return make_settings(data_dir, database_url=database_url, **extra)


def via_archestra(host: str, key: str = HOST_KEY) -> dict[str, Any]:
    return {"archestra_api_key": key, "archestra_deployment_endpoint": f"{host}/mcp/agents"}


@contextmanager
def control_plane(settings: Settings) -> Iterator[httpx.Client]:
    with serve_asgi(create_app(settings)) as base, httpx.Client(base_url=base, timeout=60) as c:
        yield c


def sample_input(spec: dict[str, Any], email: str) -> dict[str, Any]:
    success = next(t for t in spec["tests"] if t.get("expect", {}).get("status") == 201)
    data = copy.deepcopy(success["input"])
    data["email"] = email
    return data


def create(c: httpx.Client, spec: dict[str, Any] | None = None) -> dict[str, Any]:
    body = {"spec": spec, **OWNER} if spec is not None else {"prompt": "create a sign up api"}
    created = c.post("/mcp/servers", json={**OWNER, **body})
    assert created.status_code == 201, created.text
    server: dict[str, Any] = created.json()
    return server


def history(c: httpx.Client, sid: str) -> list[dict[str, Any]]:
    answer = c.get(f"/mcp/servers/{sid}/deployments", params=OWNER)
    assert answer.status_code == 200, answer.text
    rows: list[dict[str, Any]] = answer.json()["deployments"]
    return rows


def host_agents(host: str, server_id: str) -> list[dict[str, Any]]:
    listed = httpx.get(f"{host}/mcp/agents", params={"serverId": server_id}, headers=auth())
    agents: list[dict[str, Any]] = listed.json()["agents"]
    return agents


# --- the journey -----------------------------------------------------------------------------


async def test_create_from_a_prompt_deploy_to_the_host_and_call_it(
    tmp_path: Path, database_url: str
) -> None:
    with running_host(host_settings(tmp_path / "host", database_url)) as host:
        settings = cp_settings(tmp_path / "cp", database_url, **via_archestra(host))
        with control_plane(settings) as c:
            server = create(c)
            sid = server["id"]
            assert all(server[f] is None for f in ARCHESTRA_FIELDS)

            deployed = c.post(f"/mcp/servers/{sid}/deploy", json=OWNER)
            assert deployed.status_code == 200, deployed.text
            body = deployed.json()
            assert set(body) == DEPLOYED_KEYS
            assert body["success"] is True
            assert body["serverId"] == sid
            assert body["endpoint"] == f"{host}/agents/{body['agentId']}"

            # curl -X POST <endpoint> -d '{"email": ...}'
            answer = httpx.post(
                body["endpoint"], json=sample_input(server["spec"], "curl@example.com")
            )
            assert answer.status_code == 201, answer.text
            assert answer.json()["token"].count(".") == 2

            async with Client(f"{body['endpoint']}/mcp") as mcp:
                [tool] = (await mcp.list_tools()).tools
                result = await mcp.call_tool(
                    tool.name, sample_input(server["spec"], "mcp@example.com")
                )
                assert result.is_error is False
                again = await mcp.call_tool(
                    tool.name, sample_input(server["spec"], "curl@example.com")
                )
                assert again.is_error is True  # the same agent: the email is taken

            shown = c.get(f"/mcp/servers/{sid}", params=OWNER).json()
            assert shown["archestraAgentId"] == body["agentId"]
            assert shown["archestraEndpoint"] == body["endpoint"]
            assert shown["archestraDashboardUrl"] == body["dashboardUrl"]
            assert shown["archestraDeployedAt"]

            twice = c.post(f"/mcp/servers/{sid}/deploy", json=OWNER)
            assert twice.status_code == 400
            assert twice.json() == {
                "error": "Server already deployed to Archestra",
                "agentId": body["agentId"],
                "endpoint": body["endpoint"],
                "dashboardUrl": body["dashboardUrl"],
            }
            assert [r["status"] for r in history(c, sid)] == ["deployed"]
            assert len(host_agents(host, sid)) == 1
            assert c.post(f"/mcp/servers/{sid}/deploy", json={"ownerId": "eve"}).status_code == 404


def test_redeploy_rollback_undeploy_and_history(tmp_path: Path) -> None:
    with running_host(host_settings(tmp_path / "host")) as host:
        settings = cp_settings(tmp_path / "cp", **via_archestra(host))
        with control_plane(settings) as c:
            spec = example("todo")
            sid = create(c, spec)["id"]
            assert c.post(f"/mcp/servers/{sid}/redeploy", json=OWNER).status_code == 404
            first = c.post(f"/mcp/servers/{sid}/deploy", json=OWNER).json()
            endpoint = first["endpoint"]
            assert httpx.post(endpoint, json={"title": "one"}).status_code == 201

            v2 = {**spec, "description": "Todos, version two"}
            assert c.put(f"/mcp/servers/{sid}", json={"spec": v2, **OWNER}).status_code == 200
            moved = c.post(f"/mcp/servers/{sid}/redeploy", json=OWNER)
            assert moved.status_code == 200, moved.text
            assert moved.json()["version"] == 2
            assert moved.json()["previousVersion"] == 1
            assert moved.json()["agentId"] == first["agentId"]
            assert moved.json()["endpoint"] == endpoint
            assert httpx.get(endpoint).json()["description"] == "Todos, version two"
            assert httpx.get(endpoint).json()["version"] == 2

            back = c.post(f"/mcp/servers/{sid}/rollback", json=OWNER)
            assert back.status_code == 200, back.text
            assert back.json()["version"] == 1
            assert httpx.get(endpoint).json()["description"] == spec["description"]
            rows = history(c, sid)
            assert [(r["version"], r["status"]) for r in rows] == [
                (1, "deployed"),
                (2, "superseded"),
                (1, "superseded"),
            ]
            assert {r["agentId"] for r in rows} == {first["agentId"]}

            gone = c.delete(f"/mcp/servers/{sid}/deploy", params=OWNER)
            assert gone.status_code == 200, gone.text
            assert gone.json()["agentId"] == first["agentId"]
            assert httpx.post(endpoint, json={"title": "x"}).status_code == 404
            shown = c.get(f"/mcp/servers/{sid}", params=OWNER).json()
            assert all(shown[f] is None for f in ARCHESTRA_FIELDS)
            assert c.delete(f"/mcp/servers/{sid}/deploy", params=OWNER).status_code == 404

            fresh = c.post(f"/mcp/servers/{sid}/deploy", json=OWNER)
            assert fresh.status_code == 200
            assert fresh.json()["agentId"] != first["agentId"]


async def test_the_local_target_serves_from_the_same_app(tmp_path: Path) -> None:
    with control_plane(cp_settings(tmp_path)) as c:
        sid = create(c, example("signup"))["id"]
        deployed = c.post(f"/mcp/servers/{sid}/deploy", json=OWNER)
        assert deployed.status_code == 200, deployed.text
        endpoint = deployed.json()["endpoint"]
        assert endpoint.startswith(str(c.base_url).rstrip("/") + "/agents/agt_")
        answer = c.post(endpoint, json=sample_input(example("signup"), "local@example.com"))
        assert answer.status_code == 201
        async with Client(f"{endpoint}/mcp") as mcp:
            result = await mcp.call_tool(
                "signup_api", sample_input(example("signup"), "l2@example.com")
            )
            assert result.is_error is False
        assert history(c, sid)[0]["target"] == "local"


# --- refusals and failures -------------------------------------------------------------------


def test_no_api_key(tmp_path: Path) -> None:
    with control_plane(cp_settings(tmp_path, deploy_target="archestra")) as c:
        sid = create(c, example("signup"))["id"]
        refused = c.post(f"/mcp/servers/{sid}/deploy", json=OWNER)
        assert refused.status_code == 500
        assert refused.json() == {"success": False, "error": NOT_CONFIGURED}
        assert history(c, sid) == []
        shown = c.get(f"/mcp/servers/{sid}", params=OWNER).json()
        assert all(shown[f] is None for f in ARCHESTRA_FIELDS)


def test_401_from_the_target(tmp_path: Path) -> None:
    with running_host(host_settings(tmp_path / "host")) as host:
        settings = cp_settings(tmp_path / "cp", **via_archestra(host, key="wrong-key"))
        with control_plane(settings) as c:
            sid = create(c, example("signup"))["id"]
            refused = c.post(f"/mcp/servers/{sid}/deploy", json=OWNER)
            assert refused.status_code == 500
            assert refused.json() == {
                "success": False,
                "error": "Failed to deploy to Archestra: Unauthorized",
            }
            [row] = history(c, sid)
            assert (row["status"], row["error"], row["agentId"]) == ("failed", "Unauthorized", None)
            assert host_agents(host, sid) == []
            shown = c.get(f"/mcp/servers/{sid}", params=OWNER).json()
            assert all(shown[f] is None for f in ARCHESTRA_FIELDS)


def test_a_target_that_times_out(tmp_path: Path) -> None:
    with scripted_peer((0, None), hang_seconds=1.5) as peer:
        settings = cp_settings(
            tmp_path, deploy_timeout=0.2, archestra_api_key="k",
            archestra_deployment_endpoint=peer.endpoint,
        )  # fmt: skip
        with control_plane(settings) as c:
            sid = create(c, example("todo"))["id"]
            refused = c.post(f"/mcp/servers/{sid}/deploy", json=OWNER)
            assert refused.json() == {
                "success": False,
                "error": "Failed to deploy to Archestra: Request timed out",
            }
            assert refused.status_code == 500
            assert len(peer.seen) == 3  # bounded retries
            assert [r["status"] for r in history(c, sid)] == ["failed"]


def test_a_target_that_closes_the_connection(tmp_path: Path) -> None:
    with closing_peer() as peer:
        settings = cp_settings(
            tmp_path, archestra_api_key="k", archestra_deployment_endpoint=peer.endpoint
        )
        with control_plane(settings) as c:
            sid = create(c, example("todo"))["id"]
            refused = c.post(f"/mcp/servers/{sid}/deploy", json=OWNER)
            assert refused.status_code == 500
            assert refused.json() == {
                "success": False,
                "error": "Failed to deploy to Archestra: Network request failed",
            }
            assert [r["status"] for r in history(c, sid)] == ["failed"]


async def _refuse_deployed_rows(database_url: str) -> None:
    """A real database failure: the row may not become ``deployed`` (a trigger aborts it)."""
    engine = make_engine(Settings(database_url=database_url).resolved_database_url)  # type: ignore[call-arg]
    try:
        async with engine.begin() as conn:
            if conn.dialect.name == "sqlite":
                await conn.execute(
                    text(
                        "CREATE TRIGGER refuse_deployed BEFORE UPDATE OF status ON deployments "
                        "WHEN NEW.status = 'deployed' "
                        "BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END"
                    )
                )
            else:
                await conn.execute(
                    text(
                        "CREATE OR REPLACE FUNCTION refuse_deployed() RETURNS trigger AS $$ "
                        "BEGIN IF NEW.status = 'deployed' THEN "
                        "RAISE EXCEPTION 'disk I/O error'; END IF; RETURN NEW; END $$ "
                        "LANGUAGE plpgsql"
                    )
                )
                await conn.execute(
                    text(
                        "CREATE TRIGGER refuse_deployed BEFORE UPDATE ON deployments "
                        "FOR EACH ROW EXECUTE FUNCTION refuse_deployed()"
                    )
                )
    finally:
        await engine.dispose()


async def _allow_deployed_rows(database_url: str) -> None:
    engine = make_engine(Settings(database_url=database_url).resolved_database_url)  # type: ignore[call-arg]
    try:
        async with engine.begin() as conn:
            await conn.execute(text("DROP TRIGGER IF EXISTS refuse_deployed ON deployments")
                               if conn.dialect.name == "postgresql"
                               else text("DROP TRIGGER IF EXISTS refuse_deployed"))  # fmt: skip
    finally:
        await engine.dispose()


async def test_the_target_accepts_and_the_database_write_fails(
    tmp_path: Path, database_url: str
) -> None:
    """The agent is undeployed again: nothing is left running that the store does not know."""
    with running_host(host_settings(tmp_path / "host")) as host:
        settings = cp_settings(tmp_path / "cp", database_url, **via_archestra(host))
        with control_plane(settings) as c:
            sid = create(c, example("todo"))["id"]
            await _refuse_deployed_rows(database_url)
            try:
                refused = c.post(f"/mcp/servers/{sid}/deploy", json=OWNER)
            finally:
                await _allow_deployed_rows(database_url)
            assert refused.status_code == 500
            body = refused.json()
            assert set(body) == {"success", "error"}
            assert body["error"].startswith("Failed to deploy to Archestra: ")
            assert "could not be recorded" in body["error"]
            assert "was undeployed" in body["error"]
            assert host_agents(host, sid) == []
            [row] = history(c, sid)
            assert row["status"] == "failed"
            assert "was undeployed" in row["error"]
            # the claim is released: a later deploy goes through
            assert c.post(f"/mcp/servers/{sid}/deploy", json=OWNER).status_code == 200
            assert len(host_agents(host, sid)) == 1


async def test_an_orphan_that_cannot_be_undeployed_is_reported(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cp.db'}"
    with scripted_peer((201, agent_answer("agent_orphan")), (500, "down")) as peer:
        settings = cp_settings(
            tmp_path, url, archestra_api_key="k", archestra_deployment_endpoint=peer.endpoint
        )
        with control_plane(settings) as c:
            sid = create(c, example("todo"))["id"]
            await _refuse_deployed_rows(url)
            refused = c.post(f"/mcp/servers/{sid}/deploy", json=OWNER)
            assert refused.status_code == 500
            error = refused.json()["error"]
            assert "agent_orphan" in error
            assert "undeploy it by hand" in error
            [row] = history(c, sid)
            assert row["status"] == "failed"
            assert "agent_orphan" in row["error"]
    assert [s.method for s in peer.seen] == ["POST", "DELETE", "DELETE", "DELETE"]


def test_a_deploy_is_refused_while_the_workflow_tests_fail(tmp_path: Path) -> None:
    spec = example("signup")
    spec["tests"][0]["expect"] = {"status": 200}
    spec["tests"][2]["expect"] = {"status": 201}
    with scripted_peer((201, agent_answer())) as peer:
        settings = cp_settings(
            tmp_path, archestra_api_key="k", archestra_deployment_endpoint=peer.endpoint
        )
        with control_plane(settings) as c:
            sid = create(c, spec)["id"]
            refused = c.post(f"/mcp/servers/{sid}/deploy", json=OWNER)
            assert refused.status_code == 422
            body = refused.json()
            assert body["error"] == TESTS_FAIL
            assert [f["name"] for f in body["details"]] == [
                spec["tests"][0]["name"],
                spec["tests"][2]["name"],
            ]
            assert body["details"][0]["problems"] == ["status should be 200, got 201"]
            assert history(c, sid) == []
    assert peer.seen == []  # nothing left Orchestrix


async def test_concurrent_deploys_make_one_agent(tmp_path: Path, database_url: str) -> None:
    with running_host(host_settings(tmp_path / "host", database_url)) as host:
        settings = cp_settings(tmp_path / "cp", database_url, **via_archestra(host))
        with control_plane(settings) as c:
            sid = create(c, example("todo"))["id"]
            url = f"{str(c.base_url).rstrip('/')}/mcp/servers/{sid}/deploy"
            async with httpx.AsyncClient(timeout=60) as client:
                answers = await asyncio.gather(*(client.post(url, json=OWNER) for _ in range(8)))
            statuses = sorted(a.status_code for a in answers)
            assert statuses.count(200) == 1, [a.text for a in answers]
            assert set(statuses) <= {200, 400, 409}
            assert len(host_agents(host, sid)) == 1
            assert [r["status"] for r in history(c, sid)] == ["deployed"]


def test_unknown_target_and_missing_owner(tmp_path: Path) -> None:
    with control_plane(cp_settings(tmp_path)) as c:
        sid = create(c, example("todo"))["id"]
        unknown = c.post(f"/mcp/servers/{sid}/deploy", json={**OWNER, "target": "mars"})
        assert unknown.status_code == 422
        assert "mars" in unknown.json()["error"]
        assert c.post(f"/mcp/servers/{sid}/deploy", json={}).status_code == 422
        assert c.post("/mcp/servers/mcp_nope/deploy", json=OWNER).status_code == 404


@pytest.mark.parametrize("action", ["redeploy", "rollback"])
def test_new_versions_need_a_deployment(tmp_path: Path, action: str) -> None:
    with control_plane(cp_settings(tmp_path)) as c:
        sid = create(c, example("todo"))["id"]
        answer = c.post(f"/mcp/servers/{sid}/{action}", json=OWNER)
        assert answer.status_code == 404
        assert answer.json()["error"] == "Server is not deployed"


def test_the_chat_deploys_with_the_local_target(tmp_path: Path) -> None:
    with control_plane(cp_settings(tmp_path)) as c:
        sid = create(c, example("todo"))["id"]
        said = c.post(f"/mcp/servers/{sid}/chat", json={"message": "deploy it", **OWNER})
        assert said.status_code == 200, said.text
        deployed = said.json()["next"]["deployed"]
        assert deployed["status"] == 200
        assert deployed["endpoint"].startswith(str(c.base_url).rstrip("/") + "/agents/agt_")
        assert c.post(deployed["endpoint"], json={"title": "via chat"}).status_code == 201
        assert [r["status"] for r in history(c, sid)] == ["deployed"]

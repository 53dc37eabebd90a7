"""Deploy state under concurrency and crashes, on SQLite and PostgreSQL, with real servers on
loopback: an undeploy racing a redeploy, the intent and idempotency key stored before the
target is called, claims left by a process that stopped, and the reconciler that adopts or
removes agents a target holds but the store does not know."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from orchestrix.deploy.base import DeploymentRequest
from orchestrix.deploy.service import Deployer
from orchestrix.runtime.services import open_services
from orchestrix.settings import Settings
from orchestrix.spec.io import parse_workflow
from orchestrix.store import Store
from orchestrix.store.models import DeploymentRow
from tests.deploy.peers import agent_answer, scripted_peer
from tests.deploy.test_deploy_api import (
    OWNER,
    control_plane,
    cp_settings,
    create,
    history,
    host_agents,
    via_archestra,
)
from tests.host.helpers import auth, example, host_settings, running_host

pytestmark = pytest.mark.timeout(240)


@asynccontextmanager
async def deployer_for(settings: Settings) -> AsyncIterator[Deployer]:
    async with Store.open(settings) as store, open_services(settings, engine=store.engine) as svc:
        yield Deployer(store, settings, svc)


def deploy_behind_orchestrix(host: str, server: dict[str, Any]) -> str:
    """An agent at the host that no deployment records (a deploy whose answer was lost)."""
    request = DeploymentRequest(
        server_id=server["id"],
        owner_id=server["ownerId"],
        version=server["version"],
        workflow=parse_workflow(server["spec"]),
        created_at=datetime.now(UTC),
    )
    made = httpx.post(f"{host}/mcp/agents", json=request.to_wire(), headers=auth())
    assert made.status_code in (200, 201), made.text
    return str(made.json()["agentId"])


def agent_exists(host: str, agent_id: str) -> bool:
    return httpx.get(f"{host}/mcp/agents/{agent_id}", headers=auth()).status_code == 200


# --- 13.10: an undeploy racing a redeploy ------------------------------------------------------


async def test_undeploy_racing_redeploy_never_leaves_deployed_without_an_agent(
    tmp_path: Path, database_url: str
) -> None:
    with running_host(host_settings(tmp_path / "host", database_url)) as host:
        settings = cp_settings(tmp_path / "cp", database_url, **via_archestra(host))
        with control_plane(settings) as c:
            servers = [create(c, example("todo"))["id"] for _ in range(6)]
            for sid in servers:
                assert c.post(f"/mcp/servers/{sid}/deploy", json=OWNER).status_code == 200
            base = str(c.base_url).rstrip("/")
            async with httpx.AsyncClient(base_url=base, timeout=120) as client:
                answers = await asyncio.gather(
                    *(
                        call
                        for sid in servers
                        for call in (
                            client.post(f"/mcp/servers/{sid}/redeploy", json=OWNER),
                            client.delete(f"/mcp/servers/{sid}/deploy", params=OWNER),
                        )
                    )
                )
            assert {a.status_code for a in answers} <= {200, 409}, [a.text for a in answers]
            for sid in servers:
                rows = history(c, sid)
                live = [r for r in rows if r["status"] in {"deployed", "deploying"}]
                agents = host_agents(host, sid)
                if live:
                    [row] = live
                    assert row["status"] == "deployed"
                    assert agent_exists(host, row["agentId"]), (sid, rows)
                    assert [a["agentId"] for a in agents] == [row["agentId"]]
                else:
                    assert agents == [], (sid, rows)  # undeployed: nothing left serving


# --- 13.11: intent and key before the call; claims of a stopped process -------------------------


async def test_the_intent_and_key_are_stored_before_the_target_is_called(
    tmp_path: Path, database_url: str
) -> None:
    # The first attempt hangs (then 504), the retry is accepted: both carry one key, and the
    # row held it while the target had not answered.
    with scripted_peer((0, None), (200, agent_answer()), hang_seconds=1.5) as peer:
        settings = cp_settings(
            tmp_path,
            database_url,
            archestra_api_key="k",
            archestra_deployment_endpoint=peer.endpoint,
        )
        async with deployer_for(settings) as deployer:
            server = await deployer.store.servers.create(
                owner_id="ada", name="Todo", description="", spec=example("todo"), summary="t"
            )
            running = asyncio.create_task(deployer.deploy(server.id, "ada"))
            while not peer.seen:
                await asyncio.sleep(0.02)
            live = await deployer.store.deployments.live(server.id)
            assert live is not None
            assert (live.status, live.intent) == ("deploying", "deploy")
            assert live.idempotency_key is not None
            assert peer.seen[0].headers["idempotency-key"] == live.idempotency_key
            outcome = await running
            assert outcome.status == 200, outcome.body
            assert [s.headers["idempotency-key"] for s in peer.seen] == [live.idempotency_key] * 2
            done = await deployer.store.deployments.live(server.id)
            assert done is not None
            assert (done.status, done.intent) == ("deployed", None)


async def _age(settings: Settings, deployment_id: str, **values: Any) -> None:
    """What a process killed mid-change leaves: the row `deploying`, untouched for long."""
    async with Store.open(settings) as store, store.engine.begin() as conn:
        await conn.execute(
            update(DeploymentRow)
            .where(DeploymentRow.id == deployment_id)
            .values(status="deploying", updated_at=datetime.now(UTC) - timedelta(hours=1), **values)
        )


@pytest.mark.parametrize(("intent", "agent_stays"), [("undeploy", False), ("redeploy", True)])
async def test_a_claim_of_a_stopped_process_is_finished_by_its_intent(
    tmp_path: Path, database_url: str, intent: str, agent_stays: bool
) -> None:
    with running_host(host_settings(tmp_path / "host", database_url)) as host:
        settings = cp_settings(tmp_path / "cp", database_url, **via_archestra(host))
        with control_plane(settings) as c:
            sid = create(c, example("todo"))["id"]
            deployed = c.post(f"/mcp/servers/{sid}/deploy", json=OWNER).json()
            [row] = history(c, sid)
        await _age(settings, row["id"], intent=intent, idempotency_key="orx-dead-process")
        with control_plane(settings) as c:
            # Any request about the server finishes the stale claim first.
            again = c.post(f"/mcp/servers/{sid}/deploy", json=OWNER)
            rows = history(c, sid)
        if agent_stays:  # the redeploy died: the agent serves as before
            assert again.status_code == 400, again.text
            assert rows[0]["status"] == "deployed"
            assert agent_exists(host, deployed["agentId"])
        else:  # the undeploy died: it is carried out, then the deploy goes through
            assert again.status_code == 200, again.text
            assert not agent_exists(host, deployed["agentId"])
            assert [r["status"] for r in rows][-1] == "undeployed"
            assert agent_exists(host, again.json()["agentId"])


# --- 13.11: the reconciler ----------------------------------------------------------------------


async def test_reconcile_adopts_or_removes_what_the_store_does_not_know(
    tmp_path: Path, own_database_url: str
) -> None:
    # its own database: the reconciler looks at every agent the host holds
    database_url = own_database_url
    with running_host(host_settings(tmp_path / "host", database_url)) as host:
        settings = cp_settings(tmp_path / "cp", database_url, **via_archestra(host))
        with control_plane(settings) as c:
            lost = create(c, example("todo"))  # its deploy's answer never came back
            live = create(c, example("todo"))
            recorded = c.post(f"/mcp/servers/{live['id']}/deploy", json=OWNER).json()
        orphan = deploy_behind_orchestrix(host, lost)
        duplicate = deploy_behind_orchestrix(host, live)
        stranger = deploy_behind_orchestrix(host, {**lost, "id": "mcp_not_in_this_store"})

        async with deployer_for(settings) as deployer:
            report = await deployer.reconcile(["archestra"])
            assert await deployer.reconcile(["archestra"]) == []  # nothing left to do

        by_agent = {entry["agentId"]: entry for entry in report}
        assert set(by_agent) == {orphan, duplicate, stranger}
        assert by_agent[orphan]["action"] == "adopted"
        assert by_agent[duplicate] == {
            "target": "archestra",
            "agentId": duplicate,
            "serverId": live["id"],
            "action": "removed",
            "reason": f"the server is deployed as agent {recorded['agentId']}",
        }
        assert by_agent[stranger]["reason"] == "its server is not in this store"
        assert agent_exists(host, orphan)
        assert not agent_exists(host, duplicate)
        assert not agent_exists(host, stranger)
        assert agent_exists(host, recorded["agentId"])
        with control_plane(settings) as c:
            [adopted] = history(c, lost["id"])
            assert (adopted["status"], adopted["agentId"]) == ("deployed", orphan)
            assert adopted["endpoint"] == f"{host}/agents/{orphan}"
            # The adopted agent is an ordinary deployment now: undeploy takes it down.
            gone = c.delete(f"/mcp/servers/{lost['id']}/deploy", params=OWNER)
            assert gone.status_code == 200, gone.text
        assert not agent_exists(host, orphan)


def test_orchestrix_deployments_reconcile(tmp_path: Path) -> None:
    with running_host(host_settings(tmp_path / "host")) as host:
        settings = cp_settings(tmp_path / "cp", **via_archestra(host))
        with control_plane(settings) as c:
            server = create(c, example("todo"))
        orphan = deploy_behind_orchestrix(host, server)
        environ = {
            k: v for k, v in os.environ.items() if not k.startswith(("ORCHESTRIX_", "ARCHESTRA_"))
        }
        environ.update(
            ORCHESTRIX_DATA_DIR=str(tmp_path / "cp"),
            ARCHESTRA_API_KEY=via_archestra(host)["archestra_api_key"],
            ARCHESTRA_DEPLOYMENT_ENDPOINT=f"{host}/mcp/agents",
            COLUMNS="200",
        )

        def run(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [sys.executable, "-m", "orchestrix", "deployments", "reconcile", *args],
                env=environ,
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )

        done = run()
        assert done.returncode == 0, done.stderr
        assert done.stdout.splitlines() == [f"adopted: archestra {orphan} {server['id']}"]
        again = run("--json")
        assert json.loads(again.stdout) == {"reconciled": []}


def test_a_target_that_cannot_list_is_reported_not_fatal(tmp_path: Path) -> None:
    async def main() -> list[dict[str, Any]]:
        async with deployer_for(cp_settings(tmp_path)) as deployer:
            return await deployer.reconcile()

    assert asyncio.run(main()) == [
        {"target": "local", "action": "skipped", "reason": "this target cannot list its agents"}
    ]


async def test_serve_reconciles_at_start_when_asked(tmp_path: Path) -> None:
    with running_host(host_settings(tmp_path / "host")) as host:
        settings = cp_settings(tmp_path / "cp", **via_archestra(host))
        with control_plane(settings) as c:
            server = create(c, example("todo"))
        orphan = deploy_behind_orchestrix(host, server)
        with control_plane(settings) as c:  # not asked: nothing happens
            assert history(c, server["id"]) == []
        asked = settings.model_copy(update={"deploy_reconcile_on_start": True})
        with control_plane(asked) as c:
            rows = history(c, server["id"])
            for _ in range(400):
                if rows:
                    break
                await asyncio.sleep(0.05)
                rows = history(c, server["id"])
            assert [(r["status"], r["agentId"]) for r in rows] == [("deployed", orphan)]


async def test_reconcile_serves_the_recorded_version_again_after_an_unrecorded_redeploy(
    tmp_path: Path, own_database_url: str
) -> None:
    # its own database: the reconciler looks at every agent the host holds
    database_url = own_database_url
    with running_host(host_settings(tmp_path / "host", database_url)) as host:
        settings = cp_settings(tmp_path / "cp", database_url, **via_archestra(host))
        with control_plane(settings) as c:
            server = create(c, example("todo"))
            agent = c.post(f"/mcp/servers/{server['id']}/deploy", json=OWNER).json()["agentId"]
            spec = {**server["spec"], "description": "second version"}
            saved = c.put(f"/mcp/servers/{server['id']}", json={"spec": spec, **OWNER})
            assert saved.status_code == 200, saved.text
            second = saved.json()
        # Version 2 reached the host, and the process died before it was recorded.
        request = DeploymentRequest(
            server_id=server["id"],
            owner_id="ada",
            version=second["version"],
            workflow=parse_workflow(second["spec"]),
            created_at=datetime.now(UTC),
        )
        moved = httpx.put(f"{host}/mcp/agents/{agent}", json=request.to_wire(), headers=auth())
        assert moved.status_code == 200, moved.text
        assert httpx.get(f"{host}/mcp/agents/{agent}", headers=auth()).json()["version"] == 2

        async with deployer_for(settings) as deployer:
            report = await deployer.reconcile(["archestra"])
        assert report == [
            {
                "target": "archestra",
                "agentId": agent,
                "serverId": server["id"],
                "action": "redeployed",
                "reason": "the target served version 2; the deployment says 1",
            }
        ]
        assert httpx.get(f"{host}/mcp/agents/{agent}", headers=auth()).json()["version"] == 1

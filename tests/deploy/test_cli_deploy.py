"""``orchestrix deploy``, ``redeploy``, ``undeploy``, ``deployments`` and ``demo`` as a user
runs them: real processes, a private data directory, one clean line on failure."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import yaml

from orchestrix.deploy.archestra import NOT_CONFIGURED
from tests.host.helpers import EXAMPLES, HOST_KEY, example, host_settings, running_host

#: Each test starts several `orchestrix` processes; a loaded machine may need more than the
#: default minute.
pytestmark = pytest.mark.timeout(240)


def orchestrix(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {
        k: v for k, v in os.environ.items() if not k.startswith(("ORCHESTRIX_", "ARCHESTRA_"))
    }
    environ.update(ORCHESTRIX_DATA_DIR=str(tmp_path / "data"), COLUMNS="200", **env)
    return subprocess.run(
        [sys.executable, "-m", "orchestrix", *args],
        env=environ,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_deploy_history_redeploy_and_undeploy_a_spec_file(tmp_path: Path) -> None:
    deployed = orchestrix(tmp_path, "deploy", str(EXAMPLES / "todo.yaml"), "--json")
    assert deployed.returncode == 0, deployed.stderr
    body = json.loads(deployed.stdout)
    assert body["success"] is True
    sid, agent = body["serverId"], body["agentId"]
    assert body["endpoint"] == f"http://127.0.0.1:8000/agents/{agent}"

    again = orchestrix(tmp_path, "deploy", sid)
    assert again.returncode == 1
    assert again.stderr.strip() == "error: Server already deployed to Archestra"

    moved = orchestrix(tmp_path, "redeploy", sid, "--json")
    assert moved.returncode == 0, moved.stderr
    assert json.loads(moved.stdout)["agentId"] == agent

    listed = orchestrix(tmp_path, "deployments", sid, "--json")
    rows = json.loads(listed.stdout)["deployments"]
    assert [(r["status"], r["target"]) for r in rows] == [
        ("deployed", "local"),
        ("superseded", "local"),
    ]
    table = orchestrix(tmp_path, "deployments", sid)
    assert "superseded" in table.stdout

    gone = orchestrix(tmp_path, "undeploy", sid)
    assert gone.returncode == 0, gone.stderr
    assert "undeployed" in gone.stdout
    assert orchestrix(tmp_path, "undeploy", sid).returncode == 1


def test_clear_errors(tmp_path: Path) -> None:
    missing = orchestrix(tmp_path, "deploy", "mcp_doesnotexist")
    assert missing.returncode == 1
    assert missing.stderr.strip() == "error: Server mcp_doesnotexist not found"

    no_key = orchestrix(tmp_path, "deploy", str(EXAMPLES / "todo.yaml"), "--target", "archestra")
    assert no_key.returncode == 1
    assert no_key.stderr.strip() == f"error: {NOT_CONFIGURED}"
    assert "Traceback" not in no_key.stderr

    spec = example("todo")
    spec["tests"][0]["expect"]["status"] = 200
    failing = tmp_path / "failing.yaml"
    failing.write_text(yaml.safe_dump(spec))
    refused = orchestrix(tmp_path, "deploy", str(failing))
    assert refused.returncode == 1
    assert "tests fail" in refused.stderr
    assert "creates a todo: status should be 200, got 201" in refused.stderr


def test_demo_prints_the_original_steps(tmp_path: Path) -> None:
    done = orchestrix(tmp_path, "demo")
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    steps = [
        "🚀 Testing Archestra Deployment Flow",
        "Step 1: Generating signup API workflow...",
        "Step 2: Starting runtime...",
        "✅ Runtime started",
        "Step 3: Deploying to Archestra...",
        "✅ Deployment successful!",
        "📋 Deployment Info:",
        "Step 4: Verifying deployment info...",
        "✅ Deployment info persisted correctly",
        "✅ All tests passed!",
    ]
    positions = [lines.index(step) for step in steps]
    assert positions == sorted(positions)
    assert lines[-1] == "✅ All tests passed!"
    assert any(line.startswith("✅ Workflow generated: mcp_") for line in lines)
    agent_lines = [line for line in lines if line.startswith("   Agent ID: agt_")]
    assert len(agent_lines) == 2
    assert agent_lines[0] == agent_lines[1]
    assert any(line.startswith("   Deployed At: ") for line in lines)


def test_deploy_to_a_host_with_the_host_target(tmp_path: Path) -> None:
    with running_host(host_settings(tmp_path / "host")) as host:
        env = {"ORCHESTRIX_HOST_URL": host, "ORCHESTRIX_HOST_API_KEY": HOST_KEY}
        todo = str(EXAMPLES / "todo.yaml")
        deployed = orchestrix(tmp_path, "deploy", todo, "--target", "host", "--json", **env)
        assert deployed.returncode == 0, deployed.stderr
        body = json.loads(deployed.stdout)
        assert body["endpoint"].startswith(f"{host}/agents/agt_")
        assert httpx.post(body["endpoint"], json={"title": "from the CLI"}).status_code == 201

        assert orchestrix(tmp_path, "undeploy", body["serverId"], **env).returncode == 0
        assert httpx.post(body["endpoint"], json={"title": "x"}).status_code == 404

        wrong = {**env, "ORCHESTRIX_HOST_API_KEY": "wrong"}
        refused = orchestrix(tmp_path, "deploy", todo, "--target", "host", **wrong)
        assert refused.returncode == 1
        assert refused.stderr.strip() == "error: Failed to deploy to Archestra: Unauthorized"


def test_deploy_to_archestra_prints_the_gateways_mcp_client_configuration(
    tmp_path: Path,
) -> None:
    from tests.deploy.test_archestra_platform_loopback import API_KEY, LoopbackArchestra
    from tests.servers import serve_asgi

    state = LoopbackArchestra()
    with serve_asgi(state.app()) as url:
        done = orchestrix(
            tmp_path,
            "deploy",
            str(EXAMPLES / "signup.yaml"),
            "--target",
            "archestra-platform",
            ORCHESTRIX_ARCHESTRA_PLATFORM_URL=url,
            ORCHESTRIX_ARCHESTRA_PLATFORM_API_KEY=API_KEY,
        )
    assert done.returncode == 0, done.stderr
    gateway_url = f"{url}/v1/mcp/{state.agent('Orchestrix')['id']}"
    out = done.stdout
    assert f"endpoint: {gateway_url}\n" in out
    assert "MCP client configuration (put an Archestra token in place of <token>):\n" in out
    config = json.loads(out[out.index("\n{") : out.index("\ngateway token:")])
    assert config == {
        "mcpServers": {
            "orchestrix": {
                "type": "http",
                "url": gateway_url,
                "headers": {"Authorization": "Bearer <token>"},
            }
        }
    }
    assert f"GET {url}/api/user-tokens/me/value" in out
    assert API_KEY not in out
    assert state.problems == []

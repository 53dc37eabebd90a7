"""The TypeScript MCP SDK as a client: the configs ``orchestrix mcp --config`` prints, and the
tool's ``outputSchema``, which that SDK checks ``structuredContent`` against on every result,
error results included.

The SDK is installed from ``mcp_node/package-lock.json`` with ``npm ci`` (as CI does) the first
time; ``mcp_node/client.mjs`` connects as a config entry says and reports what it saw.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import anyio
import pytest

from orchestrix.runtime.mcp import McpAccess, McpMount, transport_security
from orchestrix.settings import Settings
from tests.conftest import IN_CI, unique_namespace
from tests.runtime.test_mcp_http import SIGNUP, McpHost, signup_args
from tests.runtime.test_mcp_security import Keys
from tests.servers import serve_asgi

NODE_DIR = Path(__file__).with_name("mcp_node")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def node_client() -> Path:
    """``client.mjs`` with its dependencies installed from the lockfile."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        message = "Node.js 20 and npm are needed for the TypeScript SDK tests"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    if not (NODE_DIR / "node_modules" / "@modelcontextprotocol" / "sdk").is_dir():
        installed = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"],
            cwd=NODE_DIR,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert installed.returncode == 0, installed.stderr
    return NODE_DIR / "client.mjs"


def run_node(script: Path, entry: dict[str, Any], calls: list[dict[str, Any]]) -> dict[str, Any]:
    done = subprocess.run(
        ["node", str(script), json.dumps({"entry": entry, "calls": calls})],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.stdout, done.stderr
    seen: dict[str, Any] = json.loads(done.stdout)
    assert "error" not in seen, seen["error"]
    return seen


def signup_calls() -> list[dict[str, Any]]:
    email = f"{unique_namespace()}@example.com"
    return [
        {"name": "signup_api", "arguments": signup_args(email)},  # 201
        {"name": "signup_api", "arguments": signup_args(email)},  # 409, the REST error body
        {"name": "signup_api", "arguments": {"email": "nope"}},  # 400 from the adapter
    ]


@pytest.mark.timeout(300)
@pytest.mark.parametrize("client", ["cursor", "vscode"])
async def test_the_url_config_with_its_key_and_every_result_validates(
    settings: Settings, node_client: Path, client: str
) -> None:
    from orchestrix.cli.mcp import url_config

    keys = Keys(required_for={"agent"}, keys={"agent": {"orxk_node"}})
    mount = McpMount(security=transport_security(settings), access=McpAccess(keys=keys))
    host = McpHost(settings, mount)
    host.put("agent", SIGNUP, unique_namespace())
    with serve_asgi(host.app) as base:
        config = url_config("signup_api", f"{base}/agent/mcp", "orxk_node", client)  # type: ignore[arg-type]
        entry = next(iter(next(iter(config.values())).values()))
        seen = await anyio.to_thread.run_sync(run_node, node_client, entry, signup_calls())
        refused = await anyio.to_thread.run_sync(
            lambda: subprocess.run(
                ["node", str(node_client), json.dumps({"entry": {"url": f"{base}/agent/mcp"}})],
                capture_output=True,
                text=True,
                timeout=120,
            )
        )
    assert refused.returncode != 0  # no key: the SDK could not even connect
    tool = seen["tools"][0]
    assert tool["name"] == "signup_api"
    assert tool["outputSchema"]["type"] == "object"
    assert tool["annotations"]["idempotentHint"] is False
    assert seen["server"]["version"] == "1"
    # The SDK validated every structuredContent against outputSchema: none was refused.
    assert [c["ok"] for c in seen["calls"]] == [True, True, True], seen["calls"]
    created, taken, invalid = (c["result"] for c in seen["calls"])
    assert created["isError"] is False and created["structuredContent"]["token"]
    assert taken["isError"] is True and taken["structuredContent"]["error"]
    assert invalid["isError"] is True
    assert invalid["structuredContent"]["details"][0]["field"] in {"email", "password"}


@pytest.mark.timeout(300)
@pytest.mark.parametrize("client", ["claude", "vscode"])
def test_the_stdio_config_starts_a_server_the_typescript_sdk_uses(
    tmp_path: Path, node_client: Path, client: str
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ORCHESTRIX_", "ARCHESTRA_"))}
    env["ORCHESTRIX_DATA_DIR"] = str(tmp_path)
    spec = str(ROOT / "examples" / "signup.yaml")
    printed = subprocess.run(
        [sys.executable, "-m", "orchestrix", "mcp", spec, "--config", "--client", client],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert printed.returncode == 0, printed.stderr
    entry = next(iter(next(iter(json.loads(printed.stdout).values())).values()))
    seen = run_node(node_client, entry, signup_calls()[:2])
    assert [c["ok"] for c in seen["calls"]] == [True, True], seen["calls"]
    assert seen["calls"][1]["result"]["isError"] is True

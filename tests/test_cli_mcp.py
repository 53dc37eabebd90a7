"""`orchestrix mcp`: a real subprocess speaking MCP over stdio to the SDK's own client."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from mcp import Client, StdioServerParameters

from orchestrix.runtime.mcp import STATUS_META_KEY
from orchestrix.spec.io import load_workflow
from orchestrix.store import Store
from tests.factories import make_settings

ROOT = Path(__file__).resolve().parents[1]
SIGNUP = str(ROOT / "examples" / "signup.yaml")
LOGIN = str(ROOT / "examples" / "login.yaml")
PASSWORD = "hunter2hunter2"


def clean_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ORCHESTRIX_", "ARCHESTRA_"))}
    env["ORCHESTRIX_DATA_DIR"] = str(data_dir)
    return env


def stdio_server(spec: str, data_dir: Path) -> StdioServerParameters:
    return StdioServerParameters(
        command=sys.executable,
        args=["-m", "orchestrix", "mcp", spec],
        env=clean_env(data_dir),
        cwd=str(data_dir),
    )


def orchestrix(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "orchestrix", *args],
        capture_output=True,
        text=True,
        env=clean_env(data_dir),
        timeout=60,
        cwd=data_dir,
    )


@pytest.mark.timeout(120)
@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_signup_over_stdio(tmp_path: Path, mode: str) -> None:
    args = {"email": "ada@example.com", "password": PASSWORD}
    async with Client(stdio_server(SIGNUP, tmp_path), mode=mode) as client:
        tools = (await client.list_tools()).tools
        assert [t.name for t in tools] == ["signup_api"]
        assert tools[0].input_schema["required"] == ["email", "password"]
        assert tools[0].description == "User registration with a hashed password and a JWT"

        first = await client.call_tool("signup_api", args)
        assert first.is_error is False, first.content
        assert first.structured_content is not None
        assert first.structured_content["token"].count(".") == 2

        again = await client.call_tool("signup_api", args)
        assert again.is_error is True
        assert again.meta is not None and again.meta[STATUS_META_KEY] == 409
        assert again.structured_content is not None
        assert set(again.structured_content) == {"error", "details"}


@pytest.mark.timeout(120)
async def test_stdio_servers_share_the_spec_namespace(tmp_path: Path) -> None:
    """Signup and login keep their data under metadata.namespace, as `orchestrix run` does."""
    args = {"email": "grace@example.com", "password": PASSWORD}
    async with Client(stdio_server(SIGNUP, tmp_path)) as signup:
        assert (await signup.call_tool("signup_api", args)).is_error is False
    async with Client(stdio_server(LOGIN, tmp_path)) as login:
        result = await login.call_tool("login_api", args)
        assert result.is_error is False, result.content
        assert result.structured_content is not None
        assert result.structured_content["user"]["email"] == "grace@example.com"


def test_config_prints_a_client_snippet_with_absolute_paths(tmp_path: Path) -> None:
    result = orchestrix("mcp", os.path.relpath(SIGNUP, tmp_path), "--config", data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    entry = json.loads(result.stdout)["mcpServers"]["signup_api"]
    command = Path(entry["command"])
    assert command.is_absolute() and command.exists()
    assert entry["args"][-2:] == ["mcp", SIGNUP]
    assert entry["env"]["ORCHESTRIX_DATA_DIR"] == str(tmp_path)
    # The snippet starts a working server from anywhere.
    started = subprocess.run(
        [entry["command"], *entry["args"], "--config"],
        capture_output=True,
        text=True,
        env={**os.environ, **entry["env"]},
        cwd="/",
        timeout=60,
    )
    assert started.returncode == 0, started.stderr


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("missing.yaml", "no such spec file"),
        ("mcp_nobody", "mcp_nobody is neither a spec file nor a server in the store"),
    ],
)
def test_bad_targets_are_one_line_errors(tmp_path: Path, target: str, message: str) -> None:
    result = orchestrix("mcp", target, data_dir=tmp_path)
    assert result.returncode != 0
    assert result.stdout == ""
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_an_invalid_spec_lists_its_problems(tmp_path: Path) -> None:
    spec = tmp_path / "broken.yaml"
    spec.write_text(
        "name: Broken\ntools:\n  - {id: a, type: nope}\n  - {id: a, type: input}\n",
        encoding="utf-8",
    )
    result = orchestrix("mcp", str(spec), data_dir=tmp_path)
    assert result.returncode == 1
    assert result.stdout == ""
    assert "nope" in result.stderr
    assert "Traceback" not in result.stderr


async def stored_signup(data_dir: Path) -> str:
    """A server in the control-plane store, as the API creates it; returns its id."""
    settings = make_settings(data_dir)
    workflow = load_workflow(SIGNUP)
    async with Store.open(settings) as store:
        server = await store.servers.create(
            owner_id="owner_1",
            name=workflow.name,
            description=workflow.description,
            spec=workflow.to_wire(),
            summary="created in a test",
        )
    return server.id


@pytest.mark.timeout(120)
async def test_a_stored_server_is_served_by_id_and_its_calls_recorded(tmp_path: Path) -> None:
    server_id = await stored_signup(tmp_path)
    args = {"email": "ada@example.com", "password": PASSWORD}
    async with Client(stdio_server(server_id, tmp_path)) as client:
        assert [t.name for t in (await client.list_tools()).tools] == ["signup_api"]
        assert (await client.call_tool("signup_api", args)).is_error is False
        again = await client.call_tool("signup_api", args)
        assert again.is_error is True
        assert again.meta is not None and again.meta[STATUS_META_KEY] == 409

    settings = make_settings(tmp_path)
    async with Store.open(settings) as store:
        executions, total = await store.executions.page(server_id)
    assert total == 2
    assert [(e.source, e.status) for e in executions] == [("mcp", 409), ("mcp", 201)]

    config = orchestrix("mcp", server_id, "--config", data_dir=tmp_path)
    assert config.returncode == 0, config.stderr
    entry = json.loads(config.stdout)["mcpServers"]["signup_api"]
    assert entry["args"][-2:] == ["mcp", server_id]

    refused = orchestrix("mcp", server_id, "--namespace", "other", data_dir=tmp_path)
    assert refused.returncode == 1
    assert "--namespace is for spec files" in refused.stderr

"""What Archestra's MCP runtime does with the catalog item: start the registered command.

Each test deploys to the loopback Archestra, reads back the command, arguments and environment
the target registered, starts exactly that as a subprocess (with a fresh home directory and no
other Orchestrix setting, as in the runtime's container), and lists and calls the workflow's
tool with the MCP SDK's client: over stdio, and over streamable HTTP when that transport is
chosen. The data goes to the embedded default database under that home directory.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from mcp import Client
from mcp.client.stdio import StdioServerParameters

from tests.deploy.test_archestra_platform_loopback import (
    LoopbackArchestra,
    platform_settings,
    signup_request,
    target_for,
)
from tests.factories import cheap_argon2_env, make_settings
from tests.servers import free_port, process, serve_asgi

VENV_BIN = str(Path(sys.executable).parent)  # where `orchestrix` is installed


async def registered_launch(
    tmp_path: Path, **settings: Any
) -> tuple[str, list[str], dict[str, str]]:
    """Deploy the signup example; what the catalog item tells the runtime to start."""
    state = LoopbackArchestra()
    with serve_asgi(state.app()) as url:
        agent = await target_for(platform_settings(tmp_path, url, **settings)).deploy(
            signup_request()
        )
    assert state.problems == []
    local = state.catalog[agent.agent_id]["localConfig"]
    env = {e["key"]: e["value"] for e in local["environment"]}
    return local["command"], local["arguments"], env


def runtime_env(home: Path, registered: dict[str, str]) -> dict[str, str]:
    """The environment of the runtime's process: the item's variables, a home, a PATH (and
    cheap argon2: the signups hash to store, not to measure argon2)."""
    home.mkdir()
    return {
        **cheap_argon2_env(),
        **registered,
        "HOME": str(home),
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    }


def signup_args(email: str) -> dict[str, str]:
    return {"email": email, "password": "a-long-password-1", "name": "Grace"}


async def test_the_registered_stdio_command_serves_and_runs_the_tool(tmp_path: Path) -> None:
    command, arguments, registered = await registered_launch(tmp_path)
    assert (command, arguments) == ("orchestrix", ["mcp"])
    home = tmp_path / "home"
    params = StdioServerParameters(
        command=command, args=arguments, env=runtime_env(home, registered), cwd=str(home)
    )

    async with Client(params) as client:
        [tool] = (await client.list_tools()).tools
        assert tool.name == "signup_api"
        assert tool.input_schema["required"] == ["email", "password"]

        created = await client.call_tool("signup_api", signup_args("grace@example.com"))
        assert created.is_error is False
        assert created.structured_content is not None
        assert created.structured_content["email"] == "grace@example.com"
        assert created.structured_content["token"].count(".") == 2

        again = await client.call_tool("signup_api", signup_args("grace@example.com"))
        assert again.is_error is True
        assert json.loads(again.content[0].text)["error"]  # type: ignore[union-attr]

    # The embedded default: SQLite in ~/.orchestrix, nothing else configured.
    assert (home / ".orchestrix" / "orchestrix.db").is_file()


async def test_the_registered_streamable_http_command_serves_and_runs_the_tool(
    tmp_path: Path,
) -> None:
    port = free_port()
    command, arguments, registered = await registered_launch(
        tmp_path,
        archestra_platform_transport="streamable-http",
        archestra_platform_http_port=port,
    )
    assert command == "orchestrix"
    assert arguments[-2:] == ["--port", str(port)]
    home = tmp_path / "home"

    with running([command, *arguments], runtime_env(home, registered), home, port):
        async with Client(f"http://127.0.0.1:{port}/mcp") as client:
            [tool] = (await client.list_tools()).tools
            assert tool.name == "signup_api"
            created = await client.call_tool("signup_api", signup_args("ada@example.org"))
            assert created.is_error is False
            assert created.structured_content is not None
            assert created.structured_content["email"] == "ada@example.org"
            bad = await client.call_tool("signup_api", {"email": "nope", "password": "x"})
            assert bad.is_error is True


@contextmanager
def running(argv: list[str], env: dict[str, str], cwd: Path, port: int) -> Iterator[None]:
    """The process, until the block ends; it must accept connections on ``port`` first."""
    with process(argv, env=env, cwd=cwd, port=port, health=None, log_dir=Path(env["HOME"])):
        yield


# --- the examples of the README and the docs page ---------------------------------------------

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "archestra-platform.md"


def bash_lines(path: Path, containing: str) -> list[str]:
    """The lines of the ```bash blocks of a Markdown file that mention ``containing``."""
    blocks = re.findall(r"```bash\n(.*?)```", path.read_text(), flags=re.DOTALL)
    chosen = [b for b in blocks if containing in b]
    assert chosen, f"{path.name} has no bash block with {containing}"
    return [line for b in chosen for line in b.splitlines() if line.strip()]


def test_the_settings_of_the_readme_and_the_docs_configure_the_target(
    tmp_path: Path, monkeypatch: Any
) -> None:
    from orchestrix.deploy.archestra_platform import ArchestraPlatformTarget
    from orchestrix.deploy.base import get_target

    monkeypatch.chdir(tmp_path)
    for doc in (ROOT / "README.md", DOCS):
        for line in bash_lines(doc, "ORCHESTRIX_ARCHESTRA_PLATFORM_URL"):
            key, _, value = line.partition("=")
            monkeypatch.setenv(key, value)
        settings = make_settings(tmp_path)
        assert settings.resolved_deploy_target == "archestra-platform"
        target = get_target(settings)
        assert isinstance(target, ArchestraPlatformTarget)
        assert target.config.url == "http://localhost:9000"
        assert target.config.dashboard_url == "http://localhost:3000"
        assert target.config.api_key == "arch_..."


async def test_the_docs_streamable_http_example_serves_the_tool(tmp_path: Path) -> None:
    [line] = [line for line in bash_lines(DOCS, "orchestrix mcp") if "streamable-http" in line]
    port = free_port()
    script = "exec env " + line.replace("--port 8080", f"--port {port}")
    home = tmp_path / "home"
    with running(["bash", "-c", script], runtime_env(home, {}), ROOT, port):
        async with Client(f"http://127.0.0.1:{port}/mcp") as client:
            [tool] = (await client.list_tools()).tools
            assert tool.name == "signup_api"
            created = await client.call_tool(
                "signup_api", {"email": "doc@example.com", "password": "a-long-password-1"}
            )
            assert created.is_error is False

"""``orchestrix mcp``: a workflow as an MCP stdio server, for desktop clients.

In stdio mode standard output carries the protocol and nothing else: logs go to stderr.
``--config`` prints the ``mcpServers`` snippet that Claude Desktop, Cursor and other clients
read, with absolute paths so it works from any working directory. With no file, the spec
comes inline from ``ORCHESTRIX_SPEC`` (how Archestra's MCP runtime starts it, see
docs/archestra-platform.md); ``--transport streamable-http`` serves it at ``/mcp`` on a port.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from orchestrix.cli.app import app, describe_error, fail, print_json, run_async
from orchestrix.errors import SpecError
from orchestrix.settings import get_settings
from orchestrix.spec.io import load_workflow
from orchestrix.spec.models import Workflow

Transport = Literal["stdio", "streamable-http"]


def _load(target: str) -> tuple[Path, Workflow]:
    path = Path(target)
    if not path.is_file():
        if path.suffix.lower() in {".yaml", ".yml", ".json"} or "/" in target:
            fail(f"{target}: no such spec file")
        fail(
            f"{target} is not a spec file; serving a stored server by id is not supported yet "
            "(pass a .yaml or .json spec)"
        )
    try:
        workflow = load_workflow(path)
    except SpecError as e:
        fail(describe_error(e))
    from orchestrix.runtime.checks import ensure_valid

    try:
        ensure_valid(workflow)
    except SpecError as e:
        fail(describe_error(e))
    return path.resolve(), workflow


def _command() -> list[str]:
    """How a client should start this Orchestrix: the ``orchestrix`` script of this
    environment when there is one, else this Python with ``-m orchestrix``."""
    python = Path(sys.executable).absolute()  # not resolved: a venv's python is a symlink
    script = python.parent / "orchestrix"
    if script.is_file():
        return [str(script)]
    return [str(python), "-m", "orchestrix"]


def client_config(spec: Path, workflow: Workflow) -> dict[str, Any]:
    """The ``mcpServers`` entry that starts ``orchestrix mcp SPEC`` over stdio."""
    from orchestrix.runtime.mcp import tool_name

    settings = get_settings()
    command = _command()
    env = {"ORCHESTRIX_DATA_DIR": str(settings.data_dir.expanduser().absolute())}
    if settings.database_url:
        env["ORCHESTRIX_DATABASE_URL"] = settings.database_url
    return {
        "mcpServers": {
            tool_name(workflow): {
                "command": command[0],
                "args": [*command[1:], "mcp", str(spec)],
                "env": env,
            }
        }
    }


@app.command("mcp")
def mcp_command(
    target: Annotated[
        str | None,
        typer.Argument(
            help="A workflow spec (.yaml, .yml or .json). Omitted: the spec itself in the "
            "ORCHESTRIX_SPEC environment variable (JSON or YAML)."
        ),
    ] = None,
    config: Annotated[
        bool,
        typer.Option(
            "--config", help="Print the mcpServers JSON snippet for Claude Desktop or Cursor."
        ),
    ] = False,
    namespace: Annotated[
        str | None,
        typer.Option(help="Data namespace (default: metadata.namespace, else the name's slug)."),
    ] = None,
    transport: Annotated[
        Transport, typer.Option(help="stdio, or streamable-http on --host/--port at /mcp.")
    ] = "stdio",
    host: Annotated[str, typer.Option(help="Interface for streamable-http.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port for streamable-http.")] = 8080,
) -> None:
    """Serve a workflow as an MCP server (one tool): over stdio for desktop MCP clients, or
    over streamable HTTP."""
    if target is None:
        if config:
            fail("--config needs a spec file")
        workflow = _load_inline()
    else:
        spec, workflow = _load(target)
        if config:
            print_json(client_config(spec, workflow))
            return
    from orchestrix.cli.run import spec_namespace

    logging.basicConfig(
        stream=sys.stderr, level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    if transport == "streamable-http":
        run_async(_serve_http(workflow, namespace or spec_namespace(workflow), host, port))
    else:
        run_async(_serve_stdio(workflow, namespace or spec_namespace(workflow)))


def _load_inline() -> Workflow:
    """The spec given inline in ORCHESTRIX_SPEC, as the `archestra-platform` target passes it."""
    from orchestrix.runtime.checks import ensure_valid
    from orchestrix.spec.io import loads_workflow

    text = get_settings().spec
    if not text or not text.strip():
        fail("pass a spec file, or set ORCHESTRIX_SPEC to the spec itself (JSON or YAML)")
    try:
        workflow = loads_workflow(text)
        ensure_valid(workflow)
    except SpecError as e:
        fail(f"ORCHESTRIX_SPEC: {describe_error(e)}")
    return workflow


async def _serve_http(workflow: Workflow, namespace: str, host: str, port: int) -> None:
    """The workflow at http://HOST:PORT/mcp (stateless streamable HTTP), until stopped."""
    import uvicorn
    from starlette.responses import JSONResponse
    from starlette.types import Receive, Scope, Send

    from orchestrix.runtime.executor import Executor
    from orchestrix.runtime.mcp import McpMount, run_with_services
    from orchestrix.runtime.services import open_services

    mount = McpMount()

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].rstrip("/") == "/mcp":
            await mount.handle("workflow", scope, receive, send)
        elif scope["type"] == "http":
            missing = {"error": "Not found: the MCP endpoint is /mcp", "details": None}
            await JSONResponse(missing, status_code=404)(scope, receive, send)

    async with open_services(get_settings()) as services:
        run = run_with_services(Executor(workflow), services, namespace=namespace)
        mount.put("workflow", workflow, run)
        server = uvicorn.Server(
            uvicorn.Config(app, host=host, port=port, lifespan="off", log_level="warning")
        )
        async with mount.running():
            await server.serve()


async def _serve_stdio(workflow: Workflow, namespace: str) -> None:
    from mcp.server.stdio import stdio_server

    from orchestrix.runtime.executor import Executor
    from orchestrix.runtime.mcp import build_server, run_with_services
    from orchestrix.runtime.services import open_services

    executor = Executor(workflow)
    async with open_services(get_settings()) as services:
        server = build_server(workflow, run_with_services(executor, services, namespace=namespace))
        async with stdio_server() as (read_stream, write_stream):
            await server.run(read_stream, write_stream, server.create_initialization_options())

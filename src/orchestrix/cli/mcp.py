"""``orchestrix mcp``: a workflow as an MCP stdio server, for desktop clients.

In stdio mode standard output carries the protocol and nothing else: logs go to stderr.
``--config`` prints the ``mcpServers`` snippet that Claude Desktop, Cursor and other clients
read, with absolute paths so it works from any working directory. The target is a spec file
or the id of a server in the control-plane store (served at its current version, in its own
data namespace, every call recorded as an execution). With neither, the spec
comes inline from ``ORCHESTRIX_SPEC`` (how Archestra's MCP runtime starts it, see
docs/archestra-platform.md); ``--transport streamable-http`` serves it at ``/mcp`` on a port.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer

from orchestrix.cli.app import (
    app,
    describe_error,
    ensure_port_free,
    fail,
    print_json,
    run_async,
)
from orchestrix.errors import NotFoundError, SpecError
from orchestrix.settings import get_settings
from orchestrix.spec.io import load_workflow
from orchestrix.spec.models import Workflow

if TYPE_CHECKING:
    from orchestrix.runtime.mcp import RunFn

Transport = Literal["stdio", "streamable-http"]


@dataclass
class _Target:
    """What to serve: a spec file, a stored server, or the inline ORCHESTRIX_SPEC."""

    workflow: Workflow
    spec: Path | None = None
    server_id: str | None = None


def _resolve(target: str | None) -> _Target:
    if target is None:
        return _Target(_load_inline())
    path = Path(target)
    if path.is_file():
        spec, workflow = _load(path)
        return _Target(workflow, spec=spec)
    if path.suffix.lower() in {".yaml", ".yml", ".json"} or "/" in target:
        fail(f"{target}: no such spec file")
    return _Target(run_async(_stored_workflow(target)), server_id=target)


async def _stored_workflow(server_id: str) -> Workflow:
    from orchestrix.spec.io import parse_workflow
    from orchestrix.store import Store

    settings = get_settings()
    async with Store.open(settings) as store:
        server = await store.servers.find(server_id)
    if server is None:
        raise NotFoundError(
            f"{server_id} is neither a spec file nor a server in the store "
            f"(database: {_where(settings.database_url, settings.data_dir)})"
        )
    return parse_workflow(server.spec)


def _where(database_url: str | None, data_dir: Path) -> str:
    if database_url:
        return database_url.split("@")[-1]  # never print a password
    return str(data_dir / "orchestrix.db")


def _load(path: Path) -> tuple[Path, Workflow]:
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


def client_config(target: str, workflow: Workflow) -> dict[str, Any]:
    """The ``mcpServers`` entry that starts ``orchestrix mcp TARGET`` over stdio."""
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
                "args": [*command[1:], "mcp", target],
                "env": env,
            }
        }
    }


@app.command("mcp")
def mcp_command(
    target: Annotated[
        str | None,
        typer.Argument(
            help="A workflow spec (.yaml, .yml or .json) or a stored server's id. Omitted: the "
            "spec itself in the ORCHESTRIX_SPEC environment variable (JSON or YAML)."
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
    over streamable HTTP. TARGET is a spec file or a stored server's id."""
    if target is None and config:
        fail("--config needs a spec file or a server id")
    resolved = _resolve(target)
    if resolved.server_id is not None and namespace is not None:
        fail("--namespace is for spec files: a stored server keeps its data under its id")
    if config:
        name = str(resolved.spec) if resolved.spec is not None else str(resolved.server_id)
        print_json(client_config(name, resolved.workflow))
        return
    logging.basicConfig(
        stream=sys.stderr, level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    if transport == "streamable-http":
        ensure_port_free(host, port)
        run_async(_serve_http(resolved, namespace, host, port))
    else:
        run_async(_serve_stdio(resolved, namespace))


@asynccontextmanager
async def _open_run(target: _Target, namespace: str | None) -> AsyncIterator[RunFn]:
    """The runtime services, and how one tool call runs: a spec in its namespace, or a stored
    server through the API's runner (its id as namespace, each call kept as an execution)."""
    from orchestrix.runtime.executor import ExecutionResult, Executor
    from orchestrix.runtime.mcp import run_with_services
    from orchestrix.runtime.services import open_services

    settings = get_settings()
    if target.server_id is None:
        from orchestrix.cli.run import spec_namespace

        executor = Executor(target.workflow)
        async with open_services(settings) as services:
            yield run_with_services(
                executor, services, namespace=namespace or spec_namespace(target.workflow)
            )
        return

    from orchestrix.api.runner import Runner
    from orchestrix.store import Store

    async with (
        Store.open(settings) as store,
        open_services(settings, engine=store.engine) as services,
    ):
        server = await store.servers.find(target.server_id)
        if server is None:
            raise NotFoundError(f"Server {target.server_id} is gone from the store")
        runner = Runner(store)
        runner.services = services
        runner.executor(server)  # compile now: a broken spec fails before serving

        async def run(arguments: dict[str, Any], headers: dict[str, str]) -> ExecutionResult:
            result, _ = await runner.run(server, arguments, headers=headers, source="mcp")
            return result

        yield run


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


async def _serve_http(target: _Target, namespace: str | None, host: str, port: int) -> None:
    """The workflow at http://HOST:PORT/mcp (stateless streamable HTTP), until stopped."""
    import uvicorn
    from starlette.responses import JSONResponse
    from starlette.types import Receive, Scope, Send

    from orchestrix.runtime.mcp import McpMount

    mount = McpMount()

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].rstrip("/") == "/mcp":
            await mount.handle("workflow", scope, receive, send)
        elif scope["type"] == "http":
            missing = {"error": "Not found: the MCP endpoint is /mcp", "details": None}
            await JSONResponse(missing, status_code=404)(scope, receive, send)

    async with _open_run(target, namespace) as run:
        mount.put("workflow", target.workflow, run)
        server = uvicorn.Server(
            uvicorn.Config(app, host=host, port=port, lifespan="off", log_level="warning")
        )
        async with mount.running():
            await server.serve()


async def _serve_stdio(target: _Target, namespace: str | None) -> None:
    from mcp.server.stdio import stdio_server

    from orchestrix.runtime.mcp import build_server

    async with _open_run(target, namespace) as run:
        server = build_server(target.workflow, run)
        async with stdio_server() as (read_stream, write_stream):
            await server.run(read_stream, write_stream, server.create_initialization_options())

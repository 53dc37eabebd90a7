"""``orchestrix mcp``: a workflow as an MCP stdio server, for desktop clients.

In stdio mode standard output carries the protocol and nothing else: logs go to stderr.
``--config --client claude|cursor|vscode`` prints the snippet that client reads, with absolute
paths so it works from any working directory; ``--url`` prints the snippet for the server's
deployed agent (streamable HTTP, with an API key) instead. The target is a spec file or the id
of a server in the control-plane store (served at its current version, in its own data
namespace, every call recorded as an execution; an edit made meanwhile is served from the
next call on and announced with ``notifications/tools/list_changed``). With neither, the spec
comes inline from ``ORCHESTRIX_SPEC`` (how Archestra's MCP runtime starts it, see
docs/archestra-platform.md); ``--transport streamable-http`` serves it at ``/mcp`` on a port.

``orchestrix mcp-key create|list|revoke SERVER_ID`` and ``orchestrix mcp-key require
SERVER_ID [--off]`` manage a server's MCP API keys (the same as the API's
``/mcp/servers/{id}/mcp-keys`` routes).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import anyio
import typer

from orchestrix.cli.app import (
    app,
    console,
    describe_error,
    ensure_port_free,
    err_console,
    fail,
    print_json,
    run_async,
)
from orchestrix.errors import NotFoundError, SpecError
from orchestrix.net import is_loopback
from orchestrix.settings import get_settings
from orchestrix.spec.io import load_workflow
from orchestrix.spec.models import Workflow

if TYPE_CHECKING:
    from anyio.abc import TaskGroup
    from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream
    from mcp.server.transport_security import TransportSecuritySettings

    from orchestrix.api.runner import Runner
    from orchestrix.runtime.executor import ExecutionResult
    from orchestrix.runtime.mcp import RunFn
    from orchestrix.store import ServerRecord, Store

log = logging.getLogger("orchestrix.mcp")

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


Client = Literal["claude", "cursor", "vscode"]


def _wrap(client: Client, name: str, entry: dict[str, Any]) -> dict[str, Any]:
    """One server entry in the shape of ``client``'s config file: ``mcpServers`` for Claude
    Desktop and Cursor, top-level ``servers`` with a ``type`` for VS Code."""
    if client == "vscode":
        kind = "http" if "url" in entry else "stdio"
        return {"servers": {name: {"type": kind, **entry}}}
    return {"mcpServers": {name: entry}}


def client_config(target: str, workflow: Workflow, client: Client = "claude") -> dict[str, Any]:
    """The config entry that starts ``orchestrix mcp TARGET`` over stdio."""
    from orchestrix.runtime.mcp import tool_name

    settings = get_settings()
    command = _command()
    env = {"ORCHESTRIX_DATA_DIR": str(settings.data_dir.expanduser().absolute())}
    if settings.database_url:
        env["ORCHESTRIX_DATABASE_URL"] = settings.database_url
    entry = {"command": command[0], "args": [*command[1:], "mcp", target], "env": env}
    return _wrap(client, tool_name(workflow), entry)


def url_config(name: str, url: str, key: str | None, client: Client = "claude") -> dict[str, Any]:
    """The config entry of a deployed agent's MCP endpoint (streamable HTTP). Claude
    Desktop's config starts only local commands: it reaches the URL through ``mcp-remote``."""
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    if client == "claude":
        args = ["-y", "mcp-remote", url]
        env: dict[str, str] = {}
        if key:
            args += ["--header", "Authorization:${AUTH_HEADER}"]
            env["AUTH_HEADER"] = f"Bearer {key}"
        entry: dict[str, Any] = {"command": "npx", "args": args}
        if env:
            entry["env"] = env
        return _wrap(client, name, entry)
    entry = {"url": url}
    if headers:
        entry["headers"] = headers
    return _wrap(client, name, entry)


async def _deployed(server_id: str, key: str | None) -> tuple[str, str | None, bool]:
    """The MCP URL of the server's live deployment, the key to put in the config (a new one
    when the server demands a key and none was given), and whether it was created now."""
    from orchestrix.store import Store

    async with Store.open(get_settings()) as store:
        if await store.servers.find(server_id) is None:
            raise NotFoundError("Server not found", {"serverId": server_id})
        live = await store.deployments.live(server_id)
        if live is None or not live.endpoint:
            raise NotFoundError(
                f"{server_id} is not deployed: run `orchestrix deploy {server_id}` first"
            )
        url = live.endpoint.rstrip("/")
        url = url if url.endswith("/mcp") else url + "/mcp"
        if key is None and await store.mcp_keys.required(server_id):
            _, new_key = await store.mcp_keys.create(server_id, "client config")
            return url, new_key, True
    return url, key, False


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
        typer.Option("--config", help="Print the client's config snippet (see --client)."),
    ] = False,
    client: Annotated[
        Client,
        typer.Option(help="The client --config writes for: claude (Desktop), cursor or vscode."),
    ] = "claude",
    url: Annotated[
        bool,
        typer.Option(
            "--url",
            help="With --config: the snippet for the server's deployed agent (streamable HTTP) "
            "instead of a local stdio process.",
        ),
    ] = False,
    endpoint: Annotated[
        str | None,
        typer.Option(help="With --config: this MCP URL instead of the server's deployment."),
    ] = None,
    key: Annotated[
        str | None,
        typer.Option(
            help="With --url: the API key to put in the snippet. Omitted, and the server "
            "demands one: a new key is created for it."
        ),
    ] = None,
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
        print_json(_config_for(resolved, client, url=url, endpoint=endpoint, key=key))
        return
    if url or endpoint or key:
        fail("--url, --endpoint and --key go with --config")
    logging.basicConfig(
        stream=sys.stderr, level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    if transport == "streamable-http":
        _guard_bind(resolved, host)
        ensure_port_free(host, port)
        run_async(_serve_http(resolved, namespace, host, port))
    else:
        run_async(_serve_stdio(resolved, namespace))


def _config_for(
    target: _Target, client: Client, *, url: bool, endpoint: str | None, key: str | None
) -> dict[str, Any]:
    from orchestrix.runtime.mcp import tool_name

    name = tool_name(target.workflow)
    if endpoint is not None:
        return url_config(name, endpoint, key, client)
    if url:
        if target.server_id is None:
            fail("--url needs a stored server's id (its deployment has the URL), or --endpoint")
        mcp_url, config_key, created = run_async(_deployed(target.server_id, key))
        if created:
            err_console.print(
                f"created a new MCP key for {target.server_id} (in the snippet; revoke it with "
                f"`orchestrix mcp-key revoke {target.server_id} KEY_ID`)"
            )
        return url_config(name, mcp_url, config_key, client)
    if key is not None:
        fail("--key goes with --url or --endpoint: a local stdio server needs no key")
    where = str(target.spec) if target.spec is not None else str(target.server_id)
    return client_config(where, target.workflow, client)


def _inline(target: _Target) -> bool:
    """The spec came in ORCHESTRIX_SPEC: Archestra's MCP runtime started this process in its
    container, behind the platform's gateway, which authenticates and routes the callers."""
    return target.spec is None and target.server_id is None


def _guard_bind(target: _Target, host: str) -> None:
    """Listening beyond loopback needs a credential on every request: a stored server's MCP
    keys, or an OAuth issuer (an inline spec is the platform gateway's to guard)."""
    if is_loopback(host) or _inline(target):
        return
    settings = get_settings()
    if target.server_id is None and not settings.mcp_oauth_issuer:
        fail(
            f"--host {host} would let any machine call the tool: serve a stored server (its "
            "MCP keys are then required) or set ORCHESTRIX_MCP_OAUTH_ISSUER"
        )
    if not settings.mcp_allowed_hosts:
        err_console.print(
            "note: requests are accepted only for Host names in ORCHESTRIX_MCP_ALLOWED_HOSTS "
            "(and loopback); set it to the name clients use"
        )


def _http_security(target: _Target, host: str) -> TransportSecuritySettings:
    """Loopback names (and the configured ones); inside the platform's container, where the
    gateway reaches this process by a service name, every Host unless some are configured."""
    from mcp.server.transport_security import TransportSecuritySettings

    from orchestrix.runtime.mcp import transport_security

    settings = get_settings()
    if _inline(target) and not is_loopback(host) and not settings.mcp_allowed_hosts:
        return TransportSecuritySettings(enable_dns_rebinding_protection=False)
    return transport_security(settings)


#: Seconds between two looks at the store (or the spec file) for a new version.
POLL_SECONDS = 1.0


class _Serving:
    """What one tool call runs now, and how to notice a new version: a stored server's
    current version (one indexed read), or a spec file's modification time."""

    def __init__(self, target: _Target, run: RunFn, version: str) -> None:
        self.target = target
        self.workflow = target.workflow
        self.run = run
        self.version = version
        self.store: Store | None = None
        self._reload: Callable[[], Awaitable[bool]] | None = None

    async def refresh(self) -> bool:
        """True when a new version is now served."""
        if self._reload is None:
            return False
        try:
            return await self._reload()
        except (SpecError, OSError) as e:  # a broken edit: keep serving the last good one
            log.warning("the new version cannot be served, keeping %s: %s", self.version, e)
            return False


@asynccontextmanager
async def _open_run(target: _Target, namespace: str | None) -> AsyncIterator[_Serving]:
    """The runtime services, and how one tool call runs: a spec in its namespace, or a stored
    server through the API's runner (its id as namespace, each call kept as an execution)."""
    from orchestrix.runtime.executor import Executor
    from orchestrix.runtime.mcp import run_with_services, workflow_version
    from orchestrix.runtime.services import open_services

    settings = get_settings()
    if target.server_id is None:
        from orchestrix.cli.run import spec_namespace

        async with open_services(settings) as services:
            space = namespace or spec_namespace(target.workflow)

            def runner_for(workflow: Workflow) -> RunFn:
                return run_with_services(Executor(workflow), services, namespace=space)

            serving = _Serving(
                target, runner_for(target.workflow), workflow_version(target.workflow)
            )
            if target.spec is not None:
                serving._reload = _file_reloader(serving, target.spec, runner_for)
            yield serving
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
        serving = _Serving(target, _server_run(runner, server), str(server.version))
        serving.store = store

        async def reload() -> bool:
            from orchestrix.api.runner import workflow_of

            current = await store.servers.find(server.id)
            if current is None or str(current.version) == serving.version:
                return False
            runner.executor(current)  # SpecError: keep the last good version
            serving.workflow = workflow_of(current)
            serving.run = _server_run(runner, current)
            serving.version = str(current.version)
            return True

        serving._reload = reload
        yield serving


def _server_run(runner: Runner, server: ServerRecord) -> RunFn:
    async def run(arguments: dict[str, Any], headers: dict[str, str]) -> ExecutionResult:
        result, _ = await runner.run(server, arguments, headers=headers, source="mcp")
        return result

    return run


def _file_reloader(
    serving: _Serving, path: Path, runner_for: Callable[[Workflow], RunFn]
) -> Callable[[], Awaitable[bool]]:
    seen = path.stat().st_mtime_ns

    async def reload() -> bool:
        nonlocal seen
        from orchestrix.runtime.checks import ensure_valid

        mtime = path.stat().st_mtime_ns
        if mtime == seen:
            return False
        seen = mtime
        workflow = load_workflow(path)
        ensure_valid(workflow)
        serving.workflow, serving.run = workflow, runner_for(workflow)
        return True

    return reload


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
    """The workflow at http://HOST:PORT/mcp (stateless streamable HTTP), until stopped; a new
    version is served from the next request on."""
    import uvicorn
    from starlette.responses import JSONResponse
    from starlette.types import Receive, Scope, Send

    from orchestrix.runtime.mcp import McpAccess, McpMount
    from orchestrix.store.mcp_keys import ServerKeys

    settings = get_settings()
    async with _open_run(target, namespace) as serving:
        keys = None
        if serving.store is not None and target.server_id is not None:
            store, server_id = serving.store, target.server_id
            keys = ServerKeys(lambda: store.sessions, lambda _endpoint: server_id)
        open_bind = not is_loopback(host) and not _inline(target)
        access = McpAccess.from_settings(settings, keys, require_all=open_bind)
        mount = McpMount(security=_http_security(target, host), access=access)

        def put() -> None:
            mount.put("workflow", serving.workflow, serving.run, version=serving.version)

        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "http" and scope["path"].rstrip("/") == "/mcp":
                if await serving.refresh():
                    put()
                await mount.handle("workflow", scope, receive, send)
            elif scope["type"] == "http":
                missing = {"error": "Not found: the MCP endpoint is /mcp", "details": None}
                await JSONResponse(missing, status_code=404)(scope, receive, send)

        put()
        server = uvicorn.Server(
            uvicorn.Config(app, host=host, port=port, lifespan="off", log_level="warning")
        )
        async with mount.running():
            await server.serve()


class _Drain:
    """Tool calls of a stdio server run in a task group of their own: a call the client
    cancels (``notifications/cancelled``) stops, but when stdin closes the calls in flight
    finish (each within the run timeout) before the database closes; a call cut off
    mid-query would leave a connection that SQLite cannot close, and the process hanging."""

    def __init__(self, calls: TaskGroup) -> None:
        self.calls = calls
        self.closing = False

    def wrap(self, run: RunFn) -> RunFn:
        async def guarded(arguments: dict[str, Any], headers: dict[str, str]) -> ExecutionResult:
            done = anyio.Event()
            scope = anyio.CancelScope()
            box: dict[str, Any] = {}

            async def work() -> None:
                with scope:
                    try:
                        box["result"] = await run(arguments, headers)
                    except Exception as e:
                        box["error"] = e
                done.set()

            self.calls.start_soon(work)
            try:
                await done.wait()
            except anyio.get_cancelled_exc_class():
                if not self.closing:
                    scope.cancel()
                raise
            if "error" in box:
                raise box["error"]
            result: ExecutionResult = box["result"]
            return result

        return guarded

    async def relay(
        self,
        source: MemoryObjectReceiveStream[Any],
        sink: MemoryObjectSendStream[Any],
    ) -> None:
        """Pass the client's messages on; when stdin ends, mark the server as closing first."""
        async with sink:
            async for message in source:
                await sink.send(message)
            self.closing = True


async def _serve_stdio(target: _Target, namespace: str | None) -> None:
    from mcp.server.stdio import stdio_server

    from orchestrix.runtime.mcp import LiveTool, build_server, initialization_options

    async with _open_run(target, namespace) as serving, anyio.create_task_group() as calls:
        drain = _Drain(calls)
        live: LiveTool

        async def refresh() -> None:
            if await serving.refresh():
                await live.replace(
                    serving.workflow, drain.wrap(serving.run), version=serving.version
                )

        live = LiveTool(
            serving.workflow,
            drain.wrap(serving.run),
            version=serving.version,
            refresh=refresh,
            announce=True,
        )
        server = build_server(live)
        async with stdio_server() as (read_stream, write_stream), anyio.create_task_group() as tg:

            async def poll() -> None:
                while True:
                    await anyio.sleep(POLL_SECONDS)
                    await refresh()

            sink, relayed = anyio.create_memory_object_stream[Any](16)
            tg.start_soon(drain.relay, read_stream, sink)
            tg.start_soon(poll)
            try:
                await server.run(relayed, write_stream, initialization_options(server, live))
            finally:
                live.close()
                tg.cancel_scope.cancel()


# --- orchestrix mcp-key ----------------------------------------------------------------------

key_app = typer.Typer(
    help="API keys of a server's MCP endpoints (its deployed agents and /runtime/{id}/mcp).",
    no_args_is_help=True,
)
app.add_typer(key_app, name="mcp-key")

ServerArg = Annotated[str, typer.Argument(help="The server's id (mcp_...).")]


async def _keys(server_id: str, action: Callable[[Store], Awaitable[Any]]) -> Any:
    from orchestrix.store import Store

    async with Store.open(get_settings()) as store:
        if await store.servers.find(server_id) is None:
            raise NotFoundError("Server not found", {"serverId": server_id})
        return await action(store)


def _key_out(record: Any) -> dict[str, Any]:
    def iso(value: Any) -> str | None:
        return value.isoformat() if value is not None else None

    return {
        "id": record.id,
        "serverId": record.server_id,
        "name": record.name,
        "prefix": record.prefix,
        "createdAt": iso(record.created_at),
        "lastUsedAt": iso(record.last_used_at),
        "revokedAt": iso(record.revoked_at),
    }


@key_app.command("create")
def key_create(
    server_id: ServerArg,
    name: Annotated[str, typer.Option(help="What the key is for.")] = "",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Create a key; it is printed once and only its hash is kept."""
    if len(name) > 200:
        fail("--name must be at most 200 characters")

    async def create(store: Store) -> dict[str, Any]:
        record, key = await store.mcp_keys.create(server_id, name)
        return {**_key_out(record), "key": key}

    created = run_async(_keys(server_id, create))
    if as_json:
        print_json(created)
        return
    console.print(f"MCP key {created['id']} for {server_id} (shown only once):")
    console.print(created["key"], soft_wrap=True)


@key_app.command("list")
def key_list(
    server_id: ServerArg,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The server's keys (their first characters, never the keys) and whether it demands one."""

    async def listing(store: Store) -> dict[str, Any]:
        keys = [_key_out(k) for k in await store.mcp_keys.list(server_id)]
        return {
            "serverId": server_id,
            "requireKey": await store.mcp_keys.required(server_id),
            "keys": keys,
        }

    found = run_async(_keys(server_id, listing))
    if as_json:
        print_json(found)
        return
    demanded = "demands a key" if found["requireKey"] else "open (no key demanded)"
    console.print(f"{server_id}: {demanded}")
    for k in found["keys"]:
        state = "revoked" if k["revokedAt"] else "active"
        console.print(f"  {k['id']}  {k['prefix']}…  {k['name'] or '-'}  {state}", soft_wrap=True)


@key_app.command("revoke")
def key_revoke(
    server_id: ServerArg,
    key_id: Annotated[str, typer.Argument(help="The key's id (mk_...).")],
) -> None:
    """Revoke a key: every MCP endpoint of the server refuses it from the next request on."""

    async def revoke(store: Store) -> Any:
        return await store.mcp_keys.revoke(server_id, key_id)

    record = run_async(_keys(server_id, revoke))
    console.print(f"revoked {record.id}")


@key_app.command("require")
def key_require(
    server_id: ServerArg,
    off: Annotated[bool, typer.Option("--off", help="Stop demanding a key.")] = False,
) -> None:
    """Make the server's MCP endpoints refuse calls without one of its keys (or, --off, not)."""

    async def require(store: Store) -> bool:
        return await store.mcp_keys.set_required(server_id, not off)

    required = run_async(_keys(server_id, require))
    console.print(f"{server_id}: {'demands a key' if required else 'no key demanded'}")

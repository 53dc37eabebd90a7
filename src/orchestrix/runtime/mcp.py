"""Every workflow is an MCP server: one tool, served by the official ``mcp`` SDK.

:func:`build_server` turns a workflow into a low-level SDK ``Server`` with one tool (name from
:func:`tool_name`, the spec's description, ``inputSchema`` = the workflow's ``inputSchema``).
A call answers the body as structured content plus its JSON text; a status of 400 or more is
an MCP tool error (``isError: true``) carrying the same ``{error, details}`` body as REST.

:class:`McpMount` serves many such servers inside one ASGI app over stateless streamable HTTP:
no session is pinned to a process, so any worker can answer any request, and keys can be
added, replaced or removed while the app runs. Protocol work (JSON-RPC, SSE, versions) is the
SDK's; this module only routes, authorizes and maps results.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any

import anyio
import mcp_types as types
from anyio.abc import TaskGroup, TaskStatus
from mcp.server import Server, ServerRequestContext
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from mcp.shared.exceptions import MCPError
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import Receive, Scope, Send

from orchestrix import __version__
from orchestrix.errors import OrchestrixError
from orchestrix.runtime.executor import ExecutionResult, Executor
from orchestrix.spec.models import Workflow
from orchestrix.tools import get_tool
from orchestrix.tools.base import Services

log = logging.getLogger("orchestrix.mcp")

RunFn = Callable[[dict[str, Any], dict[str, str]], Awaitable[ExecutionResult]]
"""Runs the workflow for one tool call: ``(arguments, headers) -> result``."""

#: ``_meta`` keys of a tool result: the REST status and response headers of the run.
STATUS_META_KEY = "dev.orchestrix/status"
HEADERS_META_KEY = "dev.orchestrix/headers"

#: Tool types that may delete or overwrite data (MCP ``destructiveHint``), and those that reach
#: systems outside Orchestrix (``openWorldHint``). A tool class may override either with a
#: ``destructive`` / ``open_world`` class variable.
DESTRUCTIVE_TYPES = frozenset({"dbDelete", "dbUpdate"})
OPEN_WORLD_TYPES = frozenset({"httpRequest", "sendEmail"})

_MAX_TOOL_NAME = 64  # the spec allows 128; several clients cut at 64


def tool_name(workflow: Workflow) -> str:
    """The tool's name: the workflow name in snake_case (``Signup API`` -> ``signup_api``)."""
    return workflow.slug[:_MAX_TOOL_NAME].rstrip("_") or "workflow"


def tool_annotations(workflow: Workflow) -> types.ToolAnnotations:
    """Hints for clients: read-only when every tool of the graph is, destructive when a tool
    may delete or overwrite data, open-world when a tool reaches the outside world."""
    read_only = True
    destructive = False
    open_world = False
    for spec in workflow.ordered_tools():
        cls = get_tool(spec.type)
        read_only = read_only and bool(cls is not None and cls.read_only)
        destructive = destructive or bool(
            getattr(cls, "destructive", spec.type in DESTRUCTIVE_TYPES)
        )
        open_world = open_world or bool(getattr(cls, "open_world", spec.type in OPEN_WORLD_TYPES))
    if read_only:
        return types.ToolAnnotations(
            title=workflow.name, read_only_hint=True, open_world_hint=open_world
        )
    return types.ToolAnnotations(
        title=workflow.name,
        read_only_hint=False,
        destructive_hint=destructive,
        idempotent_hint=False,
        open_world_hint=open_world,
    )


def describe_tool(workflow: Workflow) -> types.Tool:
    """The one tool a workflow's MCP server lists."""
    schema = dict(workflow.input_schema)
    schema.setdefault("type", "object")
    return types.Tool(
        name=tool_name(workflow),
        title=workflow.name,
        description=workflow.description or workflow.name,
        input_schema=schema,
        annotations=tool_annotations(workflow),
    )


def call_result(
    status: int, body: Any, headers: Mapping[str, str] | None = None
) -> types.CallToolResult:
    """A run's answer as a tool result: the body as structured content and as JSON text;
    ``isError`` when the status is 400 or more (the body is then REST's ``{error, details}``)."""
    meta: dict[str, Any] = {STATUS_META_KEY: status}
    if headers:
        meta[HEADERS_META_KEY] = dict(headers)
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=_to_json(body))],
        structured_content=body if isinstance(body, dict) else {"result": body},
        is_error=status >= 400,
        meta=meta,
    )


def _to_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _request_headers(ctx: ServerRequestContext[Any, Any]) -> dict[str, str]:
    """The HTTP request's headers (streamable HTTP); none on stdio."""
    request = ctx.request
    if isinstance(request, Request):
        return dict(request.headers.items())
    return {}


def build_server(workflow: Workflow, run: RunFn) -> Server[Any]:
    """A low-level SDK server with one tool that runs ``workflow`` through ``run``."""
    tool = describe_tool(workflow)
    name = tool.name

    async def list_tools(
        _ctx: ServerRequestContext[Any, Any], _params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        return types.ListToolsResult(tools=[tool])

    async def call_tool(
        ctx: ServerRequestContext[Any, Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        if params.name != name:
            raise MCPError(types.INVALID_PARAMS, f"Unknown tool: {params.name}", {"tools": [name]})
        try:
            result = await run(dict(params.arguments or {}), _request_headers(ctx))
        except OrchestrixError as e:
            return call_result(e.status, e.to_body())
        except Exception as e:  # a bug must not leak a traceback to the client
            log.exception("MCP tool %s failed", name)
            return call_result(
                500,
                {"error": "The tool failed unexpectedly", "details": {"type": type(e).__name__}},
            )
        return call_result(result.status, result.body, result.headers)

    def input_schema(requested: str) -> Mapping[str, Any] | None:
        return tool.input_schema if requested == name else None

    return Server(
        name,
        version=__version__,
        title=workflow.name,
        description=workflow.description or None,
        instructions=workflow.description or None,
        get_tool_input_schema=input_schema,
        on_list_tools=list_tools,
        on_call_tool=call_tool,
    )


def run_with_services(
    executor: Executor, services: Services, *, namespace: str, timeout: float | None = None
) -> RunFn:
    """The usual :data:`RunFn`: a compiled workflow run against the process's services."""

    async def run(arguments: dict[str, Any], headers: dict[str, str]) -> ExecutionResult:
        return await executor.run(
            arguments, services, namespace=namespace, headers=headers, timeout=timeout
        )

    return run


# --- many servers in one ASGI app ----------------------------------------------------------


@dataclass(eq=False)
class _Endpoint:
    """One mounted workflow: its SDK server, the SDK's HTTP manager and its lifecycle."""

    key: str
    workflow: Workflow
    manager: StreamableHTTPSessionManager
    api_keys: tuple[bytes, ...] | None
    inflight: int = 0
    retired: bool = False
    ready: anyio.Event | None = None  # created when the manager starts; set once it runs
    retire: anyio.Event | None = None  # set when replaced or removed
    idle: anyio.Event | None = None  # set when retired and the last call is done


def _problem(status: int, message: str, details: Any = None) -> JSONResponse:
    return JSONResponse({"error": message, "details": details}, status_code=status)


class McpMount:
    """Many workflows' MCP endpoints in one process, each under a key (a server or agent id).

    Stateless streamable HTTP: every request stands alone, so several workers over one
    database can answer any request of any client. :meth:`put` and :meth:`remove` take effect
    for the next request; calls already running on a replaced version finish on it, then its
    SDK manager is shut down. Enter :meth:`running` once, in the ASGI app's lifespan.
    """

    def __init__(
        self,
        *,
        json_response: bool = True,
        security: TransportSecuritySettings | None = None,
        drain_timeout: float = 60.0,
    ) -> None:
        self._endpoints: dict[str, _Endpoint] = {}
        self._json_response = json_response
        self._security = security
        self._drain_timeout = drain_timeout
        self._tg: TaskGroup | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None

    # -- the registry -------------------------------------------------------------------------

    def put(
        self,
        key: str,
        workflow: Workflow,
        run: RunFn,
        *,
        api_keys: Collection[str] | None = None,
    ) -> None:
        """Serve ``workflow`` at ``key`` (replacing what was there). With ``api_keys``, every
        request must carry ``Authorization: Bearer <one of them>`` (an empty collection
        refuses every request: no key, no access)."""
        manager = StreamableHTTPSessionManager(
            app=build_server(workflow, run),
            json_response=self._json_response,
            stateless=True,
            security_settings=self._security,
        )
        keys = None if api_keys is None else tuple(k.encode() for k in api_keys)
        old = self._endpoints.get(key)
        self._endpoints[key] = _Endpoint(key, workflow, manager, keys)
        if old is not None:
            self._retire(old)

    def remove(self, key: str) -> None:
        """Stop serving ``key``; its next request answers 404. Unknown keys are ignored."""
        old = self._endpoints.pop(key, None)
        if old is not None:
            self._retire(old)

    def __contains__(self, key: object) -> bool:
        return key in self._endpoints

    def __len__(self) -> int:
        return len(self._endpoints)

    def keys(self) -> list[str]:
        return list(self._endpoints)

    def workflow(self, key: str) -> Workflow | None:
        endpoint = self._endpoints.get(key)
        return endpoint.workflow if endpoint is not None else None

    # -- the lifecycle ------------------------------------------------------------------------

    def running(self) -> AbstractAsyncContextManager[None]:
        """The mount's lifetime: SDK managers start on a key's first request and stop here."""
        return self._running()

    @contextlib.asynccontextmanager
    async def _running(self) -> AsyncIterator[None]:
        if self._tg is not None:
            raise RuntimeError("McpMount.running() is already entered")
        async with anyio.create_task_group() as tg:
            self._tg = tg
            self._loop = asyncio.get_running_loop()
            self._loop_thread = threading.get_ident()
            try:
                yield
            finally:
                self._tg = None
                self._loop = None
                tg.cancel_scope.cancel()
        for endpoint in self._endpoints.values():  # a mount can be run again
            if endpoint.ready is not None:
                endpoint.manager = _fresh_manager(endpoint.manager)
                endpoint.ready = endpoint.retire = endpoint.idle = None

    async def _serve(self, endpoint: _Endpoint, *, task_status: TaskStatus[None]) -> None:
        """Run the endpoint's SDK manager until it is retired and its last call is done."""
        assert endpoint.retire is not None and endpoint.idle is not None
        async with endpoint.manager.run():
            task_status.started()
            await endpoint.retire.wait()
            if endpoint.inflight:
                # The last call to finish sets ``idle``; a call that hangs is cut off here.
                with anyio.move_on_after(self._drain_timeout):
                    await endpoint.idle.wait()

    async def _start(self, endpoint: _Endpoint) -> None:
        """Start the endpoint's SDK manager (once), in the mount's task group."""
        if endpoint.ready is not None:
            await endpoint.ready.wait()
            return
        if self._tg is None:
            raise RuntimeError("McpMount.handle() needs McpMount.running() to be entered")
        endpoint.ready = anyio.Event()
        endpoint.retire = anyio.Event()
        endpoint.idle = anyio.Event()
        await self._tg.start(self._serve, endpoint)
        endpoint.ready.set()
        if endpoint.retired:  # replaced while it started: serve this call, then stop
            endpoint.retire.set()

    def _retire(self, endpoint: _Endpoint) -> None:
        """Stop an endpoint once the calls running on it are done (from any thread)."""
        endpoint.retired = True
        retire, loop = endpoint.retire, self._loop
        if retire is None or loop is None:
            return  # never started: nothing runs
        if threading.get_ident() == self._loop_thread:
            retire.set()
        else:  # put() or remove() called from a worker thread
            loop.call_soon_threadsafe(retire.set)

    # -- requests -----------------------------------------------------------------------------

    async def handle(self, key: str, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer one streamable HTTP request for ``key`` (an ASGI call)."""
        endpoint = self._endpoints.get(key)
        if endpoint is None:
            await _problem(404, "No MCP server is mounted here", {"key": key})(scope, receive, send)
            return
        if endpoint.api_keys is not None:
            denied = _authorize(scope, endpoint.api_keys)
            if denied is not None:
                await denied(scope, receive, send)
                return
            scope = _without_authorization(scope)
        if scope.get("method") != "POST":
            # Stateless: no session to resume or delete and no stream for server messages.
            await JSONResponse(
                {"error": "Method not allowed: send MCP messages with POST", "details": None},
                status_code=405,
                headers={"Allow": "POST"},
            )(scope, receive, send)
            return
        endpoint.inflight += 1
        try:
            await self._start(endpoint)
            await endpoint.manager.handle_request(scope, receive, send)
        finally:
            endpoint.inflight -= 1
            if endpoint.retired and endpoint.inflight == 0 and endpoint.idle is not None:
                endpoint.idle.set()


def _fresh_manager(old: StreamableHTTPSessionManager) -> StreamableHTTPSessionManager:
    """An SDK manager runs once; a mount that is run again gets new ones."""
    return StreamableHTTPSessionManager(
        app=old.app,
        json_response=old.json_response,
        stateless=True,
        security_settings=old.security_settings,
    )


def _bearer(scope: Scope) -> bytes | None:
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            scheme, _, token = value.partition(b" ")
            if scheme.lower() == b"bearer" and token.strip():
                return bytes(token.strip())
            return None
    return None


def _authorize(scope: Scope, api_keys: tuple[bytes, ...]) -> JSONResponse | None:
    """None when the request carries one of the keys; else the 401 the MCP authorization
    rules ask for (RFC 6750 ``WWW-Authenticate: Bearer``)."""
    token = _bearer(scope)
    if token is not None:
        # Compare with every key, in constant time, so timing tells nothing about which.
        matches = [hmac.compare_digest(token, key) for key in api_keys]
        if any(matches):
            return None
        challenge = (
            'Bearer realm="orchestrix", error="invalid_token", '
            'error_description="The API key is not valid"'
        )
        message = "The API key is not valid"
    else:
        challenge = 'Bearer realm="orchestrix"'
        message = "This MCP server needs an API key: send Authorization: Bearer <key>"
    response = _problem(401, message, {"scheme": "Bearer"})
    response.headers["WWW-Authenticate"] = challenge
    return response


def _without_authorization(scope: Scope) -> Scope:
    """The API key authorizes the MCP request; it is not the workflow's to see."""
    headers = [(k, v) for k, v in scope.get("headers", ()) if k != b"authorization"]
    return {**scope, "headers": headers}

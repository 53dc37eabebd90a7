"""A workflow as a low-level SDK ``Server`` with one tool, and what a call answers.

:func:`build_server` serves a workflow, or a :class:`LiveTool` whose workflow may change while
clients are connected (announced with ``notifications/tools/list_changed`` and on
``subscriptions/listen`` streams). A call checks its arguments against ``inputSchema``, runs
the graph (cancelled when its HTTP client goes away) and answers the body as structured
content plus its JSON text; a status of 400 or more is a tool error carrying REST's
``{error, details}`` body.
"""

from __future__ import annotations

import json
import logging
import weakref
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import anyio
import mcp_types as types
from mcp.server import Server, ServerRequestContext
from mcp.server.lowlevel import NotificationOptions
from mcp.server.subscriptions import InMemorySubscriptionBus, ListenHandler, ToolsListChanged
from mcp.shared.exceptions import MCPError
from mcp_types.version import MODERN_PROTOCOL_VERSIONS
from starlette.requests import Request

from orchestrix.errors import OrchestrixError
from orchestrix.runtime.executor import ExecutionResult, Executor
from orchestrix.runtime.mcp_tools import argument_violations, describe_tool, structured
from orchestrix.spec.models import Workflow
from orchestrix.tools.base import Services

log = logging.getLogger("orchestrix.mcp")

RunFn = Callable[[dict[str, Any], dict[str, str]], Awaitable[ExecutionResult]]
"""Runs the workflow for one tool call: ``(arguments, headers) -> result``."""

Refresh = Callable[[], Awaitable[None]]
"""Brings a :class:`LiveTool` up to the served version (called before each list and call)."""

#: ``_meta`` keys of a tool result: the REST status and response headers of the run.
STATUS_META_KEY = "dev.orchestrix/status"
HEADERS_META_KEY = "dev.orchestrix/headers"

#: Scope key of the event set when the HTTP client of a request goes away (see McpMount).
DISCONNECTED_KEY = "orchestrix.mcp.disconnected"


def workflow_version(workflow: Workflow) -> str:
    """What ``serverInfo.version`` says without a stored version: ``metadata.version``, else 1."""
    value = workflow.metadata.get("version")
    return str(value) if isinstance(value, str | int) and str(value) else "1"


def call_result(
    status: int, body: Any, headers: Mapping[str, str] | None = None
) -> types.CallToolResult:
    """A run's answer as a tool result: the body as structured content and as JSON text (no
    text for an answer without a body, a 204); ``isError`` when the status is 400 or more
    (the body is then REST's ``{error, details}``)."""
    meta: dict[str, Any] = {STATUS_META_KEY: status}
    if headers:
        meta[HEADERS_META_KEY] = dict(headers)
    empty = body is None or status == 204
    content: list[types.ContentBlock] = (
        [] if empty else [types.TextContent(type="text", text=_to_json(body))]
    )
    return types.CallToolResult(
        content=content,
        structured_content={} if empty else structured(body),
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


def _disconnected(ctx: ServerRequestContext[Any, Any]) -> anyio.Event | None:
    request = ctx.request
    if isinstance(request, Request):
        event = request.scope.get(DISCONNECTED_KEY)
        if isinstance(event, anyio.Event):
            return event
    return None


async def _run_call(
    ctx: ServerRequestContext[Any, Any], run: RunFn, arguments: dict[str, Any]
) -> ExecutionResult | None:
    """Run one call; over HTTP, cancel it when its client disconnects (None then). Over
    stdio the SDK cancels on ``notifications/cancelled``."""
    headers = _request_headers(ctx)
    gone = _disconnected(ctx)
    if gone is None:
        return await run(arguments, headers)
    result: ExecutionResult | None = None
    async with anyio.create_task_group() as tg:

        async def stop_when_gone() -> None:
            await gone.wait()
            log.info("MCP client disconnected: the call is cancelled")
            tg.cancel_scope.cancel()

        tg.start_soon(stop_when_gone)
        result = await run(arguments, headers)
        tg.cancel_scope.cancel()
    return result


class LiveTool:
    """The workflow a server serves right now, which may change while clients are connected.

    :meth:`replace` swaps the workflow for the next list or call and announces the change:
    ``notifications/tools/list_changed`` to every client of the initialize handshake seen so
    far, and a ``ToolsListChanged`` event to the ``subscriptions/listen`` streams of
    2026-07-28 clients. ``refresh`` (when given) runs before each list and call, so a call
    made right after an edit runs the edited graph even before any poll noticed it.
    """

    def __init__(
        self,
        workflow: Workflow,
        run: RunFn,
        *,
        version: str | None = None,
        refresh: Refresh | None = None,
        announce: bool = False,
    ) -> None:
        self.refresh = refresh
        self.announce = announce
        self.bus = InMemorySubscriptionBus()
        self.listen = ListenHandler(self.bus) if announce else None
        self._sessions: weakref.WeakSet[Any] = weakref.WeakSet()
        self._set(workflow, run, version)

    def _set(self, workflow: Workflow, run: RunFn, version: str | None) -> None:
        self.workflow = workflow
        self.run = run
        self.version = version or workflow_version(workflow)
        self.tool = describe_tool(workflow)

    async def replace(self, workflow: Workflow, run: RunFn, *, version: str | None = None) -> None:
        before = self.tool
        self._set(workflow, run, version)
        if self.tool != before:
            await self._announce()

    def seen(self, ctx: ServerRequestContext[Any, Any]) -> None:
        """Remember a handshake client's session, to announce changes to it."""
        if self.announce and ctx.protocol_version not in MODERN_PROTOCOL_VERSIONS:
            self._sessions.add(ctx.session)

    async def _announce(self) -> None:
        if not self.announce:
            return
        await self.bus.publish(ToolsListChanged())
        for session in list(self._sessions):
            try:
                await session.send_tool_list_changed()
            except Exception as e:  # a client that left: nothing to tell it
                log.debug("cannot announce a tool change: %s", e)
                self._sessions.discard(session)

    def close(self) -> None:
        """End every listen stream (at shutdown: an open stream must not hold the exit)."""
        if self.listen is not None:
            self.listen.close()


def build_server(
    workflow: Workflow | LiveTool, run: RunFn | None = None, *, version: str | None = None
) -> Server[Any]:
    """A low-level SDK server with one tool that runs the workflow through ``run``; give a
    :class:`LiveTool` instead for a tool that may change while the server runs."""
    if isinstance(workflow, LiveTool):
        live = workflow
    else:
        assert run is not None, "build_server(workflow, run) needs the run function"
        live = LiveTool(workflow, run, version=version)

    async def list_tools(
        ctx: ServerRequestContext[Any, Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        if params is not None and params.cursor is not None:
            # One page only: a cursor can only be one the server never gave out.
            raise MCPError(
                types.INVALID_PARAMS, "Invalid cursor: this server has one page of tools", None
            )
        live.seen(ctx)
        if live.refresh is not None:
            await live.refresh()
        return types.ListToolsResult(tools=[live.tool])

    async def call_tool(
        ctx: ServerRequestContext[Any, Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        live.seen(ctx)
        if live.refresh is not None:
            await live.refresh()
        name, current, run_now = live.tool.name, live.workflow, live.run
        if params.name != name:
            raise MCPError(types.INVALID_PARAMS, f"Unknown tool: {params.name}", {"tools": [name]})
        arguments = dict(params.arguments or {})
        violations = argument_violations(current, arguments)
        if violations:
            return call_result(400, {"error": "Validation failed", "details": violations})
        try:
            result = await _run_call(ctx, run_now, arguments)
        except OrchestrixError as e:
            return call_result(e.status, e.to_body())
        except Exception as e:  # a bug must not leak a traceback to the client
            log.exception("MCP tool %s failed", name)
            return call_result(
                500,
                {"error": "The tool failed unexpectedly", "details": {"type": type(e).__name__}},
            )
        if result is None:  # nobody is left to read the answer
            return call_result(499, {"error": "The client went away", "details": None})
        return call_result(result.status, result.body, result.headers)

    def tool_input_schema(requested: str) -> Mapping[str, Any] | None:
        return live.tool.input_schema if requested == live.tool.name else None

    return Server(
        live.tool.name,
        version=live.version,
        title=live.workflow.name,
        description=live.workflow.description or None,
        instructions=live.workflow.description or None,
        get_tool_input_schema=tool_input_schema,
        on_list_tools=list_tools,
        on_call_tool=call_tool,
        on_subscriptions_listen=live.listen,
    )


def initialization_options(server: Server[Any], live: LiveTool) -> Any:
    """The handshake options: ``listChanged`` when the tool's changes are announced."""
    return server.create_initialization_options(NotificationOptions(tools_changed=live.announce))


def run_with_services(
    executor: Executor, services: Services, *, namespace: str, timeout: float | None = None
) -> RunFn:
    """The usual :data:`RunFn`: a compiled workflow run against the process's services."""

    async def run(arguments: dict[str, Any], headers: dict[str, str]) -> ExecutionResult:
        return await executor.run(
            arguments, services, namespace=namespace, headers=headers, timeout=timeout
        )

    return run

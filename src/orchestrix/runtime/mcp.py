"""Every workflow is an MCP server: one tool, served by the official ``mcp`` SDK.

This module is the MCP adapter's front: :func:`build_server` and :class:`LiveTool`
(:mod:`.mcp_server`), what the tool says about itself (:mod:`.mcp_tools`), who may call it
(:mod:`.mcp_auth`), and, here, :class:`McpMount`.

:class:`McpMount` serves many such servers inside one ASGI app over stateless streamable HTTP:
no session is pinned to a process, so any worker can answer any request, and keys can be
added, replaced or removed while the app runs. Protocol work (JSON-RPC, SSE, versions) is the
SDK's; this module only routes, authorizes and maps results.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import threading
from collections.abc import AsyncIterator, Collection
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any

import anyio
from anyio.abc import TaskGroup, TaskStatus
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecurityMiddleware, TransportSecuritySettings
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Message, Receive, Scope, Send

from orchestrix.runtime.mcp_auth import McpAccess, bearer, challenge, transport_security
from orchestrix.runtime.mcp_server import (
    DISCONNECTED_KEY,
    HEADERS_META_KEY,
    STATUS_META_KEY,
    LiveTool,
    RunFn,
    build_server,
    call_result,
    initialization_options,
    run_with_services,
    workflow_version,
)
from orchestrix.runtime.mcp_tools import describe_tool, tool_annotations, tool_name
from orchestrix.spec.models import Workflow

__all__ = [
    "DISCONNECTED_KEY",
    "HEADERS_META_KEY",
    "STATUS_META_KEY",
    "LiveTool",
    "McpAccess",
    "McpMount",
    "RunFn",
    "build_server",
    "call_result",
    "describe_tool",
    "initialization_options",
    "run_with_services",
    "tool_annotations",
    "tool_name",
    "transport_security",
    "workflow_version",
]


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

    ``security`` is the SDK's DNS-rebinding protection (see :func:`transport_security`);
    ``access`` decides which requests need a credential and checks it (:class:`McpAccess`).
    A call whose HTTP client disconnects is cancelled where it is: its next step never runs.
    """

    def __init__(
        self,
        *,
        json_response: bool = True,
        security: TransportSecuritySettings | None = None,
        access: McpAccess | None = None,
        drain_timeout: float = 60.0,
    ) -> None:
        self._endpoints: dict[str, _Endpoint] = {}
        self._json_response = json_response
        self._security = security
        self._guard = TransportSecurityMiddleware(security) if security is not None else None
        self.access = access
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
        version: str | None = None,
        api_keys: Collection[str] | None = None,
    ) -> None:
        """Serve ``workflow`` at ``key`` (replacing what was there); ``version`` is what
        ``serverInfo.version`` says. With ``api_keys``, every request must carry
        ``Authorization: Bearer <one of them>`` (an empty collection refuses every request:
        no key, no access); without, the mount's ``access`` decides."""
        manager = StreamableHTTPSessionManager(
            app=build_server(workflow, run, version=version),
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

    async def _refused(self, endpoint: _Endpoint, scope: Scope) -> Response | bool:
        """Why the request may not reach the endpoint (rebinding, no credential): the answer
        to send; else whether it carried a credential that was checked (and so consumed)."""
        if self._guard is not None:
            # The SDK checks again; checking first keeps a 401 from echoing a forged Host.
            denied = await self._guard.validate_request(Request(scope), is_post=False)
            if denied is not None:
                return denied
        if endpoint.api_keys is not None:
            refused = _authorize(scope, endpoint.api_keys, self.access)
            return refused if refused is not None else True
        if self.access is not None:
            return await self.access.check(endpoint.key, scope)
        return False

    async def handle(self, key: str, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer one streamable HTTP request for ``key`` (an ASGI call)."""
        endpoint = self._endpoints.get(key)
        if endpoint is None:
            await _problem(404, "No MCP server is mounted here", {"key": key})(scope, receive, send)
            return
        decision = await self._refused(endpoint, scope)
        if isinstance(decision, Response):
            await decision(scope, receive, send)
            return
        if decision:
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
            await _watching_disconnect(endpoint.manager, scope, receive, send)
        finally:
            endpoint.inflight -= 1
            if endpoint.retired and endpoint.inflight == 0 and endpoint.idle is not None:
                endpoint.idle.set()


async def _watching_disconnect(
    manager: StreamableHTTPSessionManager, scope: Scope, receive: Receive, send: Send
) -> None:
    """Hand the request to the SDK, and set the scope's :data:`DISCONNECTED_KEY` event when
    the client goes away: the tool call waiting on it is cancelled (see :func:`_run_call`)."""
    gone = anyio.Event()
    body_read = anyio.Event()

    async def relay() -> Message:
        if body_read.is_set():  # only the watcher reads from the client now
            await gone.wait()
            return {"type": "http.disconnect"}
        message = await receive()
        if message["type"] == "http.disconnect":
            gone.set()
            body_read.set()
        elif not message.get("more_body", False):
            body_read.set()
        return message

    async def watch() -> None:
        await body_read.wait()
        while not gone.is_set():
            if (await receive())["type"] == "http.disconnect":
                gone.set()

    async with anyio.create_task_group() as tg:
        tg.start_soon(watch)
        try:
            await manager.handle_request({**scope, DISCONNECTED_KEY: gone}, relay, send)
        finally:
            tg.cancel_scope.cancel()


def _fresh_manager(old: StreamableHTTPSessionManager) -> StreamableHTTPSessionManager:
    """An SDK manager runs once; a mount that is run again gets new ones."""
    return StreamableHTTPSessionManager(
        app=old.app,
        json_response=old.json_response,
        stateless=True,
        security_settings=old.security_settings,
    )


def _authorize(
    scope: Scope, api_keys: tuple[bytes, ...], access: McpAccess | None
) -> Response | None:
    """None when the request carries one of the fixed keys; else the 401 with its
    ``resource_metadata`` pointer."""
    token = bearer(scope)
    if token is not None:
        # Compare with every key, in constant time, so timing tells nothing about which.
        matches = [hmac.compare_digest(token.encode(), key) for key in api_keys]
        if any(matches):
            return None
    public_url = access.public_url if access is not None else None
    return challenge(scope, public_url, given=token is not None)


def _without_authorization(scope: Scope) -> Scope:
    """The credential authorizes the MCP request; it is not the workflow's to see."""
    headers = [(k, v) for k, v in scope.get("headers", ()) if k != b"authorization"]
    return {**scope, "headers": headers}

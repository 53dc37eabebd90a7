"""The MCP side of the local runtime: ``/runtime/{serverId}/mcp`` (streamable HTTP).

:func:`mount_mcp` is the one place that wires :class:`orchestrix.runtime.mcp.McpMount` into the
app. The bridge reads the runtime state from the store on each request, so a runtime started
or stopped by any app process (or before a restart) is served, or refused, here too: a running
server is put into the mount at its current version, a stopped one is removed (404).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager
from typing import Any

from fastapi import FastAPI
from starlette.types import Receive, Scope, Send

from orchestrix.api.errors import error_response
from orchestrix.api.runner import Runner, workflow_of
from orchestrix.runtime.executor import ExecutionResult
from orchestrix.store import ServerRecord, Store

_MCP_PATH = re.compile(r"^/([^/]+)/mcp/?$")


class McpBridge:
    """An ASGI app mounted at ``/runtime``: serves ``/{serverId}/mcp`` through the mount."""

    def __init__(self, mount: Any, store: Store, runner: Runner) -> None:
        self.mount = mount
        self.store = store
        self.runner = runner
        self._versions: dict[str, int] = {}

    def running(self) -> AbstractAsyncContextManager[None]:
        lifetime: AbstractAsyncContextManager[None] = self.mount.running()
        return lifetime

    def forget(self, server_id: str) -> None:
        """Stop serving ``server_id`` in this process (its runtime was stopped or deleted)."""
        self._versions.pop(server_id, None)
        self.mount.remove(server_id)

    def _sync(self, server: ServerRecord) -> None:
        if self._versions.get(server.id) == server.version and server.id in self.mount:
            return
        self.mount.put(server.id, workflow_of(server), self._run_fn(server))
        self._versions[server.id] = server.version

    def _run_fn(self, server: ServerRecord) -> Any:
        async def run(arguments: dict[str, Any], headers: Mapping[str, str]) -> ExecutionResult:
            result, _ = await self.runner.run(
                server, arguments, headers=dict(headers), source="mcp"
            )
            return result

        return run

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        path = scope["path"]
        root = scope.get("root_path", "")
        if root and path.startswith(root):
            path = path[len(root) :]
        match = _MCP_PATH.match(path)
        if match is None:
            await error_response(404, "Not found", {"path": scope["path"]})(scope, receive, send)
            return
        server_id = match.group(1)
        server = await self.store.servers.find(server_id)
        if server is None or server.runtime_status != "running":
            if server_id in self.mount:
                self.forget(server_id)
            await error_response(
                404, "No runtime is running for this server", {"serverId": server_id}
            )(scope, receive, send)
            return
        self._sync(server)
        await self.mount.handle(server_id, scope, receive, send)


def mount_mcp(app: FastAPI, store: Store, runner: Runner) -> McpBridge | None:
    """Mount the MCP adapter at ``/runtime`` when :mod:`orchestrix.runtime.mcp` is there.

    Call it after the REST routes: ``POST /runtime/{serverId}`` is matched first, everything
    else under ``/runtime`` comes here.
    """
    try:
        module = importlib.import_module("orchestrix.runtime.mcp")
    except ModuleNotFoundError as e:
        if e.name == "orchestrix.runtime.mcp":
            return None
        raise
    bridge = McpBridge(module.McpMount(), store, runner)
    app.mount("/runtime", bridge)
    return bridge

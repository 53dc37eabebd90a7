"""The MCP side of the local runtime: ``/runtime/{serverId}/mcp`` (streamable HTTP).

:func:`mount_mcp` is the one place that wires :class:`orchestrix.runtime.mcp.McpMount` into the
app. The bridge reads the runtime state from the store on each request, so a runtime started
or stopped by any app process (or before a restart) is served, or refused, here too: a running
server is put into the mount at its current version, a stopped one is removed (404).

Every request passes the SDK's DNS-rebinding check (allowed hosts and origins from the
settings). With ``ORCHESTRIX_AUTH=tokens`` (or an OAuth issuer configured), and for a server
that demands a key, a request needs ``Authorization: Bearer`` with one of the server's MCP keys,
an API token of the server's owner, or an access token of the issuer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager
from typing import Any

from fastapi import FastAPI
from starlette.types import Receive, Scope, Send

from orchestrix.api.errors import error_response
from orchestrix.api.runner import Runner, workflow_of
from orchestrix.runtime.executor import ExecutionResult
from orchestrix.runtime.mcp import McpAccess, McpMount, RunFn, transport_security
from orchestrix.settings import Settings
from orchestrix.store import ServerRecord, Store
from orchestrix.store.tokens import TOKEN_PREFIX

_MCP_PATH = re.compile(r"^/([^/]+)/mcp/?$")


class ServerKeys:
    """The credentials of ``/runtime/{serverId}/mcp``: the server's MCP keys, or an API token
    of its owner (the identity of ``ORCHESTRIX_AUTH=tokens``)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def required(self, endpoint: str) -> bool:
        return await self.store.mcp_keys.required(endpoint)

    async def authenticate(self, endpoint: str, key: str) -> bool:
        if await self.store.mcp_keys.authenticate(endpoint, key):
            return True
        if not key.startswith(TOKEN_PREFIX):
            return False
        owner = await self.store.tokens.authenticate(key)
        if owner is None:
            return False
        server = await self.store.servers.find(endpoint)
        return server is not None and server.owner_id == owner


class McpBridge:
    """An ASGI app mounted at ``/runtime``: serves ``/{serverId}/mcp`` through the mount."""

    def __init__(self, mount: McpMount, store: Store, runner: Runner) -> None:
        self.mount = mount
        self.store = store
        self.runner = runner
        self._versions: dict[str, int] = {}

    def running(self) -> AbstractAsyncContextManager[None]:
        return self.mount.running()

    def forget(self, server_id: str) -> None:
        """Stop serving ``server_id`` in this process (its runtime was stopped or deleted)."""
        self._versions.pop(server_id, None)
        self.mount.remove(server_id)

    def _sync(self, server: ServerRecord) -> None:
        if self._versions.get(server.id) == server.version and server.id in self.mount:
            return
        self.mount.put(
            server.id, workflow_of(server), self._run_fn(server), version=str(server.version)
        )
        self._versions[server.id] = server.version

    def _run_fn(self, server: ServerRecord) -> RunFn:
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


def bridge_mount(settings: Settings, store: Store) -> McpMount:
    """The mount of ``orchestrix serve``: rebinding protection and its credentials."""
    access = McpAccess.from_settings(
        settings, ServerKeys(store), require_all=settings.auth == "tokens"
    )
    return McpMount(security=transport_security(settings), access=access)


def mount_mcp(app: FastAPI, store: Store, runner: Runner) -> McpBridge:
    """Mount the MCP adapter at ``/runtime`` (settings from ``app.state.settings``).

    Call it after the REST routes: ``POST /runtime/{serverId}`` is matched first, everything
    else under ``/runtime`` comes here.
    """
    settings: Settings = app.state.settings
    bridge = McpBridge(bridge_mount(settings, store), store, runner)
    app.mount("/runtime", bridge)
    return bridge

"""The local MCPRuntime: start, stop and status, and the REST side of a running server.

A runtime's state is a column of the server, so it survives a restart and every app process
over the database agrees on it. While running, ``POST /runtime/{serverId}`` runs the current
version with the JSON body as input and answers with the run's status, body and headers
(the body reader, the JSON guard and the answer are :mod:`orchestrix.runtime.rest`'s, shared
with the host);
``/runtime/{serverId}/mcp`` is the MCP side (:mod:`orchestrix.api.mcp`).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Request, Response

from orchestrix.api.deps import (
    IdentityDep,
    OwnerDep,
    OwnerQuery,
    RunnerDep,
    ServerId,
    StoreDep,
    forget_mcp,
    has_mcp,
)
from orchestrix.api.errors import ERROR_RESPONSES
from orchestrix.api.schemas import (
    OwnerBody,
    OwnerId,
    RuntimeOut,
    runtime_out,
)
from orchestrix.errors import NotFoundError
from orchestrix.runtime import rest
from orchestrix.store import ServerRecord, Store

router = APIRouter(prefix="/mcp/servers", tags=["runtime"], responses=ERROR_RESPONSES)
public = APIRouter(tags=["runtime"])


def _owner(who: Any, owner_id: OwnerId | None, body: OwnerBody | None) -> str:
    claimed = owner_id if owner_id is not None else (body.owner_id if body else None)
    owner: str = who.owner(claimed)
    return owner


@router.get("/{serverId}/runtime", response_model=RuntimeOut)
async def runtime_status(
    server_id: ServerId,
    request: Request,
    store: StoreDep,
    owner: OwnerDep,
) -> RuntimeOut:
    server = await store.servers.get(server_id, owner)
    return runtime_out(server, mcp=has_mcp(request))


@router.post("/{serverId}/runtime/start", response_model=RuntimeOut)
async def start_runtime(
    server_id: ServerId,
    request: Request,
    store: StoreDep,
    runner: RunnerDep,
    who: IdentityDep,
    owner_id: OwnerQuery = None,
    body: Annotated[OwnerBody | None, Body()] = None,
) -> RuntimeOut:
    """Serve the current version at ``/runtime/{serverId}`` (REST) and ``.../mcp`` (MCP)."""
    owner = _owner(who, owner_id, body)
    server = await store.servers.get(server_id, owner)
    runner.executor(server)  # a spec that does not compile is refused here, not per request
    server = await store.servers.set_runtime(server_id, owner, "running")
    return runtime_out(server, mcp=has_mcp(request))


@router.post("/{serverId}/runtime/stop", response_model=RuntimeOut)
async def stop_runtime(
    server_id: ServerId,
    request: Request,
    store: StoreDep,
    who: IdentityDep,
    owner_id: OwnerQuery = None,
    body: Annotated[OwnerBody | None, Body()] = None,
) -> RuntimeOut:
    """Stop serving: the runtime endpoints answer 404 until started again."""
    owner = _owner(who, owner_id, body)
    server = await store.servers.set_runtime(server_id, owner, "stopped")
    forget_mcp(request, server_id)
    return runtime_out(server, mcp=has_mcp(request))


async def running_server(store: Store, server_id: str) -> ServerRecord:
    """The server if its runtime is running; 404 otherwise (whoever asks)."""
    server = await store.servers.find(server_id)
    if server is None or server.runtime_status != "running":
        raise NotFoundError("No runtime is running for this server", {"serverId": server_id})
    return server


@public.post(
    "/runtime/{serverId}",
    responses={**ERROR_RESPONSES, 200: {"description": "The workflow's own answer"}},
    openapi_extra={
        "requestBody": {
            "required": False,
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    },
)
async def call_runtime(
    server_id: Annotated[str, Path(alias="serverId")],
    request: Request,
    store: StoreDep,
    runner: RunnerDep,
) -> Response:
    """Run a started server: the JSON body is the input; the answer is the workflow's."""
    server = await running_server(store, server_id)
    data = await rest.read_input(request, request.app.state.settings.max_body_bytes)
    proxies = rest.trusted_networks(request.app.state.settings.trusted_proxies)
    result, record = await runner.run(
        server,
        data,
        headers=dict(request.headers),
        source="runtime",
        client_ip=rest.request_client_ip(request, proxies),
    )
    return rest.graph_response(result, {"X-Orchestrix-Execution-Id": str(record.id)})

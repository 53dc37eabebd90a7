"""The local MCPRuntime: start, stop and status, and the REST side of a running server.

A runtime's state is a column of the server, so it survives a restart and every app process
over the database agrees on it. While running, ``POST /runtime/{serverId}`` runs the current
version with the JSON body as input and answers with the run's status, body and headers;
``/runtime/{serverId}/mcp`` is the MCP side (:mod:`orchestrix.api.mcp`).
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Request, Response
from fastapi.responses import JSONResponse

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
from orchestrix.api.errors import ERROR_RESPONSES, BadRequest
from orchestrix.api.schemas import (
    UNSTORABLE,
    OwnerBody,
    OwnerId,
    RuntimeOut,
    runtime_out,
    unstorable_path,
)
from orchestrix.errors import NotFoundError
from orchestrix.runtime.executor import ExecutionResult
from orchestrix.store import ExecutionRecord, ServerRecord, Store

router = APIRouter(prefix="/mcp/servers", tags=["runtime"], responses=ERROR_RESPONSES)
public = APIRouter(tags=["runtime"])

#: Headers a workflow may not set on the HTTP answer (the server owns them).
_RESERVED_HEADERS = frozenset({"content-length", "content-type", "transfer-encoding", "connection"})
_NO_BODY = frozenset({204, 304})


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
    data = await _json_object(request)
    result, record = await runner.run(server, data, headers=dict(request.headers), source="runtime")
    return workflow_response(result, record)


async def _json_object(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw, parse_constant=_refuse_constant)
    except (UnicodeDecodeError, ValueError) as e:
        raise BadRequest("The request body is not valid JSON", {"message": str(e)}) from e
    if not isinstance(data, dict):
        raise BadRequest("The request body must be a JSON object", None)
    found = unstorable_path(data)
    if found:
        raise BadRequest(f"The request body {UNSTORABLE}", {"field": found})
    return data


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def workflow_response(result: ExecutionResult, record: ExecutionRecord) -> Response:
    headers = {
        k: v
        for k, v in result.headers.items()
        if k.lower() not in _RESERVED_HEADERS and _header_safe(k) and _header_safe(v)
    }
    headers["X-Orchestrix-Execution-Id"] = str(record.id)
    if result.status in _NO_BODY:
        return Response(status_code=result.status, headers=headers)
    return JSONResponse(result.body, status_code=result.status, headers=headers)


def _header_safe(text: str) -> bool:
    if "\r" in text or "\n" in text:
        return False
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True

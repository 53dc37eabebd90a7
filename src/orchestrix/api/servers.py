"""Routes of /mcp/servers: create, list, get, save, delete, versions, executions, run, chat."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from orchestrix.api import service
from orchestrix.api.deploy import deploy_from_chat
from orchestrix.api.deps import (
    IdentityDep,
    OwnerDep,
    RunnerDep,
    ServerId,
    SettingsDep,
    StoreDep,
    forget_mcp,
    has_mcp,
)
from orchestrix.api.errors import ERROR_RESPONSES
from orchestrix.api.schemas import (
    MAX_INT32,
    ChatMessage,
    ChatOut,
    CreatedServerOut,
    CreateServer,
    ExecutionOut,
    ExecutionPage,
    RestoreVersion,
    RunOut,
    RunRequest,
    SaveServer,
    ServerOut,
    VersionOut,
    VersionSummary,
    execution_out,
    server_out,
    version_out,
    version_summary,
)
from orchestrix.errors import Conflict
from orchestrix.runtime.executor import ExecutionResult
from orchestrix.store import ExecutionRecord, ServerRecord
from orchestrix.telemetry import telemetry_of

router = APIRouter(prefix="/mcp/servers", tags=["servers"], responses=ERROR_RESPONSES)

VersionNumber = Annotated[int, Path(ge=1, le=MAX_INT32)]


def run_out(result: ExecutionResult, record: ExecutionRecord) -> RunOut:
    data = result.to_dict()
    return RunOut(
        status=result.status,
        body=result.body,
        headers=result.headers,
        logs=data["logs"],
        duration_ms=data["durationMs"],
        execution_id=record.id,
        version=record.version,
    )


def _saved(request: Request, server: ServerRecord) -> ServerOut:
    """A new version was saved by hand (an edit or a restore): note it, answer the server."""
    telemetry_of(request.app).emit("server_mutated", server_id=server.id, version=server.version)
    return server_out(server, mcp=has_mcp(request))


@router.post("", status_code=201, response_model=CreatedServerOut)
async def create_server(
    body: CreateServer,
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    who: IdentityDep,
) -> CreatedServerOut:
    """Create a server from a prompt (the builder writes the spec) or from a spec."""
    owner = who.owner(body.owner_id)
    build = None
    if body.prompt is not None:
        server, build = await service.create_from_prompt(store, settings, owner, body.prompt)
    else:
        assert body.spec is not None
        server = await service.create_from_spec(store, owner, body.spec)
    telemetry_of(request.app).emit("server_created", server_id=server.id, version=server.version)
    out = server_out(server, mcp=has_mcp(request))
    return CreatedServerOut(**out.model_dump(), build=build)


@router.get("", response_model=list[ServerOut])
async def list_servers(
    request: Request,
    store: StoreDep,
    owner: OwnerDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_INT32)] = 0,
) -> list[ServerOut]:
    """The owner's servers, newest first."""
    servers = await store.servers.owned_by(owner, limit=limit, offset=offset)
    return [server_out(s, mcp=has_mcp(request)) for s in servers]


@router.get("/{serverId}", response_model=ServerOut)
async def get_server(
    server_id: ServerId,
    request: Request,
    store: StoreDep,
    owner: OwnerDep,
) -> ServerOut:
    """The server with its current spec, runtime status and deployment (``archestra*``)."""
    server = await store.servers.get(server_id, owner)
    return server_out(server, mcp=has_mcp(request))


@router.put("/{serverId}", response_model=ServerOut)
async def save_server(
    server_id: ServerId,
    body: SaveServer,
    request: Request,
    store: StoreDep,
    who: IdentityDep,
) -> ServerOut:
    """Save the spec as a new version; a stale ``baseVersion`` answers 409."""
    owner = who.owner(body.owner_id)
    await store.servers.get(server_id, owner)  # 404 before judging the spec
    workflow = service.parse_spec(body.spec)
    server = await service.save(
        store,
        owner,
        server_id,
        workflow,
        summary=body.summary or "Saved an edited spec",
        base_version=body.base_version,
    )
    return _saved(request, server)


@router.delete("/{serverId}", status_code=204, response_class=Response)
async def delete_server(
    server_id: ServerId,
    request: Request,
    store: StoreDep,
    runner: RunnerDep,
    owner: OwnerDep,
) -> Response:
    """Delete the server, its versions and executions (a deployed server answers 409)."""
    await store.servers.get(server_id, owner)
    live = await store.deployments.live(server_id)
    if live is not None:
        raise Conflict(
            "Undeploy the server before deleting it",
            {"serverId": server_id, "agentId": live.agent_id},
        )
    await store.servers.delete(server_id, owner)
    # what belongs to the server goes with it: its secrets and its MCP keys
    for secret in await store.secrets.names(server_id):
        await store.secrets.delete(server_id, secret.name)
    await store.mcp_keys.delete_all(server_id)
    runner.forget(server_id)
    forget_mcp(request, server_id)
    return Response(status_code=204)


@router.get("/{serverId}/versions", response_model=list[VersionSummary])
async def list_versions(
    server_id: ServerId,
    store: StoreDep,
    owner: OwnerDep,
) -> list[VersionSummary]:
    """Every saved version, newest first (without specs)."""
    versions = await store.servers.versions(server_id, owner)
    return [version_summary(v) for v in versions]


@router.get("/{serverId}/versions/{version}", response_model=VersionOut)
async def get_version(
    server_id: ServerId,
    version: VersionNumber,
    store: StoreDep,
    owner: OwnerDep,
) -> VersionOut:
    """One version with its spec."""
    return version_out(await store.servers.version(server_id, owner, version))


@router.post("/{serverId}/versions/{version}/restore", response_model=ServerOut)
async def restore_version(
    server_id: ServerId,
    version: VersionNumber,
    body: RestoreVersion,
    request: Request,
    store: StoreDep,
    who: IdentityDep,
) -> ServerOut:
    """Save a new version equal to an old one."""
    owner = who.owner(body.owner_id)
    server = await service.restore(store, owner, server_id, version, body.base_version)
    return _saved(request, server)


@router.get("/{serverId}/executions", response_model=ExecutionPage)
async def list_executions(
    server_id: ServerId,
    store: StoreDep,
    owner: OwnerDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
    offset: Annotated[int, Query(ge=0, le=MAX_INT32)] = 0,
) -> ExecutionPage:
    """The server's runs, newest first, a page at a time."""
    await store.servers.get(server_id, owner)
    items, total = await store.executions.page(server_id, limit=limit, offset=offset)
    return ExecutionPage(
        items=[execution_out(e) for e in items], total=total, limit=limit, offset=offset
    )


@router.get("/{serverId}/executions/{executionId}", response_model=ExecutionOut)
async def get_execution(
    server_id: ServerId,
    execution_id: Annotated[int, Path(alias="executionId", ge=1, le=2**63 - 1)],
    store: StoreDep,
    owner: OwnerDep,
) -> ExecutionOut:
    await store.servers.get(server_id, owner)
    return execution_out(await store.executions.get(server_id, execution_id))


@router.post("/{serverId}/run", response_model=RunOut)
async def run_server(
    server_id: ServerId,
    body: RunRequest,
    store: StoreDep,
    runner: RunnerDep,
    who: IdentityDep,
) -> RunOut:
    """Run the current version with ``input`` (whether or not its runtime is started)."""
    server = await store.servers.get(server_id, who.owner(body.owner_id))
    result, record = await runner.run(server, body.input, headers=body.headers, source="run")
    return run_out(result, record)


@router.post("/{serverId}/chat", response_model=ChatOut)
async def chat(
    server_id: ServerId,
    body: ChatMessage,
    request: Request,
    store: StoreDep,
    runner: RunnerDep,
    who: IdentityDep,
) -> ChatOut:
    """A message to the supervisor: it explains, mutates (a new version), runs or deploys."""
    owner = who.owner(body.owner_id)
    outcome = await service.chat(
        request.app, store, runner, owner, server_id, body.message, deploy=deploy_from_chat
    )
    version = None
    if outcome.saved:
        telemetry_of(request.app).emit(
            "server_mutated", server_id=server_id, version=outcome.server.version, via="chat"
        )
        latest = await store.servers.version(server_id, owner, outcome.server.version)
        version = version_summary(latest)
    return ChatOut(
        reply=outcome.reply,
        server=server_out(outcome.server, mcp=has_mcp(request)),
        version=version,
        run=run_out(*outcome.run) if outcome.run is not None else None,
        next=outcome.next,
    )

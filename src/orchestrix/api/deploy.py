"""Deploy routes of the control plane: deploy, undeploy, redeploy, rollback, history.

The bodies are DESIGN.md's, field for field: 200 ``{success, serverId, agentId, endpoint,
dashboardUrl, deployedAt}``, 400 ``{error: "Server already deployed to Archestra", agentId,
endpoint, dashboardUrl}``, 500 ``{success: false, error: "Failed to deploy to Archestra: ..."}``.
The flow lives in :mod:`orchestrix.deploy.service`; routes parse and shape.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import Field

from orchestrix.api.deps import IdentityDep, OwnerDep, ServerId
from orchestrix.api.errors import ERROR_RESPONSES, ErrorBody, Unavailable
from orchestrix.api.schemas import MAX_INT32, ApiModel, OwnerId, RequestModel
from orchestrix.deploy.reconcile import reconciling_at_start
from orchestrix.deploy.service import Deployer, Outcome
from orchestrix.runtime import rest
from orchestrix.settings import Settings
from orchestrix.telemetry import install_telemetry, telemetry_of


@asynccontextmanager
async def _lifespan(app: Any) -> AsyncIterator[None]:
    settings: Settings = app.state.settings

    def ready() -> Deployer | None:
        return _deployer(app) if getattr(app.state, "services", None) is not None else None

    async with install_telemetry(app, settings).running(), reconciling_at_start(settings, ready):
        yield


router = APIRouter(
    prefix="/mcp/servers", tags=["deploy"], responses=ERROR_RESPONSES, lifespan=_lifespan
)

TargetName = Annotated[
    str | None,
    Field(
        default=None,
        max_length=40,
        description="`archestra`, `local`, `host` or `archestra-platform`; unset: "
        "ORCHESTRIX_DEPLOY_TARGET (or `archestra` with ARCHESTRA_API_KEY, else `local`).",
    ),
]


class DeployBody(RequestModel):
    owner_id: OwnerId | None = None
    target: TargetName = None


class VersionBody(RequestModel):
    owner_id: OwnerId | None = None
    version: int | None = Field(
        default=None,
        ge=1,
        le=MAX_INT32,
        description="The version to serve (redeploy: the current one; rollback: the one "
        "served before).",
    )


class Deployed(ApiModel):
    success: bool
    server_id: str
    agent_id: str | None
    endpoint: str | None
    dashboard_url: str | None
    deployed_at: str | None
    gateway: dict[str, Any] | None = Field(
        default=None,
        description="`archestra-platform` only: the MCP gateway's URL, the Archestra token a "
        "client needs and where to get it, and an MCP client configuration "
        "(docs/archestra-platform.md).",
    )


class AlreadyDeployed(ApiModel):
    error: str
    agent_id: str | None
    endpoint: str | None
    dashboard_url: str | None


class DeployFailed(ApiModel):
    success: bool
    error: str


class Redeployed(Deployed):
    version: int
    previous_version: int


class Undeployed(ApiModel):
    success: bool
    server_id: str
    agent_id: str
    undeployed_at: str | None


class DeploymentOut(ApiModel):
    id: str
    server_id: str
    target: str
    version: int
    status: str = Field(description="deploying, deployed, superseded, undeployed or failed")
    agent_id: str | None
    endpoint: str | None
    dashboard_url: str | None
    deployed_at: str | None
    error: str | None
    created_at: str | None
    updated_at: str | None


class DeploymentHistory(ApiModel):
    server_id: str
    deployments: list[DeploymentOut]


_DEPLOY_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"model": Deployed, "description": "Deployed"},
    400: {"model": AlreadyDeployed, "description": "Server already deployed to Archestra"},
    409: {"model": ErrorBody, "description": "A deployment of this server is in progress"},
    422: {"model": ErrorBody, "description": "The workflow's own tests fail (listed)"},
    500: {"model": DeployFailed, "description": "Failed to deploy to Archestra: <reason>"},
}
#: A redeploy or a rollback keeps the agent it has: no "already deployed" answer.
_NEW_VERSION_RESPONSES = {k: v for k, v in _DEPLOY_RESPONSES.items() if k != 400}


def deployer(request: Request) -> Deployer:
    settings = request.app.state.settings
    return _deployer(request.app, base_url=rest.server_base_url(request.scope, settings.public_url))


def _deployer(app: FastAPI, *, base_url: str | None = None) -> Deployer:
    services = getattr(app.state, "services", None)
    if services is None:
        raise Unavailable("The runtime services are not started yet")
    return Deployer(
        app.state.store,
        app.state.settings,
        services,
        telemetry=telemetry_of(app),
        host=getattr(app.state, "host", None),
        base_url=base_url,
    )


def _answer(outcome: Outcome) -> JSONResponse:
    return JSONResponse(outcome.body, status_code=outcome.status)


@router.post("/{serverId}/deploy", responses=_DEPLOY_RESPONSES, response_model=Deployed)
async def deploy_server(
    server_id: ServerId, request: Request, who: IdentityDep, body: DeployBody | None = None
) -> JSONResponse:
    """Deploy the server's current version as a hosted agent (once; see redeploy)."""
    body = body or DeployBody()
    owner = who.owner(body.owner_id)
    return _answer(await deployer(request).deploy(server_id, owner, body.target))


@router.delete("/{serverId}/deploy", response_model=Undeployed)
async def undeploy_server(server_id: ServerId, request: Request, owner: OwnerDep) -> JSONResponse:
    """Take the hosted agent down; the server and its history stay."""
    return _answer(await deployer(request).undeploy(server_id, owner))


@router.post(
    "/{serverId}/redeploy",
    response_model=Redeployed,
    responses=_NEW_VERSION_RESPONSES,
)
async def redeploy_server(
    server_id: ServerId, request: Request, who: IdentityDep, body: VersionBody | None = None
) -> JSONResponse:
    """Serve a newer version (default: the current one) at the same agent and endpoint."""
    body = body or VersionBody()
    owner = who.owner(body.owner_id)
    return _answer(await deployer(request).redeploy(server_id, owner, body.version))


@router.post(
    "/{serverId}/rollback",
    response_model=Redeployed,
    responses=_NEW_VERSION_RESPONSES,
)
async def rollback_server(
    server_id: ServerId, request: Request, who: IdentityDep, body: VersionBody | None = None
) -> JSONResponse:
    """Serve an earlier version again (default: the one served before the current)."""
    body = body or VersionBody()
    owner = who.owner(body.owner_id)
    return _answer(await deployer(request).rollback(server_id, owner, body.version))


@router.get("/{serverId}/deployments", response_model=DeploymentHistory)
async def deployment_history(
    server_id: ServerId, request: Request, owner: OwnerDep
) -> DeploymentHistory:
    """Every deployment of the server, newest first."""
    rows = await deployer(request).history(server_id, owner)
    return DeploymentHistory(
        server_id=server_id, deployments=[DeploymentOut.model_validate(r) for r in rows]
    )


async def deploy_from_chat(app: FastAPI, server_id: str, owner_id: str) -> dict[str, Any]:
    """The chat's ``deploy`` intent: the same deploy, its answer as the chat shows it."""
    outcome = await _deployer(app).deploy(server_id, owner_id)
    return {"status": outcome.status, **outcome.body}

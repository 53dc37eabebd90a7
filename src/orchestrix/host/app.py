"""``orchestrix host``: the production runtime as an ASGI app.

Management (Bearer ``ORCHESTRIX_HOST_API_KEY``):

- ``POST /mcp/agents``: a deployment request (the seed format) -> 201, a new agent
  (``Idempotency-Key`` makes a retried request return the same agent);
- ``PUT /mcp/agents/{agentId}``: the same body -> 200, a new version at the same endpoint;
- ``GET /mcp/agents``, ``GET /mcp/agents/{agentId}``, ``DELETE /mcp/agents/{agentId}``.

Serving (public, as the endpoint of a hosted API):

- ``POST /agents/{agentId}``: run the graph with the JSON body; answers its status and body;
- ``GET /agents/{agentId}``: what it is, its version and its OpenAPI document;
- ``/agents/{agentId}/mcp``: the same graph as one MCP tool (streamable HTTP).

:func:`create_host_app` builds the standalone app; :func:`mount_host` adds the same routes to
another app (``orchestrix serve`` with the ``local`` target). Nothing here imports the
control plane or the builder: production runs tool graphs, not agents.
"""

from __future__ import annotations

import functools
import hmac
import ipaddress
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from orchestrix import __version__
from orchestrix.errors import OrchestrixError, SpecError
from orchestrix.host.agents import AgentRecord, AgentSource, agent_not_found
from orchestrix.host.openapi import agent_openapi
from orchestrix.host.runtime import HostRuntime, LoadedAgent
from orchestrix.host.wire import read_deployment, stored_spec
from orchestrix.settings import Settings
from orchestrix.spec.models import Workflow
from orchestrix.store.types import utcnow
from orchestrix.telemetry import Telemetry, configure_tracing, install_telemetry

IDEMPOTENCY_HEADER = "idempotency-key"
_NO_BODY_STATUSES = frozenset({204, 304})

_Handler = Callable[[Request], Awaitable[Response]]


def _error(status: int, message: str, details: Any = None) -> JSONResponse:
    return JSONResponse({"error": message, "details": details}, status_code=status)


def _from_error(error: OrchestrixError) -> JSONResponse:
    return JSONResponse(error.to_body(), status_code=error.status)


def _iso(record_time: Any) -> str:
    return str(record_time.isoformat(timespec="milliseconds")).replace("+00:00", "Z")


def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class HostApi:
    """The routes of the host, over one :class:`HostRuntime`."""

    def __init__(self, runtime: HostRuntime) -> None:
        self.runtime = runtime
        self.settings = runtime.settings
        key = self.settings.host_api_key
        self._api_key = key.get_secret_value().encode() if key else None

    # -- helpers ----------------------------------------------------------------------------

    def base_url(self, request: Request) -> str:
        configured = self.settings.host_public_url
        base = configured if configured else str(request.base_url)
        return base.rstrip("/")

    def describe(
        self, record: AgentRecord, base: str, *, status: str = "deployed"
    ) -> dict[str, Any]:
        endpoint = f"{base}/agents/{record.id}"
        return {
            "agentId": record.id,
            "name": record.name,
            "description": record.description,
            "status": status,
            "publicEndpoint": endpoint,
            "mcpEndpoint": f"{endpoint}/mcp",
            "dashboardUrl": endpoint,
            "version": record.version,
            "revision": record.revision,
            "serverId": record.server_id,
            "deployedAt": _iso(record.updated_at),
            "createdAt": _iso(record.created_at),
        }

    def authorize(self, request: Request) -> JSONResponse | None:
        """Management needs the host's API key; with none configured, only loopback clients
        may manage agents (``orchestrix host`` refuses to listen elsewhere without a key)."""
        if self._api_key is None:
            client = request.client.host if request.client else None
            if is_loopback(client):
                return None
            return _error(
                403,
                "Managing agents from another machine needs ORCHESTRIX_HOST_API_KEY on the host",
                None,
            )
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(
            token.strip().encode(), self._api_key
        ):
            return None
        response = _error(
            401,
            "Unauthorized",
            {"hint": "send Authorization: Bearer <ORCHESTRIX_HOST_API_KEY>"},
        )
        response.headers["WWW-Authenticate"] = 'Bearer realm="orchestrix-host"'
        return response

    async def json_body(self, request: Request) -> Any:
        declared = request.headers.get("content-length")
        limit = self.settings.max_body_bytes
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise _TooLarge(limit)
        raw = bytearray()
        async for chunk in request.stream():
            raw += chunk
            if len(raw) > limit:
                raise _TooLarge(limit)
        if not raw.strip():
            return None
        try:
            return json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise _BadJson(str(e)) from e

    async def deployment_in(
        self, request: Request
    ) -> tuple[Workflow, AgentSource, dict[str, str] | None]:
        """The deployment request in the body (a create or a replace), and the values of its
        ``{{ secrets.* }}`` when the body's ``secrets`` gives them (this key-protected channel
        is the only way values reach a host; they are stored encrypted, never in the spec)."""
        body = await self.json_body(request)
        workflow, source = read_deployment(body)
        given = body.get("secrets") if isinstance(body, dict) else None
        if given is not None and not (
            isinstance(given, dict) and all(isinstance(v, str) for v in given.values())
        ):
            raise SpecError(
                "The deployment request is not valid",
                [{"path": "secrets", "message": "must be an object of text values"}],
            )
        return workflow, source, given

    async def keep_secrets(self, agent_id: str, given: dict[str, str] | None) -> None:
        if given is not None:
            await self.runtime.services.secrets.replace_named(agent_id, given)

    async def deployed(self, agent_id: str) -> LoadedAgent:
        """The agent as deployed now; ``NotFoundError`` (404) when it is not."""
        agent = await self.runtime.load(agent_id)
        if agent is None:
            raise agent_not_found(agent_id)
        return agent

    # -- management -------------------------------------------------------------------------

    async def create_agent(self, request: Request) -> Response:
        workflow, source, given = await self.deployment_in(request)
        key = request.headers.get(IDEMPOTENCY_HEADER)
        record, created = await self.runtime.agents.create(
            stored_spec(workflow), source, idempotency_key=key[:200] if key else None
        )
        await self.keep_secrets(record.id, given)
        self.runtime.remember(record)
        return JSONResponse(
            self.describe(record, self.base_url(request)), status_code=201 if created else 200
        )

    async def replace_agent(self, request: Request) -> Response:
        agent_id = request.path_params["agent_id"]
        workflow, source, given = await self.deployment_in(request)
        await self.runtime.agents.require(agent_id)
        await self.keep_secrets(agent_id, given)
        record = await self.runtime.agents.replace(agent_id, stored_spec(workflow), source)
        self.runtime.remember(record)
        return JSONResponse(self.describe(record, self.base_url(request)))

    async def delete_agent(self, request: Request) -> Response:
        agent_id = request.path_params["agent_id"]
        deleted = await self.runtime.agents.delete(agent_id)
        self.runtime.forget(agent_id)
        await self.keep_secrets(agent_id, {})  # an undeployed agent keeps no secrets
        if not deleted:
            raise agent_not_found(agent_id)
        return JSONResponse(
            {"agentId": agent_id, "status": "undeployed", "undeployedAt": _iso(utcnow())}
        )

    async def agent_status(self, request: Request) -> Response:
        agent_id = request.path_params["agent_id"]
        record = await self.runtime.agents.get(agent_id)
        if record is None:
            raise agent_not_found(agent_id)
        return JSONResponse(self.describe(record, self.base_url(request)))

    async def list_agents(self, request: Request) -> Response:
        server_id = request.query_params.get("serverId")
        base = self.base_url(request)
        records = await self.runtime.agents.list(server_id=server_id)
        return JSONResponse({"agents": [self.describe(r, base) for r in records]})

    # -- serving ----------------------------------------------------------------------------

    async def run_agent(self, request: Request) -> Response:
        agent = await self.deployed(request.path_params["agent_id"])
        body = await self.json_body(request)
        if body is None:
            body = {}
        if not isinstance(body, dict):
            return _error(400, "The request body must be a JSON object", None)
        result = await self.runtime.run(agent, body, dict(request.headers.items()), via="rest")
        headers = {k: v for k, v in result.headers.items() if k.lower() not in {"content-length"}}
        if result.status in _NO_BODY_STATUSES:
            return Response(status_code=result.status, headers=headers)
        return JSONResponse(result.body, status_code=result.status, headers=headers)

    async def agent_info(self, request: Request) -> Response:
        agent = await self.deployed(request.path_params["agent_id"])
        base = self.base_url(request)
        info = self.describe(agent.record, base)
        info["inputSchema"] = agent.workflow.input_schema
        info["tools"] = [{"id": t.id, "type": t.type} for t in agent.workflow.ordered_tools()]
        info["openapi"] = agent_openapi(agent.workflow, agent.record, base)
        return JSONResponse(info)

    async def agent_mcp(self, scope: Scope, receive: Receive, send: Send) -> None:
        agent_id = scope["path_params"]["agent_id"]
        try:
            await self.deployed(agent_id)
        except OrchestrixError as e:
            await _from_error(e)(scope, receive, send)
            return
        await self.runtime.mount.handle(agent_id, scope, receive, send)

    def endpoint(self, handler: _Handler, *, managed: bool) -> _Handler:
        """``handler`` as a route: a managed one authorizes first; a bad request or an
        Orchestrix error becomes its ``{error, details}`` answer."""

        @functools.wraps(handler)
        async def route(request: Request) -> Response:
            if managed:
                denied = self.authorize(request)
                if denied is not None:
                    return denied
            try:
                return await handler(request)
            except _RequestProblem as e:
                return e.response()
            except OrchestrixError as e:
                return _from_error(e)

        return route


class _RequestProblem(Exception):
    def response(self) -> JSONResponse:  # pragma: no cover - overridden
        raise NotImplementedError


class _TooLarge(_RequestProblem):
    def __init__(self, limit: int) -> None:
        self.limit = limit

    def response(self) -> JSONResponse:
        return _error(413, "The request body is too large", {"maxBytes": self.limit})


class _BadJson(_RequestProblem):
    def __init__(self, reason: str) -> None:
        self.reason = reason

    def response(self) -> JSONResponse:
        return _error(400, "The request body is not valid JSON", {"reason": self.reason})


class _AsgiEndpoint:
    """A raw ASGI endpoint for a Starlette route (the MCP transport reads and writes itself)."""

    def __init__(self, api: HostApi) -> None:
        self.api = api

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.api.agent_mcp(scope, receive, send)


def host_router(runtime: HostRuntime, telemetry: Telemetry | None = None) -> APIRouter:
    """The host's routes, with a lifespan that runs ``runtime`` (and ``telemetry``)."""

    @asynccontextmanager
    async def lifespan(_app: Any) -> AsyncIterator[None]:
        configure_tracing(runtime.settings)
        async with runtime.running():
            if telemetry is None:
                yield
                return
            async with telemetry.running():
                yield

    api = HostApi(runtime)
    router = APIRouter(lifespan=lifespan)
    management: list[tuple[str, str, _Handler, str]] = [
        ("POST", "/mcp/agents", api.create_agent, "Deploy a tool graph as an agent"),
        ("GET", "/mcp/agents", api.list_agents, "Deployed agents"),
        ("GET", "/mcp/agents/{agent_id}", api.agent_status, "An agent's deployment"),
        (
            "PUT",
            "/mcp/agents/{agent_id}",
            api.replace_agent,
            "Deploy a new version of an agent (same endpoint)",
        ),
        ("DELETE", "/mcp/agents/{agent_id}", api.delete_agent, "Undeploy an agent"),
    ]
    serving: list[tuple[str, str, _Handler, str]] = [
        ("POST", "/agents/{agent_id}", api.run_agent, "Run an agent's tool graph"),
        ("GET", "/agents/{agent_id}", api.agent_info, "What an agent is, its version and OpenAPI"),
    ]
    for managed, tag, routes in ((True, "host", management), (False, "agents", serving)):
        for method, path, handler, summary in routes:
            router.add_api_route(
                path,
                api.endpoint(handler, managed=managed),
                methods=[method],
                tags=[tag],
                summary=summary,
            )
    router.routes.append(Route("/agents/{agent_id}/mcp", endpoint=_AsgiEndpoint(api)))
    return router


class _RememberBaseUrl:
    """Notes the URL the app is reached at, for endpoints made outside a host request (a
    ``local`` deploy from the chat)."""

    def __init__(self, app: ASGIApp, runtime: HostRuntime) -> None:
        self.app = app
        self.runtime = runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.runtime.seen_base_url is None and scope["type"] == "http":
            self.runtime.seen_base_url = str(Request(scope).base_url).rstrip("/")
        await self.app(scope, receive, send)


def mount_host(
    app: FastAPI,
    settings: Settings,
    *,
    engine: AsyncEngine | None = None,
    runtime: HostRuntime | None = None,
) -> HostRuntime:
    """Serve the host's routes from ``app`` (the ``local`` target inside ``orchestrix serve``).

    The runtime starts and stops with ``app``'s lifespan (over ``engine`` when given, which
    stays the caller's) and is kept on ``app.state.host``.
    """
    telemetry = install_telemetry(app, settings)
    runtime = runtime or HostRuntime(settings, engine=engine, telemetry=telemetry)
    app.state.host = runtime
    app.include_router(host_router(runtime, telemetry))
    app.add_middleware(_RememberBaseUrl, runtime=runtime)
    return runtime


def create_host_app(settings: Settings) -> FastAPI:
    """The standalone host: what ``orchestrix host`` (and each of its workers) serves."""
    app = FastAPI(
        title="Orchestrix host",
        version=__version__,
        description="Deployed tool graphs, served as REST endpoints and MCP tools.",
    )
    mount_host(app, settings)

    @app.get("/healthz", tags=["host"], summary="Liveness")
    async def healthz() -> dict[str, Any]:
        return {"status": "ok", "version": __version__}

    return app


def create_host_app_from_env() -> FastAPI:
    """For ASGI servers: ``uvicorn --factory orchestrix.host.app:create_host_app_from_env``."""
    from orchestrix.settings import get_settings

    return create_host_app(get_settings())

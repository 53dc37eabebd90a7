"""``orchestrix host``: the production runtime as an ASGI app.

Management (:func:`management_router`; ``Authorization: Bearer $ORCHESTRIX_HOST_API_KEY`` from
every client, loopback included; a host without the key refuses every management request):

- ``POST /mcp/agents``: a deployment request (the seed format) -> 201, a new agent
  (``Idempotency-Key`` makes a retried request return the same agent);
- ``PUT /mcp/agents/{agentId}``: the same body -> 200, a new version at the same endpoint;
- ``GET /mcp/agents``, ``GET /mcp/agents/{agentId}``, ``DELETE /mcp/agents/{agentId}``.

Serving (public, as the endpoint of a hosted API):

- ``POST /agents/{agentId}``: run the graph with the JSON body; answers its status and body;
- ``GET /agents/{agentId}``: what it is, its version and its OpenAPI document;
- ``/agents/{agentId}/mcp``: the same graph as one MCP tool (streamable HTTP).

:func:`create_host_app` builds the standalone app; :func:`mount_host` adds the serving routes to
another app (``orchestrix serve`` with the ``local`` target, which deploys in process and never
mounts the management API). Nothing here imports the
control plane or the builder: production runs tool graphs, not agents.
"""

from __future__ import annotations

import functools
import hmac
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.requests import ClientDisconnect
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from orchestrix import __version__
from orchestrix.errors import OrchestrixError, SpecError
from orchestrix.host.agents import AgentRecord, AgentSource, agent_not_found
from orchestrix.host.openapi import agent_openapi
from orchestrix.host.runtime import HostRuntime, LoadedAgent
from orchestrix.host.wire import read_deployment, stored_spec
from orchestrix.runtime import rest
from orchestrix.runtime.mcp_auth import protected_resource_routes
from orchestrix.settings import Settings
from orchestrix.spec.models import Workflow
from orchestrix.store.types import utcnow
from orchestrix.telemetry import Telemetry, configure_tracing, install_telemetry
from orchestrix.timefmt import iso_z

log = logging.getLogger("orchestrix.host")

IDEMPOTENCY_HEADER = "idempotency-key"
DEFAULT_BASE_URL = "http://127.0.0.1:8100"

_Handler = Callable[[Request], Awaitable[Response]]


def _error(status: int, message: str, details: Any = None) -> JSONResponse:
    return JSONResponse({"error": message, "details": details}, status_code=status)


def _from_error(error: OrchestrixError) -> JSONResponse:
    return rest.orchestrix_error_response(error)


class HostApi:
    """The routes of the host, over one :class:`HostRuntime`."""

    def __init__(self, runtime: HostRuntime) -> None:
        self.runtime = runtime
        self.settings = runtime.settings
        key = self.settings.host_api_key
        self._api_key = key.get_secret_value().encode() if key and key.get_secret_value() else None
        self._proxies = rest.trusted_networks(self.settings.trusted_proxies)

    # -- helpers ----------------------------------------------------------------------------

    def base_url(self, request: Request) -> str:
        """ORCHESTRIX_HOST_PUBLIC_URL, else the address this host listens on: never the
        request's ``Host`` header, which the caller chooses."""
        base = rest.server_base_url(request.scope, self.settings.host_public_url)
        return base or DEFAULT_BASE_URL

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
            "deployedAt": iso_z(record.updated_at),
            "createdAt": iso_z(record.created_at),
        }

    def authorize(self, request: Request) -> JSONResponse | None:
        """Management needs the host's API key from every client, loopback included; a host
        without a key configured refuses every management request."""
        if self._api_key is None:
            response = _error(
                401,
                "Management is disabled on this host: set ORCHESTRIX_HOST_API_KEY to deploy",
                {"hint": "start `orchestrix host` with ORCHESTRIX_HOST_API_KEY set"},
            )
        else:
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
        return await rest.read_json(request, self.settings.max_body_bytes)

    async def deployment_in(
        self, request: Request
    ) -> tuple[Workflow, AgentSource, dict[str, str] | None]:
        """The deployment request in the body (a create or a replace), and the values of its
        ``{{ secrets.* }}`` when the body's ``secrets`` gives them (this key-protected channel
        is the only way values reach a host; they are stored encrypted, never in the spec).
        JSON only, so a browser's cross-site form or ``text/plain`` POST cannot deploy."""
        rest.require_json(request)
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
            {"agentId": agent_id, "status": "undeployed", "undeployedAt": iso_z(utcnow())}
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
        body = await rest.read_input(request, self.settings.max_body_bytes)
        result = await self.runtime.run(
            agent,
            body,
            dict(request.headers.items()),
            via="rest",
            client_ip=rest.request_client_ip(request, self._proxies),
        )
        return rest.graph_response(result)

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
            except OrchestrixError as e:
                return _from_error(e)
            except ClientDisconnect:  # the client hung up while sending: nobody to answer
                log.debug("client hung up during %s %s", request.method, request.url.path)
                return Response(status_code=400)

        return route


class _AsgiEndpoint:
    """A raw ASGI endpoint for a Starlette route (the MCP transport reads and writes itself)."""

    def __init__(self, api: HostApi) -> None:
        self.api = api

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.api.agent_mcp(scope, receive, send)


class ErrorBody(BaseModel):
    """The body of every error answer."""

    error: str
    details: Any = None


_ERRORS = {
    400: "The request body is not JSON, or hostile JSON (depth, NaN, NUL...): the reason",
    401: "Missing or wrong ORCHESTRIX_HOST_API_KEY (or none configured on the host); from a "
    "graph: its own 401",
    403: "A browser request from an origin that is not trusted",
    404: "No such agent",
    409: "The graph's own conflict (a duplicate unique field)",
    413: "The request body is too large",
    415: "The request body is not JSON",
    422: "The deployment request is not a valid graph: every problem listed",
    429: "The graph's rate limit",
    500: "The agent cannot be run by this host",
    502: "An upstream the graph called failed, or the egress policy refused it",
    504: "The run took longer than ORCHESTRIX_RUN_TIMEOUT",
}

_AGENT_ID = {
    "name": "agent_id",
    "in": "path",
    "required": True,
    "description": "The agent's id (agt_...)",
    "schema": {"type": "string"},
}
_SERVER_ID = {
    "name": "serverId",
    "in": "query",
    "required": False,
    "description": "Only the agents of this Orchestrix server",
    "schema": {"type": "string"},
}
_IDEMPOTENCY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "A retried request with the same key gets the same agent back",
    "schema": {"type": "string", "maxLength": 200},
}
_DEPLOYMENT_BODY = {
    "required": True,
    "description": "A deployment request (the seed format: the graph only)",
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["name", "tools"],
                "properties": {
                    "name": {"type": "string"},
                    "description": {"type": "string"},
                    "tools": {"type": "array", "items": {"type": "object"}},
                    "executionOrder": {"type": "array", "items": {"type": "string"}},
                    "inputSchema": {"type": "object"},
                    "metadata": {"type": "object"},
                },
            }
        }
    },
}
_INPUT_BODY = {
    "required": False,
    "description": "The graph's input: a JSON object (empty: `{}`)",
    "content": {"application/json": {"schema": {"type": "object"}}},
}


def _doc(
    path: str, method: str, statuses: tuple[int, ...]
) -> tuple[dict[int | str, dict[str, Any]], dict[str, Any]]:
    """``responses`` and ``openapi_extra`` of one host route, for its OpenAPI operation."""
    responses: dict[int | str, dict[str, Any]] = {
        status: {"model": ErrorBody, "description": _ERRORS[status]} for status in statuses
    }
    parameters: list[dict[str, Any]] = []
    if "{agent_id}" in path:
        parameters.append(_AGENT_ID)
    extra: dict[str, Any] = {}
    if path == "/mcp/agents" and method == "GET":
        parameters.append(_SERVER_ID)
    if path == "/mcp/agents" and method == "POST":
        parameters.append(_IDEMPOTENCY)
    if path.startswith("/mcp/agents") and method in {"POST", "PUT"}:
        extra["requestBody"] = _DEPLOYMENT_BODY
    if path == "/agents/{agent_id}" and method == "POST":
        extra["requestBody"] = _INPUT_BODY
    if parameters:
        extra["parameters"] = parameters
    return responses, extra


_MANAGED = (401, 403)
_WRITES = (400, 413, 415, 422)


def management_router(api: HostApi) -> APIRouter:
    """``/mcp/agents*``: deployments in and out, each request authorized by the host's key.

    Only the standalone host (:func:`create_host_app`) mounts it; ``orchestrix serve`` never
    does (its ``local`` target writes agents in process)."""
    router = APIRouter(tags=["host"])
    routes: list[tuple[str, str, _Handler, str]] = [
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
    for method, path, handler, summary in routes:
        statuses = _MANAGED + (_WRITES if method in {"POST", "PUT"} else ())
        if "{agent_id}" in path:
            statuses += (404,)
        responses, extra = _doc(path, method, tuple(sorted(statuses)))
        if path == "/mcp/agents" and method == "POST":
            responses[201] = {"description": "The new agent"}
            responses[200] = {"description": "The agent a retried Idempotency-Key made"}
        router.add_api_route(
            path,
            api.endpoint(handler, managed=True),
            methods=[method],
            summary=summary,
            responses=responses,
            openapi_extra=extra,
        )
    return router


def serving_router(api: HostApi) -> APIRouter:
    """``/agents/{agentId}`` (REST, info) and ``/agents/{agentId}/mcp``: public, as the
    endpoints of hosted APIs are."""
    router = APIRouter(tags=["agents"])
    routes: list[tuple[str, str, _Handler, str]] = [
        ("POST", "/agents/{agent_id}", api.run_agent, "Run an agent's tool graph"),
        ("GET", "/agents/{agent_id}", api.agent_info, "What an agent is, its version and OpenAPI"),
    ]
    for method, path, handler, summary in routes:
        statuses: tuple[int, ...] = (404, 500)
        if method == "POST":
            statuses = (400, 401, 404, 409, 413, 422, 429, 500, 502, 504)
        responses, extra = _doc(path, method, statuses)
        if method == "POST":
            responses[200] = {"description": "The graph's own answer (status, headers, body)"}
            responses["default"] = {"description": "Any other status the graph answers"}
        router.add_api_route(
            path,
            api.endpoint(handler, managed=False),
            methods=[method],
            summary=summary,
            responses=responses,
            openapi_extra=extra,
        )
    router.routes.append(Route("/agents/{agent_id}/mcp", endpoint=_AsgiEndpoint(api)))
    router.routes.extend(protected_resource_routes(api.runtime.settings))  # MCP OAuth (RFC 9728)
    return router


def host_router(
    runtime: HostRuntime, telemetry: Telemetry | None = None, *, management: bool = False
) -> APIRouter:
    """The host's serving routes (and, with ``management``, its management API), with a
    lifespan that runs ``runtime`` (and ``telemetry``)."""

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
    router.include_router(serving_router(api))
    if management:
        router.include_router(management_router(api))
    return router


class _RememberBaseUrl:
    """Notes the URL the app serves at (the configured public URL, else the listening
    address; never a request's ``Host``), for endpoints made outside a host request (a
    ``local`` deploy from the chat)."""

    def __init__(self, app: ASGIApp, runtime: HostRuntime) -> None:
        self.app = app
        self.runtime = runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.runtime.seen_base_url is None and scope["type"] == "http":
            settings = self.runtime.settings
            configured = settings.public_url or settings.host_public_url
            self.runtime.seen_base_url = rest.server_base_url(scope, configured)
        await self.app(scope, receive, send)


def mount_host(
    app: FastAPI,
    settings: Settings,
    *,
    engine: AsyncEngine | None = None,
    runtime: HostRuntime | None = None,
    management: bool = False,
) -> HostRuntime:
    """Serve the host's routes from ``app``: the ``local`` target inside ``orchestrix serve``
    mounts the serving routes only; the standalone host adds ``management``.

    The runtime starts and stops with ``app``'s lifespan (over ``engine`` when given, which
    stays the caller's) and is kept on ``app.state.host``.
    """
    telemetry = install_telemetry(app, settings)
    runtime = runtime or HostRuntime(settings, engine=engine, telemetry=telemetry)
    app.state.host = runtime
    app.include_router(host_router(runtime, telemetry, management=management))
    app.add_middleware(_RememberBaseUrl, runtime=runtime)
    return runtime


def create_host_app(settings: Settings) -> FastAPI:
    """The standalone host: what ``orchestrix host`` (and each of its workers) serves."""
    app = FastAPI(
        title="Orchestrix host",
        version=__version__,
        description="Deployed tool graphs, served as REST endpoints and MCP tools.",
    )
    rest.install_json_errors(app)
    app.add_middleware(
        rest.TrustedHosts,
        hosts=settings.trusted_hosts,
        origins=settings.trusted_origins,
        public_urls=[settings.host_public_url, settings.public_url],
    )
    if settings.host_api_key is None or not settings.host_api_key.get_secret_value():
        log.warning(
            "ORCHESTRIX_HOST_API_KEY is not set: the management API (/mcp/agents) refuses "
            "every request; agents already in the database are served"
        )
    mount_host(app, settings, management=True)

    @app.get("/healthz", tags=["host"], summary="Liveness")
    async def healthz() -> dict[str, Any]:
        return {"status": "ok", "version": __version__}

    return app


def create_host_app_from_env() -> FastAPI:
    """For ASGI servers: ``uvicorn --factory orchestrix.host.app:create_host_app_from_env``."""
    from orchestrix.settings import get_settings

    return create_host_app(get_settings())

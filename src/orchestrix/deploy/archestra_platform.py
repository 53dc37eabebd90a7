"""The ``archestra-platform`` target: a workflow into your own (open-source) Archestra platform.

Archestra runs MCP servers itself. A deploy makes three things there, through its REST API
(the request shapes are Archestra Platform API 1.0.11; see docs/archestra-platform.md):

1. a **catalog item** in the Private MCP Registry whose local config makes Archestra's MCP
   runtime start ``orchestrix mcp`` with the spec inline, in the ``ORCHESTRIX_SPEC``
   environment variable (the graph only: no tests, no secrets), over stdio or streamable HTTP;
2. an **installation** of that item, which the runtime starts and asks for its tool;
3. an **assignment** of that tool to a profile, whose MCP gateway then serves it.

The agent id Orchestrix keeps is the catalog item's id: undeploy removes the item's
installations and the item; redeploy updates the item in place and reinstalls it, so the id,
the tool's name and the gateway's URL stay. A failure on the way removes what this deploy
created and answers a :class:`DeployError` whose message is the platform's reason.
"""

from __future__ import annotations

import contextlib
import json
import re
import shlex
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, unquote

import anyio
import httpx

from orchestrix import __version__
from orchestrix.deploy.base import (
    DeployedAgent,
    DeployError,
    DeploymentRequest,
    DeployTarget,
    get_target,
    register_target,
)
from orchestrix.errors import ConfigurationError, OrchestrixError
from orchestrix.settings import Settings
from orchestrix.spec.models import Workflow, slugify

TARGET_NAME = "archestra-platform"
SPEC_ENV = "ORCHESTRIX_SPEC"
"""The environment variable ``orchestrix mcp`` reads the inline spec from (``settings.spec``)."""
HTTP_PATH = "/mcp"
"""Where ``orchestrix mcp --transport streamable-http`` answers."""

_WAITING = frozenset({"idle", "pending", "discovering-tools"})


@dataclass(frozen=True)
class PlatformConfig:
    """The settings this target needs, checked once."""

    url: str
    api_key: str
    dashboard_url: str
    gateway_id: str | None
    gateway_name: str
    transport: str
    http_port: int
    command: tuple[str, ...]
    docker_image: str | None
    install_timeout: float
    request_timeout: float
    upstream: str = "inline"

    @classmethod
    def from_settings(cls, settings: Settings) -> PlatformConfig:
        url = (settings.archestra_platform_url or "").strip().rstrip("/")
        if not url:
            raise ConfigurationError(
                "ORCHESTRIX_ARCHESTRA_PLATFORM_URL is not set: the `archestra-platform` target "
                "needs the base URL of your Archestra API (e.g. http://localhost:9000)",
                {"setting": "ORCHESTRIX_ARCHESTRA_PLATFORM_URL"},
            )
        if not url.startswith(("http://", "https://")):
            raise ConfigurationError(
                "ORCHESTRIX_ARCHESTRA_PLATFORM_URL must be an http:// or https:// URL",
                {"setting": "ORCHESTRIX_ARCHESTRA_PLATFORM_URL", "value": url},
            )
        secret = settings.archestra_platform_api_key or settings.archestra_api_key
        key = secret.get_secret_value().strip() if secret is not None else ""
        if not key:
            raise ConfigurationError(
                "ORCHESTRIX_ARCHESTRA_PLATFORM_API_KEY is not set: create an API key in Archestra "
                "(Settings, API keys) for the `archestra-platform` target",
                {"setting": "ORCHESTRIX_ARCHESTRA_PLATFORM_API_KEY"},
            )
        try:
            command = tuple(shlex.split(settings.archestra_platform_command))
        except ValueError as e:
            raise ConfigurationError(
                f"ORCHESTRIX_ARCHESTRA_PLATFORM_COMMAND cannot be split: {e}",
                {"setting": "ORCHESTRIX_ARCHESTRA_PLATFORM_COMMAND"},
            ) from e
        if not command:
            raise ConfigurationError(
                "ORCHESTRIX_ARCHESTRA_PLATFORM_COMMAND is empty",
                {"setting": "ORCHESTRIX_ARCHESTRA_PLATFORM_COMMAND"},
            )
        dashboard = (settings.archestra_platform_dashboard_url or url).strip().rstrip("/")
        return cls(
            url=url,
            api_key=key,
            dashboard_url=dashboard,
            gateway_id=(settings.archestra_gateway_id or "").strip() or None,
            gateway_name=settings.archestra_gateway_name.strip(),
            transport=settings.archestra_platform_transport,
            http_port=settings.archestra_platform_http_port,
            command=command,
            docker_image=settings.archestra_platform_docker_image or None,
            install_timeout=settings.archestra_platform_install_timeout,
            request_timeout=settings.deploy_timeout,
            upstream=settings.archestra_platform_upstream,
        )


# --- what Orchestrix registers ----------------------------------------------------------------


def inline_spec(workflow: Workflow) -> str:
    """The spec that travels in the catalog item: the graph without its tests (their sample
    inputs are data, not graph), as compact JSON."""
    wire = workflow.to_wire()
    wire.pop("tests", None)
    return json.dumps(wire, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def catalog_name(request: DeploymentRequest) -> str:
    """The registry name: the workflow's name and its server's id, so two servers with one
    name do not collide. Archestra prefixes the tool with it (``<name>__<tool>``)."""
    base = slugify(request.workflow.name).replace("_", "-")[:40].strip("-") or "workflow"
    suffix = slugify(request.server_id).replace("_", "")[:8]
    return f"{base}-{suffix}" if suffix else base


def launch(config: PlatformConfig) -> tuple[str, list[str]]:
    """The command and arguments Archestra's runtime starts: ``orchestrix mcp`` (the spec
    comes from ``ORCHESTRIX_SPEC``), over stdio or on a port."""
    command, *prefix = config.command
    arguments = [*prefix, "mcp"]
    if config.transport == "streamable-http":
        arguments += [
            "--transport",
            "streamable-http",
            "--host",
            "0.0.0.0",  # inside the runtime's container: its port is the service
            "--port",
            str(config.http_port),
        ]
    return command, arguments


def catalog_item(request: DeploymentRequest, config: PlatformConfig) -> dict[str, Any]:
    """The body of createInternalMcpCatalogItem / updateInternalMcpCatalogItem."""
    workflow = request.workflow
    command, arguments = launch(config)
    local_config: dict[str, Any] = {
        "command": command,
        "arguments": arguments,
        "environment": [
            {
                "key": SPEC_ENV,
                "type": "plain_text",
                "value": inline_spec(workflow),
                "promptOnInstallation": False,
                "description": "The Orchestrix workflow spec this server runs (graph only).",
            }
        ],
        "transportType": config.transport,
    }
    if config.transport == "streamable-http":
        local_config["httpPort"] = config.http_port
        local_config["httpPath"] = HTTP_PATH
    if config.docker_image:
        local_config["dockerImage"] = config.docker_image
    return {
        "name": catalog_name(request),
        "version": str(request.version),
        "description": workflow.description or workflow.name,
        "instructions": f"Deployed by Orchestrix {__version__} from server {request.server_id} "
        f"(version {request.version}). Runs `orchestrix mcp` with the spec in {SPEC_ENV}.",
        "serverType": "local",
        "requiresAuth": False,
        "localConfig": local_config,
    }


def remote_catalog_item(request: DeploymentRequest, server_url: str) -> dict[str, Any]:
    """The catalog item of a workflow an ``orchestrix host`` already serves: a remote server
    at that agent's MCP URL."""
    workflow = request.workflow
    return {
        "name": catalog_name(request),
        "version": str(request.version),
        "description": workflow.description or workflow.name,
        "instructions": f"Deployed by Orchestrix {__version__} from server {request.server_id} "
        f"(version {request.version}). Served by an `orchestrix host` at {server_url}.",
        "serverType": "remote",
        "serverUrl": server_url,
        "requiresAuth": False,
    }


def host_agent_id(server_url: Any) -> str | None:
    """The host agent a remote item points at (``.../agents/<id>/mcp``), if it is one."""
    found = re.search(r"/agents/([^/]+)/mcp/?$", server_url if isinstance(server_url, str) else "")
    return unquote(found.group(1)) if found else None


# --- the target -------------------------------------------------------------------------------


class ArchestraPlatformTarget:
    """Deploys into an Archestra platform through its REST API (see the module docstring)."""

    name = TARGET_NAME

    def __init__(
        self,
        config: PlatformConfig,
        *,
        upstream: DeployTarget | None = None,
        poll_interval: float = 2.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.config = config
        self.upstream = upstream  # the `orchestrix host` target, in `host` mode
        self.poll_interval = poll_interval
        self._transport = transport

    @classmethod
    def from_settings(cls, settings: Settings) -> ArchestraPlatformTarget:
        config = PlatformConfig.from_settings(settings)
        upstream = get_target(settings, "host") if config.upstream == "host" else None
        return cls(config, upstream=upstream)

    def _client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=self.config.url,
            headers={
                # Archestra API keys go in the header as they are (no "Bearer").
                "Authorization": self.config.api_key,
                "Accept": "application/json",
                "User-Agent": f"orchestrix/{__version__}",
            },
            timeout=self.config.request_timeout,
            transport=self._transport,
            follow_redirects=False,
        )

    # -- deploy -------------------------------------------------------------------------------

    async def deploy(
        self, request: DeploymentRequest, *, agent_id: str | None = None
    ) -> DeployedAgent:
        made: dict[str, str] = {}  # what this deploy created, removed again if it fails
        async with self._client() as client:
            gateway = await self._gateway(client)
            try:
                if self.upstream is None:
                    body = catalog_item(request, self.config)
                else:
                    body = await self._remote_item(client, request, agent_id, made)
                if agent_id is None:
                    item = await _call(client, "POST", "/api/internal_mcp_catalog", json=body)
                    catalog_id = made["catalog"] = _id(item, "the catalog item")
                else:
                    item = await _call(
                        client, "PUT", f"/api/internal_mcp_catalog/{_seg(agent_id)}", json=body
                    )
                    catalog_id = _id(item, "the catalog item")
                    await self._remove_installations(client, agent_id)
                installation = await _call(
                    client,
                    "POST",
                    "/api/mcp_server",
                    json={"name": body["name"], "catalogId": catalog_id},
                )
                installation_id = made["installation"] = _id(installation, "the installation")
                await self._wait_installed(client, installation_id)
                tools = await self._assign_tools(client, gateway["id"], installation_id)
            except BaseException:
                with anyio.CancelScope(shield=True):
                    await self._clean_up(client, made)
                raise
        return DeployedAgent(
            agent_id=catalog_id,
            endpoint=f"{self.config.url}/v1/mcp/{quote(gateway['id'], safe='')}",
            dashboard_url=f"{self.config.dashboard_url}/mcp-catalog/registry",
            deployed_at=datetime.now(UTC),
            target=TARGET_NAME,
            raw={
                "catalogItemId": catalog_id,
                "catalogItemName": body["name"],
                "installationId": installation_id,
                "gatewayId": gateway["id"],
                "gatewayName": gateway["name"],
                "tools": tools,
                "serverType": body["serverType"],
                "serverUrl": body.get("serverUrl"),
                "transport": self.config.transport if self.upstream is None else None,
            },
        )

    async def _remote_item(
        self,
        client: httpx.AsyncClient,
        request: DeploymentRequest,
        agent_id: str | None,
        made: dict[str, str],
    ) -> dict[str, Any]:
        """`host` mode: deploy (or redeploy) to the host first; the item points at it."""
        assert self.upstream is not None
        previous = None
        if agent_id is not None:
            item = await _call(client, "GET", f"/api/internal_mcp_catalog/{_seg(agent_id)}")
            previous = host_agent_id(item.get("serverUrl") if isinstance(item, dict) else None)
        hosted = await self.upstream.deploy(request, agent_id=previous)
        if previous is None:
            made["upstream"] = hosted.agent_id
        mcp_url = hosted.raw.get("mcpEndpoint") or f"{hosted.endpoint.rstrip('/')}/mcp"
        return remote_catalog_item(request, str(mcp_url))

    async def _gateway(self, client: httpx.AsyncClient) -> dict[str, str]:
        """The profile whose MCP gateway serves the tool: the configured id, else the profile
        with the configured name (made when there is none)."""
        if self.config.gateway_id:
            return {"id": self.config.gateway_id, "name": self.config.gateway_name}
        name = self.config.gateway_name
        found = await _call(client, "GET", "/api/agents", params={"name": name, "limit": 100})
        agents = found.get("data", []) if isinstance(found, dict) else []
        for agent in agents:
            if isinstance(agent, dict) and agent.get("name") == name:
                return {"id": _id(agent, "the profile"), "name": name}
        created = await _call(client, "POST", "/api/agents", json={"name": name, "teams": []})
        return {"id": _id(created, "the new profile"), "name": name}

    async def _wait_installed(self, client: httpx.AsyncClient, installation_id: str) -> None:
        """Until Archestra's runtime has started the server and listed its tools."""
        path = f"/api/mcp_server/{_seg(installation_id)}/installation-status"
        last = "pending"
        delay = min(0.2, self.poll_interval)  # doubles up to poll_interval: quick starts stay quick
        with anyio.move_on_after(self.config.install_timeout):
            while True:
                state = await _call(client, "GET", path)
                last = str(state.get("localInstallationStatus"))
                if last == "success":
                    return
                if (
                    last == "idle"
                    and self.upstream is not None
                    and await self._has_tools(client, installation_id)
                ):
                    return  # a remote server has no local runtime to report on
                if last not in _WAITING:
                    error = state.get("localInstallationError") or "no reason given"
                    raise DeployError(
                        f"Archestra could not start the MCP server: {error}",
                        {"installationId": installation_id, "status": last, "error": error},
                    )
                await anyio.sleep(delay)
                delay = min(delay * 2, self.poll_interval)
        raise DeployError(
            f"Archestra did not finish installing the MCP server within "
            f"{self.config.install_timeout:g}s (last status: {last})",
            {"installationId": installation_id, "status": last},
        )

    async def _has_tools(self, client: httpx.AsyncClient, installation_id: str) -> bool:
        tools = await _call(client, "GET", f"/api/mcp_server/{_seg(installation_id)}/tools")
        return isinstance(tools, list) and bool(tools)

    async def _assign_tools(
        self, client: httpx.AsyncClient, gateway_id: str, installation_id: str
    ) -> list[dict[str, str]]:
        tools = await _call(client, "GET", f"/api/mcp_server/{_seg(installation_id)}/tools")
        if not isinstance(tools, list) or not tools:
            raise DeployError(
                "Archestra installed the MCP server but found no tool in it",
                {"installationId": installation_id},
            )
        assigned = []
        for tool in tools:
            tool_id = _id(tool, "a tool")
            path = f"/api/agents/{_seg(gateway_id)}/tools/{_seg(tool_id)}"
            # 409: the tool already belongs to the profile (a redeploy of the same item).
            await _call(
                client,
                "POST",
                path,
                json={"executionSourceMcpServerId": installation_id},
                accept=(409,),
            )
            assigned.append({"id": tool_id, "name": str(tool.get("name", ""))})
        return assigned

    # -- undeploy and status ------------------------------------------------------------------

    async def undeploy(self, agent_id: str) -> None:
        async with self._client() as client:
            path = f"/api/internal_mcp_catalog/{_seg(agent_id)}"
            item = await _call(client, "GET", path, accept=(404,))
            await self._remove_installations(client, agent_id)
            await _call(client, "DELETE", path, accept=(404,))
        hosted = _upstream_of(item)
        if hosted is not None and self.upstream is not None:
            await self.upstream.undeploy(hosted)

    async def status(self, agent_id: str) -> dict[str, Any]:
        async with self._client() as client:
            item = await _call(
                client, "GET", f"/api/internal_mcp_catalog/{_seg(agent_id)}", accept=(404,)
            )
            if item is None:
                return {"agentId": agent_id, "deployed": False, "target": TARGET_NAME}
            installations = await self._installations(client, agent_id)
        # A remote server has no local runtime: "idle" is as far as its status goes.
        running = {"success", "idle"} if item.get("serverType") == "remote" else {"success"}
        states = [
            {
                "id": str(i["id"]),
                "status": i.get("localInstallationStatus"),
                "error": i.get("localInstallationError"),
            }
            for i in installations
        ]
        return {
            "agentId": agent_id,
            "deployed": any(s["status"] in running for s in states),
            "target": TARGET_NAME,
            "name": item.get("name"),
            "version": item.get("version"),
            "installations": states,
            "serverType": item.get("serverType"),
            "hostAgentId": _upstream_of(item),
        }

    async def _installations(
        self, client: httpx.AsyncClient, catalog_id: str
    ) -> list[dict[str, Any]]:
        found = await _call(client, "GET", "/api/mcp_server", params={"catalogId": catalog_id})
        if not isinstance(found, list):
            return []
        # The filter is the platform's; checking again costs nothing and guards older versions.
        return [i for i in found if isinstance(i, dict) and str(i.get("catalogId")) == catalog_id]

    async def _remove_installations(self, client: httpx.AsyncClient, catalog_id: str) -> None:
        for installation in await self._installations(client, catalog_id):
            await _call(
                client,
                "DELETE",
                f"/api/mcp_server/{_seg(str(installation['id']))}",
                accept=(404,),
            )

    async def _clean_up(self, client: httpx.AsyncClient, made: dict[str, str]) -> None:
        """Best effort after a failed deploy: the failure itself is what the user must see."""
        paths = []
        if "installation" in made:
            paths.append(f"/api/mcp_server/{_seg(made['installation'])}")
        if "catalog" in made:
            paths.append(f"/api/internal_mcp_catalog/{_seg(made['catalog'])}")
        for path in paths:
            with contextlib.suppress(DeployError):
                await _call(client, "DELETE", path, accept=(404,))
        if "upstream" in made and self.upstream is not None:
            with contextlib.suppress(OrchestrixError):
                await self.upstream.undeploy(made["upstream"])


def _upstream_of(item: Any) -> str | None:
    """The host agent behind a remote catalog item that Orchestrix made."""
    if isinstance(item, dict) and item.get("serverType") == "remote":
        return host_agent_id(item.get("serverUrl"))
    return None


# --- HTTP -------------------------------------------------------------------------------------


def _id(obj: Any, what: str) -> str:
    """The ``id`` of an object the platform answered, or a clear error when there is none."""
    if isinstance(obj, dict) and isinstance(obj.get("id"), str) and obj["id"]:
        return str(obj["id"])
    raise DeployError(f"Archestra's answer for {what} has no id", {"answer": obj})


def _seg(value: str) -> str:
    """An id as one path segment, whatever it holds."""
    return quote(value, safe="")


async def _call(
    client: httpx.AsyncClient,
    method: str,
    path: str,
    *,
    json: Any = None,
    params: dict[str, Any] | None = None,
    accept: tuple[int, ...] = (),
) -> Any:
    """One API request; the decoded JSON answer, None for an accepted error status, else a
    DeployError carrying the platform's own message."""
    where = f"{method} {path}"
    try:
        response = await client.request(method, path, json=json, params=params)
    except httpx.TimeoutException as e:
        raise DeployError(
            f"Archestra at {client.base_url} did not answer in time ({where})",
            {"method": method, "path": path},
        ) from e
    except httpx.HTTPError as e:
        raise DeployError(
            f"cannot reach Archestra at {client.base_url}: {e}", {"method": method, "path": path}
        ) from e
    if response.status_code in accept:
        return None
    try:
        body = response.json() if response.content else None
    except ValueError:
        body = None
    if response.is_success:
        if body is None and response.content:
            raise DeployError(
                f"Archestra answered {where} with something that is not JSON",
                {"status": response.status_code, "method": method, "path": path},
            )
        return body
    raise _error(response.status_code, where, body, response.text, method, path)


def _error(status: int, where: str, body: Any, text: str, method: str, path: str) -> DeployError:
    kind: str | None = None
    message = ""
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):
            message = str(error.get("message") or "")
            kind = str(error["type"]) if error.get("type") else None
        elif isinstance(error, str):
            message = str(body.get("message") or error)
    if not message:
        message = text.strip()[:300] or "no reason given"
    if status == 401:
        reason = f"Archestra rejected the API key (401): {message}"
    elif status == 403:
        reason = f"the API key may not do this in Archestra (403 on {where}): {message}"
    elif status == 404:
        reason = f"not found in Archestra (404 on {where}): {message}"
    elif status == 409:
        reason = f"conflict in Archestra (409 on {where}): {message}"
    elif status == 400:
        reason = f"Archestra refused the request (400 on {where}): {message}"
    else:
        reason = f"Archestra answered {status} on {where}: {message}"
    return DeployError(
        reason, {"status": status, "method": method, "path": path, "type": kind, "body": body}
    )


register_target(TARGET_NAME, ArchestraPlatformTarget.from_settings)

__all__ = [
    "HTTP_PATH",
    "SPEC_ENV",
    "TARGET_NAME",
    "ArchestraPlatformTarget",
    "PlatformConfig",
    "catalog_item",
    "host_agent_id",
    "inline_spec",
    "launch",
    "remote_catalog_item",
]

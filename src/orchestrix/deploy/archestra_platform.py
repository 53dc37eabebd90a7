"""The ``archestra-platform`` target: a workflow into your own (open-source) Archestra platform.

Archestra runs MCP servers itself. A deploy makes three things there, through its REST API
(Archestra 1.2.x; the requests are checked against the 1.2.76 API description, see
docs/archestra-platform.md):

1. a **catalog item** in the Private MCP Registry, either local (Archestra's MCP runtime starts
   ``orchestrix mcp`` with the spec inline, in ``ORCHESTRIX_SPEC``: the graph only, no tests,
   no secrets) or remote (``host`` mode: an ``orchestrix host`` serves the workflow and the
   item points at that agent's MCP URL);
2. an **installation** of that item, which Archestra starts (local) or connects to (remote)
   and asks for its tool;
3. an **assignment** of that tool, running on that installation, to an MCP gateway, which
   then serves it at ``<platform>/v1/mcp/<gatewayId>`` to clients holding an Archestra token.

It first asks ``GET /health`` which Archestra it talks to and stops, having made nothing,
below :data:`MIN_VERSION`. The agent id Orchestrix keeps is the catalog item's id (in ``host``
mode ``<item id>:<host agent id>``, so undeploy finds the host agent even when the item is
gone). Redeploy updates the item in place, installs it again, moves the gateway's assignment
to the new installation and only then removes the old one: the id, the tool's name and the
gateway's URL stay, and the tool is served throughout. A failure on the way removes what this
deploy created and answers a :class:`DeployError` whose message is the platform's reason.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import UTC, datetime
from typing import Any

import anyio
import httpx

from orchestrix import __version__
from orchestrix.deploy.archestra_http import call, object_id, seg, version_of
from orchestrix.deploy.archestra_items import (
    CHECKED_VERSION,
    HOST_SEPARATOR,
    HTTP_PATH,
    MIN_VERSION,
    SERVER_LABEL,
    SPEC_ENV,
    TOKEN_NOTE,
    PlatformConfig,
    catalog_item,
    catalog_name,
    gateway_access,
    host_agent_id,
    inline_spec,
    launch,
    name_suffix,
    remote_catalog_item,
    split_agent_id,
)
from orchestrix.deploy.base import (
    DeployedAgent,
    DeployError,
    DeploymentRequest,
    DeployTarget,
    get_target,
    register_target,
)
from orchestrix.errors import OrchestrixError
from orchestrix.settings import Settings

log = logging.getLogger("orchestrix.deploy")

TARGET_NAME = "archestra-platform"

_WAITING = frozenset({"idle", "pending", "discovering-tools"})


# --- the target -------------------------------------------------------------------------------


class ArchestraPlatformTarget:
    """Deploys into an Archestra platform through its REST API (see the module docstring)."""

    name = TARGET_NAME

    def __init__(
        self,
        config: PlatformConfig,
        *,
        upstream: DeployTarget | None = None,
        host: DeployTarget | None = None,
        poll_interval: float = 2.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.config = config
        self.upstream = upstream  # the `orchestrix host` target, in `host` mode
        self.host = host or upstream  # where undeploy takes a host agent down
        self.poll_interval = poll_interval
        self._transport = transport

    @classmethod
    def from_settings(cls, settings: Settings) -> ArchestraPlatformTarget:
        config = PlatformConfig.from_settings(settings)
        host = get_target(settings, "host") if settings.host_url else None
        upstream = get_target(settings, "host") if config.upstream == "host" else None
        return cls(config, upstream=upstream, host=host)

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
        made: dict[str, Any] = {}  # what this deploy created or changed, undone if it fails
        async with self._client() as client:
            await self._check_version(client)
            gateway = await self._gateway(client)
            if agent_id is None:
                agent_id = await self._leftover(client, request)
            try:
                if agent_id is None:
                    catalog_id, hosted, body, old = await self._create(client, request, made)
                else:
                    catalog_id, hosted, body, old = await self._update(
                        client, request, agent_id, made
                    )
                installation = await self._install(client, catalog_id, body)
                installation_id = made["installation"] = object_id(installation, "the installation")
                await self._wait_installed(client, installation, body["serverType"])
                tools = await self._switch(client, gateway["id"], catalog_id, installation_id)
                for old_id in old:  # only now: the gateway already runs the tool on the new one
                    await call(client, "DELETE", f"/api/mcp_server/{seg(old_id)}", accept=(404,))
            except BaseException:
                with anyio.CancelScope(shield=True):
                    await self._clean_up(client, made)
                raise
        access = gateway_access(self.config, gateway["id"], gateway["name"])
        new_id = catalog_id if hosted is None else f"{catalog_id}{HOST_SEPARATOR}{hosted}"
        return DeployedAgent(
            agent_id=new_id,
            endpoint=access["url"],
            dashboard_url=f"{self.config.dashboard_url}/mcp/registry",
            deployed_at=datetime.now(UTC),
            target=TARGET_NAME,
            raw={
                "catalogItemId": catalog_id,
                "catalogItemName": body["name"],
                "installationId": installation_id,
                "gatewayId": gateway["id"],
                "gatewayName": gateway["name"],
                "gateway": access,
                "tools": tools,
                "serverType": body["serverType"],
                "serverUrl": body.get("serverUrl"),
                "hostAgentId": hosted,
                "scope": self.config.scope,
                "transport": self.config.transport if self.upstream is None else None,
            },
        )

    async def _check_version(self, client: httpx.AsyncClient) -> None:
        """Stop before anything is made when the platform is older than this target speaks."""
        needed = ".".join(str(n) for n in MIN_VERSION)
        try:
            health = await call(client, "GET", "/health")
        except DeployError as e:
            if e.details.get("status") is None:
                raise  # not reachable: that reason is the clearer one
            raise DeployError(
                f"cannot tell which Archestra this is (GET /health answered "
                f"{e.details['status']}); Orchestrix needs {needed} or newer",
                e.details,
            ) from e
        reported = health.get("version") if isinstance(health, dict) else None
        version = version_of(reported)
        if version is None:
            raise DeployError(
                f"cannot tell which Archestra this is (GET /health reports version "
                f"{reported!r}); Orchestrix needs {needed} or newer",
                {"health": health},
            )
        if version < MIN_VERSION:
            raise DeployError(
                f"this Archestra is {reported}; Orchestrix needs {needed} or newer",
                {"version": reported, "needed": needed},
            )

    async def _gateway(self, client: httpx.AsyncClient) -> dict[str, str]:
        """The MCP gateway that serves the tool: the configured id, else the gateway with the
        configured name in the configured scope (made when there is none)."""
        if self.config.gateway_id:
            return {"id": self.config.gateway_id, "name": self.config.gateway_name}
        name = self.config.gateway_name
        params = {
            "name": name,
            "agentType": "mcp_gateway",
            "scope": self.config.scope,
            "limit": 100,
        }
        found = await call(client, "GET", "/api/agents", params=params)
        agents = found.get("data", []) if isinstance(found, dict) else []
        for agent in agents:
            if isinstance(agent, dict) and agent.get("name") == name:
                return {"id": object_id(agent, "the gateway"), "name": name}
        body = {"name": name, "agentType": "mcp_gateway", **self.config.scoped(team_key="teams")}
        created = await call(client, "POST", "/api/agents", json=body)
        return {"id": object_id(created, "the new gateway"), "name": name}

    async def _leftover(self, client: httpx.AsyncClient, request: DeploymentRequest) -> str | None:
        """Before creating an item: one with its name already there. Archestra keeps no name
        unique, so this is the only guard. An item this server made (its label says so), left
        by a deploy that was never recorded, is taken over; anyone else's is a refusal."""
        name = catalog_name(request)
        items = await call(client, "GET", "/api/internal_mcp_catalog")
        for item in items if isinstance(items, list) else []:
            if not isinstance(item, dict) or item.get("name") != name:
                continue
            labels = {
                label.get("key"): label.get("value")
                for label in item.get("labels") or []
                if isinstance(label, dict)
            }
            item_id = object_id(item, "the catalog item")
            if labels.get(SERVER_LABEL) != request.server_id:
                raise DeployError(
                    f"Archestra already has a catalog item named {name!r} (id {item_id}) that "
                    f"server {request.server_id} did not make; remove or rename it in "
                    f"Archestra's MCP registry",
                    {"catalogItemId": item_id, "name": name},
                )
            log.warning("taking over catalog item %s, left by an earlier deploy", item_id)
            hosted = _upstream_of(item)
            return item_id if hosted is None else f"{item_id}{HOST_SEPARATOR}{hosted}"
        return None

    async def _create(
        self, client: httpx.AsyncClient, request: DeploymentRequest, made: dict[str, Any]
    ) -> tuple[str, str | None, dict[str, Any], list[str]]:
        hosted = None
        if self.upstream is None:
            body = catalog_item(request, self.config)
        else:
            hosted, url = await self._host(request, None, made)
            body = remote_catalog_item(request, self.config, url)
        item = await call(client, "POST", "/api/internal_mcp_catalog", json=body)
        catalog_id = made["catalog"] = object_id(item, "the catalog item")
        return catalog_id, hosted, body, []

    async def _update(
        self,
        client: httpx.AsyncClient,
        request: DeploymentRequest,
        agent_id: str,
        made: dict[str, Any],
    ) -> tuple[str, str | None, dict[str, Any], list[str]]:
        """Redeploy: the item in place, keeping its name (so the tool's name stays); the
        installations it had are removed only after the new one serves the tool."""
        catalog_id, hosted = split_agent_id(agent_id)
        item = await call(client, "GET", f"/api/internal_mcp_catalog/{seg(catalog_id)}")
        if not isinstance(item, dict):
            raise DeployError("Archestra's answer for the catalog item is not an object")
        old = [str(i["id"]) for i in await self._installations(client, catalog_id)]
        if self.upstream is None:
            body = catalog_item(request, self.config)
        else:
            hosted, url = await self._host(request, hosted or _upstream_of(item), made)
            body = remote_catalog_item(request, self.config, url)
        body["name"] = item.get("name") or body["name"]
        made["restore"] = (catalog_id, {k: item.get(k) for k in _RESTORED if k in body})
        await call(client, "PUT", f"/api/internal_mcp_catalog/{seg(catalog_id)}", json=body)
        return catalog_id, hosted, body, old

    async def _host(
        self, request: DeploymentRequest, previous: str | None, made: dict[str, Any]
    ) -> tuple[str, str]:
        """`host` mode: deploy (or redeploy) to the host first; the item points at it."""
        assert self.upstream is not None
        hosted = await self.upstream.deploy(request, agent_id=previous)
        if previous is None:
            made["upstream"] = hosted.agent_id
        mcp_url = hosted.raw.get("mcpEndpoint") or f"{hosted.endpoint.rstrip('/')}/mcp"
        return hosted.agent_id, str(mcp_url)

    async def _install(
        self, client: httpx.AsyncClient, catalog_id: str, body: dict[str, Any]
    ) -> Any:
        """Install the item. A remote install is synchronous: Archestra connects to the server
        during the request and fails it (500) when it cannot."""
        payload = {
            "name": body["name"],
            "catalogId": catalog_id,
            **self.config.scoped(team_key="teamId"),
        }
        try:
            return await call(client, "POST", "/api/mcp_server", json=payload)
        except DeployError as e:
            if e.details.get("status") != 500:
                raise
            raise DeployError(
                f"Archestra could not install the MCP server: {e.details.get('message')}",
                e.details,
            ) from e

    async def _wait_installed(
        self, client: httpx.AsyncClient, installation: Any, server_type: str
    ) -> None:
        """Until Archestra's runtime has started a local server and listed its tools (a remote
        install answers when that is done)."""
        installation_id = object_id(installation, "the installation")
        last = str(installation.get("localInstallationStatus"))
        if last == "success" or (server_type == "remote" and last == "idle"):
            return
        path = f"/api/mcp_server/{seg(installation_id)}/installation-status"
        delay = min(0.2, self.poll_interval)  # doubles up to poll_interval: quick starts stay quick
        with anyio.move_on_after(self.config.install_timeout):
            while True:
                if last not in _WAITING:
                    error = (
                        installation.get("localInstallationError") if last == "error" else None
                    ) or "no reason given"
                    raise DeployError(
                        f"Archestra could not start the MCP server: {error}",
                        {"installationId": installation_id, "status": last, "error": error},
                    )
                await anyio.sleep(delay)
                delay = min(delay * 2, self.poll_interval)
                installation = await call(client, "GET", path)
                last = str(installation.get("localInstallationStatus"))
                if last == "success":
                    return
        raise DeployError(
            f"Archestra did not finish installing the MCP server within "
            f"{self.config.install_timeout:g}s (last status: {last})",
            {"installationId": installation_id, "status": last},
        )

    async def _switch(
        self,
        client: httpx.AsyncClient,
        gateway_id: str,
        catalog_id: str,
        installation_id: str,
    ) -> list[dict[str, str]]:
        """The gateway runs each of the item's tools on ``installation_id``: a new assignment,
        or the existing one moved there (a duplicate assignment answers 200 and changes
        nothing, so it cannot move one); tools the new installation no longer has go."""
        tools = await call(client, "GET", f"/api/mcp_server/{seg(installation_id)}/tools")
        if not isinstance(tools, list) or not tools:
            raise DeployError(
                "Archestra installed the MCP server but found no tool in it",
                {"installationId": installation_id},
            )
        links = await call(
            client,
            "GET",
            "/api/agent-tools",
            params={"agentId": gateway_id, "origin": catalog_id, "skipPagination": "true"},
        )
        by_tool = {
            str(link["tool"]["id"]): link
            for link in (links.get("data", []) if isinstance(links, dict) else [])
            if isinstance(link, dict) and isinstance(link.get("tool"), dict)
        }
        assigned = []
        for tool in tools:
            tool_id = object_id(tool, "a tool")
            link = by_tool.pop(tool_id, None)
            if link is None:
                await call(
                    client,
                    "POST",
                    f"/api/agents/{seg(gateway_id)}/tools/{seg(tool_id)}",
                    json={"mcpServerId": installation_id},
                )
            elif link.get("mcpServerId") != installation_id:
                await call(
                    client,
                    "PATCH",
                    f"/api/agent-tools/{seg(object_id(link, 'an assignment'))}",
                    json={"mcpServerId": installation_id},
                )
            assigned.append({"id": tool_id, "name": str(tool.get("name", ""))})
        for tool_id in by_tool:  # a tool of an earlier version that this one no longer has
            await call(
                client,
                "DELETE",
                f"/api/agents/{seg(gateway_id)}/tools/{seg(tool_id)}",
                accept=(404,),
            )
        return assigned

    # -- undeploy and status ------------------------------------------------------------------

    async def undeploy(self, agent_id: str) -> None:
        catalog_id, hosted = split_agent_id(agent_id)
        async with self._client() as client:
            path = f"/api/internal_mcp_catalog/{seg(catalog_id)}"
            item = await call(client, "GET", path, accept=(404,))
            for installation in await self._installations(client, catalog_id):
                await call(
                    client,
                    "DELETE",
                    f"/api/mcp_server/{seg(str(installation['id']))}",
                    accept=(404,),
                )
            if item is not None:
                await call(client, "DELETE", path, accept=(404,))
        hosted = hosted or _upstream_of(item)
        if hosted is not None:
            if self.host is None:
                raise DeployError(
                    f"host agent {hosted} is still running: set ORCHESTRIX_HOST_URL so "
                    "undeploy can take it down",
                    {"hostAgentId": hosted},
                )
            await self.host.undeploy(hosted)

    async def status(self, agent_id: str) -> dict[str, Any]:
        catalog_id, hosted = split_agent_id(agent_id)
        async with self._client() as client:
            item = await call(
                client, "GET", f"/api/internal_mcp_catalog/{seg(catalog_id)}", accept=(404,)
            )
            if item is None:
                return {"agentId": agent_id, "deployed": False, "target": TARGET_NAME}
            installations = await self._installations(client, catalog_id)
        # A remote server has no local runtime: "idle" is as far as its status may go.
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
            "scope": item.get("scope"),
            "installations": states,
            "serverType": item.get("serverType"),
            "hostAgentId": hosted or _upstream_of(item),
        }

    async def agents(self) -> list[dict[str, Any]]:
        """The catalog items Orchestrix made (labelled with their server), as agents: for the
        reconciler. The endpoint is the configured gateway's, when there is one."""
        async with self._client() as client:
            items = await call(client, "GET", "/api/internal_mcp_catalog")
            endpoint = None
            if self.config.gateway_id:
                endpoint = gateway_access(self.config, self.config.gateway_id, "")["url"]
            else:
                params = {"name": self.config.gateway_name, "agentType": "mcp_gateway"}
                found = await call(client, "GET", "/api/agents", params=params)
                for agent in found.get("data", []) if isinstance(found, dict) else []:
                    if isinstance(agent, dict) and agent.get("name") == self.config.gateway_name:
                        endpoint = gateway_access(self.config, object_id(agent, "a gateway"), "")[
                            "url"
                        ]
                        break
        listed = []
        for item in items if isinstance(items, list) else []:
            if not isinstance(item, dict):
                continue
            labels = {
                label.get("key"): label.get("value")
                for label in item.get("labels") or []
                if isinstance(label, dict)
            }
            if not labels.get(SERVER_LABEL):
                continue
            item_id = object_id(item, "a catalog item")
            hosted = _upstream_of(item)
            version = str(item.get("version") or "")
            listed.append(
                {
                    "agentId": item_id if hosted is None else f"{item_id}{HOST_SEPARATOR}{hosted}",
                    "serverId": labels[SERVER_LABEL],
                    "endpoint": endpoint,
                    "dashboardUrl": f"{self.config.dashboard_url}/mcp/registry",
                    "version": int(version) if version.isdigit() else None,
                }
            )
        return listed

    async def _installations(
        self, client: httpx.AsyncClient, catalog_id: str
    ) -> list[dict[str, Any]]:
        found = await call(client, "GET", "/api/mcp_server", params={"catalogId": catalog_id})
        if not isinstance(found, list):
            return []
        # The filter is the platform's; checking again costs nothing.
        return [i for i in found if isinstance(i, dict) and str(i.get("catalogId")) == catalog_id]

    async def _clean_up(self, client: httpx.AsyncClient, made: dict[str, Any]) -> None:
        """Best effort after a failed deploy: the failure itself is what the user must see."""
        with contextlib.suppress(DeployError):
            if "installation" in made:
                path = f"/api/mcp_server/{seg(made['installation'])}"
                await call(client, "DELETE", path, accept=(404,))
        with contextlib.suppress(DeployError):
            if "catalog" in made:
                path = f"/api/internal_mcp_catalog/{seg(made['catalog'])}"
                await call(client, "DELETE", path, accept=(404,))
            elif "restore" in made:  # a failed redeploy: the item says what still runs
                catalog_id, before = made["restore"]
                path = f"/api/internal_mcp_catalog/{seg(catalog_id)}"
                await call(client, "PUT", path, json=before)
        if "upstream" in made and self.upstream is not None:
            with contextlib.suppress(OrchestrixError):
                await self.upstream.undeploy(made["upstream"])


#: What a failed redeploy puts back on the item: what the new body changed.
_RESTORED = ("version", "description", "instructions", "localConfig", "serverUrl")


def _upstream_of(item: Any) -> str | None:
    """The host agent behind a remote catalog item that Orchestrix made."""
    if isinstance(item, dict) and item.get("serverType") == "remote":
        return host_agent_id(item.get("serverUrl"))
    return None


register_target(TARGET_NAME, ArchestraPlatformTarget.from_settings)

__all__ = [
    "CHECKED_VERSION",
    "HOST_SEPARATOR",
    "HTTP_PATH",
    "MIN_VERSION",
    "SERVER_LABEL",
    "SPEC_ENV",
    "TARGET_NAME",
    "TOKEN_NOTE",
    "ArchestraPlatformTarget",
    "PlatformConfig",
    "catalog_item",
    "catalog_name",
    "gateway_access",
    "host_agent_id",
    "inline_spec",
    "launch",
    "name_suffix",
    "remote_catalog_item",
    "split_agent_id",
]

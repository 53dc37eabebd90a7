"""What the ``archestra-platform`` target registers in Archestra, and the settings it needs.

The bodies of the catalog item (local: ``orchestrix mcp`` with the spec inline in
``ORCHESTRIX_SPEC``; remote: an ``orchestrix host`` agent's MCP URL), its name (the workflow's
name and 8 hex characters of the server id), the agent id Orchestrix keeps, and how an MCP
client reaches the gateway. Plain functions of the request and :class:`PlatformConfig`: no
HTTP here (that is :mod:`orchestrix.deploy.archestra_platform`).
"""

from __future__ import annotations

import hashlib
import json
import re
import shlex
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote

from orchestrix import __version__
from orchestrix.deploy.base import DeploymentRequest
from orchestrix.errors import ConfigurationError
from orchestrix.settings import Settings
from orchestrix.spec.models import Workflow, slugify

SPEC_ENV = "ORCHESTRIX_SPEC"
"""The environment variable ``orchestrix mcp`` reads the inline spec from (``settings.spec``)."""
HTTP_PATH = "/mcp"
"""Where ``orchestrix mcp --transport streamable-http`` answers."""
MIN_VERSION = (1, 2, 0)
"""The oldest Archestra this target speaks to (the request bodies changed after 1.0.x)."""
CHECKED_VERSION = "1.2.76"
"""The Archestra whose API description the contract tests check every request against."""
SERVER_LABEL = "orchestrix-server"
"""The catalog item's label that names the Orchestrix server it was deployed from."""
HOST_SEPARATOR = ":"
"""Between the catalog item's id and the host agent's id in a ``host`` mode agent id."""
TOKEN_NOTE = (
    "Archestra's MCP gateway wants an Archestra token as `Authorization: Bearer <token>`; it "
    "refuses the API key Orchestrix deploys with. Use your personal token (GET "
    "{url}/api/user-tokens/me/value while signed in, or the gateway's Connect dialog at "
    "{dashboard}/mcp/gateways) or an organization token (GET {url}/api/tokens, then GET "
    "{url}/api/tokens/<tokenId>/value)."
)


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
    scope: str = "org"
    team_id: str | None = None

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
        team_id = (settings.archestra_platform_team_id or "").strip() or None
        if settings.archestra_platform_scope == "team" and team_id is None:
            raise ConfigurationError(
                "ORCHESTRIX_ARCHESTRA_PLATFORM_TEAM_ID is not set: the `team` scope needs the "
                "Archestra team the deployment belongs to",
                {"setting": "ORCHESTRIX_ARCHESTRA_PLATFORM_TEAM_ID"},
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
            scope=settings.archestra_platform_scope,
            team_id=team_id if settings.archestra_platform_scope == "team" else None,
        )

    def scoped(self, *, team_key: str) -> dict[str, Any]:
        """``scope`` (and the team, under ``team_key``) for a body that takes them."""
        body: dict[str, Any] = {"scope": self.scope}
        if self.team_id is not None:
            body[team_key] = [self.team_id] if team_key == "teams" else self.team_id
        return body


# --- what Orchestrix registers ----------------------------------------------------------------


def inline_spec(workflow: Workflow) -> str:
    """The spec that travels in the catalog item: the graph without its tests (their sample
    inputs are data, not graph), as compact JSON."""
    wire = workflow.to_wire()
    wire.pop("tests", None)
    return json.dumps(wire, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def name_suffix(server_id: str) -> str:
    """8 hex characters of the server id's SHA-256: the same server always gets the same."""
    return hashlib.sha256(server_id.encode()).hexdigest()[:8]


def catalog_name(request: DeploymentRequest) -> str:
    """The registry name: the workflow's name and 8 hex characters from its server's id, so two
    servers with one name do not collide (Archestra itself does not keep names unique).
    Archestra prefixes the tool with it (``<name>__<tool>``)."""
    base = slugify(request.workflow.name).replace("_", "-")[:40].strip("-") or "workflow"
    return f"{base}-{name_suffix(request.server_id)}"


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


def _common(request: DeploymentRequest, config: PlatformConfig, served_by: str) -> dict[str, Any]:
    workflow = request.workflow
    return {
        "name": catalog_name(request),
        "version": str(request.version),
        "description": workflow.description or workflow.name,
        "instructions": f"Deployed by Orchestrix {__version__} from server {request.server_id} "
        f"(version {request.version}). {served_by}",
        "requiresAuth": False,
        "labels": [{"key": SERVER_LABEL, "value": request.server_id}],
        **config.scoped(team_key="teams"),
    }


def catalog_item(request: DeploymentRequest, config: PlatformConfig) -> dict[str, Any]:
    """The body of createInternalMcpCatalogItem / updateInternalMcpCatalogItem (inline mode)."""
    command, arguments = launch(config)
    local_config: dict[str, Any] = {
        "command": command,
        "arguments": arguments,
        "environment": [
            {
                "key": SPEC_ENV,
                "type": "plain_text",
                "value": inline_spec(request.workflow),
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
    served_by = f"Runs `orchestrix mcp` with the spec in {SPEC_ENV}."
    return {
        **_common(request, config, served_by),
        "serverType": "local",
        "localConfig": local_config,
    }


def remote_catalog_item(
    request: DeploymentRequest, config: PlatformConfig, server_url: str
) -> dict[str, Any]:
    """The catalog item of a workflow an ``orchestrix host`` already serves: a remote server
    at that agent's MCP URL."""
    served_by = f"Served by an `orchestrix host` at {server_url}."
    return {
        **_common(request, config, served_by),
        "serverType": "remote",
        "serverUrl": server_url,
    }


def host_agent_id(server_url: Any) -> str | None:
    """The host agent a remote item points at (``.../agents/<id>/mcp``), if it is one."""
    found = re.search(r"/agents/([^/]+)/mcp/?$", server_url if isinstance(server_url, str) else "")
    return unquote(found.group(1)) if found else None


def split_agent_id(agent_id: str) -> tuple[str, str | None]:
    """The catalog item's id and, in ``host`` mode, the host agent's."""
    catalog_id, _, hosted = agent_id.partition(HOST_SEPARATOR)
    return catalog_id, hosted or None


def gateway_access(config: PlatformConfig, gateway_id: str, gateway_name: str) -> dict[str, Any]:
    """How an MCP client reaches the gateway: its URL, the token it needs and where to get
    one, and a client configuration to paste (with ``<token>`` to fill in)."""
    url = f"{config.url}/v1/mcp/{quote(gateway_id, safe='')}"
    key = slugify(gateway_name).replace("_", "-")
    return {
        "id": gateway_id,
        "name": gateway_name,
        "url": url,
        "dashboardUrl": f"{config.dashboard_url}/mcp/gateways",
        "authorization": "Bearer <token>",
        "token": TOKEN_NOTE.format(url=config.url, dashboard=config.dashboard_url),
        "personalTokenUrl": f"{config.url}/api/user-tokens/me/value",
        "organizationTokensUrl": f"{config.url}/api/tokens",
        "clientConfig": {
            "mcpServers": {
                key: {"type": "http", "url": url, "headers": {"Authorization": "Bearer <token>"}}
            }
        },
    }

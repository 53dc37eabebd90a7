"""What a deploy target is: the request that leaves Orchestrix, the agent that comes back.

A target turns a stored server into a hosted agent (``deploy``), takes it down (``undeploy``)
and says how it is (``status``). Targets register by name; :func:`get_target` picks one from
the settings (``ORCHESTRIX_DEPLOY_TARGET``; unset: ``archestra`` when ``ARCHESTRA_API_KEY`` is
set, else ``local``).

A :class:`DeploymentRequest` carries the graph only: name, description, tools, execution
order, input schema and metadata. Never a secret, a test example or a stored record.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import urlsplit

from orchestrix.errors import ConfigurationError, OrchestrixError
from orchestrix.settings import Settings
from orchestrix.spec.models import Workflow
from orchestrix.timefmt import iso_z

CREATED_BY = "orchestrix"


def web_url(url: object) -> bool:
    """True for an absolute ``http://`` or ``https://`` URL with a host (and no controls)."""
    if not isinstance(url, str) or any(ord(c) < 32 or c == "\x7f" for c in url):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in {"http", "https"} and bool(parts.hostname)


@dataclass
class DeploymentRequest:
    """What leaves Orchestrix: the graph only, never secrets or user data."""

    server_id: str
    owner_id: str
    version: int
    workflow: Workflow
    created_at: datetime
    # The key stored with the deployment before the target is called; a target that takes an
    # Idempotency-Key sends this one, so a retry after a lost answer finds the same agent.
    idempotency_key: str | None = None
    # The values of the ``{{ secrets.* }}`` the graph reads, for a target with an authenticated
    # channel of its own (``orchestrix host``); never part of ``to_wire()``, never logged.
    secret_values: dict[str, str] | None = field(default=None, repr=False, compare=False)

    def to_wire(self) -> dict[str, Any]:
        """The deployment request of the seed format (camelCase)."""
        wf = self.workflow
        tools: list[dict[str, Any]] = []
        for tool in wf.tools:
            item: dict[str, Any] = {"id": tool.id, "type": tool.type, "config": tool.config}
            if tool.when is not None:
                item["when"] = tool.when
            tools.append(item)
        return {
            "name": wf.name,
            "description": wf.description,
            "tools": tools,
            "executionOrder": list(wf.execution_order),
            "inputSchema": wf.input_schema,
            "metadata": {
                "createdBy": CREATED_BY,
                "serverId": self.server_id,
                "createdAt": iso_z(self.created_at),
                "ownerId": self.owner_id,
                "version": self.version,
            },
        }


@dataclass
class DeployedAgent:
    """A target's answer: the agent's id and where it is served."""

    agent_id: str
    endpoint: str
    dashboard_url: str | None
    deployed_at: datetime
    target: str
    raw: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # a target's answer is shown as links in the dashboard: only http(s) URLs are kept
        # (a ``javascript:`` URL would run in the user's browser), else the deploy fails
        for name, url in (("publicEndpoint", self.endpoint), ("dashboardUrl", self.dashboard_url)):
            if url is not None and not web_url(url):
                raise DeployError(
                    f"The target answered a {name} that is not an http(s) URL",
                    {name: url[:200] if isinstance(url, str) else None, "target": self.target},
                )


class DeployError(OrchestrixError):
    """A target refused or could not be reached. ``message`` is the reason, shown to users as
    ``Failed to deploy to Archestra: <reason>``; ``details`` keeps what the target said."""

    status = 502
    code = "deploy_failed"


class DeployTarget(Protocol):
    name: str

    async def deploy(
        self, request: DeploymentRequest, *, agent_id: str | None = None
    ) -> DeployedAgent:
        """Create an agent; with ``agent_id``, replace that agent's graph with a new version
        (its id and endpoint stay)."""
        ...

    async def undeploy(self, agent_id: str) -> None:
        """Take the agent down; an agent that is already gone is not an error."""
        ...

    async def status(self, agent_id: str) -> dict[str, Any]:
        """What the target knows of the agent (``{"agentId", "deployed", ...}``)."""
        ...


TargetFactory = Callable[[Settings], DeployTarget]
_TARGETS: dict[str, TargetFactory] = {}


def register_target(name: str, factory: TargetFactory) -> None:
    """Make a target available under ``name``; a second registration of a name fails."""
    if name in _TARGETS and _TARGETS[name] is not factory:
        raise ValueError(f"deploy target {name!r} is already registered")
    _TARGETS[name] = factory


def target_names() -> list[str]:
    return sorted(_TARGETS)


def get_target(settings: Settings, name: str | None = None) -> DeployTarget:
    """The target called ``name`` (None: the settings' choice), built from ``settings``."""
    import orchestrix.deploy  # noqa: F401  (registers the bundled targets)

    chosen = name or settings.resolved_deploy_target
    factory = _TARGETS.get(chosen)
    if factory is None:
        raise ConfigurationError(
            f"Unknown deploy target {chosen!r}; choose one of: {', '.join(target_names())}",
            {"target": chosen, "targets": target_names()},
        )
    return factory(settings)

"""The ``host`` target: an ``orchestrix host`` at ``ORCHESTRIX_HOST_URL``.

The same wire protocol as the ``archestra`` target, sent to the host's ``/mcp/agents`` with
``Authorization: Bearer $ORCHESTRIX_HOST_API_KEY``.
"""

from __future__ import annotations

from orchestrix.deploy.archestra import HttpDeployTarget
from orchestrix.deploy.base import register_target
from orchestrix.errors import ConfigurationError
from orchestrix.settings import Settings


def host_target(settings: Settings) -> HttpDeployTarget:
    if not settings.host_url:
        raise ConfigurationError(
            "The host deploy target needs ORCHESTRIX_HOST_URL (the URL of an `orchestrix host`)",
            {"missing": ["ORCHESTRIX_HOST_URL"]},
        )
    key = settings.host_api_key
    return HttpDeployTarget(
        f"{settings.host_url.rstrip('/')}/mcp/agents",
        key.get_secret_value() if key else None,
        name="host",
        timeout=settings.deploy_timeout,
        carries_secrets=True,
    )


register_target("host", host_target)

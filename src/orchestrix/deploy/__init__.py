"""Deploy targets: a stored server becomes a hosted agent (``deploy``, ``undeploy``, ``status``).

Importing this package registers the bundled targets: ``archestra``, ``host``, ``local`` and,
when present, ``archestra-platform``.
"""

from orchestrix.deploy import archestra, host, local
from orchestrix.deploy.base import (
    DeployedAgent,
    DeployError,
    DeploymentRequest,
    DeployTarget,
    get_target,
    register_target,
    target_names,
)

try:
    import orchestrix.deploy.archestra_platform  # noqa: F401  (registers itself)
except ImportError as _e:  # issue 8's target is optional
    if _e.name != "orchestrix.deploy.archestra_platform":
        raise

__all__ = [
    "DeployError",
    "DeployTarget",
    "DeployedAgent",
    "DeploymentRequest",
    "archestra",
    "get_target",
    "host",
    "local",
    "register_target",
    "target_names",
]

"""Deploy targets: a stored server becomes a hosted agent (``deploy``, ``undeploy``, ``status``).

Importing this package registers the bundled targets: ``archestra``, ``archestra-platform``,
``host`` and ``local``.
"""

from orchestrix.deploy import archestra, archestra_platform, host, local
from orchestrix.deploy.base import (
    DeployedAgent,
    DeployError,
    DeploymentRequest,
    DeployTarget,
    get_target,
    register_target,
    target_names,
)

__all__ = [
    "DeployError",
    "DeployTarget",
    "DeployedAgent",
    "DeploymentRequest",
    "archestra",
    "archestra_platform",
    "get_target",
    "host",
    "local",
    "register_target",
    "target_names",
]

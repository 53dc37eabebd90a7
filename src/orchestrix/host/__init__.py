"""The production runtime: deployed tool graphs served as REST endpoints and MCP tools.

It imports nothing from the control plane (``api``), the builder or ``agents``: production
runs the graph directly.
"""

from orchestrix.host.app import create_host_app, mount_host
from orchestrix.host.runtime import HostRuntime

__all__ = ["HostRuntime", "create_host_app", "mount_host"]

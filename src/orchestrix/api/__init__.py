"""The control-plane HTTP API (FastAPI): servers, versions, runs, the local MCPRuntime."""

from orchestrix.api.app import create_app

__all__ = ["create_app"]

"""Shared by the host and deploy tests: the examples as deployment requests, and a host."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from orchestrix.deploy.base import DeploymentRequest
from orchestrix.host import create_host_app
from orchestrix.settings import Settings
from orchestrix.spec.io import parse_workflow
from tests.factories import make_settings
from tests.servers import serve_asgi

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
HOST_KEY = "host-key-for-tests"
PASSWORD = "hunter2hunter2"


def example(name: str) -> dict[str, Any]:
    spec: dict[str, Any] = yaml.safe_load((EXAMPLES / f"{name}.yaml").read_text())
    return spec


def deployment(name: str = "signup", **changes: Any) -> DeploymentRequest:
    spec = copy.deepcopy(example(name))
    spec.update(changes)
    return DeploymentRequest(
        server_id=f"mcp_{uuid.uuid4().hex[:22]}",
        owner_id="ada",
        version=1,
        workflow=parse_workflow(spec),
        created_at=datetime.now(UTC),
    )


def wire(name: str = "signup", **changes: Any) -> dict[str, Any]:
    return deployment(name, **changes).to_wire()


def host_settings(data_dir: Path, database_url: str | None = None, **extra: Any) -> Settings:
    extra.setdefault("host_api_key", HOST_KEY)
    return make_settings(data_dir, database_url=database_url, **extra)


@contextmanager
def running_host(settings: Settings) -> Iterator[str]:
    """``create_host_app(settings)`` on a loopback port; yields its base URL."""
    with serve_asgi(create_host_app(settings)) as base:
        yield base


def auth(key: str = HOST_KEY) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def signup(email: str) -> dict[str, Any]:
    return {"email": email, "password": PASSWORD, "name": "Ada"}

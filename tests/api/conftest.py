"""Fixtures for the control-plane API: the app on a real uvicorn server, in a thread or as an
``orchestrix serve`` subprocess, over SQLite or PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from orchestrix.api import create_app
from orchestrix.settings import Settings
from tests.servers import orchestrix_process, serve_asgi

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def example_spec(name: str = "signup") -> dict[str, Any]:
    spec: dict[str, Any] = yaml.safe_load((EXAMPLES / f"{name}.yaml").read_text())
    return spec


@contextmanager
def serve_app(settings: Settings) -> Iterator[str]:
    """``create_app(settings)`` under uvicorn in a thread; yields the base URL."""
    with serve_asgi(create_app(settings)) as base:
        yield base


@contextmanager
def orchestrix_serve(env: dict[str, str], cwd: Path) -> Iterator[str]:
    """A real ``orchestrix serve`` process on a free loopback port; yields its base URL."""
    with orchestrix_process("serve", env=env, cwd=cwd) as served:
        yield served.url


@pytest.fixture
def app_url(settings: Settings) -> Iterator[str]:
    """The app on SQLite (local mode), served on loopback."""
    with serve_app(settings) as base:
        yield base


@pytest.fixture
def any_app_url(any_settings: Settings) -> Iterator[str]:
    """The app on SQLite and on PostgreSQL (parametrized)."""
    with serve_app(any_settings) as base:
        yield base


@pytest.fixture
def client(app_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=app_url, timeout=30) as c:
        yield c


@pytest.fixture
def any_client(any_app_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=any_app_url, timeout=30) as c:
        yield c


def create_server(client: httpx.Client, owner: str = "alice", spec: Any = None) -> dict[str, Any]:
    response = client.post("/mcp/servers", json={"spec": spec or example_spec(), "ownerId": owner})
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created

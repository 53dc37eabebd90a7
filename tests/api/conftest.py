"""Fixtures for the control-plane API: the app on a real uvicorn server, in a thread or as an
``orchestrix serve`` subprocess, over SQLite or PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from orchestrix.api import create_app
from orchestrix.settings import Settings
from tests.servers import LOOPBACK, free_port, serve_asgi

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
STARTUP_LIMIT = 30.0


def example_spec(name: str = "signup") -> dict[str, Any]:
    spec: dict[str, Any] = yaml.safe_load((EXAMPLES / f"{name}.yaml").read_text())
    return spec


@contextmanager
def serve_app(settings: Settings) -> Iterator[str]:
    """``create_app(settings)`` under uvicorn in a thread; yields the base URL."""
    with serve_asgi(create_app(settings)) as base:
        yield base


def serve_env(data_dir: Path, database_url: str | None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ORCHESTRIX_", "ARCHESTRA_"))}
    env["ORCHESTRIX_DATA_DIR"] = str(data_dir)
    if database_url:
        env["ORCHESTRIX_DATABASE_URL"] = database_url
    env.update(extra)
    return env


@contextmanager
def orchestrix_serve(env: dict[str, str], cwd: Path) -> Iterator[str]:
    """A real ``orchestrix serve`` process on a free loopback port; yields its base URL."""
    port = free_port()
    log = cwd / f"serve-{port}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "orchestrix", "serve", "--host", LOOPBACK, "--port", str(port)],
            env=env,
            cwd=cwd,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        base = f"http://{LOOPBACK}:{port}"
        try:
            _wait_healthy(base, proc, log)
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)


def _wait_healthy(base: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_LIMIT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"orchestrix serve exited with {proc.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    pytest.fail(f"orchestrix serve did not become healthy:\n{log.read_text()}")


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

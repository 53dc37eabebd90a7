"""Execution retention: keep all, errors only or none; prune after N days (SQLite and
PostgreSQL, the app on loopback)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from orchestrix.settings import Settings
from orchestrix.store import Store
from tests.api.conftest import create_server, serve_app

OWNER = {"ownerId": "alice"}
SIGNUP_OK = {"email": "a@example.com", "password": "secret123", "name": "A"}
SIGNUP_BAD = {"email": "nope", "password": "secret123"}


def _runs(c: httpx.Client) -> tuple[str, int, int]:
    sid = create_server(c)["id"]
    ok = c.post(f"/mcp/servers/{sid}/run", json={"input": SIGNUP_OK, **OWNER}).json()
    bad = c.post(f"/mcp/servers/{sid}/run", json={"input": SIGNUP_BAD, **OWNER}).json()
    assert (ok["status"], bad["status"]) == (201, 400)
    return sid, ok["executionId"], bad["executionId"]


@pytest.mark.parametrize(("retention", "kept"), [("all", 2), ("errors", 1), ("none", 0)])
def test_which_runs_are_kept(tmp_path: Path, database_url: str, retention: str, kept: int) -> None:
    settings = Settings(  # type: ignore[call-arg]
        data_dir=tmp_path, database_url=database_url, execution_retention=retention, _env_file=None
    )
    with serve_app(settings) as base, httpx.Client(base_url=base, timeout=30) as c:
        sid, ok_id, bad_id = _runs(c)
        page = c.get(f"/mcp/servers/{sid}/executions", params=OWNER).json()
        assert page["total"] == kept
        if retention == "errors":
            assert ok_id == 0 and bad_id > 0
            assert [e["status"] for e in page["items"]] == [400]
        if retention == "none":
            assert ok_id == bad_id == 0


async def _prune(settings: Settings, sid: str) -> int:
    async with Store.open(settings) as store:
        return await store.executions.prune(sid, older_than=timedelta(0))


def test_old_executions_are_pruned(tmp_path: Path, database_url: str) -> None:
    settings = Settings(  # type: ignore[call-arg]
        data_dir=tmp_path, database_url=database_url, execution_retention_days=1, _env_file=None
    )
    with serve_app(settings) as base, httpx.Client(base_url=base, timeout=30) as c:
        sid, _, _ = _runs(c)
        assert c.get(f"/mcp/servers/{sid}/executions", params=OWNER).json()["total"] == 2
        assert asyncio.run(_prune(settings, sid)) == 2  # older than 0 days: every one
        assert c.get(f"/mcp/servers/{sid}/executions", params=OWNER).json()["total"] == 0

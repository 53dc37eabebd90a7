"""A process killed mid-run (kill -9 of a real ``orchestrix serve``) leaves an execution
(status 0) next to the data the run wrote; before, the execution was written only after the
run, so the data changed with no trace of the run."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from orchestrix.runtime.database import make_engine
from tests.factories import server_env
from tests.servers import orchestrix_process

HEAVY = "{{ len(join(split(input.s, ','), '-')) + len(join(split(input.s, ','), '+')) }}"
SPEC: dict[str, Any] = {
    "apiVersion": "orchestrix/v1",
    "name": "Slow writer",
    "inputSchema": {"type": "object", "properties": {"s": {"type": "string"}}},
    "tools": [
        {"id": "dbInsert", "type": "dbInsert", "config": {"collection": "notes", "document": {}}},
        *({"id": f"t{i}", "type": "transform", "config": {"output": HEAVY}} for i in range(190)),
    ],
}


async def _rows(db: Path, sql: str) -> list[Any]:
    engine = make_engine(f"sqlite+aiosqlite:///{db}")
    try:
        async with engine.connect() as conn:
            return list((await conn.execute(text(sql))).all())
    finally:
        await engine.dispose()


@pytest.mark.timeout(180)
def test_a_run_killed_midway_leaves_its_execution(tmp_path: Path) -> None:
    env = server_env(tmp_path, None, ORCHESTRIX_RUN_TIMEOUT="120")
    with orchestrix_process("serve", env=env, cwd=tmp_path) as serve:
        base = serve.url
        created = httpx.post(f"{base}/mcp/servers", json={"spec": SPEC, "ownerId": "alice"})
        assert created.status_code == 201, created.text
        sid = created.json()["id"]

        def call() -> None:
            with contextlib.suppress(httpx.HTTPError):  # the server is killed under it
                httpx.post(
                    f"{base}/mcp/servers/{sid}/run",
                    json={"input": {"s": "ab," * 99_000}, "ownerId": "alice"},
                    timeout=150,
                )

        caller = threading.Thread(target=call, daemon=True)
        caller.start()
        db = tmp_path / "orchestrix.db"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            written = asyncio.run(
                _rows(db, f"SELECT id FROM orx_records WHERE namespace = '{sid}'")
            )
            if written:
                break
            time.sleep(0.02)
        assert written, "the run never wrote its record"
        serve.popen.send_signal(signal.SIGKILL)
        serve.popen.wait(timeout=10)
    executions = asyncio.run(
        _rows(
            tmp_path / "orchestrix.db", f"SELECT status FROM executions WHERE server_id = '{sid}'"
        )
    )
    assert [tuple(r) for r in executions] == [(0,)]

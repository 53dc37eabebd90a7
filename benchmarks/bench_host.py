"""The host against hand-written FastAPI endpoints: requests per second, p50 and p99.

Two graphs are deployed to a real ``orchestrix host`` process: signup without hashing
(input, validation, dbInsert with a unique email, jwtGenerate, response) and the todo example
(input, validation, dbInsert, response). The baseline is the same steps written by hand as
FastAPI + SQLAlchemy endpoints (``benchmarks/bench_host_baseline.py``: its own tables, no
Orchestrix code), served by uvicorn in its own process, on the same database. A client in this
process sends the same load to both, in alternating rounds; ``bench_host_wrk`` loads them from
another process, as a user measures.

    .venv/bin/python -m benchmarks.bench_host [--requests 1000] [--concurrency 32] [--rounds 5]
        [--database-url postgresql://postgres@127.0.0.1:5432/bench]

Prints each side's req/s, p50 and p99 and the ratios host / hand-written (target: throughput
at least 0.8x).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import yaml

from benchmarks.bench_host_baseline import SIGNUP_SCHEMA

ROOT = Path(__file__).resolve().parents[1]
KEY = "bench-host-key"

SIGNUP_NO_HASH: dict[str, Any] = {
    "name": "Signup without hashing",
    "description": "Signup with a JWT; the password is not stored",
    "inputSchema": SIGNUP_SCHEMA,
    "tools": [
        {"id": "input", "type": "input", "config": {}},
        {"id": "validation", "type": "validation", "config": {}},
        {
            "id": "dbInsert",
            "type": "dbInsert",
            "config": {
                "collection": "users",
                "unique": ["email"],
                "document": {"email": "{{ input.email }}", "name": "{{ input.name }}"},
            },
        },
        {
            "id": "jwtGenerate",
            "type": "jwtGenerate",
            "config": {"subject": "{{ steps.dbInsert.id }}", "expiresIn": 3600},
        },
        {
            "id": "response",
            "type": "response",
            "config": {
                "status": 201,
                "body": {
                    "id": "{{ steps.dbInsert.id }}",
                    "email": "{{ steps.dbInsert.email }}",
                    "token": "{{ steps.jwtGenerate.token }}",
                },
            },
        },
    ],
    "executionOrder": ["input", "validation", "dbInsert", "jwtGenerate", "response"],
    "metadata": {"createdBy": "orchestrix", "serverId": "bench", "ownerId": "bench"},
}


def todo_request() -> dict[str, Any]:
    spec = yaml.safe_load((ROOT / "examples" / "todo.yaml").read_text())
    spec.pop("tests", None)
    spec.pop("apiVersion", None)
    spec["metadata"] = {"createdBy": "orchestrix", "serverId": "bench", "ownerId": "bench"}
    return dict(spec)


# --- processes and load ----------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def _process(command: list[str], env: dict[str, str], health: str, log: Path) -> Iterator[None]:
    with log.open("wb") as out:
        proc = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"{command[2:]} exited: {log.read_text()[-2000:]}")
            try:
                if httpx.get(health, timeout=1).status_code < 500:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"{command} did not start")
            time.sleep(0.1)
        yield
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


def _signup_body(i: int, run: str) -> dict[str, Any]:
    return {"email": f"u{i}-{run}@example.com", "password": "hunter2hunter2", "name": "Bench"}


def _todo_body(i: int, _run: str) -> dict[str, Any]:
    return {"title": f"todo {i}", "priority": "high"}


async def _load(url: str, make: Any, requests: int, concurrency: int) -> dict[str, float]:
    run = uuid.uuid4().hex[:8]
    latencies: list[float] = []
    failures = errors = 0
    last_error = ""
    counter = iter(range(requests))
    limits = httpx.Limits(
        max_connections=concurrency, max_keepalive_connections=concurrency, keepalive_expiry=2
    )
    async with httpx.AsyncClient(limits=limits, timeout=60) as client:

        async def worker() -> None:
            nonlocal failures
            nonlocal errors, last_error
            for i in counter:
                t0 = time.perf_counter()
                try:
                    response = await client.post(url, json=make(i, run))
                except httpx.HTTPError as e:
                    errors += 1
                    last_error = repr(e)
                    continue
                latencies.append(time.perf_counter() - t0)
                if response.status_code != 201:
                    failures += 1
                    last_error = response.text[:300]

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = time.perf_counter() - started
    latencies.sort()
    if failures or errors:
        raise SystemExit(
            f"{failures} of {requests} requests to {url} did not answer 201, {errors} failed "
            f"({last_error})"
        )
    return {
        "rps": requests / wall,
        "p50": statistics.median(latencies) * 1000,
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
    }


def _env(data_dir: Path, database_url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ORCHESTRIX_", "ARCHESTRA_"))}
    env.update(
        ORCHESTRIX_DATA_DIR=str(data_dir),
        ORCHESTRIX_HOST_API_KEY=KEY,
        PYTHONPATH=str(ROOT),
    )
    if database_url:
        env["ORCHESTRIX_DATABASE_URL"] = database_url
    env["BENCH_DATABASE_URL"] = database_url or f"sqlite:///{data_dir / 'orchestrix.db'}"
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--database-url", default=None, help="default: SQLite in a temp dir")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="orchestrix-bench-") as tmp:
        env = _env(Path(tmp), args.database_url)
        host_port, base_port = _free_port(), _free_port()
        host = f"http://127.0.0.1:{host_port}"
        base = f"http://127.0.0.1:{base_port}"
        python = sys.executable
        host_cmd = [python, "-m", "orchestrix", "host", "--port", str(host_port)]
        host_cmd += ["--log-level", "warning"]
        base_cmd = [
            python,
            "-m",
            "uvicorn",
            "--factory",
            "benchmarks.bench_host_baseline:baseline_app",
        ]
        base_cmd += ["--port", str(base_port), "--log-level", "warning", "--no-access-log"]
        logs = Path(tmp)
        with (
            _process(host_cmd, env, f"{host}/healthz", logs / "host.log"),
            _process(base_cmd, env, f"{base}/healthz", logs / "baseline.log"),
        ):
            headers = {"Authorization": f"Bearer {KEY}"}
            agents = {}
            for name, request in (("signup", SIGNUP_NO_HASH), ("todo", todo_request())):
                answer = httpx.post(f"{host}/mcp/agents", json=request, headers=headers)
                answer.raise_for_status()
                agents[name] = answer.json()["publicEndpoint"]
            cases = [
                ("signup (no hashing)", agents["signup"], f"{base}/signup", _signup_body),
                ("todo", agents["todo"], f"{base}/todo", _todo_body),
            ]
            db = args.database_url or "SQLite (temporary file)"
            print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC  database: {db}")
            print(
                f"{args.requests} requests x {args.rounds} rounds, concurrency {args.concurrency}"
            )
            print()
            header = f"{'graph':<20} {'side':<13} {'req/s':>9} {'p50 ms':>9} {'p99 ms':>9}"
            print(header)
            print("-" * len(header))
            worst = float("inf")
            for label, host_url, base_url, make in cases:
                asyncio.run(_load(host_url, make, 200, args.concurrency))  # warm up
                asyncio.run(_load(base_url, make, 200, args.concurrency))
                runs: dict[str, list[dict[str, float]]] = {"host": [], "hand-written": []}
                for _ in range(args.rounds):
                    runs["host"].append(
                        asyncio.run(_load(host_url, make, args.requests, args.concurrency))
                    )
                    runs["hand-written"].append(
                        asyncio.run(_load(base_url, make, args.requests, args.concurrency))
                    )
                best = {
                    side: {
                        "rps": statistics.median(r["rps"] for r in results),
                        "p50": statistics.median(r["p50"] for r in results),
                        "p99": statistics.median(r["p99"] for r in results),
                    }
                    for side, results in runs.items()
                }
                for side, m in best.items():
                    print(f"{label:<20} {side:<13} {m['rps']:9.0f} {m['p50']:9.2f} {m['p99']:9.2f}")
                h, b = best["host"], best["hand-written"]
                ratio = h["rps"] / b["rps"]
                worst = min(worst, ratio)
                print(
                    f"{label:<20} {'ratio':<13} {ratio:8.2f}x {h['p50'] / b['p50']:8.2f}x "
                    f"{h['p99'] / b['p99']:8.2f}x"
                )
                print()
            verdict = "meets" if worst >= 0.8 else "misses"
            print(f"throughput host / hand-written: worst {worst:.2f}x ({verdict} the 0.8x target)")


if __name__ == "__main__":
    main()

"""Executor overhead per tool step, against the same operations written directly in Python.

A 6-step graph without hashing (input, validation, dbInsert, jwtGenerate, transform, response)
runs through the executor; the baseline does the same work by hand: the same JSON Schema
validator, the same data-store insert, the same JWT signing, the same answer. Both run
interleaved in one process on one SQLite file, so the machine's noise hits both alike.

    .venv/bin/python -m benchmarks.bench_executor [--runs 400]

Prints the medians, the ratio (target: under 1.5x) and the overhead per step.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import jsonschema
import jwt

from orchestrix.runtime.executor import Executor
from orchestrix.runtime.services import open_services
from orchestrix.settings import Settings
from orchestrix.spec.models import Workflow
from orchestrix.tools.base import Services

SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["email", "name"],
    "properties": {"email": {"type": "string", "format": "email"}, "name": {"type": "string"}},
}

WORKFLOW = Workflow.model_validate(
    {
        "name": "Bench",
        "inputSchema": SCHEMA,
        "tools": [
            {"id": "input", "type": "input"},
            {"id": "validation", "type": "validation"},
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
                "config": {"subject": "{{ steps.dbInsert.id }}"},
            },
            {
                "id": "transform",
                "type": "transform",
                "config": {
                    "output": {
                        "id": "{{ steps.dbInsert.id }}",
                        "email": "{{ steps.dbInsert.email }}",
                    }
                },
            },
            {
                "id": "response",
                "type": "response",
                "config": {
                    "status": 201,
                    "body": {
                        "user": "{{ steps.transform }}",
                        "token": "{{ steps.jwtGenerate.token }}",
                    },
                },
            },
        ],
    }
)
STEPS = len(WORKFLOW.tools)


def _baseline_validator() -> jsonschema.protocols.Validator:
    from orchestrix.tools.validation import validator_for

    return validator_for(SCHEMA)


async def baseline(
    services: Services, body: dict[str, Any], namespace: str, validator: Any
) -> tuple[int, Any]:
    """The same operations, hand-written."""
    errors = list(validator.iter_errors(body))
    if errors:
        return 400, {"error": "Validation failed"}
    doc = await services.datastore.insert(
        namespace, "users", {"email": body["email"], "name": body["name"]}, ["email"]
    )
    secret = await services.secrets.get_or_create(namespace, "jwt")
    now = int(time.time())
    token = jwt.encode(
        {"sub": doc["id"], "iat": now, "exp": now + 3600, "jti": uuid.uuid4().hex},
        secret,
        algorithm="HS256",
    )
    return 201, {"user": {"id": doc["id"], "email": doc["email"]}, "token": token}


async def main(runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), _env_file=None)  # type: ignore[call-arg]
        async with open_services(settings) as services:
            executor = Executor(WORKFLOW)
            validator = _baseline_validator()
            ns_a, ns_b = "bench_executor", "bench_direct"
            times_a: list[float] = []
            times_b: list[float] = []
            for i in range(runs + 20):  # 20 warm-up rounds are dropped
                body = {"email": f"user{i}@example.com", "name": f"User {i}"}
                t0 = time.perf_counter()
                result = await executor.run(body, services, namespace=ns_a)
                t1 = time.perf_counter()
                status, _ = await baseline(services, body, ns_b, validator)
                t2 = time.perf_counter()
                assert result.status == 201 and status == 201, (result.body, status)
                if i >= 20:
                    times_a.append((t1 - t0) * 1000)
                    times_b.append((t2 - t1) * 1000)
    med_a, med_b = statistics.median(times_a), statistics.median(times_b)
    ratio = med_a / med_b
    print(f"executor overhead, {STEPS}-step graph without hashing, {runs} runs on SQLite")
    print(f"  hand-written Python   median {med_b:8.3f} ms")
    print(f"  orchestrix executor   median {med_a:8.3f} ms")
    print(f"  ratio                 {ratio:8.2f}x   (target < 1.5x)")
    print(f"  overhead per step     {(med_a - med_b) / STEPS * 1000:8.1f} us")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=400)
    asyncio.run(main(parser.parse_args().runs))

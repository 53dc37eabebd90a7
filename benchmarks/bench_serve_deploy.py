"""From a sentence to a deployed endpoint: the time from ``POST /mcp/servers`` with a prompt
to a 201 from the deployed endpoint, through ``orchestrix serve`` with the ``local`` target.

    .venv/bin/python -m benchmarks.bench_serve_deploy [--rounds 5]

Starts ``orchestrix serve`` on loopback in a temporary data directory (SQLite, the rules
planner, no Archestra key: the ``local`` target), then for each prompt: create the server
from the prompt, deploy it (its own tests gate the deploy), and call the endpoint with the
input of its first test that expects 201. Prints each step's time and the total (target:
under 2 s), and the time ``orchestrix serve`` took to answer its first request.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from benchmarks.bench_host import ROOT, _free_port

PROMPTS = [
    "create a sign up api with email, password and name",
    "a todo api with title, priority and due date",
    "a contact form with name, email and message that stores the messages",
]
OWNER = "bench"
START_LIMIT = 120.0


def _first_created_input(spec: dict[str, Any]) -> dict[str, Any]:
    for test in spec.get("tests") or []:
        if (test.get("expect") or {}).get("status") == 201 and isinstance(test.get("input"), dict):
            return dict(test["input"])
    raise SystemExit(f"{spec.get('name')}: no test expects 201")


def _unique(value: dict[str, Any], round_index: int) -> dict[str, Any]:
    """The test input made unique per round (a unique email must not collide)."""
    out = dict(value)
    for key, item in out.items():
        if isinstance(item, str) and "@" in item:
            local, _, domain = item.partition("@")
            out[key] = f"{local}+r{round_index}@{domain}"
    return out


def journey(client: httpx.Client, prompt: str, index: int) -> dict[str, float]:
    t0 = time.perf_counter()
    created = client.post("/mcp/servers", json={"prompt": prompt, "ownerId": OWNER})
    if created.status_code != 201:
        raise SystemExit(f"create: {created.status_code} {created.text[:500]}")
    server = created.json()
    t1 = time.perf_counter()
    deployed = client.post(f"/mcp/servers/{server['id']}/deploy", json={"ownerId": OWNER})
    if deployed.status_code != 200:
        raise SystemExit(f"deploy: {deployed.status_code} {deployed.text[:500]}")
    endpoint = deployed.json()["endpoint"]
    t2 = time.perf_counter()
    body = _unique(_first_created_input(server["spec"]), index)
    answer = client.post(endpoint, json=body)
    if answer.status_code != 201:
        raise SystemExit(f"endpoint: {answer.status_code} {answer.text[:500]}")
    t3 = time.perf_counter()
    return {"create": t1 - t0, "deploy": t2 - t1, "first call": t3 - t2, "total": t3 - t0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="times each prompt is run")
    args = parser.parse_args()
    rounds = min(max(args.rounds, 1), 10)
    with tempfile.TemporaryDirectory(prefix="orchestrix-serve-") as tmp:
        env = {
            k: v for k, v in os.environ.items() if not k.startswith(("ORCHESTRIX_", "ARCHESTRA_"))
        }
        env.update(ORCHESTRIX_DATA_DIR=tmp, ORCHESTRIX_DEPLOY_TARGET="local")
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        log = Path(tmp) / "serve.log"
        command = [sys.executable, "-m", "orchestrix", "serve", "--port", str(port)]
        command += ["--log-level", "warning"]
        started = time.perf_counter()
        with log.open("wb") as out:
            proc = subprocess.Popen(
                command, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT
            )
        try:
            while True:
                if proc.poll() is not None:
                    raise SystemExit(f"orchestrix serve exited: {log.read_text()[-2000:]}")
                try:
                    if httpx.get(f"{base}/mcp/servers?ownerId={OWNER}", timeout=2).is_success:
                        break
                except httpx.HTTPError:
                    pass
                if time.perf_counter() - started > START_LIMIT:
                    raise SystemExit("orchestrix serve did not start")
                time.sleep(0.05)
            first = time.perf_counter() - started
            load = os.getloadavg()[0]
            print(f"orchestrix serve: first answer after {first:.2f} s (load {load:.1f})")
            print()
            header = f"{'prompt':<40} {'create':>8} {'deploy':>8} {'call':>8} {'total':>8}"
            print(header)
            print("-" * len(header))
            totals: list[float] = []
            with httpx.Client(base_url=base, timeout=120) as client:
                journey(client, PROMPTS[0], 99)  # warm up: the first deploy mounts the host
                for index in range(rounds):
                    for prompt in PROMPTS:
                        t = journey(client, prompt, index)
                        totals.append(t["total"])
                        print(
                            f"{prompt[:40]:<40} {t['create']:7.2f}s {t['deploy']:7.2f}s "
                            f"{t['first call']:7.2f}s {t['total']:7.2f}s"
                        )
            median = statistics.median(totals)
            verdict = "meets" if median < 2 else "misses"
            print()
            print(
                f"prompt to a 201 from the deployed endpoint: median {median:.2f} s, "
                f"worst {max(totals):.2f} s ({verdict} the 2 s target)"
            )
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()


if __name__ == "__main__":
    main()

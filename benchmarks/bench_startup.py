"""Start-up: how long ``orchestrix --help`` takes, and ``orchestrix host`` and ``orchestrix
serve`` until their first answer; and what their imports cost (``python -X importtime``).

    .venv/bin/python -m benchmarks.bench_startup [--rounds 3] [--top 12]

Each command runs in a fresh process in a temporary data directory (SQLite), on loopback.
Prints the median of the rounds (target: under 3 s for host and serve) and the largest
imports of the host app and the control-plane app, cumulative, in seconds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

import httpx

from benchmarks.bench_host import ROOT, _free_port

LIMIT = 120.0


def _env(data_dir: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ORCHESTRIX_", "ARCHESTRA_"))}
    env.update(ORCHESTRIX_DATA_DIR=data_dir, ORCHESTRIX_DEPLOY_TARGET="local")
    return env


def time_help() -> float:
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "orchestrix", "--help"],
            env=_env(tmp),
            capture_output=True,
            timeout=LIMIT,
            check=True,
        )
        return time.perf_counter() - started


def time_first_answer(command: str, path: str) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        port = _free_port()
        url = f"http://127.0.0.1:{port}{path}"
        started = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "orchestrix", command, "--port", str(port)],
            env=_env(tmp),
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            while True:
                if proc.poll() is not None:
                    raise SystemExit(f"orchestrix {command} exited with {proc.returncode}")
                try:
                    if httpx.get(url, timeout=2).status_code == 200:
                        return time.perf_counter() - started
                except httpx.HTTPError:
                    pass
                if time.perf_counter() - started > LIMIT:
                    raise SystemExit(f"orchestrix {command} did not answer")
                time.sleep(0.02)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()


def largest_imports(module: str, top: int) -> list[tuple[float, str]]:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        capture_output=True,
        text=True,
        timeout=LIMIT,
        check=True,
    )
    found: dict[str, float] = {}
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, name = line.split("|")
        name = name.strip()
        if module == name or module.startswith(name + "."):
            continue  # the module itself and its parent packages
        key = name if name.startswith("orchestrix.") else name.split(".")[0]
        found[key] = max(found.get(key, 0.0), int(cumulative) / 1e6)
    ranked = sorted(((t, n) for n, t in found.items()), reverse=True)
    return ranked[:top]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--top", type=int, default=12)
    args = parser.parse_args()
    rounds = min(max(args.rounds, 1), 10)
    print(f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; medians of {rounds} rounds")
    rows = {
        "orchestrix --help": [time_help() for _ in range(rounds)],
        "orchestrix host (first /healthz)": [
            time_first_answer("host", "/healthz") for _ in range(rounds)
        ],
        "orchestrix serve (first /mcp/servers)": [
            time_first_answer("serve", "/mcp/servers?ownerId=bench") for _ in range(rounds)
        ],
    }
    for label, times in rows.items():
        print(f"{label:<40} {statistics.median(times):6.2f} s")
    for module in ("orchestrix.host.app", "orchestrix.api"):
        print()
        print(f"largest imports under {module} (packages and our modules, cumulative, s):")
        for seconds, name in largest_imports(module, args.top):
            print(f"  {seconds:6.2f}  {name}")


if __name__ == "__main__":
    main()

"""A soak of ``orchestrix host``: steady load, hostile requests among it, and the host's memory
and open file descriptors printed window by window, so a leak shows as a rising column.

    .venv/bin/python -m benchmarks.bench_soak [--seconds 600] [--window 30] [--postgres URL]

Everything runs on loopback and stops by itself: the load comes in windows from another
process (wrk when installed, else the bounded client of ``bench_host_wrk``), and between
windows a fixed set of hostile requests (hostile JSON, oversized and cut-off bodies, unknown
agents, clients that hang up) is sent. At the end it prints the first and last readings after
the warm-up and whether memory and descriptors stayed flat (growth within 10% and 16
descriptors over the second half of the run).
"""

from __future__ import annotations

import argparse
import socket
import tempfile
import time
from pathlib import Path

import httpx

from benchmarks.bench_host_wrk import (
    SIGNUP_BODY,
    TODO_BODY,
    WRK_SCRIPT,
    Server,
    _deploy,
    _env,
    _host_command,
    _tree,
    load,
    server,
)

MAX_SECONDS = 3600.0
HOSTILE_BODIES = [
    b'{"title": NaN}',
    b'{"title": 1e400}',
    b"[" * 5000 + b"]" * 5000,
    b'{"title": "\\ud800"}',
    b'{"title": "a\\u0000b"}',
    b'{"title": ' + b"9" * 5000 + b"}",
    b"not json at all",
]


def _rss_kib(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total


def _fds(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            total += len(list(Path(f"/proc/{pid}/fd").iterdir()))
        except OSError:
            continue
    return total


def _hang_up(base: str, path: str) -> None:
    """A client that sends half a body and goes away."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(
            f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
            'Content-Length: 1000\r\n\r\n{"title": '.encode()
        )


def hostile_round(host: Server, paths: dict[str, str]) -> dict[str, int]:
    """The fixed set of hostile requests; what they were answered (status -> count)."""
    seen: dict[str, int] = {}
    with httpx.Client(base_url=host.base, timeout=30) as client:
        for body in HOSTILE_BODIES:
            for path in paths.values():
                status = client.post(
                    path, content=body, headers={"Content-Type": "application/json"}
                ).status_code
                seen[str(status)] = seen.get(str(status), 0) + 1
        big = client.post(paths["todo"], content=b'{"title": "' + b"x" * 2_000_000 + b'"}')
        seen[str(big.status_code)] = seen.get(str(big.status_code), 0) + 1
        unknown = client.post("/agents/agt_unknown", json={"title": "x"})
        seen[str(unknown.status_code)] = seen.get(str(unknown.status_code), 0) + 1
    for _ in range(10):
        _hang_up(host.base, paths["todo"])
    return seen


def soak(seconds: float, window: float, database_url: str | None, connections: int) -> bool:
    with tempfile.TemporaryDirectory(prefix="orx-soak-") as tmp_name:
        tmp = Path(tmp_name)
        script = tmp / "post.lua"
        script.write_text(WRK_SCRIPT)
        env = _env(tmp, database_url)
        with server("host", _host_command(), env, tmp / "host.log") as host:
            paths = _deploy(host)
            print(f"soak of orchestrix host for {seconds:.0f} s, windows of {window:.0f} s")
            print(f"{'t (s)':>6} {'requests':>9} {'req/s':>7} {'RSS MiB':>8} {'fds':>5}  hostile")
            readings: list[tuple[float, int, int]] = []
            started = time.monotonic()
            turn = 0
            while time.monotonic() - started < seconds:
                graph, body = (("todo", TODO_BODY), ("signup", SIGNUP_BODY))[turn % 2]
                turn += 1
                done = load(
                    host.base + paths[graph],
                    body,
                    seconds=window,
                    connections=connections,
                    script=script,
                )
                answered = hostile_round(host, paths)
                time.sleep(0.5)  # let hung-up connections be reaped
                pids = _tree(host.proc.pid)
                rss, fds = _rss_kib(pids), _fds(pids)
                elapsed = time.monotonic() - started
                readings.append((elapsed, rss, fds))
                print(
                    f"{elapsed:6.0f} {done['requests']:9.0f} {done['rps']:7.0f} "
                    f"{rss / 1024:8.1f} {fds:5d}  {answered}"
                )
                if any(status.startswith("5") for status in answered):
                    print("a hostile request was answered 5xx")
                    return False
    half = readings[len(readings) // 2 :]
    if len(half) < 2:
        print("too short to judge: run longer than two windows")
        return True
    (_, rss0, fds0), (_, rss1, fds1) = half[0], half[-1]
    flat = rss1 <= rss0 * 1.10 and fds1 <= fds0 + 16
    print(
        f"second half: RSS {rss0 / 1024:.1f} -> {rss1 / 1024:.1f} MiB, fds {fds0} -> {fds1}: "
        + ("flat" if flat else "GROWING")
    )
    return flat


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=600.0)
    parser.add_argument("--window", type=float, default=30.0)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--postgres", default=None, help="a PostgreSQL URL (default SQLite)")
    args = parser.parse_args()
    seconds = min(args.seconds, MAX_SECONDS)
    window = max(1.0, min(args.window, 30.0))
    flat = soak(seconds, window, args.postgres, args.connections)
    raise SystemExit(0 if flat else 1)


if __name__ == "__main__":
    main()

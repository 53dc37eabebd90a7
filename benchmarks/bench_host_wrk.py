"""The host measured from outside, as a user measures it: ``orchestrix host`` against the
hand-written FastAPI + SQLAlchemy baseline (``bench_host_baseline``) over the same database,
loaded from a separate process (wrk when installed, else a bounded asyncio httpx client in
its own process), in interleaved rounds (host, baseline, baseline, host, ...).

    .venv/bin/python -m benchmarks.bench_host_wrk [--databases sqlite,postgres]
        [--duration 5] [--rounds 4] [--connections 32] [--scale]
        [--postgres-url postgresql://postgres@127.0.0.1:5432/test]

For todo-create and signup without hashing, on SQLite and PostgreSQL, it prints each side's
requests/s, p50, p99 and server CPU per request (user + system time of the server's processes
over the round), then the ratios host / baseline; and the ceiling rows: a bare Starlette app
answering a constant, and a raw insert loop on the driver (asyncpg or aiosqlite) without HTTP.
``--scale`` adds, on PostgreSQL: one host, two host processes over the one database and
``--workers 2``, and 50 concurrent signups with one email split across two hosts (one 201).

Everything runs on loopback; every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from benchmarks.bench_host import KEY, ROOT, SIGNUP_NO_HASH, _free_port, todo_request

MAX_DURATION = 30.0  # seconds per round, at most
MAX_ROUNDS = 10
START_LIMIT = 60.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

TODO_BODY = '{"title":"todo %s-%d-%d","priority":"high"}'
SIGNUP_BODY = '{"email":"u%s-%d-%d@example.com","password":"hunter2hunter2","name":"Bench"}'

WRK_SCRIPT = """
local threads = 0
function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end
function init(args)
  prefix = args[1]
  template = args[2]
  counter = 0
end
function request()
  counter = counter + 1
  local body = string.format(template, prefix, tid, counter)
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, body)
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRK {\\"requests\\": %d, \\"seconds\\": %f, \\"p50\\": %f, \\"p99\\": %f, " ..
    "\\"errors\\": %d, \\"status\\": %d}\\n",
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, e.connect + e.read + e.write + e.timeout, e.status))
end
"""


# --- servers -----------------------------------------------------------------------------------


def constant_app() -> Any:
    """The ceiling of HTTP on this machine: bare Starlette answering a constant."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def constant(request: Request) -> JSONResponse:
        await request.body()
        return JSONResponse({"id": "constant", "title": "todo", "done": False}, 201)

    async def health(_request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    return Starlette(routes=[Route("/todo", constant, methods=["POST"]), Route("/healthz", health)])


@dataclass
class Server:
    name: str
    base: str
    proc: subprocess.Popen[bytes]

    def cpu(self) -> float:
        """User + system seconds of the server and its worker processes so far."""
        return sum(_cpu_of(pid) for pid in _tree(self.proc.pid))


def _tree(pid: int) -> list[int]:
    found = [pid]
    for tid in _ls(f"/proc/{pid}/task"):
        try:
            children = Path(f"/proc/{pid}/task/{tid}/children").read_text().split()
        except OSError:
            continue
        for child in children:
            found += _tree(int(child))
    return found


def _ls(path: str) -> list[str]:
    try:
        return os.listdir(path)
    except OSError:
        return []


def _cpu_of(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime


@contextmanager
def server(name: str, command: list[str], env: dict[str, str], log: Path) -> Iterator[Server]:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [*command, "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + START_LIMIT
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"{name} exited: {log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"{name} did not start: {log.read_text()[-2000:]}")
            time.sleep(0.1)
        yield Server(name, base, proc)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def _host_command(*extra: str) -> list[str]:
    return [sys.executable, "-m", "orchestrix", "host", "--log-level", "warning", *extra]


def _uvicorn_command(target: str) -> list[str]:
    # the same uvicorn settings as `orchestrix host` (auto: uvloop and httptools when present)
    return [sys.executable, "-m", "uvicorn", "--factory", target, "--log-level", "warning"]


# --- load ----------------------------------------------------------------------------------------


def load(
    url: str, body: str, *, seconds: float, connections: int, script: Path
) -> dict[str, float]:
    """One round against ``url`` from another process; requests/s, p50, p99 (ms)."""
    prefix = uuid.uuid4().hex[:8]
    if shutil.which("wrk"):
        command = [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "30s",
            "-s",
            str(script),
            url,
            "--",
            prefix,
            body,
        ]
    else:
        command = [
            sys.executable,
            "-m",
            "benchmarks.bench_host_wrk",
            "--client",
            url,
            "--body",
            body,
            "--prefix",
            prefix,
            "--duration",
            str(seconds),
            "--connections",
            str(connections),
        ]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=seconds + 60, cwd=ROOT, check=False
    )
    line = next((x for x in done.stdout.splitlines() if x.startswith("WRK ")), None)
    if line is None:
        raise SystemExit(f"the load generator failed: {done.stdout[-1000:]} {done.stderr[-1000:]}")
    result = json.loads(line[4:])
    if result["errors"] or result["status"]:
        raise SystemExit(f"{url}: {result['status']} answers not 2xx, {result['errors']} errors")
    return {
        "rps": result["requests"] / result["seconds"],
        "requests": result["requests"],
        "p50": result["p50"],
        "p99": result["p99"],
    }


async def _client(url: str, body: str, prefix: str, seconds: float, connections: int) -> None:
    """The fallback load generator (its own process): ``connections`` workers for
    ``seconds``; prints the same line as the wrk script."""
    latencies: list[float] = []
    errors = status = 0
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    headers = {"Content-Type": "application/json"}
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        started = time.perf_counter()
        stop = started + seconds

        async def worker(tid: int) -> None:
            nonlocal errors, status
            count = 0
            while time.perf_counter() < stop:
                count += 1
                t0 = time.perf_counter()
                try:
                    answer = await client.post(
                        url, content=body % (prefix, tid, count), headers=headers
                    )
                except httpx.HTTPError:
                    errors += 1
                    continue
                latencies.append(time.perf_counter() - t0)
                if answer.status_code >= 400:
                    status += 1

        await asyncio.gather(*(worker(i) for i in range(connections)))
        wall = time.perf_counter() - started
    latencies.sort()
    p50 = statistics.median(latencies) * 1000 if latencies else 0.0
    p99 = latencies[int(len(latencies) * 0.99)] * 1000 if latencies else 0.0
    print(
        "WRK "
        + json.dumps(
            {
                "requests": len(latencies),
                "seconds": wall,
                "p50": p50,
                "p99": p99,
                "errors": errors,
                "status": status,
            }
        )
    )


def measured(
    target: Server, path: str, body: str, *, seconds: float, connections: int, script: Path
) -> dict[str, float]:
    cpu0 = target.cpu()
    result = load(
        f"{target.base}{path}", body, seconds=seconds, connections=connections, script=script
    )
    result["cpu_ms"] = (target.cpu() - cpu0) * 1000 / max(1, result["requests"])
    return result


def median_of(rounds: list[dict[str, float]]) -> dict[str, float]:
    return {
        key: statistics.median(r[key] for r in rounds) for key in ("rps", "p50", "p99", "cpu_ms")
    }


# --- the raw insert ceiling ------------------------------------------------------------


async def _raw_inserts(url: str, seconds: float, concurrency: int) -> None:
    """Inserts straight through the driver, no HTTP, no framework: the database's ceiling."""
    count = 0
    started = time.perf_counter()
    stop = started + seconds
    row = '{"title": "todo", "priority": "high", "done": false}'
    if url.startswith("postgresql"):
        import asyncpg

        pool = await asyncpg.create_pool(url, min_size=10, max_size=10)
        try:
            await pool.execute(
                "CREATE TABLE IF NOT EXISTS bench_raw (id text PRIMARY KEY, data jsonb NOT NULL)"
            )

            async def worker() -> None:
                nonlocal count
                while time.perf_counter() < stop:
                    await pool.execute(
                        "INSERT INTO bench_raw VALUES ($1, $2::jsonb)", str(uuid.uuid4()), row
                    )
                    count += 1

            await asyncio.gather(*(worker() for _ in range(concurrency)))
        finally:
            await pool.close()
    else:
        import aiosqlite

        async with aiosqlite.connect(url.removeprefix("sqlite:///"), timeout=30) as db:
            await db.execute("PRAGMA journal_mode=WAL")
            await db.execute("PRAGMA synchronous=NORMAL")
            await db.execute(
                "CREATE TABLE IF NOT EXISTS bench_raw (id TEXT PRIMARY KEY, data TEXT NOT NULL)"
            )
            lock = asyncio.Lock()

            async def worker() -> None:
                nonlocal count
                while time.perf_counter() < stop:
                    async with lock:  # one connection: one transaction at a time
                        await db.execute(
                            "INSERT INTO bench_raw VALUES (?, ?)", (str(uuid.uuid4()), row)
                        )
                        await db.commit()
                    count += 1

            await asyncio.gather(*(worker() for _ in range(concurrency)))
    wall = time.perf_counter() - started
    cpu = os.times()
    print("RAW " + json.dumps({"inserts": count, "seconds": wall, "cpu": cpu.user + cpu.system}))


def raw_insert_row(url: str, seconds: float, concurrency: int) -> dict[str, float]:
    command = [sys.executable, "-m", "benchmarks.bench_host_wrk", "--raw-insert", url]
    command += ["--duration", str(seconds), "--connections", str(concurrency)]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=seconds + 60, cwd=ROOT, check=False
    )
    line = next((x for x in done.stdout.splitlines() if x.startswith("RAW ")), None)
    if line is None:
        raise SystemExit(f"the raw insert loop failed: {done.stderr[-1500:]}")
    result = json.loads(line[4:])
    return {
        "rps": result["inserts"] / result["seconds"],
        "cpu_ms": result["cpu"] * 1000 / max(1, result["inserts"]),
    }


# --- the runs ----------------------------------------------------------------------


@dataclass
class Options:
    seconds: float
    rounds: int
    connections: int
    script: Path
    other_src: Path | None = None  # another checkout's root, run as a second host
    other_label: str = "other"
    cases: tuple[str, ...] = ("todo", "signup")
    no_raw: bool = False


def _env(data_dir: Path, database_url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ORCHESTRIX_", "ARCHESTRA_"))}
    env.update(ORCHESTRIX_DATA_DIR=str(data_dir), ORCHESTRIX_HOST_API_KEY=KEY, PYTHONPATH=str(ROOT))
    if database_url:
        env["ORCHESTRIX_DATABASE_URL"] = database_url
    env["BENCH_DATABASE_URL"] = database_url or f"sqlite:///{data_dir / 'orchestrix.db'}"
    return env


def _deploy(host: Server) -> dict[str, str]:
    paths = {}
    for name, request in (("signup", SIGNUP_NO_HASH), ("todo", todo_request())):
        answer = httpx.post(
            f"{host.base}/mcp/agents",
            json=request,
            headers={"Authorization": f"Bearer {KEY}"},
            timeout=30,
        )
        answer.raise_for_status()
        paths[name] = f"/agents/{answer.json()['agentId']}"
    return paths


def _row(label: str, side: str, m: dict[str, float]) -> None:
    p50 = f"{m['p50']:9.2f}" if "p50" in m else f"{'':>9}"
    p99 = f"{m['p99']:9.2f}" if "p99" in m else f"{'':>9}"
    print(f"{label:<30} {side:<16} {m['rps']:9.0f} {p50} {p99} {m['cpu_ms']:10.2f}")


def _header() -> None:
    header = (
        f"{'case':<30} {'side':<16} {'req/s':>9} {'p50 ms':>9} {'p99 ms':>9} {'CPU ms/req':>10}"
    )
    print(header)
    print("-" * len(header))


def compare(database: str, database_url: str | None, tmp: Path, opts: Options) -> list[float]:
    """Host against baseline on one database; the ratios (throughput and CPU) per case. With
    ``opts.other_src``, a second host from that source tree runs in the same rounds."""
    data_dir = tmp / database
    data_dir.mkdir()
    env = _env(data_dir, database_url)
    ratios: list[float] = []
    with ExitStack() as stack:
        hosts = {
            "host": stack.enter_context(server("host", _host_command(), env, data_dir / "host.log"))
        }
        if opts.other_src is not None:
            other_env = {**env, "PYTHONPATH": f"{opts.other_src / 'src'}:{ROOT}"}
            hosts[opts.other_label] = stack.enter_context(
                server(opts.other_label, _host_command(), other_env, data_dir / "other.log")
            )
        base = stack.enter_context(
            server(
                "baseline",
                _uvicorn_command("benchmarks.bench_host_baseline:baseline_app"),
                env,
                data_dir / "baseline.log",
            )
        )
        deployed = {name: _deploy(h) for name, h in hosts.items()}
        cases = [
            ("todo-create", "todo", "/todo", TODO_BODY),
            ("signup (no hashing)", "signup", "/signup", SIGNUP_BODY),
        ]
        for case, graph, base_path, body in cases:
            if graph not in opts.cases:
                continue
            label = f"{case} / {database}"
            sides = {name: (h, deployed[name][graph]) for name, h in hosts.items()}
            sides["hand-written"] = (base, base_path)
            for target, path in sides.values():  # warm up: pools, caches
                measured(
                    target, path, body, seconds=1, connections=opts.connections, script=opts.script
                )
            runs: dict[str, list[dict[str, float]]] = {name: [] for name in sides}
            for index in range(opts.rounds):
                order = list(sides) if index % 2 == 0 else list(reversed(sides))
                for name in order:
                    target, path = sides[name]
                    runs[name].append(
                        measured(
                            target,
                            path,
                            body,
                            seconds=opts.seconds,
                            connections=opts.connections,
                            script=opts.script,
                        )
                    )
            medians = {name: median_of(r) for name, r in runs.items()}
            for name, m in medians.items():
                _row(label, name, m)
            b = medians["hand-written"]
            for name in hosts:
                h = medians[name]
                ratio = h["rps"] / b["rps"]
                cpu = h["cpu_ms"] / b["cpu_ms"]
                print(
                    f"{label:<30} {name[:10] + ' / hand':<16} {ratio:8.2f}x "
                    f"{h['p50'] / b['p50']:8.2f}x {h['p99'] / b['p99']:8.2f}x {cpu:9.2f}x"
                )
                if name == "host":
                    ratios.append(ratio)
            sys.stdout.flush()
        url = env["BENCH_DATABASE_URL"]
        if opts.no_raw:
            return ratios
        _row(
            f"raw insert loop / {database}",
            "driver, no HTTP",
            raw_insert_row(url, opts.seconds, opts.connections),
        )
        sys.stdout.flush()
    return ratios


def ceiling(tmp: Path, opts: Options) -> None:
    env = _env(tmp, None)
    with server(
        "constant", _uvicorn_command("benchmarks.bench_host_wrk:constant_app"), env, tmp / "c.log"
    ) as c:
        measured(c, "/todo", TODO_BODY, seconds=1, connections=opts.connections, script=opts.script)
        rounds = [
            measured(
                c,
                "/todo",
                TODO_BODY,
                seconds=opts.seconds,
                connections=opts.connections,
                script=opts.script,
            )
            for _ in range(min(opts.rounds, 3))
        ]
        _row("constant (ceiling)", "bare Starlette", median_of(rounds))


def scale(database_url: str, tmp: Path, opts: Options) -> None:
    """One host, two hosts over one PostgreSQL, and --workers 2, on todo-create; and one
    email signed up 50 times at once across two hosts."""
    data_dir = tmp / "scale"
    data_dir.mkdir()
    env = _env(data_dir, database_url)
    half = max(1, opts.connections // 2)
    with ExitStack() as stack:
        one = stack.enter_context(server("host 1", _host_command(), env, data_dir / "h1.log"))
        two = stack.enter_context(server("host 2", _host_command(), env, data_dir / "h2.log"))
        paths = _deploy(one)
        todo = paths["todo"]
        httpx.get(f"{two.base}{todo}", timeout=30).raise_for_status()
        singles: list[float] = []
        pairs: list[float] = []
        for _ in range(opts.rounds):
            singles.append(
                measured(
                    one,
                    todo,
                    TODO_BODY,
                    seconds=opts.seconds,
                    connections=opts.connections,
                    script=opts.script,
                )["rps"]
            )
            with ExitStack() as both:
                pool = both.enter_context(_threads(2))
                futures = [
                    pool.submit(
                        measured,
                        s,
                        todo,
                        TODO_BODY,
                        seconds=opts.seconds,
                        connections=half,
                        script=opts.script,
                    )
                    for s in (one, two)
                ]
                pairs.append(sum(f.result()["rps"] for f in futures))
        single = statistics.median(singles)
        pair = statistics.median(pairs)
        print(f"{'todo-create / postgres':<30} {'one host':<16} {single:9.0f}")
        print(
            f"{'todo-create / postgres':<30} {'two hosts':<16} {pair:9.0f}   "
            f"{pair / single:.2f}x of one"
        )

        signup = paths["signup"]
        body = {"email": f"same-{uuid.uuid4().hex[:6]}@example.com", "password": "hunter2hunter2"}

        async def race() -> list[int]:
            async with httpx.AsyncClient(timeout=60) as client:
                answers = await asyncio.gather(
                    *(
                        client.post(f"{(one, two)[i % 2].base}{signup}", json=body)
                        for i in range(50)
                    )
                )
            return [a.status_code for a in answers]

        codes = asyncio.run(race())
        print(
            f"50 concurrent signups of one email across two hosts: {codes.count(201)} x 201, "
            f"{codes.count(409)} x 409, {len(codes) - codes.count(201) - codes.count(409)} other"
        )
    with server(
        "host --workers 2", _host_command("--workers", "2"), env, data_dir / "w2.log"
    ) as w2:
        measured(w2, todo, TODO_BODY, seconds=1, connections=opts.connections, script=opts.script)
        rounds = [
            measured(
                w2,
                todo,
                TODO_BODY,
                seconds=opts.seconds,
                connections=opts.connections,
                script=opts.script,
            )["rps"]
            for _ in range(opts.rounds)
        ]
        workers = statistics.median(rounds)
        print(
            f"{'todo-create / postgres':<30} {'--workers 2':<16} {workers:9.0f}   "
            f"{workers / single:.2f}x of one"
        )


@contextmanager
def _threads(count: int) -> Iterator[Any]:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(count) as pool:
        yield pool


@contextmanager
def postgres_database(admin_url: str) -> Iterator[str]:
    import asyncpg

    name = f"bench_{uuid.uuid4().hex[:10]}"

    async def run(sql: str) -> None:
        conn = await asyncpg.connect(admin_url, timeout=10)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{admin_url.rsplit('/', 1)[0]}/{name}"
    finally:
        asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per round")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--scale", action="store_true", help="add the two-host rows")
    parser.add_argument("--no-ceiling", action="store_true")
    parser.add_argument(
        "--other-src",
        type=Path,
        help="another checkout of Orchestrix (e.g. the last release) served as a second host "
        "in the same rounds: what a change gives",
    )
    parser.add_argument("--other-label", default="before")
    parser.add_argument("--cases", default="todo,signup", help="todo, signup or both")
    # internal: the fallback load generator and the raw insert loop, in their own processes
    parser.add_argument("--client", help=argparse.SUPPRESS)
    parser.add_argument("--raw-insert", help=argparse.SUPPRESS)
    parser.add_argument("--body", help=argparse.SUPPRESS)
    parser.add_argument("--prefix", help=argparse.SUPPRESS)
    args = parser.parse_args()
    seconds = min(max(args.duration, 1.0), MAX_DURATION)
    connections = min(max(args.connections, 1), 256)
    if args.client:
        asyncio.run(_client(args.client, args.body, args.prefix, seconds, connections))
        return
    if args.raw_insert:
        asyncio.run(_raw_inserts(args.raw_insert, seconds, connections))
        return
    rounds = min(max(args.rounds, 1), MAX_ROUNDS)
    loader = "wrk -t2" if shutil.which("wrk") else "an asyncio httpx client in its own process"
    load_avg = os.getloadavg()[0]
    print(
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC  {os.cpu_count()} cores, load {load_avg:.1f}; "
        f"{loader}, {connections} connections, {rounds} interleaved rounds of {seconds:g} s "
        "(medians)"
    )
    print()
    with tempfile.TemporaryDirectory(prefix="orchestrix-wrk-") as tmp_name:
        tmp = Path(tmp_name)
        script = tmp / "post.lua"
        script.write_text(WRK_SCRIPT)
        opts = Options(
            seconds,
            rounds,
            connections,
            script,
            args.other_src,
            args.other_label,
            tuple(args.cases.split(",")),
            args.no_ceiling,
        )
        _header()
        worst: list[float] = []
        if not args.no_ceiling:
            ceiling(tmp, opts)
        for database in args.databases.split(","):
            if database == "sqlite":
                worst += compare("sqlite", None, tmp, opts)
            elif database == "postgres":
                with postgres_database(args.postgres_url) as url:
                    worst += compare("postgres", url, tmp, opts)
            else:
                raise SystemExit(f"unknown database {database!r} (sqlite, postgres)")
        if args.scale:
            print()
            with postgres_database(args.postgres_url) as url:
                scale(url, tmp, opts)
        if worst:
            print()
            print(f"throughput host / hand-written: worst {min(worst):.2f}x")


if __name__ == "__main__":
    main()

"""MCP tool calls over streamable HTTP: Orchestrix's McpMount against a hand-written server.

1. Latency. The signup workflow served by ``McpMount`` (the executor runs the graph) against
   a hand-written SDK ``MCPServer`` tool (FastMCP's successor in SDK v2) doing the same steps
   by hand: the same JSON Schema validator, the same argon2id hash, the same data-store
   insert, the same JWT. Both servers run stateless with JSON responses under uvicorn on
   loopback, on one SQLite file; calls are interleaved so noise hits both alike. Printed:
   the medians and the ratio (target: at most 1.3x). The same is done for the todo workflow
   (no hashing), where the adapter's and executor's share of the time is larger.
2. Scale. A separate process mounts 200 workflows in one ``McpMount``; printed: its resident
   memory empty, with 200 mounted, and after every one of them answered a call, and the
   median latency of a call to a random one of them.

    .venv/bin/python -m benchmarks.bench_mcp [--calls 200] [--mounted 200]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import jwt
import uvicorn
from mcp import Client
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route
from starlette.types import Receive, Scope, Send

from orchestrix.passwords import prepare
from orchestrix.runtime.executor import Executor
from orchestrix.runtime.mcp import McpMount, run_with_services
from orchestrix.runtime.services import open_services
from orchestrix.settings import Settings
from orchestrix.spec.io import load_workflow
from orchestrix.spec.models import Workflow
from orchestrix.tools.base import Services
from orchestrix.tools.validation import validator_for

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SIGNUP = load_workflow(EXAMPLES / "signup.yaml")
TODO = load_workflow(EXAMPLES / "todo.yaml")
WARMUP = 10


# --- the two servers ---------------------------------------------------------------------


class _Route:
    def __init__(self, mount: McpMount) -> None:
        self.mount = mount

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.mount.handle(scope["path_params"]["key"], scope, receive, send)


def orchestrix_app(settings: Settings, workflows: dict[str, Workflow]) -> Starlette:
    """What the API and the host do: McpMount at /{key}/mcp, services in the lifespan."""
    mount = McpMount()

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        async with open_services(settings) as services, mount.running():
            for key, workflow in workflows.items():
                run = run_with_services(Executor(workflow), services, namespace=f"orx_{key}")
                mount.put(key, workflow, run)
            yield

    return Starlette(routes=[Route("/{key}/mcp", _Route(mount))], lifespan=lifespan)


def baseline_app(settings: Settings) -> Starlette:
    """A hand-written SDK server with the same two tools."""
    server = MCPServer("baseline", log_level="WARNING")
    state: dict[str, Services] = {}
    signup_validator = validator_for(SIGNUP.input_schema)
    todo_validator = validator_for(TODO.input_schema)

    @server.tool(name="signup_api", description="User registration")
    async def signup(email: str, password: str, name: str | None = None) -> dict[str, Any]:
        services = state["services"]
        body = {"email": email, "password": password, "name": name}
        if name is None:
            del body["name"]
        errors = [e.message for e in signup_validator.iter_errors(body)]
        if errors:
            raise ToolError(json.dumps({"error": "Validation failed", "details": errors}))
        password_hash = await (await prepare(services.settings)).hash(password)
        doc = await services.datastore.insert(
            "base_signup",
            "users",
            {"email": email, "name": name, "passwordHash": password_hash},
            ["email"],
        )
        secret = await services.secrets.get_or_create("base_signup", "jwt")
        now = int(time.time())
        token = jwt.encode(
            {"sub": doc["id"], "iat": now, "exp": now + 3600, "jti": uuid.uuid4().hex},
            secret,
            algorithm="HS256",
        )
        return {"id": doc["id"], "email": doc["email"], "token": token}

    @server.tool(name="todo_api", description="Creates a todo item")
    async def todo(
        title: str,
        priority: str | None = None,
        dueDate: str | None = None,
    ) -> dict[str, Any]:
        services = state["services"]
        given = {"title": title, "priority": priority, "dueDate": dueDate}
        body = {k: v for k, v in given.items() if v is not None}
        errors = [e.message for e in todo_validator.iter_errors(body)]
        if errors:
            raise ToolError(json.dumps({"error": "Validation failed", "details": errors}))
        document = {"title": title, "priority": priority or "medium", "dueDate": dueDate}
        return await services.datastore.insert(
            "base_todo", "todos", {**document, "done": False}, []
        )

    inner = server.streamable_http_app(json_response=True, stateless_http=True)

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        async with open_services(settings) as services, server.session_manager.run():
            state["services"] = services
            yield

    return Starlette(routes=[Mount("/", app=inner)], lifespan=lifespan)


def tcp_socket() -> socket.socket:
    """A loopback socket for uvicorn. ``IPPROTO_TCP`` matters: asyncio sets TCP_NODELAY only
    on sockets that say so, and without it every response waits ~40 ms for a delayed ACK."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    return sock


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """uvicorn on a free loopback port, in a thread."""
    sock = tcp_socket()
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


# --- 1. latency against the hand-written server -------------------------------------------


def _args(tool: str, i: int) -> dict[str, Any]:
    if tool == "signup_api":
        return {"email": f"user{i}@example.com", "password": "correct-horse-1", "name": "Ada"}
    return {"title": f"Task {i}", "priority": "high"}


async def compare(calls: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), _env_file=None)  # type: ignore[call-arg]
        ours = orchestrix_app(settings, {"signup": SIGNUP, "todo": TODO})
        with serve(ours) as orx, serve(baseline_app(settings)) as base:
            print(f"one tool call over streamable HTTP (stateless, JSON), {calls} calls, SQLite")
            for key, tool in (("signup", "signup_api"), ("todo", "todo_api")):
                async with (
                    Client(f"{orx}/{key}/mcp") as a,
                    Client(f"{base}/mcp") as b,
                ):
                    times_a: list[float] = []
                    times_b: list[float] = []
                    for i in range(calls + WARMUP):
                        t0 = time.perf_counter()
                        ra = await a.call_tool(tool, _args(tool, i))
                        t1 = time.perf_counter()
                        rb = await b.call_tool(tool, _args(tool, i))
                        t2 = time.perf_counter()
                        assert not ra.is_error and not rb.is_error, (ra.content, rb.content)
                        if i >= WARMUP:
                            times_a.append((t1 - t0) * 1000)
                            times_b.append((t2 - t1) * 1000)
                med_a, med_b = statistics.median(times_a), statistics.median(times_b)
                print(f"  {tool}")
                print(f"    hand-written MCPServer tool   median {med_b:8.2f} ms")
                print(f"    orchestrix McpMount + graph   median {med_a:8.2f} ms")
                target = "   (target <= 1.3x)" if tool == "signup_api" else ""
                print(f"    ratio                         {med_a / med_b:8.2f}x{target}")


# --- 2. many workflows in one process ------------------------------------------------------


def rss_mb(pid: int | str = "self") -> float:
    """Resident memory from /proc (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def variants(count: int) -> dict[str, Workflow]:
    base = TODO.to_wire()
    return {
        f"srv_{i:03d}": Workflow.model_validate({**base, "name": f"Todo API {i}"})
        for i in range(count)
    }


def serve_many(count: int, data_dir: str) -> None:
    """The child process: ``count`` workflows in one mount; reports its memory."""
    settings = Settings(data_dir=Path(data_dir), _env_file=None)  # type: ignore[call-arg]
    mount = McpMount()
    report: dict[str, float] = {}

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        async with open_services(settings) as services, mount.running():
            report["empty"] = rss_mb()
            for key, workflow in variants(count).items():
                run = run_with_services(Executor(workflow), services, namespace=key)
                mount.put(key, workflow, run)
            report["mounted"] = rss_mb()
            yield

    async def memory(_request: Request) -> JSONResponse:
        return JSONResponse({**report, "now": rss_mb(), "mounted_count": len(mount)})

    app = Starlette(
        routes=[Route("/memory", memory), Route("/{key}/mcp", _Route(mount))], lifespan=lifespan
    )
    sock = tcp_socket()
    print(sock.getsockname()[1], flush=True)
    uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on")).run(sockets=[sock])


async def many(count: int, calls: int) -> None:
    import httpx2

    with tempfile.TemporaryDirectory() as tmp:
        child = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.bench_mcp", "--serve-many", str(count), tmp],
            stdout=subprocess.PIPE,
            text=True,
            cwd=Path(__file__).resolve().parents[1],
        )
        try:
            assert child.stdout is not None
            base = f"http://127.0.0.1:{child.stdout.readline().strip()}"
            async with httpx2.AsyncClient() as http:
                for _ in range(500):
                    try:
                        memory = (await http.get(f"{base}/memory")).json()
                        break
                    except httpx2.TransportError:
                        await asyncio.sleep(0.05)
                keys = sorted(variants(count))
                for key in keys:  # every endpoint answers once
                    async with Client(f"{base}/{key}/mcp") as client:
                        await client.call_tool(key_tool(key), {"title": "warm up"})
                after = (await http.get(f"{base}/memory")).json()
            latencies: list[float] = []
            rng = random.Random(7)
            async with AsyncExitStack() as stack:
                clients: dict[str, Client] = {}
                for key in keys:  # one connected client per endpoint, as agents would hold
                    client = Client(f"{base}/{key}/mcp")
                    clients[key] = await stack.enter_async_context(client)
                    await clients[key].list_tools()
                for _ in range(calls):
                    key = rng.choice(keys)
                    t0 = time.perf_counter()
                    result = await clients[key].call_tool(key_tool(key), {"title": "Buy milk"})
                    latencies.append((time.perf_counter() - t0) * 1000)
                    assert not result.is_error, result.content
        finally:
            child.terminate()
            child.wait(10)
    print(f"{count} workflows mounted in one process (child pid {child.pid})")
    print(f"  resident memory, nothing mounted      {memory['empty']:8.1f} MB")
    print(f"  resident memory, {count} mounted        {memory['mounted']:8.1f} MB")
    print(f"  resident memory, after {count} answered {after['now']:8.1f} MB")
    per = (after["now"] - memory["empty"]) / count * 1024
    print(f"  per workflow (mounted and answered)   {per:8.1f} KB")
    print(f"  one call to a random one, median      {statistics.median(latencies):8.2f} ms")


def key_tool(key: str) -> str:
    return f"todo_api_{int(key.split('_')[1])}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--mounted", type=int, default=200)
    parser.add_argument("--serve-many", type=int, help=argparse.SUPPRESS)
    parser.add_argument("data_dir", nargs="?", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.serve_many:
        serve_many(options.serve_many, options.data_dir)
        return
    asyncio.run(compare(options.calls))
    asyncio.run(many(options.mounted, options.calls))


if __name__ == "__main__":
    main()

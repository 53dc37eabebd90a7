"""Deployment peers that misbehave on purpose, on real loopback sockets: an HTTP endpoint that
answers from a script, and a TCP server that closes every connection it accepts."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.servers import LOOPBACK, serve_asgi


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class ScriptedPeer:
    """Answers each request with the next ``(status, body)`` of ``script`` (the last one
    repeats); a status of 0 means: hang for ``hang_seconds`` without answering."""

    script: list[tuple[int, Any]]
    hang_seconds: float = 2.0
    seen: list[Seen] = field(default_factory=list)
    base: str = ""

    @property
    def endpoint(self) -> str:
        return f"{self.base}/mcp/agents"

    async def handle(self, request: Request) -> Response:
        raw = await request.body()
        body = json.loads(raw) if raw else None
        self.seen.append(
            Seen(request.method, request.url.path, dict(request.headers.items()), body)
        )
        status, answer = self.script[min(len(self.seen), len(self.script)) - 1]
        if status == 0:
            await asyncio.sleep(self.hang_seconds)
            status, answer = 504, {"error": "too late"}
        if isinstance(answer, (dict, list)):
            return JSONResponse(answer, status_code=status)
        return Response(str(answer or ""), status_code=status)


def agent_answer(agent_id: str = "agent_abc123", base: str = "https://api.example") -> Any:
    return {
        "agentId": agent_id,
        "publicEndpoint": f"{base}/agents/{agent_id}",
        "dashboardUrl": f"{base}/dashboard/{agent_id}",
    }


@contextmanager
def scripted_peer(*script: tuple[int, Any], hang_seconds: float = 2.0) -> Iterator[ScriptedPeer]:
    peer = ScriptedPeer(list(script), hang_seconds)
    app = Starlette(
        routes=[
            Route(
                "/{path:path}",
                peer.handle,
                methods=["GET", "POST", "PUT", "DELETE"],
            )
        ]
    )
    with serve_asgi(app) as base:
        peer.base = base
        yield peer


@dataclass
class ClosingPeer:
    port: int
    connections: int = 0

    @property
    def endpoint(self) -> str:
        return f"http://{LOOPBACK}:{self.port}/mcp/agents"


@contextmanager
def closing_peer() -> Iterator[ClosingPeer]:
    """Accepts TCP connections, reads a little, and closes them without an answer."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((LOOPBACK, 0))
    sock.listen(16)
    sock.settimeout(0.2)
    peer = ClosingPeer(int(sock.getsockname()[1]))
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            peer.connections += 1
            try:
                conn.settimeout(1.0)
                conn.recv(65536)
            except OSError:
                pass
            finally:
                conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield peer
    finally:
        stop.set()
        thread.join(timeout=5)
        sock.close()


def unused_port_endpoint() -> str:
    """An endpoint nothing listens on (the port is bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        port = int(sock.getsockname()[1])
    return f"http://{LOOPBACK}:{port}/mcp/agents"

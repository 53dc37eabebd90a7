"""Telemetry to a loopback receiver: batched, in the background, Bearer-authorized; a slow or
failing receiver never slows or fails the request that caused an event. And OpenTelemetry
spans for executions, exported over OTLP/HTTP to a loopback collector."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

import orchestrix.telemetry as telemetry_module
from orchestrix.telemetry import Telemetry
from tests.deploy.test_deploy_api import OWNER, control_plane, cp_settings, create
from tests.host.helpers import example
from tests.servers import scaled, serve_asgi

WAIT_LIMIT = 15.0


@dataclass
class Receiver:
    status: int = 202
    release: threading.Event = field(default_factory=threading.Event)
    hold: bool = False
    batches: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    raw: list[tuple[str, bytes]] = field(default_factory=list)
    url: str = ""

    @property
    def events(self) -> list[dict[str, Any]]:
        return [e for b in self.batches for e in b.get("events", [])]

    async def handle(self, request: Request) -> Response:
        body = await request.body()
        self.raw.append((request.url.path, body))
        if request.headers.get("content-type", "").startswith("application/json"):
            self.batches.append(await request.json())
        self.headers.append(dict(request.headers.items()))
        while self.hold and not self.release.is_set():
            await asyncio.sleep(0.02)
        return JSONResponse({}, status_code=self.status)


@contextmanager
def receiver(**options: Any) -> Iterator[Receiver]:
    state = Receiver(**options)
    app = Starlette(routes=[Route("/{path:path}", state.handle, methods=["POST"])])
    try:
        with serve_asgi(app) as base:
            state.url = f"{base}/telemetry"
            yield state
    finally:
        state.release.set()


def wait_for(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + scaled(WAIT_LIMIT)
    while not condition():
        assert time.monotonic() < deadline, "the condition did not come true in time"
        time.sleep(0.02)


async def async_wait_for(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + scaled(WAIT_LIMIT)
    while not condition():
        assert time.monotonic() < deadline, "the condition did not come true in time"
        await asyncio.sleep(0.02)


async def test_events_are_sent_in_batches_with_the_key() -> None:
    with receiver() as r:
        telemetry = Telemetry(r.url, "ak_key", batch_size=3, flush_interval=0.05)
        async with telemetry.running():
            for i in range(7):
                telemetry.emit("workflow_run", server_id=f"mcp_{i}", status=201)
            await async_wait_for(lambda: len(r.events) == 7)
        assert all(len(b["events"]) <= 3 for b in r.batches)
        assert len(r.batches) >= 3
        assert {b["source"] for b in r.batches} == {"orchestrix"}
        assert [e["serverId"] for e in r.events] == [f"mcp_{i}" for i in range(7)]
        first = r.events[0]
        assert first["event"] == "workflow_run"
        assert first["metadata"] == {"status": 201}
        assert first["timestamp"].endswith("Z")
        assert {h["authorization"] for h in r.headers} == {"Bearer ak_key"}
        assert telemetry.sent == 7


async def test_what_is_queued_at_shutdown_is_sent() -> None:
    with receiver() as r:
        telemetry = Telemetry(r.url, None, flush_interval=60)
        async with telemetry.running():
            telemetry.emit("deployed", server_id="mcp_1", agent_id="agt_1")
        assert [(e["event"], e["agentId"]) for e in r.events] == [("deployed", "agt_1")]
        assert "authorization" not in r.headers[0]


async def test_a_failing_or_absent_receiver_loses_events_not_requests() -> None:
    with receiver(status=500) as r:
        telemetry = Telemetry(r.url, "k", batch_size=2, flush_interval=0.05)
        async with telemetry.running():
            telemetry.emit("workflow_run")
            telemetry.emit("workflow_run")
            await async_wait_for(lambda: telemetry.dropped == 2)
        assert telemetry.sent == 0
    nowhere = Telemetry("http://127.0.0.1:9/telemetry", "k", flush_interval=0.05, timeout=1)
    async with nowhere.running():
        nowhere.emit("workflow_run")
        await async_wait_for(lambda: nowhere.dropped == 1)


def test_without_an_endpoint_nothing_is_queued() -> None:
    telemetry = Telemetry(None)
    telemetry.emit("workflow_run", server_id="x")
    assert not telemetry.enabled
    assert telemetry.pending == 0


def test_a_full_queue_drops_the_oldest() -> None:
    telemetry = Telemetry("http://127.0.0.1:9/t", max_queue=3)
    for i in range(5):
        telemetry.emit("workflow_run", n=i)
    assert telemetry.pending == 3
    assert telemetry.dropped == 2


def test_control_plane_events_reach_the_receiver(tmp_path: Path) -> None:
    with receiver() as r:
        settings = cp_settings(tmp_path, archestra_endpoint=r.url)
        with control_plane(settings) as c:
            spec = example("todo")
            sid = create(c, spec)["id"]
            ran = c.post(f"/mcp/servers/{sid}/run", json={"input": {"title": "x"}, **OWNER})
            assert ran.status_code == 200
            changed = {**spec, "description": "changed"}
            assert c.put(f"/mcp/servers/{sid}", json={"spec": changed, **OWNER}).status_code == 200
            deployed = c.post(f"/mcp/servers/{sid}/deploy", json=OWNER).json()
            assert httpx.post(deployed["endpoint"], json={"title": "y"}).status_code == 201
            wanted = {"server_created", "workflow_run", "server_mutated", "deployed"}
            wait_for(lambda: wanted <= {e["event"] for e in r.events})
            runs = [e for e in r.events if e["event"] == "workflow_run"]
            wait_for(lambda: len([e for e in r.events if e["event"] == "workflow_run"]) >= 2)
            runs = [e for e in r.events if e["event"] == "workflow_run"]
            assert {e.get("agentId") for e in runs} >= {None, deployed["agentId"]}
            assert all(e.get("serverId") == sid for e in runs)
            for event in r.events:
                assert "title" not in str(event.get("metadata"))  # no user data


def test_a_stuck_receiver_never_holds_up_requests(tmp_path: Path) -> None:
    with receiver(hold=True) as r:
        settings = cp_settings(tmp_path, archestra_endpoint=r.url)
        with control_plane(settings) as c:
            spec = example("todo")
            wait_first = create(c, spec)["id"]
            # the receiver now holds telemetry's connection open and answers nothing
            for _ in range(5):
                sid = create(c, spec)["id"]
                ran = c.post(f"/mcp/servers/{sid}/run", json={"input": {"title": "x"}, **OWNER})
                assert ran.status_code == 200
            deployed = c.post(f"/mcp/servers/{wait_first}/deploy", json=OWNER)
            assert deployed.status_code == 200
            assert not r.release.is_set()
            r.release.set()


async def test_execution_spans_are_exported_over_otlp(tmp_path: Path) -> None:
    from opentelemetry import trace

    from orchestrix.host.runtime import HostRuntime
    from orchestrix.host.wire import read_deployment, stored_spec
    from orchestrix.telemetry import configure_tracing
    from tests.host.helpers import host_settings, wire

    with receiver() as collector:
        settings = host_settings(tmp_path, otlp_endpoint=collector.url.rsplit("/", 1)[0])
        assert configure_tracing(settings) is True
        runtime = HostRuntime(settings)
        async with runtime.running():
            workflow, source = read_deployment(wire("todo"))
            record, _ = await runtime.agents.create(stored_spec(workflow), source)
            agent = await runtime.load(record.id)
            assert agent is not None
            result = await runtime.run(agent, {"title": "traced"}, {}, via="rest")
            assert result.status == 201
        provider: Any = trace.get_tracer_provider()
        provider.force_flush()
        await async_wait_for(lambda: any(p == "/v1/traces" for p, _ in collector.raw))
        # the collector goes away with this test: stop exporting, and stop making spans
        provider.shutdown()
        telemetry_module._tracing = False
        exported = b"".join(body for path, body in collector.raw if path == "/v1/traces")
        assert b"orchestrix.execution" in exported
        assert record.id.encode() in exported

"""McpMount over real streamable HTTP: uvicorn on loopback, the SDK's own client.

The app here is what the API and the host do: a route ``/{key}/mcp`` handed to
``McpMount.handle``, the mount and the runtime services opened in the app's lifespan.
"""

from __future__ import annotations

import json
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from starlette.applications import Starlette
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from orchestrix.runtime.executor import ExecutionResult, Executor
from orchestrix.runtime.mcp import STATUS_META_KEY, McpMount, RunFn
from orchestrix.runtime.services import open_services
from orchestrix.settings import Settings
from orchestrix.spec.io import load_workflow
from orchestrix.spec.models import Workflow
from orchestrix.tools.base import Services
from tests.conftest import unique_namespace
from tests.factories import make_settings
from tests.servers import serve_asgi

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SIGNUP = load_workflow(EXAMPLES / "signup.yaml")
TODO = load_workflow(EXAMPLES / "todo.yaml")
PASSWORD = "hunter2hunter2"
MODES = ["auto", "legacy"]


class McpHost:
    """An ASGI app serving an :class:`McpMount` at ``/{key}/mcp`` over real services."""

    def __init__(self, settings: Settings, mount: McpMount | None = None) -> None:
        self.settings = settings
        self.mount = mount if mount is not None else McpMount()
        self.services: Services | None = None
        self.app = Starlette(
            routes=[Route("/{key}/mcp", _MountRoute(self.mount))], lifespan=self._lifespan
        )

    @asynccontextmanager
    async def _lifespan(self, _app: Starlette) -> AsyncIterator[None]:
        async with open_services(self.settings) as services, self.mount.running():
            self.services = services
            yield

    def runner(self, workflow: Workflow, namespace: str) -> RunFn:
        executor = Executor(workflow)

        async def run(arguments: dict[str, Any], headers: dict[str, str]) -> ExecutionResult:
            assert self.services is not None, "the app is not running"
            return await executor.run(
                arguments, self.services, namespace=namespace, headers=headers
            )

        return run

    def put(self, key: str, workflow: Workflow, namespace: str, **kw: Any) -> None:
        self.mount.put(key, workflow, self.runner(workflow, namespace), **kw)


class _MountRoute:
    def __init__(self, mount: McpMount) -> None:
        self.mount = mount

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.mount.handle(scope["path_params"]["key"], scope, receive, send)


@contextmanager
def running(host: McpHost) -> Iterator[str]:
    with serve_asgi(host.app) as base_url:
        yield base_url


@pytest.fixture
def host(settings: Settings) -> McpHost:
    return McpHost(settings)


@asynccontextmanager
async def client_with_headers(url: str, headers: dict[str, str]) -> AsyncIterator[Client]:
    """The SDK client over an HTTP client that sends ``headers`` (an API key, say)."""
    async with (
        httpx2.AsyncClient(headers=headers) as http,
        Client(streamable_http_client(url, http_client=http)) as client,
    ):
        yield client


def signup_args(email: str) -> dict[str, Any]:
    return {"email": email, "password": PASSWORD}


@pytest.mark.parametrize("mode", MODES)
async def test_signup_over_streamable_http(host: McpHost, mode: str) -> None:
    host.put("srv_signup", SIGNUP, unique_namespace())
    with running(host) as base:
        async with Client(f"{base}/srv_signup/mcp", mode=mode) as client:
            tools = (await client.list_tools()).tools
            assert [t.name for t in tools] == ["signup_api"]
            assert tools[0].input_schema == SIGNUP.input_schema
            assert tools[0].annotations is not None
            assert tools[0].annotations.read_only_hint is False

            first = await client.call_tool("signup_api", signup_args("ada@example.com"))
            assert first.is_error is False, first.content
            assert first.structured_content is not None
            assert first.structured_content["token"].count(".") == 2

            again = await client.call_tool("signup_api", signup_args("ada@example.com"))
            assert again.is_error is True
            assert again.meta is not None and again.meta[STATUS_META_KEY] == 409
            assert again.structured_content is not None
            assert again.structured_content["error"]
            assert json.loads(again.content[0].text) == again.structured_content  # type: ignore[union-attr]


async def test_many_workflows_in_one_process_are_separate(host: McpHost) -> None:
    host.put("a", SIGNUP, unique_namespace())
    host.put("b", TODO, unique_namespace())
    with running(host) as base:
        async with Client(f"{base}/a/mcp") as a, Client(f"{base}/b/mcp") as b:
            assert [t.name for t in (await a.list_tools()).tools] == ["signup_api"]
            assert [t.name for t in (await b.list_tools()).tools] == ["todo_api"]
            todo = await b.call_tool("todo_api", {"title": "Buy milk"})
            assert todo.structured_content is not None
            assert todo.structured_content["priority"] == "medium"


async def test_replace_and_remove_at_run_time(host: McpHost) -> None:
    ns = unique_namespace()
    host.put("srv", SIGNUP, ns)
    with running(host) as base:
        url = f"{base}/srv/mcp"
        async with Client(url) as client:
            assert (await client.list_tools()).tools[0].name == "signup_api"

        # A new version: renamed, with one more optional field.
        spec = SIGNUP.to_wire()
        spec["name"] = "Register Account"
        spec["inputSchema"]["properties"]["referrer"] = {"type": "string"}
        host.put("srv", Workflow.model_validate(spec), ns)
        async with Client(url) as client:
            tools = (await client.list_tools()).tools
            assert [t.name for t in tools] == ["register_account"]
            assert "referrer" in tools[0].input_schema["properties"]
            result = await client.call_tool("register_account", signup_args("v2@example.com"))
            assert result.is_error is False

        host.mount.remove("srv")
        assert "srv" not in host.mount
        async with httpx2.AsyncClient() as http:
            gone = await http.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "ping"})
        assert gone.status_code == 404
        assert gone.json() == {"error": "No MCP server is mounted here", "details": {"key": "srv"}}
        with pytest.raises(Exception):  # noqa: B017 - the SDK reports the 404 its own way
            async with Client(url) as client:
                await client.list_tools()


async def test_a_call_running_on_a_replaced_version_finishes_on_it(host: McpHost) -> None:
    started, release = threading.Event(), threading.Event()

    def answering(text: str, *, wait: bool) -> RunFn:
        async def run(_arguments: dict[str, Any], _headers: dict[str, str]) -> ExecutionResult:
            if wait:
                started.set()
                await anyio.to_thread.run_sync(release.wait, 20)
            # A body of the shape signup answers (clients check it against outputSchema).
            return ExecutionResult(200, {"id": text, "email": "v@example.com", "token": "t"})

        return run

    host.mount.put("srv", SIGNUP, answering("v1", wait=True))
    with running(host) as base:
        url = f"{base}/srv/mcp"
        results: dict[str, Any] = {}

        async def old_call() -> None:
            async with Client(url, mode="legacy") as client:
                results["old"] = await client.call_tool("signup_api", signup_args("v@example.com"))

        async with anyio.create_task_group() as tg:
            tg.start_soon(old_call)
            await anyio.to_thread.run_sync(started.wait, 20)
            host.mount.put("srv", SIGNUP, answering("v2", wait=False))
            async with Client(url) as client:
                new = await client.call_tool("signup_api", signup_args("v@example.com"))
            assert new.structured_content is not None and new.structured_content["id"] == "v2"
            release.set()
        assert results["old"].structured_content["id"] == "v1"


async def test_an_api_key_is_required_before_any_tool_runs(host: McpHost) -> None:
    ns = unique_namespace()
    host.put("private", SIGNUP, ns, api_keys=["key-one", "key-two"])
    with running(host) as base:
        url = f"{base}/private/mcp"
        call = {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "tools/call",
            "params": {"name": "signup_api", "arguments": signup_args("sneaky@example.com")},
        }
        headers = {
            "Accept": "application/json, text/event-stream",
            "MCP-Protocol-Version": "2025-06-18",
        }
        async with httpx2.AsyncClient() as http:
            missing = await http.post(url, json=call, headers=headers)
            wrong = await http.post(
                url, json=call, headers={**headers, "Authorization": "Bearer nope"}
            )
        assert missing.status_code == 401
        assert missing.headers["www-authenticate"].startswith("Bearer ")
        assert set(missing.json()) == {"error", "details"}
        assert wrong.status_code == 401
        assert 'error="invalid_token"' in wrong.headers["www-authenticate"]

        with pytest.raises(Exception):  # noqa: B017 - the SDK client reports the 401
            async with Client(url) as client:
                await client.list_tools()

        async with client_with_headers(url, {"Authorization": "Bearer key-two"}) as client:
            result = await client.call_tool("signup_api", signup_args("ada@example.com"))
            assert result.is_error is False

        # The refused calls ran no tool: that email is still free.
        assert host.services is not None
        found = await host.services.datastore.find_one(ns, "users", {"email": "sneaky@example.com"})
        assert found is None


async def test_the_api_key_is_not_passed_to_the_workflow(host: McpHost) -> None:
    seen: list[dict[str, str]] = []

    async def run(_arguments: dict[str, Any], headers: dict[str, str]) -> ExecutionResult:
        seen.append(headers)
        return ExecutionResult(200, {"id": "u", "email": "v@example.com", "token": "t"})

    host.mount.put("srv", SIGNUP, run, api_keys=["secret-key"])
    with running(host) as base:
        headers = {"Authorization": "Bearer secret-key", "X-Trace": "t-1"}
        async with client_with_headers(f"{base}/srv/mcp", headers) as client:
            await client.call_tool("signup_api", signup_args("v@example.com"))
    assert seen and seen[0]["x-trace"] == "t-1"
    assert "authorization" not in seen[0]


async def test_unknown_keys_and_methods(host: McpHost) -> None:
    host.put("srv", SIGNUP, unique_namespace())
    with running(host) as base:
        async with httpx2.AsyncClient() as http:
            unknown = await http.post(f"{base}/nobody/mcp", json={})
            stream = await http.get(f"{base}/srv/mcp", headers={"Accept": "text/event-stream"})
        assert unknown.status_code == 404
        assert unknown.json()["details"] == {"key": "nobody"}
        assert stream.status_code == 405  # stateless: no server-to-client stream
        assert stream.headers["allow"] == "POST"


class RoundRobin(httpx2.AsyncBaseTransport):
    """A client-side load balancer: each HTTP request goes to the next worker."""

    def __init__(self, bases: list[str]) -> None:
        self.ports = [httpx2.URL(b).port for b in bases]
        self.transport = httpx2.AsyncHTTPTransport()
        self.sent: list[int] = []

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        port = self.ports[len(self.sent) % len(self.ports)]
        self.sent.append(port)
        request.url = request.url.copy_with(port=port)
        return await self.transport.handle_async_request(request)

    async def aclose(self) -> None:
        await self.transport.aclose()


@pytest.mark.postgres
@pytest.mark.parametrize("mode", MODES)
async def test_two_workers_over_one_postgres_answer_any_request(
    tmp_path: Path, postgres_url: str, mode: str
) -> None:
    ns = unique_namespace()
    hosts = []
    for name in ("one", "two"):
        settings = make_settings(tmp_path / name, database_url=postgres_url)
        worker = McpHost(settings)
        worker.put("agent_1", SIGNUP, ns)
        hosts.append(worker)
    with running(hosts[0]) as first, running(hosts[1]) as second:
        balancer = RoundRobin([first, second])
        async with httpx2.AsyncClient(transport=balancer) as http:
            url = f"{first}/agent_1/mcp"
            async with Client(streamable_http_client(url, http_client=http), mode=mode) as client:
                assert (await client.list_tools()).tools[0].name == "signup_api"
                emails = [f"user{i}@example.com" for i in range(6)]
                for email in emails:
                    result = await client.call_tool("signup_api", signup_args(email))
                    assert result.is_error is False, result.content
                for email in emails[:2]:  # the other worker sees what this one stored
                    again = await client.call_tool("signup_api", signup_args(email))
                    assert again.is_error is True
                    assert again.meta is not None and again.meta[STATUS_META_KEY] == 409
        assert set(balancer.sent) == set(balancer.ports)
        assert len(balancer.sent) >= 10

"""httpRequest against a real HTTP server on loopback: parsing, retries, timeouts, 502s."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from orchestrix.errors import UpstreamError, ValidationFailed
from orchestrix.runtime.executor import Executor
from orchestrix.runtime.services import open_services
from orchestrix.settings import Settings
from orchestrix.spec.models import Workflow
from orchestrix.tools.base import RunContext, Services
from orchestrix.tools.http_request import HttpRequest, HttpRequestConfig
from tests.conftest import unique_namespace
from tests.servers import free_port, serve_asgi

HITS: Counter[str] = Counter()


async def echo(request: Request) -> Response:
    raw = await request.body()
    return JSONResponse(
        {
            "method": request.method,
            "path": request.url.path,
            "query": sorted(request.query_params.multi_items()),
            "json": await request.json() if raw else None,
            "contentType": request.headers.get("content-type"),
            "custom": request.headers.get("x-custom"),
        },
        headers={"X-Reply": "yes"},
    )


async def text(_: Request) -> Response:
    return PlainTextResponse("plain words")


async def broken_json(_: Request) -> Response:
    return Response("{not json", media_type="application/json")


async def flaky(request: Request) -> Response:
    """503 for the first ``fail`` hits of a key, then 200."""
    key = request.query_params["key"]
    HITS[key] += 1
    if HITS[key] <= int(request.query_params["fail"]):
        return JSONResponse({"error": "busy"}, status_code=503)
    return JSONResponse({"hits": HITS[key]})


async def missing(request: Request) -> Response:
    HITS[request.query_params["key"]] += 1
    return JSONResponse({"error": "no such thing"}, status_code=404)


async def slow(request: Request) -> Response:
    HITS[request.query_params["key"]] += 1
    await asyncio.sleep(2)
    return PlainTextResponse("late")


APP = Starlette(
    routes=[
        Route("/echo", echo, methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
        Route("/text", text),
        Route("/broken-json", broken_json),
        Route("/flaky", flaky),
        Route("/missing", missing),
        Route("/slow", slow),
    ]
)


@pytest.fixture
async def services(tmp_path: Path) -> AsyncIterator[Services]:
    """The peers here are on loopback, which the egress policy refuses unless allowed."""
    settings = Settings(data_dir=tmp_path, egress_allow=["127.0.0.1"], _env_file=None)  # type: ignore[call-arg]
    async with open_services(settings) as svc:
        yield svc


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with serve_asgi(APP) as url:
        yield url


def _ctx(services: Services) -> RunContext:
    return RunContext(
        workflow=Workflow(name="Http"), input={}, services=services, namespace=unique_namespace()
    )


async def _call(services: Services, **config: Any) -> dict[str, Any]:
    out = await HttpRequest().run(_ctx(services), HttpRequestConfig.model_validate(config))
    return out.model_dump(by_alias=True)


def _key() -> str:
    return unique_namespace()


async def test_get_parses_json_and_sends_query_and_headers(
    services: Services, base_url: str
) -> None:
    out = await _call(
        services,
        url=f"{base_url}/echo",
        query={"q": "milk", "page": 2, "tags": ["a", "b"], "skip": None, "flag": True},
        headers={"X-Custom": 7},
    )
    assert out["status"] == 200 and out["ok"] is True
    assert out["headers"]["x-reply"] == "yes"
    assert out["body"]["method"] == "GET"
    assert out["body"]["query"] == [
        ["flag", "true"],
        ["page", "2"],
        ["q", "milk"],
        ["tags", "a"],
        ["tags", "b"],
    ]
    assert out["body"]["custom"] == "7"
    assert out["body"]["json"] is None


async def test_a_body_is_sent_as_json(services: Services, base_url: str) -> None:
    body = {"title": "Buy milk", "tags": ["x"], "n": 1.5, "done": False}
    out = await _call(services, url=f"{base_url}/echo", method="post", body=body)
    assert out["body"]["method"] == "POST"
    assert out["body"]["json"] == body
    assert out["body"]["contentType"] == "application/json"


async def test_a_text_answer_stays_text(services: Services, base_url: str) -> None:
    assert (await _call(services, url=f"{base_url}/text"))["body"] == "plain words"
    assert (await _call(services, url=f"{base_url}/broken-json"))["body"] == "{not json"


async def test_503_is_retried_until_it_succeeds(services: Services, base_url: str) -> None:
    key = _key()
    out = await _call(services, url=f"{base_url}/flaky?key={key}&fail=2", retries=2)
    assert (out["status"], out["body"]) == (200, {"hits": 3})
    assert HITS[key] == 3


async def test_retries_are_bounded_then_502(services: Services, base_url: str) -> None:
    key = _key()
    with pytest.raises(UpstreamError) as info:
        await _call(services, url=f"{base_url}/flaky?key={key}&fail=10", retries=1)
    assert info.value.status == 502
    assert info.value.details == {"url": f"{base_url}/flaky", "status": 503}
    assert HITS[key] == 2


async def test_a_404_is_not_retried(services: Services, base_url: str) -> None:
    key = _key()
    with pytest.raises(UpstreamError) as info:
        await _call(services, url=f"{base_url}/missing?key={key}", retries=3)
    assert info.value.details["status"] == 404
    assert HITS[key] == 1
    out = await _call(services, url=f"{base_url}/missing?key={key}", failOnError=False)
    assert (out["status"], out["ok"], out["body"]) == (404, False, {"error": "no such thing"})
    assert HITS[key] == 2


async def test_a_timeout_is_502(services: Services, base_url: str) -> None:
    key = _key()
    with pytest.raises(UpstreamError) as info:
        await _call(services, url=f"{base_url}/slow?key={key}", timeout=0.2, retries=1)
    assert info.value.status == 502
    assert info.value.details["reason"] == "timeout"
    assert info.value.details["attempts"] == 2
    assert HITS[key] == 2


async def test_a_refused_connection_is_502(services: Services) -> None:
    port = free_port()  # nothing listens there
    with pytest.raises(UpstreamError) as info:
        await _call(services, url=f"http://127.0.0.1:{port}/x", retries=1)
    assert info.value.status == 502
    assert info.value.details["url"] == f"http://127.0.0.1:{port}/x"
    assert info.value.details["status"] is None
    assert info.value.details["attempts"] == 2


@pytest.mark.parametrize("url", ["ftp://example.com/file", "file:///etc/passwd", "example.com", ""])
async def test_only_http_urls(services: Services, url: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        await _call(services, url=url)
    assert info.value.status == 400
    assert info.value.details[0]["field"] == "url"


def test_retries_are_at_most_five() -> None:
    with pytest.raises(ValueError):
        HttpRequestConfig.model_validate({"url": "http://x", "retries": 6})
    with pytest.raises(ValueError):
        HttpRequestConfig.model_validate({"url": "http://x", "method": "TRACE"})


async def test_errors_never_show_credentials_or_query(services: Services, base_url: str) -> None:
    workflow = Workflow.model_validate(
        {
            "name": "Call",
            "tools": [
                {
                    "id": "call",
                    "type": "httpRequest",
                    "config": {"url": "{{ input.url }}", "retries": 0},
                }
            ],
        }
    )
    secret_url = (
        base_url.replace("http://", "http://user:hunter2@") + "/missing?key=k&apiKey=s3cr3t"
    )
    result = await Executor(workflow).run({"url": secret_url}, services, namespace="h")
    assert result.status == 502
    assert result.body == {
        "error": "The upstream answered 404",
        "details": {"url": f"{base_url}/missing", "status": 404},
    }

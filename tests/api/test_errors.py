"""Every error answer is JSON {error, details}: validation, unknown routes, methods, limits."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.api.conftest import create_server, example_spec, serve_app
from tests.factories import make_settings

OWNER = {"ownerId": "alice"}


def assert_error(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error", "details"}
    assert isinstance(body["error"], str) and body["error"]
    return body


def test_unknown_route_and_wrong_method(client: httpx.Client) -> None:
    body = assert_error(client.get("/no/such/route"), 404)
    assert body["details"] == {"method": "GET", "path": "/no/such/route"}
    wrong = client.delete("/mcp/servers")
    assert_error(wrong, 405)
    assert wrong.headers["allow"]


def test_request_validation_lists_the_fields(client: httpx.Client) -> None:
    neither = assert_error(client.post("/mcp/servers", json=OWNER), 422)
    assert neither["error"] == "The request is not valid"
    assert "prompt or a spec" in str(neither["details"])

    both = assert_error(
        client.post("/mcp/servers", json={"prompt": "x", "spec": example_spec(), **OWNER}), 422
    )
    assert "prompt or a spec" in str(both["details"])

    sid = create_server(client)["id"]
    bad = assert_error(
        client.put(f"/mcp/servers/{sid}", json={"spec": 5, "baseVersion": 0, **OWNER}), 422
    )
    fields = {(d["in"], d["field"]) for d in bad["details"]}  # type: ignore[union-attr]
    assert ("body", "baseVersion") in fields
    assert any(f[1].startswith("spec") for f in fields)

    limit = assert_error(client.get("/mcp/servers", params={"limit": 0, **OWNER}), 422)
    assert limit["details"][0]["in"] == "query"  # type: ignore[index]
    assert limit["details"][0]["field"] == "limit"  # type: ignore[index]

    not_json = client.post(
        "/mcp/servers", content=b"{nope", headers={"content-type": "application/json"}
    )
    broken = assert_error(not_json, 422)
    assert broken["error"] == "The request body is not valid JSON"
    assert "at character 1" in broken["details"]["message"]  # type: ignore[index]


def test_local_mode_needs_an_owner(client: httpx.Client) -> None:
    body = assert_error(client.get("/mcp/servers"), 422)
    assert body["details"][0]["field"] == "ownerId"  # type: ignore[index]
    assert_error(client.post("/mcp/servers", json={"spec": example_spec()}), 422)


@pytest.mark.parametrize(
    "payload",
    [
        {"spec": {"name": "nul\u0000name"}},
        {"prompt": "a \ud800 surrogate"},
        {"prompt": "ok", "ownerId": "bad\u0000owner"},
    ],
)
def test_text_the_databases_cannot_store_is_refused(
    any_client: httpx.Client, payload: dict[str, object]
) -> None:
    body = {"ownerId": "alice", **payload}
    raw = json.dumps(body).encode()  # ensure_ascii: the surrogate goes as an escape
    response = any_client.post(
        "/mcp/servers", content=raw, headers={"content-type": "application/json"}
    )
    assert_error(response, 422)
    nul_owner = any_client.get("/mcp/servers", params={"ownerId": "a\x00b"})
    assert_error(nul_owner, 422)


@pytest.fixture
def small_limit_url(tmp_path: Path) -> Iterator[str]:
    settings = make_settings(tmp_path, max_body_bytes=2048)
    with serve_app(settings) as base:
        yield base


def test_bodies_over_the_limit_answer_413(small_limit_url: str) -> None:
    with httpx.Client(base_url=small_limit_url, timeout=30) as c:
        declared = c.post(
            "/mcp/servers",
            content=b"x" * 4096,
            headers={"content-type": "application/json"},
        )
        body = assert_error(declared, 413)
        assert body["details"] == {"maxBytes": 2048}

        def chunks() -> Iterator[bytes]:  # no Content-Length: the bytes are counted
            for _ in range(8):
                yield b" " * 512

        streamed = c.post(
            "/mcp/servers", content=chunks(), headers={"content-type": "application/json"}
        )
        assert "content-length" not in streamed.request.headers
        assert_error(streamed, 413)

        # at the limit is fine
        under = c.post("/mcp/servers", json={"spec": {"name": "x"}, **OWNER})
        assert under.status_code == 201, under.text


def test_health(client: httpx.Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_openapi_lists_the_routes_and_the_error_body(client: httpx.Client) -> None:
    schema = client.get("/openapi.json").json()
    paths = schema["paths"]
    for path in (
        "/mcp/servers",
        "/mcp/servers/{serverId}",
        "/mcp/servers/{serverId}/chat",
        "/mcp/servers/{serverId}/run",
        "/mcp/servers/{serverId}/runtime",
        "/mcp/servers/{serverId}/runtime/start",
        "/mcp/servers/{serverId}/runtime/stop",
        "/mcp/servers/{serverId}/versions",
        "/mcp/servers/{serverId}/versions/{version}/restore",
        "/mcp/servers/{serverId}/executions",
        "/runtime/{serverId}",
    ):
        assert path in paths, path
    put_422 = paths["/mcp/servers/{serverId}"]["put"]["responses"]["422"]
    assert put_422["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorBody")

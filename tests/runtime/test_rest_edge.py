"""One HTTP edge for graphs: the control plane's runtime route and the host's agent route
answer alike, and both refuse hostile JSON with 400 and the reason. Real apps on loopback,
SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from orchestrix.api import create_app
from orchestrix.host import create_host_app
from orchestrix.runtime.rest import MAX_DEPTH, parse_json
from orchestrix.settings import Settings
from tests.host.helpers import HOST_KEY, auth
from tests.servers import serve_asgi

GREETER: dict[str, Any] = {
    "apiVersion": "orchestrix/v1",
    "name": "Greeter",
    "description": "Says hello in plain text",
    "inputSchema": {"type": "object", "properties": {"name": {"type": "string"}}},
    "tools": [
        {"id": "input", "type": "input"},
        {
            "id": "answer",
            "type": "response",
            "config": {
                "status": 200,
                "headers": {"Content-Type": "text/plain; charset=utf-8", "X-Greeting": "yes"},
                "body": "hello {{ input.name ?? 'you' }}",
            },
        },
    ],
    "executionOrder": ["input", "answer"],
}

HOSTILE: dict[str, bytes] = {
    "deep": b'{"a": ' + b"[" * 500 + b"]" * 500 + b"}",
    "very deep": b'{"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    "NaN": b'{"a": NaN}',
    "Infinity": b'{"a": Infinity}',
    "-Infinity": b'{"a": -Infinity}',
    "1e400": b'{"a": 1e400}',
    "5000 digits": b'{"a": ' + b"9" * 5000 + b"}",
    "lone surrogate": b'{"name": "\\ud800"}',
    "surrogate in a key": b'{"\\udfff": 1}',
    "NUL": b'{"name": "a\\u0000b"}',
    "NUL in a key": b'{"a\\u0000": 1}',
    "not JSON": b"{nope",
    "not UTF-8": b'{"name": "\xff"}',
    "not an object": b"[1, 2]",
}


@contextmanager
def both_apps(tmp_path: Path, database_url: str) -> Iterator[tuple[str, str]]:
    """The graph served by ``orchestrix serve``'s runtime and by ``orchestrix host``; yields
    the two URLs to POST to."""
    serve = Settings(data_dir=tmp_path / "cp", database_url=database_url, _env_file=None)  # type: ignore[call-arg]
    host = Settings(  # type: ignore[call-arg]
        data_dir=tmp_path / "host", database_url=database_url, host_api_key=HOST_KEY, _env_file=None
    )
    with (
        serve_asgi(create_app(serve)) as cp,
        serve_asgi(create_host_app(host)) as hosted,
        httpx.Client(timeout=60) as http,
    ):
        created = http.post(f"{cp}/mcp/servers", json={"spec": GREETER, "ownerId": "ada"})
        assert created.status_code == 201, created.text
        sid = created.json()["id"]
        started = http.post(f"{cp}/mcp/servers/{sid}/runtime/start", json={"ownerId": "ada"})
        assert started.status_code == 200, started.text
        wire = {k: v for k, v in GREETER.items() if k != "apiVersion"}
        agent = http.post(f"{hosted}/mcp/agents", json=wire, headers=auth())
        assert agent.status_code == 201, agent.text
        yield f"{cp}/runtime/{sid}", f"{hosted}/agents/{agent.json()['agentId']}"


def test_a_text_answer_is_the_same_locally_and_hosted(tmp_path: Path, database_url: str) -> None:
    with both_apps(tmp_path, database_url) as urls, httpx.Client(timeout=60) as http:
        answers = [http.post(url, json={"name": "Ada"}) for url in urls]
        for answer in answers:
            assert answer.status_code == 200
            assert answer.headers["content-type"] == "text/plain; charset=utf-8"
            assert answer.headers["x-greeting"] == "yes"
            assert answer.text == "hello Ada"
        local, hosted = answers
        assert local.content == hosted.content


def test_hostile_json_answers_400_with_the_reason_on_both_apps(
    tmp_path: Path, database_url: str
) -> None:
    with both_apps(tmp_path, database_url) as urls, httpx.Client(timeout=60) as http:
        for url in urls:
            for name, raw in HOSTILE.items():
                answer = http.post(url, content=raw, headers={"Content-Type": "application/json"})
                assert answer.status_code == 400, (url, name, answer.text)
                body = answer.json()
                assert set(body) == {"error", "details"}, (name, body)
                assert body["error"].startswith("The request body"), (name, body)
            # and the apps still work
            assert http.post(url, json={"name": "Lin"}).text == "hello Lin"


def test_every_app_answers_errors_as_json(tmp_path: Path) -> None:
    host = Settings(data_dir=tmp_path, host_api_key=HOST_KEY, _env_file=None)  # type: ignore[call-arg]
    with serve_asgi(create_host_app(host)) as base, httpx.Client(base_url=base) as http:
        for answer in (
            http.get("/nowhere"),
            http.patch("/agents/agt_x"),
            http.post("/agents/agt_missing", json={}),
        ):
            assert answer.headers["content-type"] == "application/json", answer.text
            assert set(answer.json()) == {"error", "details"}


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"[" * (MAX_DEPTH + 2) + b"]" * (MAX_DEPTH + 2), "nested deeper"),
        (b'{"a": 123456789012345678901234567890123456789012345}', "digits"),
        (b'{"a": 1e999}', "too large"),
        (b'{"a": "\\u0000"}', "NUL"),
    ],
)
def test_the_guard_names_the_reason(raw: bytes, reason: str) -> None:
    from orchestrix.errors import BadRequestBody

    with pytest.raises(BadRequestBody) as info:
        parse_json(raw, 1 << 20)
    assert reason in info.value.details["reason"]


def test_ordinary_json_passes_the_guard() -> None:
    value = {"a": [1, 2.5, -3, True, None, "é ☃ 😀"], "n": 10**20, "deep": [[[[{}]]]]}
    import json

    assert parse_json(json.dumps(value).encode(), 1 << 20) == value

"""The MCP adapter in process: the SDK's own client against a workflow's server, real services."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from mcp import Client, MCPError

from orchestrix.errors import ConfigurationError
from orchestrix.runtime.executor import ExecutionResult, Executor
from orchestrix.runtime.mcp import (
    STATUS_META_KEY,
    build_server,
    call_result,
    describe_tool,
    run_with_services,
    tool_annotations,
    tool_name,
)
from orchestrix.spec.io import load_workflow
from orchestrix.spec.models import Workflow
from orchestrix.tools.base import Services
from tests.conftest import unique_namespace

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SIGNUP = load_workflow(EXAMPLES / "signup.yaml")
PASSWORD = "hunter2hunter2"
MODES = ["auto", "legacy"]  # 2026-07-28 without a handshake, and the initialize handshake


def graph(name: str, *tools: dict[str, Any]) -> Workflow:
    return Workflow.model_validate({"name": name, "tools": list(tools)})


ECHO = graph(
    "Echo Things",
    {"id": "input", "type": "input"},
    {"id": "shape", "type": "transform", "config": {"output": {"said": "{{ input.text }}"}}},
    {"id": "response", "type": "response", "config": {"body": "{{ steps.shape }}"}},
)


def test_tool_names_are_snake_case_and_stable() -> None:
    assert tool_name(SIGNUP) == "signup_api"
    assert tool_name(graph("CreateTodo Item v2")) == "create_todo_item_v2"
    # Letters with accents fold to ASCII; another script keeps a hash, so names stay apart.
    assert tool_name(graph("  Ünïcode -- API!  ")) == "unicode_api"
    assert tool_name(graph("Café Orders")) == "cafe_orders"
    russian, greek = tool_name(graph("Заказы")), tool_name(graph("Παραγγελίες"))
    assert russian.startswith("workflow_") and greek.startswith("workflow_")
    assert russian != greek and russian == tool_name(graph("Заказы"))
    assert tool_name(graph("Заказы API")).startswith("api_")
    assert tool_name(graph("x" * 120)) == "x" * 64
    assert tool_name(graph("???")) == "workflow"
    assert tool_name(SIGNUP) == tool_name(load_workflow(EXAMPLES / "signup.yaml"))


def test_the_tool_carries_the_spec_description_and_input_schema() -> None:
    tool = describe_tool(SIGNUP)
    assert tool.name == "signup_api"
    assert tool.title == "Signup API"
    assert tool.description == SIGNUP.description
    assert tool.input_schema == SIGNUP.input_schema


def _http(method: str) -> dict[str, Any]:
    return {
        "id": "call",
        "type": "httpRequest",
        "config": {"url": "https://example.com/x", "method": method},
    }


LIMIT = {"id": "limit", "type": "rateLimit", "config": {"key": "{{ input.ip }}", "limit": 5}}
FIND = {"id": "find", "type": "dbFind", "config": {"collection": "t", "where": {"id": "1"}}}


@pytest.mark.parametrize(
    ("steps", "read_only", "destructive", "idempotent", "open_world"),
    [
        ([FIND], True, False, True, False),
        ([LIMIT, FIND], True, False, True, False),  # counting calls changes no data
        ([_http("GET")], True, False, True, True),
        ([_http("HEAD")], True, False, True, True),
        ([_http("DELETE")], False, True, True, True),
        ([_http("PUT")], False, True, True, True),
        ([_http("POST")], False, True, False, True),
        ([_http("PATCH")], False, True, False, True),
        ([_http("{{ input.method }}")], False, True, False, True),  # unknown: anything
        (
            [{"id": "ins", "type": "dbInsert", "config": {"collection": "t", "document": {}}}],
            False,
            False,
            False,
            False,
        ),
        (
            [
                {
                    "id": "upd",
                    "type": "dbUpdate",
                    "config": {"collection": "t", "where": {"id": "1"}, "set": {"a": 1}},
                }
            ],
            False,
            True,
            True,
            False,
        ),
        (
            [{"id": "del", "type": "dbDelete", "config": {"collection": "t", "where": {}}}],
            False,
            True,
            True,
            False,
        ),
    ],
)
def test_annotations_follow_what_each_step_does(
    steps: list[dict[str, Any]],
    read_only: bool,
    destructive: bool,
    idempotent: bool,
    open_world: bool,
) -> None:
    hints = tool_annotations(graph("G", {"id": "input", "type": "input"}, *steps))
    assert hints.read_only_hint is read_only
    assert hints.destructive_hint is destructive
    assert hints.idempotent_hint is idempotent
    assert hints.open_world_hint is open_world


def test_the_examples_annotations() -> None:
    signup = tool_annotations(SIGNUP)
    assert signup.read_only_hint is False
    assert signup.destructive_hint is False  # inserts only: additive
    assert signup.idempotent_hint is False  # a second signup is another attempt
    assert signup.open_world_hint is False
    echo = tool_annotations(ECHO)
    assert echo.read_only_hint is True and echo.destructive_hint is False


def test_a_status_of_400_or_more_is_a_tool_error_with_the_rest_body() -> None:
    body = {"error": "A user with this email already exists", "details": {"field": "email"}}
    result = call_result(409, body)
    assert result.is_error is True
    assert result.structured_content == body
    assert json.loads(result.content[0].text) == body  # type: ignore[union-attr]
    assert result.meta == {STATUS_META_KEY: 409}

    ok = call_result(200, [1, 2], {"X-Total": "2"})
    assert ok.is_error is False
    assert ok.structured_content == {"result": [1, 2]}
    assert ok.meta is not None and ok.meta["dev.orchestrix/headers"] == {"X-Total": "2"}


@pytest.mark.parametrize("mode", MODES)
async def test_signup_through_the_sdk_client(services: Services, mode: str) -> None:
    run = run_with_services(Executor(SIGNUP), services, namespace=unique_namespace())
    async with Client(build_server(SIGNUP, run), mode=mode) as client:
        listed = await client.list_tools()
        assert [t.name for t in listed.tools] == ["signup_api"]
        assert listed.tools[0].input_schema["required"] == ["email", "password"]

        args = {"email": "ada@example.com", "password": PASSWORD}
        first = await client.call_tool("signup_api", args)
        assert first.is_error is False
        assert first.structured_content is not None
        assert first.structured_content["token"].count(".") == 2
        assert json.loads(first.content[0].text) == first.structured_content  # type: ignore[union-attr]

        again = await client.call_tool("signup_api", args)
        assert again.is_error is True
        assert again.structured_content is not None
        assert set(again.structured_content) == {"error", "details"}
        assert again.meta is not None and again.meta[STATUS_META_KEY] == 409

        bad = await client.call_tool("signup_api", {"email": "nope"})
        assert bad.is_error is True
        assert bad.structured_content is not None
        fields = sorted(d["field"] for d in bad.structured_content["details"])
        assert fields == ["email", "password"]


async def test_an_unknown_tool_is_a_protocol_error(services: Services) -> None:
    run = run_with_services(Executor(ECHO), services, namespace=unique_namespace())
    async with Client(build_server(ECHO, run)) as client:
        assert (await client.call_tool("echo_things", {"text": "hi"})).structured_content == {
            "said": "hi"
        }
        with pytest.raises(MCPError, match="Unknown tool"):
            await client.call_tool("signup_api", {})


async def test_errors_raised_by_the_run_become_tool_errors() -> None:
    async def misconfigured(_args: dict[str, Any], _headers: dict[str, str]) -> ExecutionResult:
        raise ConfigurationError("ORCHESTRIX_DATABASE_URL is not set", {"setting": "database_url"})

    async def buggy(_args: dict[str, Any], _headers: dict[str, str]) -> ExecutionResult:
        raise KeyError("secret internals")

    async with Client(build_server(ECHO, misconfigured)) as client:
        result = await client.call_tool("echo_things", {})
        assert result.is_error is True
        assert result.structured_content == {
            "error": "ORCHESTRIX_DATABASE_URL is not set",
            "details": {"setting": "database_url"},
        }
    async with Client(build_server(ECHO, buggy)) as client:
        result = await client.call_tool("echo_things", {})
        assert result.is_error is True
        assert "secret internals" not in result.content[0].text  # type: ignore[union-attr]
        assert result.meta is not None and result.meta[STATUS_META_KEY] == 500


# --- outputSchema, arguments, 204 and serverInfo ----------------------------------------------


def test_the_output_schema_covers_every_answer_and_the_error_shape() -> None:
    from jsonschema import Draft202012Validator

    from orchestrix.runtime.mcp_tools import output_schema

    schema = output_schema(SIGNUP)
    Draft202012Validator.check_schema(schema)
    check = Draft202012Validator(schema)
    assert check.is_valid({"id": "u1", "email": "a@b.co", "token": "x.y.z"})
    assert check.is_valid({"error": "A user with this email already exists", "details": None})
    assert not check.is_valid({"token": "x.y.z"})  # neither a signup answer nor an error
    assert not check.is_valid({"error": 42})

    empty = graph(
        "Forget Me",
        {"id": "input", "type": "input"},
        {"id": "response", "type": "response", "config": {"status": 204}},
    )
    assert Draft202012Validator(output_schema(empty)).is_valid({})
    assert output_schema(ECHO) == {"type": "object"}  # the body is an expression: any object


async def test_arguments_are_checked_against_the_input_schema_without_a_validation_step(
    services: Services,
) -> None:
    strict = Workflow.model_validate(
        {
            "name": "Echo Strict",
            "inputSchema": {
                "type": "object",
                "required": ["text"],
                "properties": {"text": {"type": "string", "maxLength": 5}},
            },
            "tools": ECHO.to_wire()["tools"],
        }
    )
    assert all(t.type != "validation" for t in strict.tools)
    ran: list[dict[str, Any]] = []
    real = run_with_services(Executor(strict), services, namespace=unique_namespace())

    async def run(arguments: dict[str, Any], headers: dict[str, str]) -> ExecutionResult:
        ran.append(arguments)
        return await real(arguments, headers)

    async with Client(build_server(strict, run)) as client:
        long = await client.call_tool("echo_strict", {"text": "far too long"})
        assert long.is_error is True
        assert long.meta is not None and long.meta[STATUS_META_KEY] == 400
        assert long.structured_content is not None
        assert long.structured_content["details"][0]["field"] == "text"
        missing = await client.call_tool("echo_strict", {})
        assert missing.is_error is True
        assert ran == []  # the graph never ran on arguments that break its schema
        ok = await client.call_tool("echo_strict", {"text": "hi"})
        assert ok.structured_content == {"said": "hi"}


@pytest.mark.parametrize("mode", MODES)
async def test_a_204_has_no_text_and_server_info_is_the_workflow_version(
    services: Services, mode: str
) -> None:
    empty = graph(
        "Forget Me",
        {"id": "input", "type": "input"},
        {"id": "response", "type": "response", "config": {"status": 204}},
    )
    run = run_with_services(Executor(empty), services, namespace=unique_namespace())
    async with Client(build_server(empty, run, version="7"), mode=mode) as client:
        result = await client.call_tool("forget_me", {})
        assert result.is_error is False
        assert result.content == []  # not the text "null"
        assert result.structured_content == {}
        assert result.meta is not None and result.meta[STATUS_META_KEY] == 204
        if mode == "legacy":
            assert client.server_info is not None and client.server_info.version == "7"

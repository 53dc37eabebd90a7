"""The executor end to end on real SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import jwt
import pytest

from orchestrix.errors import SpecError
from orchestrix.runtime.executor import Executor, execute
from orchestrix.spec.io import load_workflow
from orchestrix.spec.models import Workflow
from orchestrix.tools.base import Services
from tests.conftest import unique_namespace
from tests.factories import make_settings

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SIGNUP = load_workflow(EXAMPLES / "signup.yaml")
PASSWORD = "hunter2hunter2"


async def test_signup_answers_201_with_a_signed_token(any_services: Services) -> None:
    ns = unique_namespace()
    result = await execute(
        SIGNUP, {"email": "a@b.co", "password": PASSWORD}, any_services, namespace=ns
    )
    assert result.status == 201, result.body
    secret = await any_services.secrets.get_or_create(ns, "jwt")
    claims = jwt.decode(result.body["token"], secret, algorithms=["HS256"])
    assert claims["sub"] == result.body["id"]
    assert [entry.id for entry in result.logs] == SIGNUP.execution_order
    assert all(entry.status == "success" for entry in result.logs)


async def test_the_same_signup_again_answers_409(any_services: Services) -> None:
    ns = unique_namespace()
    body = {"email": "a@b.co", "password": PASSWORD}
    assert (await execute(SIGNUP, body, any_services, namespace=ns)).status == 201
    again = await execute(SIGNUP, body, any_services, namespace=ns)
    assert again.status == 409
    assert again.body["error"]
    # answered before the hash is paid: the hash step gives the insert's own 409
    last = again.logs[-1]
    assert (last.id, last.status) == ("hashPassword", "error")
    assert last.error is not None and last.error["code"] == "conflict"


async def test_bad_input_lists_every_problem_and_stores_nothing(any_services: Services) -> None:
    ns = unique_namespace()
    result = await execute(SIGNUP, {"email": "nope"}, any_services, namespace=ns)
    assert result.status == 400
    fields = sorted(item["field"] for item in result.body["details"])
    assert fields == ["email", "password"]
    items, count = await any_services.datastore.query(ns, "users", {})
    assert count == 0 and items == []


async def test_logs_never_show_passwords_tokens_or_hashes(services: Services) -> None:
    result = await execute(
        SIGNUP, {"email": "a@b.co", "password": PASSWORD}, services, namespace=unique_namespace()
    )
    dumped = json.dumps([entry.to_dict() for entry in result.logs])
    assert PASSWORD not in dumped
    assert result.body["token"] not in dumped
    assert "$argon2id$" not in dumped
    assert "a@b.co" in dumped  # ordinary values stay readable


def _graph(tools: list[dict[str, Any]], **extra: Any) -> Workflow:
    return Workflow.model_validate({"name": "T", "tools": tools, **extra})


async def test_a_false_guard_skips_and_a_response_ends_the_run(services: Services) -> None:
    workflow = _graph(
        [
            {"id": "input", "type": "input"},
            {
                "id": "young",
                "type": "response",
                "when": "input.age < 18",
                "config": {"status": 403, "body": {"error": "too young"}},
            },
            {
                "id": "ok",
                "type": "response",
                "config": {"status": 200, "body": {"hi": "{{ input.name }}"}},
            },
            {"id": "never", "type": "transform", "config": {"output": 1}},
        ]
    )
    adult = await execute(workflow, {"age": 30, "name": "Ada"}, services, namespace="g")
    assert (adult.status, adult.body) == (200, {"hi": "Ada"})
    assert [(e.id, e.status) for e in adult.logs] == [
        ("input", "success"),
        ("young", "skipped"),
        ("ok", "success"),
    ]
    child = await execute(workflow, {"age": 9}, services, namespace="g")
    assert (child.status, child.body) == (403, {"error": "too young"})


async def test_without_a_response_the_last_output_is_the_body(services: Services) -> None:
    workflow = _graph(
        [
            {"id": "input", "type": "input"},
            {"id": "t", "type": "transform", "config": {"output": {"n": "{{ input.n + 1 }}"}}},
        ]
    )
    result = await execute(workflow, {"n": 41}, services, namespace="g")
    assert (result.status, result.body) == (200, {"n": 42})


async def test_a_run_past_its_timeout_answers_504(services: Services) -> None:
    workflow = _graph(
        [{"id": "h", "type": "hashPassword", "config": {"value": "{{ input.p }}"}}],
        inputSchema={"type": "object", "properties": {"p": {"type": "string"}}},
    )
    # a limit already spent when the run starts: the hash (in a worker thread) is cut off
    # whatever this machine's speed, without a budget that a fast or a loaded machine misses
    result = await Executor(workflow).run({"p": "x" * 20}, services, namespace="g", timeout=0)
    assert result.status == 504
    assert result.body["error"].startswith("The run took longer")


async def test_an_expression_that_fails_at_run_time_answers_500(services: Services) -> None:
    workflow = _graph(
        [{"id": "t", "type": "transform", "config": {"output": "{{ input.a / input.b }}"}}]
    )
    result = await execute(workflow, {"a": 1, "b": 0}, services, namespace="g")
    assert result.status == 500
    assert "t.config" in result.body["error"]
    assert result.logs[0].status == "error"


async def test_a_config_that_renders_wrong_answers_500_naming_the_tool(services: Services) -> None:
    workflow = _graph([{"id": "r", "type": "response", "config": {"status": "{{ input.s }}"}}])
    result = await execute(workflow, {"s": "not a number"}, services, namespace="g")
    assert result.status == 500
    assert "'r'" in result.body["error"]


def test_an_invalid_spec_is_refused_before_it_runs() -> None:
    workflow = _graph([{"id": "x", "type": "noSuchTool"}])
    with pytest.raises(SpecError) as info:
        Executor(workflow)
    assert "noSuchTool" in json.dumps(info.value.details)


@pytest.mark.timeout(120)
async def test_fifty_concurrent_signups_of_one_email_make_one_row(
    postgres_url: str, tmp_path: Path
) -> None:
    from orchestrix.runtime.services import open_services

    settings = make_settings(tmp_path, database_url=postgres_url)
    ns = unique_namespace()
    executor = Executor(SIGNUP)
    async with open_services(settings) as services:
        results = await asyncio.gather(
            *(
                executor.run(
                    {"email": "same@example.com", "password": PASSWORD}, services, namespace=ns
                )
                for _ in range(50)
            )
        )
        statuses = sorted(r.status for r in results)
        assert statuses.count(201) == 1
        assert statuses.count(409) == 49
        _, count = await services.datastore.query(ns, "users", {})
        assert count == 1

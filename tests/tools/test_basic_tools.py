"""input, transform and response, through the executor."""

from __future__ import annotations

from typing import Any

import pytest

from orchestrix.errors import SpecError
from orchestrix.runtime.executor import Executor
from orchestrix.spec.models import Workflow
from orchestrix.tools.base import Services


def _graph(*tools: dict[str, Any]) -> Executor:
    return Executor(Workflow.model_validate({"name": "Basics", "tools": list(tools)}))


async def test_input_exposes_the_request(services: Services) -> None:
    result = await _graph({"id": "input", "type": "input"}).run(
        {"a": 1, "b": [True, None]}, services, namespace="b"
    )
    assert (result.status, result.body) == (200, {"a": 1, "b": [True, None]})


async def test_transform_builds_a_value_from_expressions(services: Services) -> None:
    result = await _graph(
        {"id": "input", "type": "input"},
        {
            "id": "shape",
            "type": "transform",
            "config": {
                "output": {
                    "fullName": "{{ input.first }} {{ input.last }}",
                    "count": "{{ len(input.tags) }}",
                    "tags": "{{ input.tags }}",
                    "fixed": [1, "two", None],
                }
            },
        },
        {"id": "again", "type": "transform", "config": {"output": "{{ steps.shape.count * 2 }}"}},
    ).run({"first": "Ada", "last": "Lovelace", "tags": ["x", "y"]}, services, namespace="b")
    assert result.status == 200
    assert result.body == 4
    assert result.logs[1].output == {
        "fullName": "Ada Lovelace",
        "count": 2,
        "tags": ["x", "y"],
        "fixed": [1, "two", None],
    }


async def test_response_ends_the_run_with_status_headers_and_body(services: Services) -> None:
    result = await _graph(
        {"id": "input", "type": "input"},
        {
            "id": "created",
            "type": "response",
            "config": {
                "status": 201,
                "headers": {"Location": "/items/{{ input.id }}", "X-Count": "{{ input.id }}"},
                "body": {"id": "{{ input.id }}"},
            },
        },
        {"id": "never", "type": "response", "config": {"status": 500}},
    ).run({"id": 7}, services, namespace="b")
    assert (result.status, result.body) == (201, {"id": 7})
    assert result.headers == {"Location": "/items/7", "X-Count": "7"}
    assert [e.id for e in result.logs] == ["input", "created"]


async def test_response_defaults(services: Services) -> None:
    result = await _graph({"id": "r", "type": "response"}).run({}, services, namespace="b")
    assert (result.status, result.body, result.headers) == (200, None, {})


@pytest.mark.parametrize(
    "config",
    [
        {"status": 99},
        {"status": 600},
        {"headers": {"X-Bad": "a\r\nSet-Cookie: x"}},
        {"unknownKey": 1},
    ],
)
def test_a_bad_response_config_is_a_spec_error(config: dict[str, Any]) -> None:
    with pytest.raises(SpecError):
        _graph({"id": "r", "type": "response", "config": config})


def test_transform_needs_an_output() -> None:
    with pytest.raises(SpecError) as info:
        _graph({"id": "t", "type": "transform"})
    assert info.value.details[0]["path"] == "tools[0].config.output"

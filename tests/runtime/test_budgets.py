"""Hostile graphs that tried to stall or exhaust a process: each now ends with a clear error
(or a 504) instead of wedging the event loop. The pytest timeout is the "did it wedge" check:
before these budgets each of them ran for minutes or without end."""

from __future__ import annotations

from typing import Any

import pytest

from orchestrix.errors import SpecError
from orchestrix.runtime.executor import Executor
from orchestrix.runtime.redact import Redactor
from orchestrix.spec.budget import MAX_EXPRESSION_TEXT
from orchestrix.spec.models import Workflow
from orchestrix.spec.values import MAX_STRING
from orchestrix.tools.base import Services
from tests.conftest import unique_namespace

STRINGS = {"type": "object", "properties": {"s": {"type": "string"}, "sep": {"type": "string"}}}


def _workflow(tools: list[dict[str, Any]], schema: dict[str, Any] | None = None) -> Workflow:
    return Workflow.model_validate(
        {"name": "Hostile", "inputSchema": schema or STRINGS, "tools": tools}
    )


def test_the_redactor_walks_a_shared_object_once() -> None:
    value: Any = {"password": "hunter2-hunter2", "leaf": "x"}
    for _ in range(60):  # 2**60 paths, 61 objects
        value = {"left": value, "right": value}
    redactor = Redactor()
    redactor.collect(value)
    out = redactor.redact(value)
    node = out
    for _ in range(60):
        assert node["left"] is node["right"]
        node = node["left"]
    assert node == {"password": "***", "leaf": "x"}


@pytest.mark.timeout(120)
async def test_thirty_transforms_each_reading_the_previous_twice(services: Services) -> None:
    tools: list[dict[str, Any]] = [
        {"id": "t0", "type": "transform", "config": {"output": {"v": "{{ input.s }}"}}}
    ]
    for i in range(1, 31):
        prev = f"steps.t{i - 1}"
        tools.append(
            {
                "id": f"t{i}",
                "type": "transform",
                "config": {"output": {"a": f"{{{{ {prev} }}}}", "b": f"{{{{ {prev} }}}}"}},
            }
        )
    tools.append({"id": "response", "type": "response", "config": {"body": "{{ steps.t30 }}"}})
    result = await Executor(_workflow(tools)).run(
        {"s": "x" * 100}, services, namespace=unique_namespace()
    )
    assert result.status == 500
    assert result.body["error"].startswith("The config of step 't")
    assert "larger than" in result.body["error"]
    assert len(result.logs) < 31  # it stopped where the value grew past the budget


@pytest.mark.timeout(120)
async def test_join_of_split_past_the_string_limit(services: Services) -> None:
    tools = [
        {
            "id": "t",
            "type": "transform",
            "config": {"output": "{{ join(split(input.s, ','), input.sep) }}"},
        }
    ]
    result = await Executor(_workflow(tools)).run(
        {"s": "a," * 50_000, "sep": "x" * 4000},  # would be 200,000,000 characters
        services,
        namespace=unique_namespace(),
    )
    assert result.status == 500
    assert f"longer than {MAX_STRING}" in result.body["error"]


@pytest.mark.timeout(120)
async def test_doubling_step_after_step(services: Services) -> None:
    """``x + x`` for text and for lists, 21 times: text stops at the string limit, lists (which
    had no limit) at the item limit, before 2 million items reach the step logs."""
    for start, doubling in (("{{ [input.s] }}", "{a} + {a}"), ("{{ input.s }}", "{a} + {a}")):
        tools: list[dict[str, Any]] = [
            {"id": "t0", "type": "transform", "config": {"output": start}}
        ]
        for i in range(1, 22):
            expression = doubling.format(a=f"steps.t{i - 1}")
            tools.append(
                {
                    "id": f"t{i}",
                    "type": "transform",
                    "config": {"output": f"{{{{ {expression} }}}}"},
                }
            )
        result = await Executor(_workflow(tools)).run(
            {"s": "ab"}, services, namespace=unique_namespace()
        )
        assert result.status == 500
        assert "longer than" in result.body["error"], result.body


@pytest.mark.timeout(120)
async def test_a_run_past_its_deadline_stops_inside_synchronous_work(services: Services) -> None:
    """No step awaits anything, so before the cooperative deadline the run's asyncio timeout
    could never fire: every step ran and the run answered 200 long after its limit."""
    heavy = "{{ len(join(split(input.s, ','), '-')) + len(join(split(input.s, ','), '+')) }}"
    tools = [{"id": f"t{i}", "type": "transform", "config": {"output": heavy}} for i in range(150)]
    executor = Executor(_workflow(tools))
    result = await executor.run(
        {"s": "ab," * 99_000}, services, namespace=unique_namespace(), timeout=0.2
    )
    assert result.status == 504, result.body
    assert result.body["details"] == {"timeoutSeconds": 0.2}
    assert len(result.logs) < 150


def test_many_long_expressions_are_refused_at_once() -> None:
    expression = " + ".join(["input.s"] * 500)[:4000].rsplit(" +", 1)[0]
    tools = [
        {
            "id": "t",
            "type": "transform",
            "config": {"output": {f"k{i}": f"{{{{ {expression} }}}}" for i in range(200)}},
        }
    ]
    with pytest.raises(SpecError) as refused:
        Executor(_workflow(tools))
    assert f"at most {MAX_EXPRESSION_TEXT} characters" in str(refused.value.details)

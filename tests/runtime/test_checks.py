"""Static checks list every problem at once, with the tool id and the field."""

from __future__ import annotations

from typing import Any

from orchestrix.runtime.checks import check_workflow
from orchestrix.spec.io import load_workflow
from orchestrix.spec.models import Workflow
from tests.runtime.test_executor import EXAMPLES


def _problems(spec: dict[str, Any]) -> list[str]:
    return [str(p) for p in check_workflow(Workflow.model_validate({"name": "T", **spec}))]


def test_the_examples_are_clean() -> None:
    for path in sorted(EXAMPLES.glob("*.yaml")):
        assert check_workflow(load_workflow(path)) == [], path


def test_five_different_mistakes_give_five_problems() -> None:
    problems = check_workflow(
        Workflow.model_validate(
            {
                "name": "Broken",
                "inputSchema": {
                    "type": "object",
                    "properties": {"email": {"type": "strin"}, "password": {"type": "string"}},
                },
                "tools": [
                    {"id": "input", "type": "input"},
                    {"id": "hash", "type": "hashPasword"},
                    {"id": "input", "type": "transform", "config": {"output": 1}},
                    {
                        "id": "save",
                        "type": "dbInsert",
                        "config": {
                            "collection": "users",
                            "document": {
                                "email": "{{ input.email }}",
                                "token": "{{ steps.jwt.token }}",
                            },
                        },
                    },
                    {"id": "jwt", "type": "jwtGenerate", "config": {"subject": "x"}},
                ],
                "executionOrder": ["input", "hash", "save", "jwt", "respond"],
            }
        )
    )
    messages = [str(p) for p in problems]
    assert len(problems) == 5, messages
    joined = "\n".join(messages)
    assert "inputSchema" in joined
    assert "unknown tool type 'hashPasword' (did you mean 'hashPassword'?)" in joined
    assert "duplicate tool id 'input'" in joined
    assert "'respond' names no tool" in joined
    assert "which has not run yet" in joined


def test_an_unhashed_password_is_refused_and_a_hashed_one_accepted() -> None:
    base = {
        "inputSchema": {"type": "object", "properties": {"password": {"type": "string"}}},
    }
    raw = _problems(
        {
            **base,
            "tools": [
                {
                    "id": "save",
                    "type": "dbInsert",
                    "config": {"collection": "u", "document": {"password": "{{ input.password }}"}},
                }
            ],
        }
    )
    assert len(raw) == 1 and "without hashing" in raw[0] and "document.password" in raw[0]
    hashed = _problems(
        {
            **base,
            "tools": [
                {"id": "h", "type": "hashPassword", "config": {"value": "{{ input.password }}"}},
                {
                    "id": "save",
                    "type": "dbInsert",
                    "config": {
                        "collection": "u",
                        "document": {"passwordHash": "{{ steps.h.hash }}"},
                    },
                },
            ],
        }
    )
    assert hashed == []


def test_bad_expressions_and_unknown_names_are_spec_problems() -> None:
    problems = _problems(
        {
            "tools": [
                {"id": "a", "type": "transform", "config": {"output": "{{ input.x + }}"}},
                {
                    "id": "b",
                    "type": "transform",
                    "config": {"output": "{{ nope.x }}"},
                    "when": "input.y ==",
                },
                {"id": "c", "type": "transform", "config": {"output": "{{ explode(1) }}"}},
            ]
        }
    )
    assert len(problems) == 4, problems
    assert any("tools[0].config" in p for p in problems)
    assert any("'nope' is not defined" in p for p in problems)
    assert any("tools[1].when" in p for p in problems)
    assert any("unknown function explode()" in p for p in problems)


def test_a_config_of_the_wrong_shape_names_the_field() -> None:
    problems = _problems(
        {"tools": [{"id": "r", "type": "response", "config": {"status": "loud", "colour": 1}}]}
    )
    assert any(p.startswith("tools[0].config.status") for p in problems), problems
    assert any(p.startswith("tools[0].config.colour") for p in problems), problems


def test_templated_config_values_are_checked_after_rendering_not_before() -> None:
    problems = _problems(
        {
            "inputSchema": {"type": "object", "properties": {"s": {"type": "integer"}}},
            "tools": [{"id": "r", "type": "response", "config": {"status": "{{ input.s }}"}}],
        }
    )
    assert problems == []


def test_input_fields_must_be_declared_and_tools_must_be_ordered() -> None:
    problems = _problems(
        {
            "inputSchema": {"type": "object", "properties": {"email": {"type": "string"}}},
            "tools": [
                {"id": "a", "type": "transform", "config": {"output": "{{ input.phone }}"}},
                {"id": "b", "type": "transform", "config": {"output": 1}},
            ],
            "executionOrder": ["a"],
        }
    )
    assert any("input.phone is not a field of inputSchema" in p for p in problems)
    assert any("'b' is not in executionOrder" in p for p in problems)

"""validation: JSON Schema 2020-12 with real format checks, every violation listed at once."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from orchestrix.errors import SpecError, ValidationFailed
from orchestrix.runtime.executor import Executor
from orchestrix.spec.models import Workflow
from orchestrix.tools.base import RunContext, Services
from orchestrix.tools.validation import (
    Validation,
    ValidationConfig,
    check_input_schema,
    schema_violations,
    validator_for,
)
from tests.conftest import unique_namespace

SIGNUP_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["email", "password", "name"],
    "properties": {
        "email": {"type": "string", "format": "email"},
        "password": {"type": "string", "minLength": 8},
        "name": {"type": "string", "maxLength": 5},
        "age": {"type": "integer", "minimum": 18},
        "role": {"enum": ["admin", "user"]},
        "code": {"type": "string", "pattern": "^[A-Z]{3}$"},
        "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 2},
        "address": {
            "type": "object",
            "required": ["city"],
            "properties": {"city": {"type": "string"}, "zip": {"type": "string"}},
        },
    },
}


def _workflow(schema: dict[str, Any], config: dict[str, Any] | None = None) -> Workflow:
    return Workflow.model_validate(
        {
            "name": "Validate",
            "inputSchema": schema,
            "tools": [
                {"id": "input", "type": "input"},
                {"id": "validation", "type": "validation", "config": config or {}},
                {"id": "done", "type": "response", "config": {"status": 201, "body": "ok"}},
            ],
        }
    )


async def _validate(
    services: Services,
    value: dict[str, Any],
    schema: dict[str, Any],
    config: dict[str, Any] | None = None,
) -> list[dict[str, str]]:
    """The violations the tool reports (empty when the input is valid)."""
    ctx = RunContext(
        workflow=_workflow(schema),
        input=value,
        services=services,
        namespace=unique_namespace(),
    )
    try:
        await Validation().run(ctx, ValidationConfig.model_validate(config or {}))
    except ValidationFailed as e:
        assert e.status == 400
        assert e.message == "Validation failed"
        return list(e.details)
    return []


async def test_every_violation_is_listed_at_once(services: Services) -> None:
    result = await Executor(_workflow(SIGNUP_SCHEMA)).run(
        {
            "email": "nope",
            "password": "short",
            "age": 12,
            "role": "boss",
            "code": "abc",
            "tags": ["a", 2, "c"],
            "address": {"zip": 75001},
        },
        services,
        namespace=unique_namespace(),
    )
    assert result.status == 400
    assert result.body["error"] == "Validation failed"
    assert result.body["details"] == [
        {"field": "address.city", "message": "address.city is required"},
        {"field": "address.zip", "message": "address.zip must be a string"},
        {"field": "age", "message": "age must be at least 18"},
        {"field": "code", "message": "code must match the pattern ^[A-Z]{3}$"},
        {"field": "email", "message": "email must be a valid email address"},
        {"field": "name", "message": "name is required"},
        {"field": "password", "message": "password must be at least 8 characters"},
        {"field": "role", "message": 'role must be one of: "admin", "user"'},
        {"field": "tags", "message": "tags must have at most 2 items"},
        {"field": "tags[1]", "message": "tags[1] must be a string"},
    ]
    # the run stopped at validation: the response never ran
    assert [(e.id, e.status) for e in result.logs] == [
        ("input", "success"),
        ("validation", "error"),
    ]


async def test_a_valid_input_passes_to_the_next_step(services: Services) -> None:
    result = await Executor(_workflow(SIGNUP_SCHEMA)).run(
        {"email": "ada@example.com", "password": "correct-horse", "name": "Ada"},
        services,
        namespace=unique_namespace(),
    )
    assert (result.status, result.body) == (201, "ok")
    assert result.logs[1].output == {"valid": True}


@pytest.mark.parametrize(
    "address",
    ["nope", "a@", "@example.com", "a b@example.com", "a@b", "a@@example.com", "a@example..com"],
)
async def test_an_invalid_email_is_refused(services: Services, address: str) -> None:
    schema = {"type": "object", "properties": {"email": {"type": "string", "format": "email"}}}
    assert await _validate(services, {"email": address}, schema) == [
        {"field": "email", "message": "email must be a valid email address"}
    ]


@pytest.mark.parametrize(
    "address", ["a@b.co", "ada.lovelace+news@example.com", "X_Y@sub.example.org"]
)
async def test_a_valid_email_passes(services: Services, address: str) -> None:
    schema = {"type": "object", "properties": {"email": {"type": "string", "format": "email"}}}
    assert await _validate(services, {"email": address}, schema) == []


@pytest.mark.parametrize(
    ("fmt", "good", "bad"),
    [
        ("date", "2024-02-29", ["2023-02-29", "2024-13-01", "01/02/2024", "2024-1-1"]),
        (
            "date-time",
            "2024-05-01T12:30:00Z",
            ["2024-05-01", "2024-05-01T25:00:00Z", "2024-05-01T12:30:00", "tomorrow"],
        ),
        ("time", "12:30:00", ["25:00:00", "noon"]),
        ("uri", "https://example.com/a?b=1", ["example.com", "http://", "not a uri"]),
        (
            "uuid",
            "5f0c1b9e-8a8f-4f5e-9f0e-2a7d3c9b1e4a",
            ["5f0c1b9e", "zzzzzzzz-8a8f-4f5e-9f0e-2a7d3c9b1e4a"],
        ),
        ("ipv4", "192.168.0.1", ["256.1.1.1"]),
        ("hostname", "api.example.com", ["-bad-.example.com", "a..b"]),
    ],
)
async def test_formats_are_checked(services: Services, fmt: str, good: str, bad: list[str]) -> None:
    schema = {"type": "object", "properties": {"v": {"type": "string", "format": fmt}}}
    assert await _validate(services, {"v": good}, schema) == []
    for value in bad:
        problems = await _validate(services, {"v": value}, schema)
        assert [p["field"] for p in problems] == ["v"], value
        assert problems[0]["message"].startswith("v must be a valid"), problems


async def test_readable_messages_for_common_keywords(services: Services) -> None:
    schema = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "n": {"type": "number", "exclusiveMaximum": 10, "multipleOf": 3},
            "one": {"type": "string", "minLength": 1},
            "k": {"const": "yes"},
            "items": {"type": "array", "uniqueItems": True, "minItems": 3},
            "flag": {"type": ["boolean", "null"]},
        },
    }
    problems = await _validate(
        services,
        {"n": 11, "one": "", "k": "no", "items": [1, 1], "flag": "x", "extra": 1},
        schema,
    )
    assert sorted(problems, key=lambda p: (p["field"], p["message"])) == [
        {"field": "extra", "message": "extra is not an allowed field"},
        {"field": "flag", "message": "flag must be a boolean or null"},
        {"field": "items", "message": "items must have at least 3 items"},
        {"field": "items", "message": "items must not contain duplicate items"},
        {"field": "k", "message": 'k must be "yes"'},
        {"field": "n", "message": "n must be a multiple of 3"},
        {"field": "n", "message": "n must be less than 10"},
        {"field": "one", "message": "one must be at least 1 character"},
    ]


async def test_a_non_object_input_is_one_violation(services: Services) -> None:
    problems = schema_violations({"type": "object"}, ["not", "an", "object"])
    assert problems == [{"field": "", "message": "the input must be an object"}]
    assert services is not None


async def test_extra_rules_are_listed_with_the_schema_violations(services: Services) -> None:
    schema = {
        "type": "object",
        "required": ["email"],
        "properties": {
            "email": {"type": "string"},
            "password": {"type": "string"},
            "confirm": {"type": "string"},
        },
    }
    rules = {
        "rules": [
            {
                "check": "input.password == input.confirm",
                "message": "passwords do not match",
                "field": "confirm",
            },
            {
                "check": "len(input.password ?? '') >= 4",
                "message": "too short",
                "field": "password",
            },
            {"check": True, "message": "never shown"},
        ]
    }
    problems = await _validate(services, {"password": "abc", "confirm": "abd"}, schema, rules)
    assert problems == [
        {"field": "email", "message": "email is required"},
        {"field": "confirm", "message": "passwords do not match"},
        {"field": "password", "message": "too short"},
    ]
    ok = await _validate(
        services, {"email": "a", "password": "abcd", "confirm": "abcd"}, schema, rules
    )
    assert ok == []


async def test_a_rule_can_read_earlier_steps_and_headers(services: Services) -> None:
    workflow = Workflow.model_validate(
        {
            "name": "Rules",
            "inputSchema": {"type": "object", "properties": {"n": {"type": "integer"}}},
            "tools": [
                {"id": "limits", "type": "transform", "config": {"output": {"max": 5}}},
                {
                    "id": "validation",
                    "type": "validation",
                    "config": {
                        "rules": [
                            {
                                "check": "input.n <= steps.limits.max",
                                "message": "n too big",
                                "field": "n",
                            },
                            {"check": "headers['x-team'] == 'core'", "message": "wrong team"},
                        ]
                    },
                },
            ],
        }
    )
    executor = Executor(workflow)
    bad = await executor.run({"n": 9}, services, namespace="v", headers={"X-Team": "web"})
    assert bad.status == 400
    assert bad.body["details"] == [
        {"field": "n", "message": "n too big"},
        {"field": "", "message": "wrong team"},
    ]
    good = await executor.run({"n": 5}, services, namespace="v", headers={"X-Team": "core"})
    assert good.status == 200


def test_a_rule_that_does_not_parse_is_a_spec_error() -> None:
    workflow = _workflow({"type": "object"}, {"rules": [{"check": "input.a ==", "message": "m"}]})
    with pytest.raises(SpecError) as info:
        Executor(workflow)
    paths = [p["path"] for p in info.value.details]
    assert "tools[1].config.rules[0].check" in paths


async def test_a_config_schema_replaces_the_input_schema(services: Services) -> None:
    config = {"schema": {"type": "object", "required": ["token"]}}
    problems = await _validate(services, {"email": "x"}, SIGNUP_SCHEMA, config)
    assert problems == [{"field": "token", "message": "token is required"}]


def test_an_invalid_config_schema_is_refused_statically() -> None:
    workflow = _workflow({"type": "object"}, {"schema": {"type": "strnig"}})
    with pytest.raises(SpecError) as info:
        Executor(workflow)
    assert any(p["path"] == "tools[1].config.schema" for p in info.value.details)


def test_validators_are_compiled_once_per_schema() -> None:
    a = validator_for({"type": "object", "required": ["x"], "properties": {"x": {}}})
    b = validator_for({"properties": {"x": {}}, "required": ["x"], "type": "object"})
    assert a is b
    assert validator_for({"type": "string"}) is not a
    assert not a.is_valid({})
    assert not validator_for({"format": "email"}).is_valid("nope")


def test_check_input_schema_names_each_problem() -> None:
    assert check_input_schema(SIGNUP_SCHEMA) == []
    problems = check_input_schema(
        {
            "type": "object",
            "required": "email",
            "properties": {"a": {"minLength": -1}, "b": {"type": "strnig"}, "c": {"pattern": "("}},
        }
    )
    assert len(problems) == 4, problems
    joined = "\n".join(problems)
    for path in ("properties.a.minLength", "properties.b.type", "properties.c.pattern", "required"):
        assert path in joined
    assert check_input_schema("nope") == ["the input schema must be a JSON object"]


@given(st.text(max_size=40).filter(lambda s: "@" not in s))
def test_text_without_an_at_sign_is_never_an_email(text: str) -> None:
    problems = schema_violations({"properties": {"e": {"format": "email"}}}, {"e": text})
    assert problems == [{"field": "e", "message": "e must be a valid email address"}]


@given(
    st.dictionaries(
        st.sampled_from(["email", "password", "name"]),
        st.one_of(st.none(), st.integers(), st.text(max_size=12)),
    )
)
def test_a_violation_names_only_declared_fields(value: dict[str, Any]) -> None:
    problems = schema_violations(SIGNUP_SCHEMA, value)
    fields = {p["field"] for p in problems}
    assert fields <= {"email", "password", "name"}
    for required in ("email", "password", "name"):
        if required not in value:
            assert {"field": required, "message": f"{required} is required"} in problems
    assert validator_for(SIGNUP_SCHEMA).is_valid(value) == (problems == [])


DOCS = Path(__file__).resolve().parents[2] / "docs" / "tools.md"


async def test_the_documented_validation_examples(services: Services) -> None:
    """docs/tools.md's validation section: its rule example and its sample answer."""
    section = DOCS.read_text().split("## Validation", 1)[1].split("\n## ", 1)[0]
    answer = json.loads(section.split("```json", 1)[1].split("```", 1)[0])
    [step] = yaml.safe_load(section.split("```yaml", 1)[1].split("```", 1)[0])
    schema = {
        "type": "object",
        "required": ["email", "password"],
        "properties": {
            "email": {"type": "string", "format": "email"},
            "password": {"type": "string", "minLength": 8},
            "confirm": {"type": "string"},
        },
    }
    workflow = Workflow.model_validate({"name": "Docs", "inputSchema": schema, "tools": [step]})
    result = await Executor(workflow).run(
        {"email": "nope", "password": "short", "confirm": "other"}, services, namespace="d"
    )
    assert result.status == 400
    assert result.body == {
        "error": answer["error"],
        "details": [*answer["details"], {"field": "confirm", "message": "passwords do not match"}],
    }

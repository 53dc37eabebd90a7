"""The llm planner against a scripted OpenAI-compatible server on loopback (real HTTP, the real
OpenAI client through pydantic-ai): an invalid first answer repaired in the second, a request
that is not an API, and an unreachable model that hands over to the rules planner."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI, Request

from orchestrix.agents import BuilderAgent, NotUnderstood
from orchestrix.runtime.testing import run_workflow_tests
from orchestrix.settings import Settings
from orchestrix.spec.io import load_workflow
from orchestrix.tools.base import Services
from tests.factories import make_settings
from tests.servers import free_port, serve_asgi

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


class Script:
    """Answers each chat completion with the next scripted output, and keeps the requests."""

    def __init__(self, answers: list[dict[str, Any]]) -> None:
        self.answers = answers
        self.requests: list[dict[str, Any]] = []

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/v1/chat/completions")
        async def complete(request: Request) -> dict[str, Any]:
            body = await request.json()
            self.requests.append(body)
            answer = self.answers[min(len(self.requests), len(self.answers)) - 1]
            names = [t["function"]["name"] for t in body.get("tools", [])]
            kind = answer["kind"]
            tool = next(n for n in names if kind in n)
            return {
                "id": f"chatcmpl-{len(self.requests)}",
                "object": "chat.completion",
                "created": 0,
                "model": body["model"],
                "choices": [
                    {
                        "index": 0,
                        "finish_reason": "tool_calls",
                        "message": {
                            "role": "assistant",
                            "content": None,
                            "tool_calls": [
                                {
                                    "id": f"call_{len(self.requests)}",
                                    "type": "function",
                                    "function": {
                                        "name": tool,
                                        "arguments": json.dumps(answer["arguments"]),
                                    },
                                }
                            ],
                        },
                    }
                ],
                "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
            }

        return app


def _settings(tmp_path: Path, base_url: str) -> Settings:
    return make_settings(
        tmp_path,
        llm="openai:scripted-model",
        llm_base_url=base_url,
        llm_api_key="test-key",
        llm_repair_rounds=2,
        llm_timeout=10,
    )


@pytest.fixture
def signup_wire() -> dict[str, Any]:
    wire = load_workflow(EXAMPLES / "signup.yaml").to_wire()
    wire.pop("metadata", None)
    return wire


def _serve(script: Script) -> Iterator[str]:
    with serve_asgi(script.app()) as url:
        yield f"{url}/v1"


async def test_an_invalid_first_answer_is_repaired(
    tmp_path: Path, services: Services, signup_wire: dict[str, Any]
) -> None:
    broken = copy.deepcopy(signup_wire)
    # Stores the password as given and references a step that has not run yet.
    broken["tools"][3]["config"]["document"]["password"] = "{{ input.password }}"
    broken["tools"][3]["config"]["document"]["token"] = "{{ steps.jwtGenerate.token }}"
    script = Script(
        [
            {"kind": "LlmBuild", "arguments": {"summary": "A signup API", "workflow": broken}},
            {
                "kind": "LlmBuild",
                "arguments": {
                    "summary": "Registers users with a hashed password and a JWT.",
                    "assumptions": ["Name is optional."],
                    "workflow": signup_wire,
                },
            },
        ]
    )
    for base_url in _serve(script):
        builder = BuilderAgent(_settings(tmp_path, base_url))
        assert builder.planner == "llm"
        result = await builder.generate("create a sign up api")
    assert result.planner == "llm"
    assert result.summary == "Registers users with a hashed password and a JWT."
    assert "Name is optional." in result.assumptions
    assert any("1 repair round" in a for a in result.assumptions)
    assert len(script.requests) == 2
    # The second request carried the static-check problems of the first answer back.
    retry = json.dumps(script.requests[1]["messages"])
    assert "without hashing it" in retry
    assert "has not run yet" in retry
    assert result.workflow.metadata["builder"]["planner"] == "llm"
    report = await run_workflow_tests(result.workflow, services)
    assert report.ok, report.to_dict()


async def test_a_model_that_never_gets_it_right_hands_over_to_rules(
    tmp_path: Path, signup_wire: dict[str, Any]
) -> None:
    broken = copy.deepcopy(signup_wire)
    broken["tools"][1]["type"] = "validate"
    script = Script([{"kind": "LlmBuild", "arguments": {"summary": "x", "workflow": broken}}])
    for base_url in _serve(script):
        result = await BuilderAgent(_settings(tmp_path, base_url)).generate("a signup api")
    assert len(script.requests) == 3  # the answer and two repair rounds
    assert result.planner == "rules"
    assert "kept answering graphs that fail the checks" in result.assumptions[0]
    assert result.workflow.name == "Signup API"


async def test_a_request_that_is_not_an_api_is_refused(tmp_path: Path) -> None:
    script = Script([{"kind": "CannotBuild", "arguments": {"reason": "a poem is not an API"}}])
    for base_url in _serve(script):
        with pytest.raises(NotUnderstood) as caught:
            await BuilderAgent(_settings(tmp_path, base_url)).generate("write me a poem")
    assert "a poem is not an API" in caught.value.message
    assert caught.value.to_body()["details"]["examples"]


async def test_an_unreachable_model_falls_back_to_rules(tmp_path: Path, services: Services) -> None:
    nobody = f"http://127.0.0.1:{free_port()}/v1"
    builder = BuilderAgent(_settings(tmp_path, nobody))
    result = await builder.generate("an API to create products with name, price and a unique sku")
    assert result.planner == "rules"
    assert "could not be reached" in result.assumptions[0]
    assert "rules planner" in result.assumptions[0]
    assert (await run_workflow_tests(result.workflow, services)).ok
    changed = await builder.mutate(result.workflow, "add a description")
    assert changed.planner == "rules"
    assert "could not be reached" in changed.summary
    assert changed.diff.added_fields == ["description"]


async def test_a_mutation_by_the_model_comes_with_a_diff(
    tmp_path: Path, signup_wire: dict[str, Any]
) -> None:
    changed = copy.deepcopy(signup_wire)
    changed["inputSchema"]["properties"]["phone"] = {"type": "string"}
    changed["tools"][3]["config"]["document"]["phone"] = "{{ input.phone }}"
    script = Script(
        [{"kind": "LlmBuild", "arguments": {"summary": "Added phone.", "workflow": changed}}]
    )
    original = load_workflow(EXAMPLES / "signup.yaml")
    for base_url in _serve(script):
        result = await BuilderAgent(_settings(tmp_path, base_url)).mutate(
            original, "add a phone number"
        )
    assert result.planner == "llm"
    assert result.diff.added_fields == ["phone"]
    assert result.diff.changed_tools == ["dbInsert"]
    sent = json.dumps(script.requests[0]["messages"])
    assert "add a phone number" in sent and "Signup API" in sent

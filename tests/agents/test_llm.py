"""The llm planner against scripted OpenAI- and Anthropic-compatible servers on loopback (real
HTTP via uvicorn, the real openai/anthropic clients through pydantic-ai), replaying answers in
the shape small models give: the model answers the API model, the compilers build the graph and
its tests, repairs are driven by the schema, the graph's own tests and the model's checklist, and
every way of failing hands over to the rules planner and says why."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from orchestrix.agents import BuilderAgent, NotUnderstood
from orchestrix.runtime.testing import run_workflow_tests
from orchestrix.settings import Settings
from orchestrix.tools.base import Services
from tests.agents import llm_answers as answers
from tests.agents.llm_servers import Script, Sleep, serving
from tests.servers import free_port


def _settings(tmp_path: Path, base_url: str, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": tmp_path,
        "llm": "openai:scripted-model",
        "llm_base_url": base_url,
        "llm_api_key": "test-key",
        "llm_repair_rounds": 2,
        "llm_timeout": 20,
        "_env_file": None,
        **extra,
    }
    return Settings(**values)


@pytest.mark.parametrize("mode", ["native", "tool", "prompted"])
async def test_openai_style_server_in_each_output_mode(
    tmp_path: Path, services: Services, mode: str
) -> None:
    script = Script([answers.PRODUCTS])
    with serving(script) as url:
        result = await BuilderAgent(_settings(tmp_path, url, llm_output_mode=mode)).generate(
            "an API to create products with name, price and a unique sku"
        )
    assert script.modes == [mode]
    sent = script.requests[0]
    assert sent["max_tokens"] == 1500 and sent["temperature"] == 0.1
    if mode == "native":
        assert sent["response_format"]["type"] == "json_schema"
    if mode == "tool":
        assert sent["tool_choice"] == "required"
    if mode == "prompted":
        assert "tools" not in sent
        assert sent.get("response_format", {"type": "json_object"})["type"] == "json_object"
        assert "ApiField" in json.dumps(sent["messages"])  # the schema is in the prompt
    assert result.planner == "llm"
    builder = result.workflow.metadata["builder"]
    assert builder["planner"] == "llm" and builder["outputMode"] == mode
    assert result.workflow.metadata["apiModel"]["kind"] == "crud"
    assert result.assumptions[0].startswith("built by the llm planner (openai:scripted-model")
    # The model's notCovered is shown the way the rules planner shows its own.
    assert result.not_covered == ["sync the catalog to the shop every night"]
    assert "not covered: sync the catalog to the shop every night" in result.assumptions
    assert set(result.workflow.input_schema["properties"]) == {"name", "price", "sku"}
    assert any(t.expect.status == 409 for t in result.workflow.tests)
    assert (await run_workflow_tests(result.workflow, services)).ok


@pytest.mark.parametrize("mode", ["tool", "prompted"])
async def test_anthropic_style_server(tmp_path: Path, services: Services, mode: str) -> None:
    script = Script([answers.SIGNUP])
    with serving(script, "anthropic") as url:
        settings = _settings(tmp_path, url, llm="anthropic:scripted-claude", llm_output_mode=mode)
        result = await BuilderAgent(settings).generate("a sign up api with email and password")
    assert script.modes == [mode]
    assert script.requests[0]["max_tokens"] == 1500
    assert script.requests[0]["temperature"] == 0.1
    assert result.planner == "llm"
    assert result.workflow.metadata["builder"]["outputMode"] == mode
    assert any(t.type == "hashPassword" for t in result.workflow.tools)
    assert (await run_workflow_tests(result.workflow, services)).ok


async def test_native_is_tool_use_on_anthropic(tmp_path: Path) -> None:
    script = Script([answers.SIGNUP])
    with serving(script, "anthropic") as url:
        settings = _settings(tmp_path, url, llm="anthropic:scripted-claude")
        result = await BuilderAgent(settings).generate("a sign up api")
    assert script.modes == ["tool"]
    assert result.workflow.metadata["builder"]["outputMode"] == "tool"


async def test_llamacpp_native_sends_its_json_schema_field(tmp_path: Path) -> None:
    script = Script([answers.PRODUCTS])
    with serving(script) as url:
        settings = _settings(tmp_path, url, llm="llamacpp:qwen2.5-coder-1.5b")
        result = await BuilderAgent(settings).generate("products with name, price, unique sku")
    sent = script.requests[0]
    assert sent["json_schema"]["properties"]["api"]
    assert sent["response_format"]["type"] == "json_schema"
    assert "tools" not in sent
    assert result.planner == "llm"


async def test_an_answer_that_fails_the_schema_is_repaired(tmp_path: Path) -> None:
    script = Script([answers.BAD_SCHEMA, answers.SIGNUP])
    with serving(script) as url:
        result = await BuilderAgent(_settings(tmp_path, url)).generate("a sign up api")
    assert len(script.requests) == 2
    assert result.planner == "llm"
    assert result.workflow.metadata["builder"]["repairRounds"] == 1
    assert "1 repair round)" in result.assumptions[0]
    assert result.assumptions[1].startswith("repair round 1: the answer does not fit the schema")
    assert "api.kind" in result.assumptions[1]
    retry = json.dumps(script.requests[1]["messages"])
    assert "userSignup" in retry  # the rejected answer went back with the errors


async def test_an_answer_that_fails_its_own_test_is_repaired(
    tmp_path: Path, services: Services
) -> None:
    script = Script([answers.FAILS_ITS_TEST, answers.NOTES_FIXED])
    with serving(script) as url:
        result = await BuilderAgent(_settings(tmp_path, url)).generate(
            "notes with a title up to 80 characters"
        )
    assert len(script.requests) == 2
    assert result.planner == "llm"
    assert "fails its own tests" in result.assumptions[1]
    retry = json.dumps(script.requests[1]["messages"])
    assert "fails its own tests" in retry and "status should be 201, got 400" in retry
    assert result.workflow.input_schema["properties"]["title"]["maxLength"] == 80
    assert (await run_workflow_tests(result.workflow, services)).ok


@pytest.mark.parametrize(
    ("kind", "mode"),
    [
        ("openai", "native"),
        ("openai", "tool"),
        ("openai", "prompted"),
        ("anthropic", "tool"),
        ("anthropic", "prompted"),
    ],
)
async def test_repairs_work_in_every_mode(tmp_path: Path, kind: str, mode: str) -> None:
    script = Script([answers.BAD_SCHEMA, answers.FAILS_ITS_TEST, answers.NOTES_FIXED])
    llm = "openai:scripted-model" if kind == "openai" else "anthropic:scripted-claude"
    with serving(script, kind) as url:
        settings = _settings(tmp_path, url, llm=llm, llm_output_mode=mode)
        result = await BuilderAgent(settings).generate("notes with a title")
    assert script.modes == [mode] * 3
    assert result.planner == "llm"
    assert result.workflow.metadata["builder"]["repairRounds"] == 2
    assert "does not fit the schema" in result.assumptions[1]
    assert "fails its own tests" in result.assumptions[2]


async def test_a_provider_refusal_hands_over_and_says_so(tmp_path: Path) -> None:
    script = Script([{"openaiRefusal": "I can't help with that."}])
    with serving(script) as url:
        result = await BuilderAgent(_settings(tmp_path, url)).generate("a sign up api")
    assert len(script.requests) == 1
    assert result.planner == "rules"
    assert result.workflow.metadata["builder"]["fallback"]["reason"] == "refused"
    assert "refused to answer" in result.assumptions[0]
    assert "I can't help with that." in result.assumptions[0]


async def test_an_answer_that_misses_its_own_checklist_is_repaired(tmp_path: Path) -> None:
    fixed = json.loads(json.dumps(answers.MISSES_ITS_CHECKLIST))
    fixed["api"]["fields"][1]["required"] = True
    script = Script([answers.MISSES_ITS_CHECKLIST, fixed])
    with serving(script) as url:
        result = await BuilderAgent(_settings(tmp_path, url)).generate(
            "a contact form with email, a required phone and a message"
        )
    assert len(script.requests) == 2
    assert "you listed 'phone' as required" in result.assumptions[1]
    assert "phone" in result.workflow.input_schema["required"]


async def test_a_model_that_keeps_failing_hands_over_to_rules(tmp_path: Path) -> None:
    script = Script([answers.FAILS_ITS_TEST])
    with serving(script) as url:
        result = await BuilderAgent(_settings(tmp_path, url)).generate(
            "an API to create products with name, price and a unique sku"
        )
    assert len(script.requests) == 3  # the answer and two repair rounds
    assert result.planner == "rules"
    fallback = result.workflow.metadata["builder"]["fallback"]
    assert fallback["reason"] == "invalid answer" and fallback["from"] == "llm"
    assert result.assumptions[0].startswith("built by the rules planner: the model")
    assert "kept giving answers that fail" in result.assumptions[0]
    assert result.assumptions[1].startswith("repair round 1:")
    assert result.assumptions[2].startswith("repair round 2:")


async def test_a_timeout_is_not_retried_and_hands_over(tmp_path: Path) -> None:
    script = Script([Sleep(5, answers.PRODUCTS)])
    with serving(script) as url:
        settings = _settings(tmp_path, url, llm_timeout=0.5)
        result = await BuilderAgent(settings).generate("products with name and price")
    assert len(script.requests) == 1  # no second attempt on the abandoned request
    assert result.planner == "rules"
    assert result.workflow.metadata["builder"]["fallback"]["reason"] == "timed out"
    assert "did not answer within 0.5 s (not retried)" in result.assumptions[0]


async def test_a_refusal_is_an_honest_not_understood(tmp_path: Path) -> None:
    script = Script([answers.REFUSAL])
    with serving(script) as url, pytest.raises(NotUnderstood) as caught:
        await BuilderAgent(_settings(tmp_path, url)).generate("write me a poem")
    assert "a poem is not an API" in caught.value.message
    assert caught.value.to_body()["details"]["examples"]


async def test_a_server_that_rejects_tool_choice_switches_mode(tmp_path: Path) -> None:
    script = Script([answers.PRODUCTS], reject={"tool"})
    with serving(script) as url:
        builder = BuilderAgent(_settings(tmp_path, url, llm_output_mode="tool"))
        result = await builder.generate("products with name, price, unique sku")
        again = await builder.generate("products with name, price, unique sku")
    # Switched, not fallen back; and the next request goes straight to the mode that worked.
    assert script.modes == ["tool", "native", "native"]
    assert result.planner == "llm" and again.planner == "llm"
    assert result.workflow.metadata["builder"]["outputMode"] == "native"


async def test_a_server_that_rejects_every_mode_hands_over(tmp_path: Path) -> None:
    script = Script([answers.PRODUCTS], reject={"tool", "native", "prompted"})
    with serving(script) as url:
        result = await BuilderAgent(_settings(tmp_path, url)).generate("products with a name")
    assert script.modes == ["native", "tool", "prompted"]
    assert result.planner == "rules"
    assert result.workflow.metadata["builder"]["fallback"]["reason"] == "rejected"
    assert "rejected every output mode" in result.assumptions[0]


async def test_an_unreachable_model_falls_back_to_rules(tmp_path: Path, services: Services) -> None:
    nobody = f"http://127.0.0.1:{free_port()}/v1"
    builder = BuilderAgent(_settings(tmp_path, nobody))
    result = await builder.generate("an API to create products with name, price and a unique sku")
    assert result.planner == "rules"
    assert result.workflow.metadata["builder"]["fallback"]["reason"] == "unreachable"
    assert "could not be reached" in result.assumptions[0]
    assert (await run_workflow_tests(result.workflow, services)).ok
    changed = await builder.mutate(result.workflow, "add a description")
    assert changed.planner == "rules"
    assert "could not be reached" in changed.summary
    assert changed.diff.added_fields == ["description"]


async def test_a_chat_change_sends_the_current_model_and_gets_the_new_one(
    tmp_path: Path, services: Services
) -> None:
    with serving(Script([answers.SIGNUP])) as url:
        built = await BuilderAgent(_settings(tmp_path, url)).generate("a sign up api")
    changed = json.loads(json.dumps(answers.SIGNUP))
    changed["api"]["fields"].append({"name": "phone"})
    changed["summary"] = "Added an optional phone."
    script = Script([changed])
    with serving(script) as url:
        result = await BuilderAgent(_settings(tmp_path, url)).mutate(
            built.workflow, "add a phone number"
        )
    sent = json.dumps(script.requests[0]["messages"])
    assert "add a phone number" in sent and "Current API model" in sent and "password" in sent
    assert result.planner == "llm"
    assert result.diff.added_fields == ["phone"]
    assert result.summary.startswith("Added an optional phone.")
    assert (await run_workflow_tests(result.workflow, services)).ok


async def test_an_ambiguous_change_is_answered_with_the_models_question(tmp_path: Path) -> None:
    with serving(Script([answers.SIGNUP])) as url:
        built = await BuilderAgent(_settings(tmp_path, url)).generate("a sign up api")
    with serving(Script([answers.QUESTION])) as url, pytest.raises(NotUnderstood) as caught:
        await BuilderAgent(_settings(tmp_path, url)).mutate(built.workflow, "add phone")
    assert caught.value.message == "Should the phone number be required or optional?"


def test_orchestrix_new_json_says_which_planner_built_it_and_why(tmp_path: Path) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("ORCHESTRIX_", "OPENAI"))},
        "ORCHESTRIX_DATA_DIR": str(tmp_path),
        "ORCHESTRIX_LLM": "openai:scripted-model",
        "ORCHESTRIX_LLM_API_KEY": "k",
    }
    with serving(Script([Sleep(5, answers.PRODUCTS)])) as url:
        env |= {"ORCHESTRIX_LLM_BASE_URL": url, "ORCHESTRIX_LLM_TIMEOUT": "0.5"}
        done = subprocess.run(
            [sys.executable, "-m", "orchestrix", "new", "--json", "products with name and price"],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
        )
    assert done.returncode == 0, done.stderr
    builder = json.loads(done.stdout)["metadata"]["builder"]
    assert builder["planner"] == "rules"
    assert builder["fallback"]["reason"] == "timed out"
    assert builder["fallback"]["model"] == "openai:scripted-model"


async def test_an_anthropic_timeout_is_not_retried_either(tmp_path: Path) -> None:
    script = Script([Sleep(5, answers.SIGNUP)])
    with serving(script, "anthropic") as url:
        settings = _settings(tmp_path, url, llm="anthropic:scripted-claude", llm_timeout=0.5)
        result = await BuilderAgent(settings).generate("a sign up api")
    assert len(script.requests) == 1
    assert result.workflow.metadata["builder"]["fallback"]["reason"] == "timed out"


async def test_a_spec_without_an_api_model_is_changed_by_rules_and_says_so(
    tmp_path: Path,
) -> None:
    from orchestrix.spec.io import load_workflow

    examples = Path(__file__).resolve().parents[2] / "examples"
    workflow = load_workflow(examples / "signup.yaml")
    assert "apiModel" not in workflow.metadata
    script = Script([answers.SIGNUP])
    with serving(script) as url:
        result = await BuilderAgent(_settings(tmp_path, url)).mutate(workflow, "add a phone field")
    assert script.requests == []  # nothing to send: the model answers API models only
    assert result.planner == "rules"
    assert "keeps no API model" in result.summary
    assert result.diff.added_fields == ["phone"]


def test_timeouts_default_by_provider_kind(tmp_path: Path) -> None:
    from orchestrix.agents.llm_output import HOSTED_TIMEOUT, LOCAL_TIMEOUT, target_of

    def timeout(**values: Any) -> float:
        return target_of(Settings(data_dir=tmp_path, _env_file=None, **values)).timeout

    assert timeout(llm="openai:gpt-4o-mini", llm_base_url=None) == HOSTED_TIMEOUT
    assert timeout(llm="anthropic:claude-x", llm_base_url=None) == HOSTED_TIMEOUT
    assert timeout(llm="ollama:qwen2.5:7b", llm_base_url=None) == LOCAL_TIMEOUT
    assert timeout(llm="openai:q", llm_base_url="http://127.0.0.1:8000/v1") == LOCAL_TIMEOUT
    assert timeout(llm="llamacpp:q", llm_base_url=None, llm_timeout=30) == 30
    assert LOCAL_TIMEOUT > HOSTED_TIMEOUT

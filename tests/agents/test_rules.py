"""The rules planner: many ways of asking, each giving a graph that passes the static checks and
its own tests; the same prompt always gives the same graph; a non-API is refused honestly."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from orchestrix.agents import NotUnderstood
from orchestrix.agents.rules import RulesPlanner
from orchestrix.agents.text import correct, corrected
from orchestrix.runtime.checks import check_workflow
from orchestrix.runtime.testing import run_workflow_tests
from orchestrix.spec.models import Workflow
from orchestrix.tools.base import Services
from tests.agents.prompts import NOT_APIS, PROMPTS

ROOT = Path(__file__).resolve().parents[2]
PLANNER = RulesPlanner()


def build(prompt: str) -> Workflow:
    return PLANNER.generate(prompt).workflow


def tool_types(workflow: Workflow) -> list[str]:
    return [t.type for t in workflow.ordered_tools()]


def test_there_are_at_least_60_distinct_prompts() -> None:
    assert len({p for p, _ in PROMPTS}) == len(PROMPTS) >= 60


@pytest.mark.parametrize(("prompt", "intent"), PROMPTS, ids=[p[:40] for p, _ in PROMPTS])
def test_each_prompt_maps_to_its_intent(prompt: str, intent: str) -> None:
    result = PLANNER.generate(prompt)
    assert result.planner == "rules"
    assert result.workflow.metadata["builder"]["intent"] == intent
    assert result.summary.startswith(result.workflow.name)


@pytest.mark.parametrize(("prompt", "intent"), PROMPTS, ids=[p[:40] for p, _ in PROMPTS])
async def test_each_graph_passes_checks_and_its_own_tests(
    prompt: str, intent: str, services: Services
) -> None:
    workflow = build(prompt)
    assert check_workflow(workflow) == []
    statuses = [t.expect.status for t in workflow.tests]
    if workflow.input_schema.get("properties"):
        assert 400 in statuses, "every graph with input shows a validation failure"
    assert any(s is not None and s >= 400 for s in statuses), "and a failure case"
    if intent != "http":  # a call's success needs the service: see test_http_call_succeeds
        assert any(s is not None and s < 400 for s in statuses), "and a success case"
    report = await run_workflow_tests(workflow, services)
    assert report.ok, report.to_dict()


def _never_returns_a_hash(value: Any) -> bool:
    return "passwordHash" not in json.dumps(value)


@pytest.mark.parametrize(("prompt", "intent"), PROMPTS, ids=[p[:40] for p, _ in PROMPTS])
def test_passwords_are_hashed_and_never_returned(prompt: str, intent: str) -> None:
    workflow = build(prompt)
    for tool in workflow.tools:
        if tool.type == "response":
            assert _never_returns_a_hash(tool.config), (intent, tool.config)
        if tool.type == "dbInsert":
            for key, value in tool.config["document"].items():
                if "password" in key.lower():
                    assert key.endswith("Hash") and "hash }}" in value


def test_the_same_prompt_gives_the_same_graph() -> None:
    for prompt, _ in PROMPTS:
        first = PLANNER.generate(prompt)
        second = RulesPlanner().generate(prompt)
        assert first.workflow.to_wire() == second.workflow.to_wire(), prompt
        assert (first.summary, first.assumptions) == (second.summary, second.assumptions)


def _graphs_in_a_process(seed: str) -> str:
    script = (
        "import json, sys\n"
        "from orchestrix.agents.rules import RulesPlanner\n"
        "from tests.agents.prompts import PROMPTS\n"
        "p = RulesPlanner()\n"
        "print(json.dumps([p.generate(q).workflow.to_wire() for q, _ in PROMPTS]))\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": seed}
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
        check=True,
    )
    return done.stdout


@pytest.mark.timeout(240)
def test_graphs_are_identical_across_processes_and_hash_seeds() -> None:
    assert _graphs_in_a_process("1") == _graphs_in_a_process("12345")


@pytest.mark.parametrize("prompt", NOT_APIS)
def test_a_request_that_is_not_an_api_is_refused_with_examples(prompt: str) -> None:
    with pytest.raises(NotUnderstood) as caught:
        PLANNER.generate(prompt)
    error = caught.value
    assert error.status == 422
    assert "builds APIs" in error.message
    body = error.to_body()
    assert len(body["details"]["examples"]) >= 3
    # every example it offers is itself understood
    for example in error.examples:
        PLANNER.generate(example)


def test_signup_has_the_canonical_shape() -> None:
    workflow = build("create a sign up api")
    assert [t.id for t in workflow.ordered_tools()] == [
        "input",
        "validation",
        "hashPassword",
        "createUser",
        "issueToken",
        "response",
    ]
    store = workflow.tool("createUser")
    assert store is not None and store.config["unique"] == ["email"]
    assert store.config["document"]["passwordHash"] == "{{ steps.hashPassword.hash }}"
    assert workflow.input_schema["required"] == ["email", "password"]
    assert workflow.input_schema["properties"]["password"]["minLength"] == 8
    statuses = [t.expect.status for t in workflow.tests]
    # One test per rule of the model: each 400 names the rule it breaks.
    assert statuses[:2] == [201, 409] and set(statuses[2:]) == {400}
    assert workflow.metadata["namespace"] == "accounts"


def test_fields_types_and_constraints_come_from_the_sentence() -> None:
    workflow = build(
        "an api to create tickets with a title of at most 80 characters, a priority that is "
        "one of low, medium or high, an optional due date, a rating from 1 to 5 and a unique "
        "code"
    )
    props = workflow.input_schema["properties"]
    assert props["title"]["maxLength"] == 80
    assert props["priority"]["enum"] == ["low", "medium", "high"]
    assert props["dueDate"]["format"] == "date"
    assert (props["rating"]["minimum"], props["rating"]["maximum"]) == (1, 5)
    assert props["rating"]["type"] == "integer"
    required = workflow.input_schema["required"]
    assert "dueDate" not in required and "title" in required and "code" in required
    store = workflow.tool("createTicket")
    assert store is not None and store.config["unique"] == ["code"]
    assert 409 in [t.expect.status for t in workflow.tests]


def test_extras_add_rate_limits_emails_and_token_checks() -> None:
    workflow = build(
        "an api to store notes, only for logged in users, 5 requests per minute, and email "
        "me at boss@example.com"
    )
    assert tool_types(workflow)[:4] == ["input", "rateLimit", "jwtVerify", "validation"]
    limit = workflow.tool("rateLimit")
    assert limit is not None and (limit.config["limit"], limit.config["window"]) == (5, 60)
    mail = workflow.tool("notifyOwner")
    assert mail is not None and mail.config["to"] == "boss@example.com"
    store = workflow.tool("createNote")
    assert store is not None and store.config["document"]["ownerId"] == "{{ steps.auth.subject }}"
    statuses = [t.expect.status for t in workflow.tests]
    assert 401 in statuses and 429 in statuses


def test_a_welcome_email_goes_to_the_new_user() -> None:
    workflow = build("sign up with email and password and send a welcome email")
    mail = workflow.tool("sendWelcomeEmail")
    assert mail is not None and mail.config["to"] == "{{ input.email }}"
    assert tool_types(workflow).index("sendEmail") > tool_types(workflow).index("dbInsert")


def test_an_ambiguous_request_says_what_it_assumed() -> None:
    result = PLANNER.generate("make me an api")
    assert result.assumptions
    assert "items" in result.assumptions[0]
    assert result.workflow.tool("createItem") is not None


def test_typos_are_read_as_the_words_they_stand_for() -> None:
    assert build("logn api").name == "Login API"
    assert build("sigup api with email and pasword").name == "Signup API"
    assert build("crate an api for recipies").tool("createRecipe") is not None


def test_a_name_in_quotes_names_the_api() -> None:
    assert build('a todo api called "Chores"').name == "Chores"


@pytest.mark.parametrize(
    ("word", "fixed"),
    [("lsit", "list"), ("tood", "todo"), ("logni", "login"), ("sigup", "signup")],
)
def test_a_misspelt_word_is_corrected(word: str, fixed: str) -> None:
    assert correct(word) == fixed


@pytest.mark.parametrize(
    "word", ["sing", "sort", "rating", "manager", "even", "vent", "custom", "option", "uses"]
)
def test_an_english_word_is_never_corrected_to_a_known_one(word: str) -> None:
    assert correct(word) == word


def test_real_words_keep_their_meaning_in_a_request() -> None:
    assert corrected("store the tunes our choir can sing") == "store the tunes our choir can sing"
    assert build("store the tunes our choir can sing").tool("createTune") is not None
    assert build("sing up api").name == "Signup API"  # the next word shows the typo
    assert build("crate a todo").tool("createTodo") is not None
    managers = build("store managers with a name and a team")
    assert managers.tool("createManager") is not None

"""The supervisor routes chat messages; the builder builds. It runs and deploys nothing itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestrix.agents import SupervisorAgent, SupervisorReply
from orchestrix.agents.supervisor import parse_run_input
from orchestrix.settings import Settings
from orchestrix.spec.io import load_workflow
from orchestrix.spec.models import Workflow

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def supervisor(settings: Settings) -> SupervisorAgent:
    return SupervisorAgent(settings=settings)


@pytest.fixture
def signup() -> Workflow:
    return load_workflow(ROOT / "examples/signup.yaml")


async def test_without_a_workflow_a_request_creates_one(supervisor: SupervisorAgent) -> None:
    reply = await supervisor.handle("create a sign up api")
    assert reply.intent == "create"
    assert reply.workflow is not None and reply.workflow.name == "Signup API"
    assert "Signup API" in reply.message and reply.assumptions
    assert reply.to_dict()["workflow"]["name"] == "Signup API"


async def test_an_edit_mutates_and_carries_the_diff(
    supervisor: SupervisorAgent, signup: Workflow
) -> None:
    reply = await supervisor.handle("add a phone number field", signup)
    assert reply.intent == "mutate"
    assert reply.workflow is not None and "phone" in reply.workflow.input_schema["properties"]
    assert reply.diff is not None and reply.diff.added_fields == ["phone"]
    body = reply.to_dict()
    assert body["diff"]["addedFields"] == ["phone"]
    assert "phone" in reply.message


@pytest.mark.parametrize(
    ("message", "intent"),
    [
        ("run it with email a@b.co and password secret123", "run"),
        ('try it with {"email": "a@b.co", "password": "secret123"}', "run"),
        ("test it", "run"),
        ("deploy", "deploy"),
        ("ship it!", "deploy"),
        ("what does this do?", "explain"),
        ("explain it step by step", "explain"),
        ("help", "help"),
        ("make name required", "mutate"),
        ("also send a welcome email", "mutate"),
        ("create a new api for products", "create"),
    ],
)
def test_routing(supervisor: SupervisorAgent, signup: Workflow, message: str, intent: str) -> None:
    assert supervisor.route(message, signup) == intent


async def test_run_parses_the_sample_input_and_leaves_the_run_to_the_caller(
    supervisor: SupervisorAgent, signup: Workflow
) -> None:
    reply = await supervisor.handle("run it with email a@b.co and password secret123", signup)
    assert reply.intent == "run"
    assert reply.run_input == {"email": "a@b.co", "password": "secret123"}
    assert reply.workflow is signup
    assert reply.to_dict()["runInput"] == {"email": "a@b.co", "password": "secret123"}


def test_run_input_from_json_and_typed_pairs() -> None:
    todo = load_workflow(ROOT / "examples/todo.yaml")
    assert parse_run_input('run it with {"title": "x", "n": 2}', todo) == {"title": "x", "n": 2}
    assert parse_run_input("try it with title: 'Buy milk', priority=high", todo) == {
        "title": "Buy milk",
        "priority": "high",
    }
    assert parse_run_input("run it", todo) is None


async def test_explain_describes_every_step(supervisor: SupervisorAgent, signup: Workflow) -> None:
    reply = await supervisor.handle("what does it do?", signup)
    assert reply.intent == "explain"
    for tool in signup.tools:
        assert f"{tool.id} ({tool.type})" in reply.message
    assert "409" in reply.message and "argon2id" in reply.message


async def test_deploy_is_left_to_the_caller(supervisor: SupervisorAgent, signup: Workflow) -> None:
    reply = await supervisor.handle("deploy it", signup)
    assert reply.intent == "deploy" and reply.workflow is signup and reply.diff is None


async def test_something_it_cannot_build_gets_help_with_examples(
    supervisor: SupervisorAgent, signup: Workflow
) -> None:
    reply = await supervisor.handle("write me a poem")
    assert reply.intent == "help" and reply.workflow is None
    assert "builds APIs" in reply.message and reply.examples
    reply = await supervisor.handle("blorp the flibbertigibbet", signup)
    assert reply.intent == "help" and reply.examples


async def test_help_names_what_can_be_said(supervisor: SupervisorAgent, signup: Workflow) -> None:
    assert (await supervisor.handle("help")).intent == "help"
    reply = await supervisor.handle("hi", signup)
    assert reply.intent == "help" and "Signup API" in reply.message
    assert isinstance(reply, SupervisorReply)

"""Chat through the SupervisorAgent: polarity of outward actions, undo and redo, references,
ambiguity, and long ways of saying a change."""

from __future__ import annotations

import pytest

from orchestrix.agents import BuilderAgent, SupervisorAgent
from orchestrix.settings import Settings

pytestmark = pytest.mark.timeout(60)


def supervisor() -> SupervisorAgent:
    return SupervisorAgent(BuilderAgent(Settings(llm=None)))


async def test_dont_deploy_yet_never_deploys() -> None:
    chat = supervisor()
    built = await chat.handle("a todo api with title and done")
    assert built.workflow is not None
    reply = await chat.handle("don't deploy yet, first add a due date", built.workflow)
    assert reply.intent == "mutate" and reply.workflow is not None
    assert "dueDate" in reply.workflow.input_schema["properties"]
    shipped = await chat.handle("add a priority field and then deploy", reply.workflow)
    assert shipped.intent == "deploy" and shipped.workflow is not None
    assert "priority" in shipped.workflow.input_schema["properties"]


async def test_undo_and_redo_walk_the_versions() -> None:
    chat = supervisor()
    built = await chat.handle("create a sign up api with email, password and name")
    assert built.workflow is not None
    added = await chat.handle("add a phone number field", built.workflow)
    assert added.workflow is not None and "phone" in added.workflow.input_schema["properties"]
    undone = await chat.handle("undo that", added.workflow)
    assert undone.workflow is not None
    assert "phone" not in undone.workflow.input_schema["properties"]
    redone = await chat.handle("redo", undone.workflow)
    assert redone.workflow is not None and "phone" in redone.workflow.input_schema["properties"]


async def test_it_is_the_field_just_added_and_an_ambiguous_name_asks() -> None:
    chat = supervisor()
    built = await chat.handle("create a sign up api with email, password and name")
    assert built.workflow is not None
    added = await chat.handle("add an age field", built.workflow)
    assert added.workflow is not None
    limited = await chat.handle("it must be at least 18", added.workflow)
    assert limited.workflow is not None
    assert limited.workflow.input_schema["properties"]["age"]["minimum"] == 18
    event = await chat.handle("an event api with title, min age and max age")
    assert event.workflow is not None
    asked = await chat.handle("change the age thing to 21", event.workflow)
    assert asked.intent == "question" and "minAge" in asked.message


async def test_a_type_change_keeps_the_name() -> None:
    chat = supervisor()
    built = await chat.handle("a product api with name and price")
    assert built.workflow is not None
    changed = await chat.handle("change price to an integer", built.workflow)
    assert changed.workflow is not None
    assert changed.workflow.input_schema["properties"]["price"]["type"] == "integer"
    gone = await chat.handle("no need for a name field anymore", changed.workflow)
    assert gone.workflow is not None and "name" not in gone.workflow.input_schema["properties"]

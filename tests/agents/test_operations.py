"""A request that names a thing but no operation builds every operation; one verb builds one.

Also the prompts a review sweep found building the wrong thing ("todo list api" listing
generic items, "register for an event" making accounts, "my book collection" booking a
table...): each maps to what it says, and its graph passes the checks and its own tests.
"""

from __future__ import annotations

import pytest

from orchestrix.agents import NotUnderstood
from orchestrix.agents.intents import ALL_OPERATIONS
from orchestrix.agents.rules import RulesPlanner
from orchestrix.runtime.checks import check_workflow
from orchestrix.runtime.testing import run_workflow_tests
from orchestrix.spec.models import Workflow
from orchestrix.tools.base import Services

PLANNER = RulesPlanner()
ALL = ["create", "get", "list", "update", "delete"]


def collections(workflow: Workflow) -> set[str]:
    return {
        t.config["collection"]
        for t in workflow.tools
        if t.type.startswith("db") and isinstance(t.config.get("collection"), str)
    }


async def passes(workflow: Workflow, services: Services) -> None:
    assert check_workflow(workflow) == []
    report = await run_workflow_tests(workflow, services)
    assert report.ok, report.to_dict()


NO_VERB = [
    ("todo list api", "todos"),
    ("a todo api with title and done", "todos"),
    ("blog posts api", "blog_posts"),
    ("an api for notes", "notes"),
    ("todo app backend", "todos"),
    ("to-do list", "todos"),
    ("todos", "todos"),
    ("product reviews", "product_reviews"),
    ("events with title, date and capacity", "events"),
    ("employee directory api", "employees"),
    ("job board api", "jobs"),
    ("contact list api", "contacts"),
    ("shopping list api", "shopping_items"),
    ("reading list api", "books"),
    ("a simple api for my book collection", "books"),
    ("expense tracker", "expenses"),
    ("workout log api", "workouts"),
    ("i need a backend for my todo app", "todos"),
]


@pytest.mark.parametrize(("prompt", "collection"), NO_VERB)
async def test_a_thing_without_a_verb_gets_every_operation(
    prompt: str, collection: str, services: Services
) -> None:
    result = PLANNER.generate(prompt)
    workflow = result.workflow
    assert workflow.metadata["builder"]["intent"] == "manage"
    assert workflow.input_schema["properties"]["action"]["enum"] == ALL
    assert collections(workflow) == {collection}
    assert ALL_OPERATIONS in result.assumptions
    await passes(workflow, services)


def test_todo_list_api_stores_todos_with_their_fields() -> None:
    workflow = PLANNER.generate("todo list api").workflow
    assert workflow.name == "Todos API"
    assert {"title", "done", "priority", "dueDate"} <= set(workflow.input_schema["properties"])
    assert workflow.tool("listTodos") is not None and workflow.tool("listItems") is None


def test_the_fields_named_are_the_fields_of_the_crud_graph() -> None:
    workflow = PLANNER.generate("a todo api with title and done").workflow
    props = workflow.input_schema["properties"]
    assert set(props) == {"action", "id", "title", "done", "limit", "offset"}
    # title is needed to create, not to get, list or delete
    assert "title" not in workflow.input_schema.get("required", [])
    rules = workflow.input_schema["allOf"]
    assert {"if": {"properties": {"action": {"const": "create"}}, "required": ["action"]},
            "then": {"required": ["title"]}} in rules  # fmt: skip


ONE_VERB = [
    ("create a todo", "create", "todos"),
    ("list products", "list", "products"),
    ("an endpoint to add a note", "create", "notes"),
    ("get a product by id", "get", "products"),
    ("mark a todo as done", "update", "todos"),
    ("api for storing invoices with amount and due date", "create", "invoices"),
    ("library api to store books", "create", "books"),
    ("an api that lets users post comments", "create", "comments"),
]


@pytest.mark.parametrize(("prompt", "intent", "collection"), ONE_VERB)
async def test_one_verb_builds_one_operation(
    prompt: str, intent: str, collection: str, services: Services
) -> None:
    result = PLANNER.generate(prompt)
    assert result.workflow.metadata["builder"]["intent"] == intent
    assert "action" not in result.workflow.input_schema["properties"]
    assert collections(result.workflow) == {collection}
    assert ALL_OPERATIONS not in result.assumptions
    await passes(result.workflow, services)


CRUD_CHANGES = [
    "add a priority field one of low, medium or high",
    "make title unique",
    "remove the done field",
    "rename title to name",
    "add a required due date",
    "make done required",
    "remove title, make done required and add a unique code",
    "require a token",
    "rate limit to 5 per minute",
    "notify me at owner@example.com",
]


@pytest.mark.parametrize("message", CRUD_CHANGES)
async def test_changes_to_the_crud_graph_keep_every_operation_working(
    message: str, services: Services
) -> None:
    old = PLANNER.generate("a todo api with title and done").workflow
    new = PLANNER.mutate(old, message).workflow
    assert new.input_schema["properties"]["action"]["enum"] == ALL
    assert {t.input.get("action") for t in new.tests} >= set(ALL)
    await passes(new, services)


def test_an_added_field_is_stored_by_create_and_by_update() -> None:
    old = PLANNER.generate("a todo api with title and done").workflow
    result = PLANNER.mutate(old, "add a priority field one of low, medium or high")
    assert "createTodo and updateTodo" in result.summary
    update = result.workflow.tool("updateTodo")
    assert update is not None
    assert update.config["set"]["priority"] == "{{ input.priority ?? steps.findTodo.priority }}"
    assert result.workflow.input_schema["properties"]["priority"]["enum"] == [
        "low",
        "medium",
        "high",
    ]


def test_a_unique_field_is_required_to_create_only() -> None:
    old = PLANNER.generate("a todo api with title and done").workflow
    new = PLANNER.mutate(old, "make title unique").workflow
    assert "title" not in new.input_schema.get("required", [])
    store = new.tool("createTodo")
    assert store is not None and store.config["unique"] == ["title"]
    duplicate = [t for t in new.tests if t.expect.status == 409]
    assert duplicate and duplicate[0].input["action"] == "create"
    gets = [t for t in new.tests if t.input.get("action") == "get"]
    assert gets and all("title" not in t.input for t in gets)


async def test_only_create_gives_the_graph_create_a_todo_gives(services: Services) -> None:
    crud = PLANNER.generate("a todo api with title and done").workflow
    result = PLANNER.mutate(crud, "only create")
    alone = PLANNER.generate("create a todo with title and done").workflow
    assert result.workflow.to_wire() == alone.to_wire()
    assert "only create" in result.summary
    assert result.diff.removed_tools
    await passes(result.workflow, services)


@pytest.mark.parametrize(
    ("message", "kept"),
    [
        ("just create and list", ["create", "list"]),
        ("no delete", ["create", "get", "list", "update"]),
        ("only get and delete", ["get", "delete"]),
        ("remove the update and delete operations", ["create", "get", "list"]),
    ],
)
async def test_some_operations_can_be_kept(
    message: str, kept: list[str], services: Services
) -> None:
    crud = PLANNER.generate("blog posts api").workflow
    new = PLANNER.mutate(crud, message).workflow
    assert new.input_schema["properties"]["action"]["enum"] == kept
    await passes(new, services)


async def test_keeping_one_operation_keeps_the_extras(services: Services) -> None:
    crud = PLANNER.generate(
        'a blog post api called "Journal", only for logged in users, 5 requests per minute, '
        "email me at owner@example.com"
    ).workflow
    new = PLANNER.mutate(crud, "only list").workflow
    assert new.name == "Journal"
    assert [t.type for t in new.ordered_tools()][:3] == ["input", "rateLimit", "jwtVerify"]
    assert new.metadata["builder"]["intent"] == "list"
    await passes(new, services)


def test_keeping_operations_of_a_graph_that_does_one_thing_is_refused() -> None:
    signup = PLANNER.generate("create a sign up api").workflow
    with pytest.raises(NotUnderstood) as caught:
        PLANNER.mutate(signup, "only create")
    assert "one thing already" in caught.value.message
    crud = PLANNER.generate("an api to create and list events").workflow
    with pytest.raises(NotUnderstood) as caught:
        PLANNER.mutate(crud, "only delete")
    assert "cannot delete" in caught.value.message


def test_a_welcome_email_on_the_crud_graph_goes_out_on_create_only() -> None:
    workflow = PLANNER.generate("a customer api, send a welcome email").workflow
    mail = workflow.tool("sendWelcomeEmail")
    assert mail is not None and mail.when is not None
    assert "input.action == 'create'" in mail.when


SWEEP = [
    # (prompt, intent, collection or None)
    (
        "inventory api: items with name, qty (number from 0 to 10000) and sku unique",
        "manage",
        "items",
    ),
    ("register for an event", "create", "event_registrations"),
    ("event registration", "create", "event_registrations"),
    ("sign up for a course", "create", "course_registrations"),
    ("user registration endpoint", "signup", "users"),
    ("signin", "login", "users"),
    ("forgot password flow", "reset_request", None),
    ("newsletter signup form", "newsletter", "subscribers"),
    ("stripe webhook receiver", "webhook", None),
    ("shorten urls", "shortener", None),
    ("book a table at the restaurant", "booking", None),
    ("book a meeting room", "booking", None),
    ("an api where users can create, read, update and delete notes", "manage", "notes"),
    ("tasks with title and a status that is one of todo, doing or done", "manage", "tasks"),
    ("a rest api for managing a library of books", "manage", "books"),
]


@pytest.mark.parametrize(("prompt", "intent", "collection"), SWEEP)
async def test_sweep_prompts_build_what_they_say(
    prompt: str, intent: str, collection: str | None, services: Services
) -> None:
    workflow = PLANNER.generate(prompt).workflow
    assert workflow.metadata["builder"]["intent"] == intent
    if collection is not None:
        assert collection in collections(workflow)
    await passes(workflow, services)


def test_a_field_list_after_a_colon_and_a_noun_starts_at_with() -> None:
    result = PLANNER.generate(
        "inventory api: items with name, qty (number from 0 to 10000) and sku unique"
    )
    props = result.workflow.input_schema["properties"]
    assert {"name", "qty", "sku"} <= set(props) and "itemsWithName" not in props
    assert (props["qty"]["minimum"], props["qty"]["maximum"]) == (0, 10000)
    store = result.workflow.tool("createItem")
    assert store is not None and store.config["unique"] == ["sku"]
    assert not any("did not say what the API stores" in a for a in result.assumptions)


def test_registering_for_an_event_makes_no_account() -> None:
    result = PLANNER.generate("register for an event")
    props = result.workflow.input_schema["properties"]
    assert "password" not in props and {"name", "email"} <= set(props)
    assert result.workflow.tool("hashPassword") is None
    assert any("an event" in a and "no user accounts" in a for a in result.assumptions)


def test_an_ambiguous_request_with_no_verb_builds_every_operation_on_items() -> None:
    result = PLANNER.generate("make me an api")
    assert "items" in result.assumptions[0]
    assert ALL_OPERATIONS in result.assumptions
    assert result.workflow.input_schema["properties"]["action"]["enum"] == ALL

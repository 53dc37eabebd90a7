"""Requests that store nothing (health check, ping, hello, echo, server time), logout,
unsubscribe, sign-in with Google (refused, honestly) and the wording of the summary.

A review found each of these building a record store named after the words ("Pings API",
"Worlds API") or the opposite of what was asked (unsubscribe built a newsletter signup).
"""

from __future__ import annotations

import pytest

from orchestrix.agents import NotUnderstood
from orchestrix.agents.rules import RulesPlanner
from orchestrix.runtime.checks import check_workflow
from orchestrix.runtime.testing import run_workflow_tests
from orchestrix.spec.models import Workflow
from orchestrix.tools.base import Services

PLANNER = RulesPlanner()
STORES = {"dbInsert", "dbFind", "dbQuery", "dbUpdate", "dbDelete"}


async def passes(workflow: Workflow, services: Services) -> None:
    assert check_workflow(workflow) == []
    report = await run_workflow_tests(workflow, services)
    assert report.ok, report.to_dict()


def types(workflow: Workflow) -> list[str]:
    return [t.type for t in workflow.ordered_tools()]


SMALL = [
    ("health check", "health", "Health Check API"),
    ("a healthcheck endpoint", "health", "Health Check API"),
    ("ping endpoint", "ping", "Ping API"),
    ("hello world api", "hello", "Hello API"),
    ("echo api", "echo", "Echo API"),
    ("an endpoint that echoes back the request body", "echo", "Echo API"),
    ("an api that returns the server time", "time", "Server Time API"),
    ("current time endpoint", "time", "Server Time API"),
]


@pytest.mark.parametrize(("prompt", "intent", "name"), SMALL)
async def test_small_requests_build_small_graphs_that_store_nothing(
    prompt: str, intent: str, name: str, services: Services
) -> None:
    result = PLANNER.generate(prompt)
    workflow = result.workflow
    assert workflow.metadata["builder"]["intent"] == intent
    assert workflow.name == name
    assert not STORES & set(types(workflow))
    assert "action" not in workflow.input_schema.get("properties", {})
    assert result.assumptions
    await passes(workflow, services)


@pytest.mark.parametrize("prompt", ["health check", "ping endpoint"])
def test_health_and_ping_answer_ok_with_the_time(prompt: str) -> None:
    response = PLANNER.generate(prompt).workflow.tool("response")
    assert response is not None
    assert response.config["body"] == {"status": "ok", "time": "{{ now() }}"}


def test_hello_greets_an_optional_name() -> None:
    workflow = PLANNER.generate("hello world api").workflow
    assert "name" in workflow.input_schema["properties"]
    assert "name" not in workflow.input_schema.get("required", [])
    bodies = {t.name: t.expect.body for t in workflow.tests}
    assert bodies["greets the world"] == {"message": "Hello, world!"}
    assert bodies["greets a name"] == {"message": "Hello, Ada!"}


def test_echo_answers_its_input() -> None:
    response = PLANNER.generate("echo api").workflow.tool("response")
    assert response is not None and response.config["body"] == "{{ input }}"


def test_time_answers_now_and_the_timestamp() -> None:
    body = PLANNER.generate("an api that returns the server time").workflow.tool("response")
    assert body is not None
    assert body.config["body"]["time"] == "{{ now() }}"
    assert body.config["body"]["timestamp"] == "{{ timestamp() }}"


@pytest.mark.parametrize("prompt", ["hello", "tell me a joke"])
def test_a_bare_greeting_is_still_not_an_api(prompt: str) -> None:
    with pytest.raises(NotUnderstood):
        PLANNER.generate(prompt)


def test_small_words_inside_a_real_request_do_not_take_it_over() -> None:
    workflow = PLANNER.generate("store pings with host, latency and status").workflow
    assert workflow.metadata["builder"]["intent"] == "create"


@pytest.mark.parametrize("prompt", ["logout", "a log out endpoint", "sign out api"])
async def test_logout_checks_the_token_and_says_it_revokes_nothing(
    prompt: str, services: Services
) -> None:
    result = PLANNER.generate(prompt)
    workflow = result.workflow
    assert workflow.metadata["builder"]["intent"] == "logout"
    assert types(workflow) == ["input", "jwtVerify", "response"]
    response = workflow.tool("response")
    assert response is not None and response.config["body"]["loggedOut"] is True
    assert {t.expect.status for t in workflow.tests} == {200, 401}
    assert any("Nothing is revoked" in a and "stateless" in a for a in result.assumptions)
    assert workflow.metadata["namespace"] == "accounts"
    await passes(workflow, services)


@pytest.mark.parametrize(
    "prompt",
    ["unsubscribe endpoint", "unsubscribe from the newsletter", "let people opt out of emails"],
)
async def test_unsubscribe_deletes_the_subscriber_by_email(prompt: str, services: Services) -> None:
    workflow = PLANNER.generate(prompt).workflow
    assert workflow.metadata["builder"]["intent"] == "unsubscribe"
    delete = workflow.tool("removeSubscriber")
    assert delete is not None and delete.type == "dbDelete"
    assert delete.config["collection"] == "subscribers"
    assert delete.config["where"] == {"email": "{{ input.email }}"}
    assert "dbInsert" not in types(workflow) and "sendEmail" not in types(workflow)
    assert {t.expect.status for t in workflow.tests} == {200, 404, 400}
    await passes(workflow, services)


def test_unsubscribe_shares_the_newsletter_namespace() -> None:
    signup = PLANNER.generate("newsletter signup form").workflow
    leave = PLANNER.generate("unsubscribe from the newsletter").workflow
    assert signup.metadata["namespace"] == leave.metadata["namespace"] == "newsletter"
    store = signup.tool("subscribe")
    assert store is not None and store.config["collection"] == "subscribers"


@pytest.mark.parametrize(
    ("prompt", "who"),
    [
        ("login with google", "Google"),
        ("sign in with GitHub", "Github"),
        ("facebook login api", "Facebook"),
        ("oauth login endpoint", None),
        ("single sign-on for my app", None),
    ],
)
def test_third_party_sign_in_is_refused_with_the_email_login_offered(
    prompt: str, who: str | None
) -> None:
    with pytest.raises(NotUnderstood) as caught:
        PLANNER.generate(prompt)
    message = caught.value.message
    assert "no OAuth step" in message and "email and password login" in message
    if who:
        assert who in message
    assert any("login" in e for e in caught.value.examples)


def test_a_login_with_email_is_not_mistaken_for_oauth() -> None:
    workflow = PLANNER.generate("log in with email and password").workflow
    assert workflow.metadata["builder"]["intent"] == "login"
    assert workflow.description == "Checks an email and password and answers with a JWT"


def test_the_crud_summary_reads_as_a_sentence() -> None:
    summary = PLANNER.generate("a todo api with title and done").summary
    assert summary.startswith(
        "Todos API: creates, gets, lists, updates and deletes todos; the `action` field picks"
    )
    assert "title (required to create)" in summary
    assert "id (required to get, update and delete)" in summary
    assert "done (optional)" in summary
    assert "Get," not in summary


def test_the_summary_counts_one_test_as_one_test() -> None:
    summary = PLANNER.generate("an api that returns the server time").summary
    assert summary.endswith("with 1 test.")
    assert "It takes no input" in summary


@pytest.mark.parametrize(
    ("prompt", "intent"),
    [("todo lsit", "manage"), ("tood api", "manage"), ("sigup api", "signup"), ("logni", "login")],
)
async def test_swapped_letters_in_short_words_are_corrected(
    prompt: str, intent: str, services: Services
) -> None:
    workflow = PLANNER.generate(prompt).workflow
    assert workflow.metadata["builder"]["intent"] == intent
    if intent == "manage":
        assert workflow.name == "Todos API"
    await passes(workflow, services)


@pytest.mark.parametrize("prompt", ["movies i want to watch", "my watchlist"])
async def test_a_watchlist_is_movies_with_a_watched_flag(prompt: str, services: Services) -> None:
    result = PLANNER.generate(prompt)
    workflow = result.workflow
    props = workflow.input_schema["properties"]
    assert {"title", "watched"} <= set(props) and props["watched"]["type"] == "boolean"
    assert workflow.tool("createMovie") is not None
    assert any("movies to watch" in a for a in result.assumptions)
    await passes(workflow, services)


@pytest.mark.parametrize(
    ("prompt", "collection"),
    [
        ("track my daily water intake", "water_entries"),
        ("count my daily calories", "calorie_entries"),
    ],
)
async def test_a_daily_intake_is_dated_entries_of_an_amount(
    prompt: str, collection: str, services: Services
) -> None:
    workflow = PLANNER.generate(prompt).workflow
    props = workflow.input_schema["properties"]
    assert {"amount", "date"} <= set(props)
    assert props["amount"]["type"] == "number" and props["date"]["format"] == "date"
    stores = {t.config.get("collection") for t in workflow.tools if t.type.startswith("db")}
    assert stores == {collection}
    await passes(workflow, services)


@pytest.mark.parametrize(
    ("prompt", "collection", "fields"),
    [
        ("log my weekly mood", "moods", {"rating", "date"}),
        ("track my daily expenses", "expenses", {"amount", "date", "category"}),
        ("record my monthly expenses", "expenses", {"amount", "date", "category"}),
        ("keep a daily journal entry api", "journals", set()),
    ],
)
async def test_how_often_is_not_part_of_the_things_name(
    prompt: str, collection: str, fields: set[str], services: Services
) -> None:
    workflow = PLANNER.generate(prompt).workflow
    stores = {t.config.get("collection") for t in workflow.tools if t.type.startswith("db")}
    assert stores == {collection}
    assert fields <= set(workflow.input_schema["properties"])
    await passes(workflow, services)


async def test_a_mood_is_a_rating_from_1_to_5_on_a_date(services: Services) -> None:
    workflow = PLANNER.generate("log my weekly mood").workflow
    props = workflow.input_schema["properties"]
    assert props["rating"]["minimum"] == 1 and props["rating"]["maximum"] == 5
    assert props["date"]["format"] == "date"
    assert {"rating", "date"} <= set(workflow.input_schema["required"])

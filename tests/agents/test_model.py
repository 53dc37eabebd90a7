"""The API model: words to model (the rules planner's reading), model to graph and tests (the
compilers), and the graphs' own tests passing on a real store."""

from __future__ import annotations

from typing import Any

import pytest

from orchestrix.agents import NotUnderstood
from orchestrix.agents.model import ApiModel, compile_model, model_json_schema, read_model
from orchestrix.agents.rules import RulesPlanner, build_from_model, finish
from orchestrix.runtime.services import Services
from orchestrix.runtime.testing import run_workflow_tests

pytestmark = pytest.mark.timeout(120)
PLANNER = RulesPlanner()


def fields_of(prompt: str) -> dict[str, Any]:
    model, _ = read_model(prompt)
    return {f.name: f for f in model.fields}


def test_fields_keep_their_names_types_and_rules() -> None:
    found = fields_of("signup api - email, password (min 12 chars), phone optional")
    assert found["password"].min_length == 12 and found["password"].required
    assert found["phone"].required is False and "phoneOptional" not in found
    cake = fields_of(
        "an endpoint to add a cake: a name, a price (can have cents so not an integer), and a "
        "size which is one of S, M, L. size defaults to M. name is required, the rest optional"
    )
    assert cake["price"].type == "number" and not cake["price"].required
    assert cake["size"].enum == ["S", "M", "L"] and cake["size"].default == "M"
    student = fields_of("Add a student. Fields - student_id (string, unique), birth_date (date)")
    assert student["student_id"].unique and student["birth_date"].format == "date"


def test_phrases_that_are_not_nouns_are_no_fields() -> None:
    found = fields_of(
        "signup (email, password, name, and the phone, which is optional) and reply with a "
        "thank you"
    )
    assert found["phone"].required is False
    assert not {"thankYou", "phoneWhichIsOptional", "which"} & set(found)


def test_the_kind_is_what_the_words_ask_for() -> None:
    assert read_model("delete my account (token required) and also all my notes")[0].kind == (
        "accountDelete"
    )
    bookmark, _ = read_model("save a bookmark (url, title) for the current user from the jwt")
    assert bookmark.kind == "crud" and bookmark.actions() == ["create"]
    assert bookmark.auth is not None and bookmark.ownership


def test_relations_filters_roles_and_limits_are_in_the_model() -> None:
    order, _ = read_model(
        "create an order for a customer: customer_id, product, quantity (integer >= 1). the "
        "customer must exist, else 404"
    )
    assert [(r.field, r.collection) for r in order.relations] == [("customer_id", "customers")]
    listing, _ = read_model("list products by category sorted by price")
    op = listing.operations[0]
    assert op.action == "list" and op.sort == "price" and op.filters[0].field == "category"
    coupon, _ = read_model("only the admin role can create a coupon: code (unique), percent")
    assert coupon.auth is not None and coupon.auth.roles == ["admin"]
    login, _ = read_model("login with max 5 attempts per email per 10 minutes")
    limit = login.rate_limits[0]
    assert (limit.limit, limit.window, limit.key, limit.field) == (5, 600, "field", "email")


def test_missing_capabilities_are_refused_or_listed() -> None:
    with pytest.raises(NotUnderstood, match="upload"):
        read_model("file upload api for profile pictures")
    model, _ = read_model("signup with email, password and a profile photo upload")
    assert model.kind == "signup" and any("upload" in n for n in model.not_covered)


def test_the_schema_is_small_enough_for_a_prompt() -> None:
    import json

    assert len(json.dumps(model_json_schema())) < 12_000


def test_the_model_is_kept_in_the_spec_and_compiles_the_same_graph() -> None:
    result = PLANNER.generate("a product api with name, price and a unique sku")
    kept = ApiModel.model_validate(result.workflow.metadata["apiModel"])
    again = build_from_model(kept).workflow
    assert again.to_wire()["tools"] == result.workflow.to_wire()["tools"]
    draft, _ = compile_model(kept)
    assert finish(draft).input_schema == result.workflow.input_schema


@pytest.mark.parametrize(
    "prompt",
    [
        "create an order for a customer: customer_id, product, quantity (integer >= 1). the "
        "customer must exist, else 404",
        "search houses: city (required), min_bedrooms (integer, optional), sort by price asc",
        "users can update their own posts only (postId, title, body); if the post is not "
        "theirs, 403",
        "only the admin role can create a coupon: code (unique), percent (integer 1-100)",
        "stripe webhook receiver, X-Signature header must equal our secret, else 401",
        "delete my account (token required) and also all my notes",
        "login with max 5 attempts per email per 10 minutes",
    ],
)
async def test_compiled_graphs_pass_their_own_tests(prompt: str, services: Services) -> None:
    workflow = PLANNER.generate(prompt).workflow
    report = await run_workflow_tests(workflow, services)
    assert report.ok, [r.to_dict() for r in report.results if not r.passed]
    statuses = {t.expect.status for t in workflow.tests}
    assert 400 in statuses or 401 in statuses


def test_a_backend_request_builds_its_endpoints() -> None:
    from orchestrix.agents.endpoints import endpoint_names

    result = PLANNER.generate("a todo app with accounts")
    names = {n for w in [result.workflow, *result.others] for n in endpoint_names(w)}
    assert {"signup", "login", "createTodo", "listTodos"} <= names
    assert len({w.metadata["namespace"] for w in [result.workflow, *result.others]}) == 1


def test_the_weather_from_a_url_the_user_gives() -> None:
    workflow = PLANNER.generate(
        "an api that fetches the weather from a url given by the user"
    ).workflow
    call = next(t for t in workflow.tools if t.type == "httpRequest")
    assert call.config["url"] == "{{ input.url }}"
    assert workflow.input_schema["properties"]["url"]["format"] == "uri"

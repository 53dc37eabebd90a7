"""Chat changes are real edits of the graph, with a summary and a structural diff, and the
edited graph still passes its own tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestrix.agents import NotUnderstood, diff_workflows
from orchestrix.agents.rules import RulesPlanner
from orchestrix.runtime.checks import check_workflow
from orchestrix.runtime.testing import run_workflow_tests
from orchestrix.spec.io import load_workflow
from orchestrix.spec.models import Workflow
from orchestrix.tools.base import Services
from tests.agents.mutation_cases import MUTATIONS, NOT_CHANGES

ROOT = Path(__file__).resolve().parents[2]
PLANNER = RulesPlanner()


def base(source: str) -> Workflow:
    if source.endswith(".yaml"):
        return load_workflow(ROOT / source)
    return PLANNER.generate(source).workflow


def test_there_are_at_least_25_mutations_over_several_bases() -> None:
    assert len({m for _, m, _ in MUTATIONS}) >= 25
    assert len({b for b, _, _ in MUTATIONS}) >= 5


def _observed(old: Workflow, new: Workflow) -> list[str]:
    d = diff_workflows(old, new)
    return (
        [f"+field:{x}" for x in d.added_fields]
        + [f"-field:{x}" for x in d.removed_fields]
        + [f"~field:{x}" for x in d.changed_fields]
        + [f"+tool:{x}" for x in d.added_tools]
        + [f"-tool:{x}" for x in d.removed_tools]
        + [f"~tool:{x}" for x in d.changed_tools]
        + (["name"] if any(c.kind == "name" for c in d.changes) else [])
    )


@pytest.mark.parametrize(
    ("source", "message", "expected"), MUTATIONS, ids=[f"{b[:20]}|{m}" for b, m, _ in MUTATIONS]
)
async def test_each_mutation_edits_the_graph_and_keeps_it_passing(
    source: str, message: str, expected: list[str], services: Services
) -> None:
    old = base(source)
    result = PLANNER.mutate(old, message)
    assert result.summary and result.planner == "rules"
    assert not result.diff.empty
    observed = _observed(old, result.workflow)
    assert set(expected) <= set(observed), observed
    assert result.diff.to_dict() == diff_workflows(old, result.workflow).to_dict()
    assert check_workflow(result.workflow) == []
    report = await run_workflow_tests(result.workflow, services)
    assert report.ok, report.to_dict()


@pytest.mark.parametrize("message", NOT_CHANGES)
def test_a_message_it_cannot_map_changes_nothing_and_says_so(message: str) -> None:
    with pytest.raises(NotUnderstood) as caught:
        PLANNER.mutate(base("create a sign up api"), message)
    assert caught.value.examples
    assert "add a phone number field" in caught.value.examples


def test_an_edit_keeps_what_it_did_not_touch() -> None:
    old = load_workflow(ROOT / "examples/signup.yaml")
    new = PLANNER.mutate(old, "add a phone number field").workflow
    assert [t.id for t in new.tools] == [t.id for t in old.tools]
    assert new.metadata == old.metadata
    assert new.description == old.description
    for kept in ("hashPassword", "jwtGenerate", "response"):
        assert new.tool(kept) == old.tool(kept)
    assert [t.name for t in new.tests[: len(old.tests)]] == [t.name for t in old.tests]
    assert new.input_schema["properties"]["phone"]["pattern"]
    document = new.tool("dbInsert").config["document"]  # type: ignore[union-attr]
    assert document["phone"] == "{{ input.phone }}"


def test_several_changes_in_one_message() -> None:
    old = base("create a sign up api")
    result = PLANNER.mutate(old, "add a company field, make name required and then call it Join")
    assert result.workflow.name == "Join"
    assert "company" in result.diff.added_fields
    assert "name" in result.diff.changed_fields
    assert "name" in result.workflow.input_schema["required"]


def test_a_change_that_cannot_be_made_is_refused_with_the_reason() -> None:
    login = base("a login endpoint")
    with pytest.raises(NotUnderstood) as caught:
        PLANNER.mutate(login, "remove the email field")
    assert "findUser" in caught.value.message
    with pytest.raises(NotUnderstood) as caught:
        PLANNER.mutate(base("todo api"), "send a welcome email")
    assert "no email field" in caught.value.message


def test_renaming_a_field_renames_every_use() -> None:
    old = base("an API to create products with name, price and a unique sku")
    new = PLANNER.mutate(old, "rename sku to productCode").workflow
    assert "productCode" in new.input_schema["properties"]
    store = new.tool("createProduct")
    assert store is not None
    assert store.config["unique"] == ["productCode"]
    assert store.config["document"]["productCode"] == "{{ input.productCode }}"
    assert all("sku" not in str(t.input) for t in new.tests)


SWEEP_BASES = [
    "create a sign up api",
    "crud api for notes",
    "list products filtered by category",
    "update a customer",
    "examples/login.yaml",
    "book a table",
    "a url shortener",
]
SWEEP_MESSAGES = [
    "add phone",
    "remove email",
    "make email optional",
    "rename email to emailAddress",
    "add a required company name",
    "also ask for their birthday",
    "limit to 2 requests per second",
    "remove the rate limit",
    "require login",
    "make it public",
    "send an email to the admin",
    "email the user a confirmation",
    "return 202",
    "respond with just the id",
    "don't return the name",
    "the name should be at least 3 characters",
    "name must be unique",
    "add a status that is one of active or inactive, default active",
    "make title required",
    "change price to an integer",
]


@pytest.mark.timeout(300)
async def test_every_change_it_accepts_keeps_the_graph_passing(services: Services) -> None:
    """A sweep of messages over unlike graphs: refused with a reason, or applied and passing."""
    applied = 0
    for source in SWEEP_BASES:
        old = base(source)
        for message in SWEEP_MESSAGES:
            try:
                result = PLANNER.mutate(old, message)
            except NotUnderstood as e:
                assert e.message
                continue
            applied += 1
            report = await run_workflow_tests(result.workflow, services)
            assert report.ok, (source, message, report.to_dict())
    assert applied >= 60


# --- the sweep of chat messages as people write them ------------------------------------------


def _config(workflow: Workflow, tool_id: str) -> dict[str, object]:
    tool = workflow.tool(tool_id)
    assert tool is not None, tool_id
    return dict(tool.config)


def test_a_rate_limit_per_email_counts_by_the_email() -> None:
    new = PLANNER.mutate(base("create a sign up api"), "limit to 10 requests a minute per email")
    key = str(_config(new.workflow, "rateLimit")["key"])
    assert key.startswith("{{ input.email ??") and "client.ip" in key
    assert "per email" in new.summary
    plain = PLANNER.mutate(base("create a sign up api"), "rate limit it to 5 requests per minute")
    assert "input.email" not in str(_config(plain.workflow, "rateLimit")["key"])


def test_a_token_lifetime_sets_expires_in() -> None:
    new = PLANNER.mutate(base("a login endpoint"), "token should last 24 hours")
    assert _config(new.workflow, "issueToken")["expiresIn"] == 86400
    assert "1 day (was 1 hour)" in new.summary
    week = PLANNER.mutate(base("create a sign up api"), "tokens should expire after 7 days")
    assert _config(week.workflow, "issueToken")["expiresIn"] == 7 * 86400


def test_a_default_is_stored_when_the_field_is_left_out() -> None:
    new = PLANNER.mutate(base("a todo api"), "done should default to false").workflow
    assert new.input_schema["properties"]["done"]["default"] is False
    with pytest.raises(NotUnderstood, match="true or false"):
        PLANNER.mutate(base("a todo api"), "done should default to maybe")


def test_a_strong_password_is_a_minimum_length() -> None:
    for message in (
        "require a strong password of 12 chars",
        "passwords need at least 12 characters",
    ):
        new = PLANNER.mutate(base("create a sign up api"), message).workflow
        assert new.input_schema["properties"]["password"]["minLength"] == 12


def test_choices_written_as_a_list_set_the_enum_and_the_same_list_says_so() -> None:
    todo = base("a todo api")
    new = PLANNER.mutate(todo, "priority should be low, medium, high or urgent").workflow
    assert new.input_schema["properties"]["priority"]["enum"] == ["low", "medium", "high", "urgent"]
    with pytest.raises(NotUnderstood, match="already one of low, medium, high"):
        PLANNER.mutate(todo, "priority should be low, medium or high")


def test_returning_a_field_is_not_an_email_and_says_when_it_is_already_there() -> None:
    signup = base("create a sign up api")
    with pytest.raises(NotUnderstood, match="already carries email"):
        PLANNER.mutate(signup, "also return the email")
    with pytest.raises(NotUnderstood, match="already carries name"):
        PLANNER.mutate(signup, "return the user's name too")
    login = PLANNER.mutate(base("a login endpoint"), "also return the user's name").workflow
    body = _config(login, "response")["body"]
    assert isinstance(body, dict) and body["name"] == "{{ steps.findUser.name }}"


def test_dont_without_an_apostrophe_is_a_negation() -> None:
    graph = PLANNER.mutate(base("create a sign up api"), "also send a welcome email").workflow
    new = PLANNER.mutate(graph, "dont send a welcome email").workflow
    assert not [t for t in new.tools if t.type == "sendEmail"]
    with pytest.raises(NotUnderstood, match="sends no email"):
        PLANNER.mutate(base("create a sign up api"), "dont send a welcome email")


def test_a_status_it_already_answers_is_said_not_pretended() -> None:
    with pytest.raises(NotUnderstood, match="already answers 200"):
        PLANNER.mutate(base("a login endpoint"), "return 200 instead of 201")


def test_a_field_it_does_not_have_is_named_in_the_refusal() -> None:
    with pytest.raises(NotUnderstood) as caught:
        PLANNER.mutate(base("create a sign up api"), "make the phone optional")
    assert "no phone field" in str(caught.value) and "email, password, name" in str(caught.value)


def test_it_is_the_field_the_message_just_added() -> None:
    new = PLANNER.mutate(base("create a sign up api"), "add a phone field and make it required")
    assert "phone" in new.workflow.input_schema["required"]


def test_a_swapped_letter_in_a_new_field_name_is_corrected() -> None:
    new = PLANNER.mutate(base("create a sign up api"), "add a phnoe number field").workflow
    assert "phone" in new.input_schema["properties"] and "phnoeNumber" not in str(new.to_wire())


def test_a_snake_case_name_is_kept_as_written() -> None:
    new = PLANNER.mutate(base("create a sign up api"), "rename name to full_name").workflow
    assert "full_name" in new.input_schema["properties"]


def test_notify_instead_changes_the_recipient() -> None:
    form = base("a contact form that emails me at owner@example.com")
    new = PLANNER.mutate(form, "notify me at boss@example.com instead").workflow
    mails = [t for t in new.tools if t.type == "sendEmail"]
    assert [t.config["to"] for t in mails] == ["boss@example.com"]


def test_a_copy_goes_to_the_sender() -> None:
    form = base("a contact form that emails me at owner@example.com")
    new = PLANNER.mutate(form, "also send a copy to the sender").workflow
    assert _config(new, "sendCopy")["to"] == "{{ input.email }}"


def test_https_only_urls_are_tested_with_a_plain_http_url() -> None:
    new = PLANNER.mutate(base("a URL shortener"), "only allow https urls").workflow
    assert new.input_schema["properties"]["url"]["pattern"] == "^https://"
    refused = [t for t in new.tests if t.input.get("url", "").startswith("http://")]
    assert refused and refused[0].expect.status == 400


def test_a_fixed_length_code_is_generated_at_that_length() -> None:
    new = PLANNER.mutate(base("a URL shortener"), "make the code 6 characters").workflow
    code = new.input_schema["properties"]["code"]
    assert code["minLength"] == code["maxLength"] == 6
    document = _config(new, "saveLink")["document"]
    assert isinstance(document, dict) and document["code"] == "{{ input.code ?? shortId(6) }}"


def test_removing_the_custom_code_keeps_the_generated_one() -> None:
    new = PLANNER.mutate(base("a URL shortener"), "drop the custom code").workflow
    assert "code" not in new.input_schema["properties"]
    document = _config(new, "saveLink")["document"]
    assert isinstance(document, dict) and document["code"] == "{{ shortId(7) }}"
    body = _config(new, "response")["body"]
    assert isinstance(body, dict) and "code" in body


def test_what_follows_a_comma_constrains_the_field_just_added() -> None:
    new = PLANNER.mutate(base("create a sign up api"), "add age, must be at least 18").workflow
    assert new.input_schema["properties"]["age"]["minimum"] == 18


def test_limit_to_n_characters_is_a_maximum_length() -> None:
    new = PLANNER.mutate(base("a todo api"), "limit title to 80 characters").workflow
    assert new.input_schema["properties"]["title"]["maxLength"] == 80


def test_no_more_than_is_a_limit_not_a_removal() -> None:
    new = PLANNER.mutate(base("create a sign up api"), "no more than 5 signups per minute")
    assert _config(new.workflow, "rateLimit")["limit"] == 5


def test_required_and_unique_in_one_clause() -> None:
    new = PLANNER.mutate(base("a URL shortener"), "make the url required and unique").workflow
    assert "url" in new.input_schema["required"]
    assert "url" in _config(new, "saveLink")["unique"]  # type: ignore[operator]


@pytest.mark.parametrize(
    ("message", "field"), [("tags should be a list", "tags"), ("make the colour a date", "colour")]
)
def test_a_type_change_of_a_missing_field_names_it(message: str, field: str) -> None:
    with pytest.raises(NotUnderstood, match=f"There is no {field} field"):
        PLANNER.mutate(base("a todo api"), message)

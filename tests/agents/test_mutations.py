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

"""The runner of a workflow's own tests."""

from __future__ import annotations

from orchestrix.runtime.testing import run_workflow_tests, subset_problems
from orchestrix.spec.io import load_workflow
from orchestrix.spec.models import Workflow
from orchestrix.tools.base import Services
from tests.runtime.test_executor import EXAMPLES


async def test_every_example_passes_its_own_tests(any_services: Services) -> None:
    for path in sorted(EXAMPLES.glob("*.yaml")):
        report = await run_workflow_tests(load_workflow(path), any_services)
        assert report.ok, (path, report.to_dict())
        assert report.passed == len(report.results) >= 3


async def test_a_wrong_expectation_fails_with_a_reason(services: Services) -> None:
    workflow = Workflow.model_validate(
        {
            "name": "Echo",
            "tools": [{"id": "r", "type": "response", "config": {"status": 200, "body": {"a": 1}}}],
            "tests": [
                {"name": "right", "expect": {"status": 200, "body": {"a": 1}}},
                {"name": "wrong", "expect": {"status": 201, "body": {"a": 2, "b": "*"}}},
            ],
        }
    )
    report = await run_workflow_tests(workflow, services)
    assert [r.passed for r in report.results] == [True, False]
    assert report.results[1].problems == [
        "status should be 201, got 200",
        "body.a should be 2, got 1",
        "body.b is missing",
    ]


async def test_tests_leave_no_data_behind(services: Services) -> None:
    workflow = load_workflow(EXAMPLES / "signup.yaml")
    report = await run_workflow_tests(workflow, services, namespace=None)
    assert report.ok
    # a second run in a new namespace starts clean: the signup test still answers 201
    assert (await run_workflow_tests(workflow, services)).ok


async def test_seeds_and_inputs_can_use_test_functions(services: Services) -> None:
    workflow = Workflow.model_validate(
        {
            "name": "Me",
            "tools": [
                {
                    "id": "auth",
                    "type": "jwtVerify",
                    "config": {"token": "{{ headers.authorization }}"},
                },
                {
                    "id": "r",
                    "type": "response",
                    "config": {"body": {"sub": "{{ steps.auth.subject }}"}},
                },
            ],
            "tests": [
                {
                    "name": "with a token",
                    "headers": {"authorization": "Bearer {{ jwt('u1') }}"},
                    "expect": {"status": 200, "body": {"sub": "u1"}},
                },
                {"name": "without", "expect": {"status": 401}},
            ],
        }
    )
    assert (await run_workflow_tests(workflow, services)).ok


def test_subset_matching() -> None:
    assert subset_problems({"a": {"b": "*"}}, {"a": {"b": 0, "c": 1}}) == []
    assert subset_problems({"a": "*"}, {"a": None}) == ["body.a is missing"]
    assert subset_problems({"a": 1}, [1]) == ["body should be an object, got [1]"]

"""Every request and every change shown in docs/builder.md works as the page says."""

from __future__ import annotations

import re
from pathlib import Path

from orchestrix.agents import NotUnderstood
from orchestrix.agents.rules import RulesPlanner
from orchestrix.runtime.checks import check_workflow
from orchestrix.runtime.testing import run_workflow_tests
from orchestrix.spec.io import load_workflow
from orchestrix.spec.models import Workflow
from orchestrix.tools.base import Services

ROOT = Path(__file__).resolve().parents[2]
PAGE = (ROOT / "docs" / "builder.md").read_text(encoding="utf-8")
PLANNER = RulesPlanner()


def _rows(section: str) -> list[str]:
    """The first column of the first table ("| say | ...") of a section."""
    start = PAGE.index("| say |", PAGE.index(section))
    end = PAGE.index("\n\n", start)
    cells = re.findall(r"^\| (`.+?`(?: / `.+?`)?) \|", PAGE[start:end], re.MULTILINE)
    return [phrase for cell in cells for phrase in re.findall(r"`([^`]+)`", cell)]


REQUESTS = _rows("## What the rules planner understands")
CHANGES = _rows("## Changing a graph in chat")


def _bases() -> list[Workflow]:
    return [
        PLANNER.generate("create a sign up api").workflow,
        PLANNER.generate("signup with email, password and a phone number").workflow,
        PLANNER.generate(
            "an API to create products with name, price and a unique sku, requires a token, "
            "email me at a@b.co"
        ).workflow,
        load_workflow(ROOT / "examples" / "todo.yaml"),
        PLANNER.generate("a todo api with title and done").workflow,
        PLANNER.generate("a login endpoint, 5 attempts per minute").workflow,
        PLANNER.generate("a URL shortener").workflow,
        PLANNER.generate("a contact form that emails me at owner@example.com").workflow,
    ]


async def test_every_request_on_the_page_builds_a_passing_graph(services: Services) -> None:
    assert len(REQUESTS) >= 20
    for prompt in REQUESTS:
        workflow = PLANNER.generate(prompt).workflow
        assert check_workflow(workflow) == [], prompt
        assert (await run_workflow_tests(workflow, services)).ok, prompt


async def test_every_change_on_the_page_applies_to_some_graph(services: Services) -> None:
    assert len(CHANGES) >= 20
    bases = _bases()
    for message in CHANGES:
        results = []
        for base in bases:
            try:
                result = PLANNER.mutate(base, message)
            except NotUnderstood:
                continue
            if not result.diff.empty:
                results.append(result)
        assert results, f"no base accepts {message!r}"
        result = results[0]
        assert (await run_workflow_tests(result.workflow, services)).ok, message

"""What the builder hands back: a graph with a summary, or an honest "I cannot build that"."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from orchestrix.errors import OrchestrixError

if TYPE_CHECKING:
    from orchestrix.agents.diff import WorkflowDiff
    from orchestrix.spec.models import Workflow

#: Requests the rules planner understands, shown when it cannot map one.
EXAMPLES = [
    "create a sign up api with email, password and name",
    "a login endpoint that returns a JWT",
    "an API to create products with name, price and a unique sku",
    "list my todos, 5 requests per minute",
    "a contact form that emails me at owner@example.com",
    "a webhook that stores Stripe events",
    "a URL shortener",
]


class NotUnderstood(OrchestrixError):
    """A request the builder cannot turn into a graph (or a change it cannot make)."""

    status = 422
    code = "not_understood"

    def __init__(self, message: str, examples: list[str] | None = None) -> None:
        super().__init__(
            message, {"examples": list(examples if examples is not None else EXAMPLES)}
        )

    @property
    def examples(self) -> list[str]:
        details = self.details if isinstance(self.details, dict) else {}
        return list(details.get("examples", []))


def cannot_build(prompt: str) -> NotUnderstood:
    shown = prompt.strip()
    shown = shown if len(shown) <= 60 else shown[:57] + "..."
    return NotUnderstood(
        f"Orchestrix builds APIs (tool graphs that validate, store, look up and answer "
        f"requests), and I could not find an API in {shown!r}. Try one of the examples."
    )


@dataclass
class BuildResult:
    workflow: Workflow
    summary: str
    assumptions: list[str] = field(default_factory=list)
    planner: str = "rules"
    #: Parts of the request nothing handles, in the user's words.
    not_covered: list[str] = field(default_factory=list)
    #: The other endpoints of a whole backend, in the same namespace as ``workflow``.
    others: list[Workflow] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "others": [w.to_wire() for w in self.others],
            "workflow": self.workflow.to_wire(),
            "summary": self.summary,
            "assumptions": list(self.assumptions),
            "planner": self.planner,
            "notCovered": list(self.not_covered),
        }


@dataclass
class MutationResult:
    workflow: Workflow
    summary: str
    diff: WorkflowDiff
    planner: str = "rules"

    def to_dict(self) -> dict[str, Any]:
        return {
            "workflow": self.workflow.to_wire(),
            "summary": self.summary,
            "diff": self.diff.to_dict(),
            "planner": self.planner,
        }

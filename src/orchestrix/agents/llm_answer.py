"""What the model answers (the API model, its checklist, or a question or refusal) and how an
answer is judged: the compilers build it, the static checks and the graph's own tests run, and
the checklist the model wrote is checked against the graph. Failures go back as repair prompts.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from orchestrix.agents.model import ApiModel, model_json_schema
from orchestrix.spec.models import Workflow


class Essential(BaseModel):
    """One thing the request cannot do without, checked against the built graph."""

    model_config = ConfigDict(extra="forbid")

    what: Literal["field", "required", "unique", "secret", "status"]
    name: str | None = Field(None, description="The field, for all but status.")
    status: int | None = Field(None, description="An HTTP status the API must answer.")

    def label(self) -> str:
        return f"status {self.status}" if self.what == "status" else f"{self.what} {self.name}"


class LlmAnswer(BaseModel):
    """Exactly one of api, question, refusal."""

    model_config = ConfigDict(extra="forbid")

    api: ApiModel | None = Field(None, description="The API model.")
    essentials: list[Essential] = Field(
        default_factory=list, description="What the request cannot do without."
    )
    summary: str | None = Field(None, description="One sentence.")
    question: str | None = Field(None, description="Ask when a change is ambiguous.")
    refusal: str | None = Field(None, description="Why this is not an API.")


def answer_schema() -> dict[str, Any]:
    return LlmAnswer.model_json_schema(by_alias=True)


def api_schema() -> dict[str, Any]:
    """The builder's API model schema (the part of the answer the compilers read)."""
    return model_json_schema()


def compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def _required(schema: dict[str, Any]) -> set[str]:
    found = set(schema.get("required") or [])
    for rule in schema.get("allOf") or []:
        if isinstance(rule, dict):
            found.update((rule.get("then") or {}).get("required") or [])
    return found


def checklist_problems(workflow: Workflow, essentials: list[Essential]) -> list[str]:
    """The essentials the graph misses, each as a sentence the model can act on."""
    props = workflow.input_schema.get("properties") or {}
    required = _required(workflow.input_schema)
    statuses = {t.expect.status for t in workflow.tests}
    wire = compact(workflow.to_wire()["tools"])
    hashed = {
        name
        for t in workflow.tools
        if t.type == "hashPassword"
        for name in props
        if f"input.{name}" in compact(t.config)
    }
    problems = []
    for item in essentials:
        name = item.name or ""
        if item.what == "status":
            if (
                item.status is not None
                and item.status not in statuses
                and str(item.status) not in wire
            ):
                problems.append(f"you listed status {item.status}, but nothing answers it")
        elif name not in props:
            problems.append(f"you listed {item.label()}, but the input has no field {name!r}")
        elif item.what == "required" and name not in required:
            problems.append(f"you listed {name!r} as required, but the model leaves it optional")
        elif item.what == "unique" and 409 not in statuses:
            problems.append(f"you listed {name!r} as unique, but no duplicate answers 409")
        elif item.what == "secret" and name not in hashed:
            problems.append(f"you listed {name!r} as a secret, but it is not hashed")
    return problems

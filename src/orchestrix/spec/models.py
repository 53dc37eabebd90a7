"""The ``orchestrix/v1`` workflow spec: pydantic models that also publish its JSON Schema.

Field names are camelCase on the wire (``inputSchema``, ``executionOrder``) and snake_case in
Python. Models only check shape; whether a spec holds together (known tool types, references
to steps that ran before, hashed passwords) is the job of :mod:`orchestrix.spec.checks`.
"""

from __future__ import annotations

import re
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel

API_VERSION: Final = "orchestrix/v1"
TOOL_ID_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"


class SpecModel(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", validate_assignment=True
    )


class ToolSpec(SpecModel):
    """One node of the graph: a tool of a catalog type with its config."""

    id: str = Field(
        pattern=TOOL_ID_PATTERN,
        max_length=64,
        description="Unique within the workflow; outputs are read as `steps.<id>`.",
    )
    type: str = Field(description="A tool type of the catalog, e.g. `dbInsert`.")
    config: dict[str, Any] = Field(
        default_factory=dict,
        description="The tool's settings; string values may hold `{{ expression }}` references.",
    )
    when: str | None = Field(
        default=None, description="Guard expression; when false the tool is skipped."
    )
    description: str | None = Field(default=None, description="What this step is for.")


class TestExpectation(SpecModel):
    status: int | None = Field(default=None, ge=100, le=599, description="Expected status.")
    body: dict[str, Any] | None = Field(
        default=None,
        description="Expected body, matched as a subset: every key given must be present with "
        'the same value; the value "*" matches anything present.',
    )


class WorkflowTest(SpecModel):
    """An example the builder writes with the graph; the tests gate deploys."""

    __test__ = False  # not a pytest class

    name: str = Field(min_length=1, description="What the example shows.")
    input: dict[str, Any] = Field(default_factory=dict, description="The request body.")
    headers: dict[str, str] = Field(default_factory=dict, description="Request headers.")
    seed: dict[str, list[dict[str, Any]]] = Field(
        default_factory=dict,
        description="Documents stored in these collections before the run; values may use "
        "expressions, including `hashPassword('...')`.",
    )
    expect: TestExpectation = Field(default_factory=TestExpectation)


class Workflow(SpecModel):
    """A tool graph: what a REST endpoint and an MCP tool run."""

    api_version: Literal["orchestrix/v1"] = Field(default=API_VERSION)
    name: str = Field(min_length=1, max_length=120, description="Human name of the API.")
    description: str = Field(default="", max_length=2000)
    input_schema: dict[str, Any] = Field(
        default_factory=lambda: {"type": "object", "properties": {}},
        description="JSON Schema (draft 2020-12) of the request body and MCP arguments.",
    )
    tools: list[ToolSpec] = Field(default_factory=list)
    execution_order: list[str] = Field(
        default_factory=list,
        description="Tool ids in the order they run; empty means the order of `tools`.",
    )
    tests: list[WorkflowTest] = Field(default_factory=list)
    metadata: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _default_order(self) -> Workflow:
        if not self.execution_order and self.tools:
            # object.__setattr__ avoids re-running validation through validate_assignment.
            object.__setattr__(self, "execution_order", [t.id for t in self.tools])
        return self

    def tool(self, tool_id: str) -> ToolSpec | None:
        return next((t for t in self.tools if t.id == tool_id), None)

    def ordered_tools(self) -> list[ToolSpec]:
        """Tools in execution order (entries naming no tool are left out)."""
        by_id = {t.id: t for t in self.tools}
        return [by_id[i] for i in self.execution_order if i in by_id]

    @property
    def slug(self) -> str:
        """A stable snake_case name, used for MCP tool names and data namespaces."""
        return slugify(self.name)

    def to_wire(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


def slugify(text: str) -> str:
    words = re.findall(r"[A-Za-z0-9]+", re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", text))
    slug = "_".join(w.lower() for w in words)
    return slug or "workflow"


def workflow_json_schema() -> dict[str, Any]:
    """The JSON Schema of the spec format, as `orchestrix schema` prints it."""
    schema = Workflow.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://orchestrix.dev/schemas/orchestrix-v1.json"
    schema["title"] = "Orchestrix workflow (orchestrix/v1)"
    return schema

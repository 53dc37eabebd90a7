"""A workflow being written or edited, as its wire form: tools, order, schema and tests.

Generation and mutation share this: a blueprint builds a :class:`Draft` from nothing, an edit
changes one that came from a stored workflow, and both end in :meth:`Draft.to_workflow`.
Working on the camelCase wire dicts keeps every key a graph may carry, even ones the planner
does not know about.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

from orchestrix.agents.fields import MISSING, FieldSpec
from orchestrix.spec.models import API_VERSION, Workflow

#: Who wrote a graph; kept in ``metadata.builder``.
BUILDER_KEY = "builder"


def literal(value: Any) -> str:
    """A value as an expression literal: ``'medium'``, ``false``, ``20``."""
    if isinstance(value, str):
        if "'" not in value and "\\" not in value:
            return f"'{value}'"
        return json.dumps(value)
    return json.dumps(value)


def ref(path: str) -> str:
    return "{{ " + path + " }}"


def field_path(root: str, name: str) -> str:
    """``input.email``, or ``input["first-name"]`` for a name that is not an identifier."""
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        return f"{root}.{name}"
    return f"{root}[{json.dumps(name)}]"


class Draft:
    """Mutable wire form of a workflow with the edits the planner needs."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.data.setdefault("apiVersion", API_VERSION)
        self.data.setdefault("inputSchema", {"type": "object", "properties": {}})
        self.data.setdefault("tools", [])
        self.data.setdefault("tests", [])
        if not self.data.get("executionOrder"):
            self.data["executionOrder"] = [t["id"] for t in self.data["tools"]]

    @classmethod
    def new(cls, name: str, description: str) -> Draft:
        return cls(
            {
                "apiVersion": API_VERSION,
                "name": name,
                "description": description,
                "inputSchema": {"type": "object", "required": [], "properties": {}},
                "tools": [],
                "executionOrder": [],
                "tests": [],
            }
        )

    @classmethod
    def of(cls, workflow: Workflow) -> Draft:
        return cls(copy.deepcopy(workflow.to_wire()))

    def to_workflow(self) -> Workflow:
        schema = self.data["inputSchema"]
        if "required" in schema and not schema["required"]:
            del schema["required"]
        return Workflow.model_validate(self.data)

    # --- tools ------------------------------------------------------------------------------

    @property
    def tools(self) -> list[dict[str, Any]]:
        tools: list[dict[str, Any]] = self.data["tools"]
        return tools

    @property
    def order(self) -> list[str]:
        order: list[str] = self.data["executionOrder"]
        return order

    def ordered(self) -> list[dict[str, Any]]:
        by_id = {t["id"]: t for t in self.tools}
        return [by_id[i] for i in self.order if i in by_id]

    def tool(self, tool_id: str) -> dict[str, Any] | None:
        return next((t for t in self.tools if t["id"] == tool_id), None)

    def of_type(self, *types: str) -> list[dict[str, Any]]:
        return [t for t in self.ordered() if t["type"] in types]

    def first(self, *types: str) -> dict[str, Any] | None:
        found = self.of_type(*types)
        return found[0] if found else None

    def unique_id(self, base: str) -> str:
        taken = {t["id"] for t in self.tools}
        if base not in taken:
            return base
        n = 2
        while f"{base}{n}" in taken:
            n += 1
        return f"{base}{n}"

    def add(
        self,
        tool_id: str,
        type_: str,
        config: dict[str, Any] | None = None,
        *,
        when: str | None = None,
        after: str | None = None,
        before: str | None = None,
        description: str | None = None,
    ) -> dict[str, Any]:
        """Add a tool; by default at the end, else right after or before another tool."""
        tool: dict[str, Any] = {"id": tool_id, "type": type_}
        if config:
            tool["config"] = config
        if when:
            tool["when"] = when
        if description:
            tool["description"] = description
        if after is not None and after in self.order:
            self.tools.insert(self._tool_index(after) + 1, tool)
            self.order.insert(self.order.index(after) + 1, tool_id)
        elif before is not None and before in self.order:
            self.tools.insert(self._tool_index(before), tool)
            self.order.insert(self.order.index(before), tool_id)
        else:
            self.tools.append(tool)
            self.order.append(tool_id)
        return tool

    def _tool_index(self, tool_id: str) -> int:
        return next(i for i, t in enumerate(self.tools) if t["id"] == tool_id)

    def remove(self, tool_id: str) -> None:
        self.data["tools"] = [t for t in self.tools if t["id"] != tool_id]
        self.data["executionOrder"] = [i for i in self.order if i != tool_id]

    def success_response(self) -> dict[str, Any] | None:
        """The response that answers a successful request: the last one without a guard."""
        responses = self.of_type("response")
        plain = [r for r in responses if not r.get("when")]
        chosen = plain or responses
        return chosen[-1] if chosen else None

    def primary_store(self) -> dict[str, Any] | None:
        """The tool that writes the request's fields: the first dbInsert, else dbUpdate."""
        return self.first("dbInsert") or self.first("dbUpdate")

    def after_input(self) -> str | None:
        """Where a check that runs first goes: after ``input``, else at the start."""
        first = self.first("input")
        return first["id"] if first else None

    def last_before_response(self) -> str | None:
        response = self.success_response()
        if response is None:
            return self.order[-1] if self.order else None
        index = self.order.index(response["id"])
        return self.order[index - 1] if index > 0 else None

    # --- fields -----------------------------------------------------------------------------

    @property
    def schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = self.data["inputSchema"]
        schema.setdefault("type", "object")
        schema.setdefault("properties", {})
        return schema

    @property
    def properties(self) -> dict[str, Any]:
        props: dict[str, Any] = self.schema["properties"]
        return props

    @property
    def required(self) -> list[str]:
        required: list[str] = self.schema.setdefault("required", [])
        return required

    def unique_fields(self) -> list[str]:
        names: list[str] = []
        for tool in self.of_type("dbInsert", "dbUpdate"):
            for name in tool.get("config", {}).get("unique") or []:
                if name not in names:
                    names.append(name)
        return names

    def fields(self) -> list[FieldSpec]:
        unique = set(self.unique_fields())
        required = set(self.schema.get("required") or [])
        return [
            FieldSpec.from_schema(
                name,
                schema if isinstance(schema, dict) else {},
                required=name in required,
                unique=name in unique,
            )
            for name, schema in self.properties.items()
        ]

    def field(self, name: str) -> FieldSpec | None:
        return next((f for f in self.fields() if f.name == name), None)

    def add_field(self, spec: FieldSpec) -> None:
        self.properties[spec.name] = spec.schema()
        if spec.required and spec.name not in self.required:
            self.required.append(spec.name)

    # --- tests ------------------------------------------------------------------------------

    @property
    def tests(self) -> list[dict[str, Any]]:
        tests: list[dict[str, Any]] = self.data["tests"]
        return tests

    def add_test(
        self,
        name: str,
        input: dict[str, Any],
        status: int,
        body: dict[str, Any] | None = None,
        *,
        seed: dict[str, list[dict[str, Any]]] | None = None,
        headers: dict[str, str] | None = None,
        index: int | None = None,
    ) -> dict[str, Any]:
        test: dict[str, Any] = {"name": name}
        if seed:
            test["seed"] = seed
        if headers:
            test["headers"] = headers
        test["input"] = {k: v for k, v in input.items() if v is not MISSING}
        expect: dict[str, Any] = {"status": status}
        if body:
            expect["body"] = body
        test["expect"] = expect
        if index is None:
            self.tests.append(test)
        else:
            self.tests.insert(index, test)
        return test

    def success_test(self) -> dict[str, Any] | None:
        return next(
            (t for t in self.tests if 200 <= int(t.get("expect", {}).get("status") or 0) < 300),
            None,
        )

    def has_test(self, status: int) -> bool:
        return any(t.get("expect", {}).get("status") == status for t in self.tests)

    def set_meta(self, **values: Any) -> None:
        meta = self.data.setdefault("metadata", {})
        builder = meta.setdefault(BUILDER_KEY, {})
        builder.update({k: v for k, v in values.items() if v is not None})

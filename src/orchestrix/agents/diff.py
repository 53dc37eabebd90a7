"""Structural diff of two workflows: which tools and fields were added, removed or changed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from orchestrix.spec.models import Workflow


@dataclass
class Change:
    kind: str  # tool | field | name | description | response | tests | order
    action: str  # added | removed | changed
    name: str
    detail: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "action": self.action, "name": self.name, "detail": self.detail}

    def __str__(self) -> str:
        sign = {"added": "+", "removed": "-", "changed": "~"}.get(self.action, "~")
        text = f"{sign} {self.kind} {self.name}"
        return f"{text}: {self.detail}" if self.detail else text


@dataclass
class WorkflowDiff:
    added_tools: list[str] = field(default_factory=list)
    removed_tools: list[str] = field(default_factory=list)
    changed_tools: list[str] = field(default_factory=list)
    added_fields: list[str] = field(default_factory=list)
    removed_fields: list[str] = field(default_factory=list)
    changed_fields: list[str] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.changes

    def to_dict(self) -> dict[str, Any]:
        return {
            "addedTools": list(self.added_tools),
            "removedTools": list(self.removed_tools),
            "changedTools": list(self.changed_tools),
            "addedFields": list(self.added_fields),
            "removedFields": list(self.removed_fields),
            "changedFields": list(self.changed_fields),
            "changes": [c.to_dict() for c in self.changes],
        }

    def lines(self) -> list[str]:
        return [str(c) for c in self.changes]


def _properties(workflow: Workflow) -> dict[str, Any]:
    props = workflow.input_schema.get("properties")
    return props if isinstance(props, dict) else {}


def _required(workflow: Workflow) -> set[str]:
    required = workflow.input_schema.get("required")
    return set(required) if isinstance(required, list) else set()


def _tool_detail(old: dict[str, Any], new: dict[str, Any]) -> str:
    parts = []
    if old.get("type") != new.get("type"):
        parts.append(f"type {old.get('type')} -> {new.get('type')}")
    old_config, new_config = old.get("config") or {}, new.get("config") or {}
    keys = sorted(set(old_config) | set(new_config))
    changed = [k for k in keys if old_config.get(k) != new_config.get(k)]
    if changed:
        parts.append("config " + ", ".join(changed))
    if old.get("when") != new.get("when"):
        parts.append("guard")
    return "; ".join(parts)


def diff_workflows(old: Workflow, new: Workflow) -> WorkflowDiff:
    diff = WorkflowDiff()
    old_tools = {t.id: t.model_dump(by_alias=True, exclude_none=True) for t in old.tools}
    new_tools = {t.id: t.model_dump(by_alias=True, exclude_none=True) for t in new.tools}
    if old.name != new.name:
        diff.changes.append(Change("name", "changed", new.name, f"was {old.name!r}"))
    for tool_id, tool in new_tools.items():
        if tool_id not in old_tools:
            diff.added_tools.append(tool_id)
            diff.changes.append(Change("tool", "added", tool_id, tool["type"]))
        elif tool != old_tools[tool_id]:
            diff.changed_tools.append(tool_id)
            kind = "response" if tool["type"] == "response" else "tool"
            detail = _tool_detail(old_tools[tool_id], tool)
            diff.changes.append(Change(kind, "changed", tool_id, detail))
    for tool_id, tool in old_tools.items():
        if tool_id not in new_tools:
            diff.removed_tools.append(tool_id)
            diff.changes.append(Change("tool", "removed", tool_id, tool["type"]))
    old_props, new_props = _properties(old), _properties(new)
    old_req, new_req = _required(old), _required(new)
    for name, schema in new_props.items():
        if name not in old_props:
            diff.added_fields.append(name)
            need = "required" if name in new_req else "optional"
            diff.changes.append(Change("field", "added", name, f"{schema.get('type', '')}, {need}"))
        elif schema != old_props[name] or (name in old_req) != (name in new_req):
            diff.changed_fields.append(name)
            bits = []
            if (name in old_req) != (name in new_req):
                bits.append("now required" if name in new_req else "now optional")
            if schema != old_props[name]:
                bits.append("schema")
            diff.changes.append(Change("field", "changed", name, ", ".join(bits)))
    for name in old_props:
        if name not in new_props:
            diff.removed_fields.append(name)
            diff.changes.append(Change("field", "removed", name))
    if [t.id for t in old.ordered_tools()] != [t.id for t in new.ordered_tools()] and not (
        diff.added_tools or diff.removed_tools
    ):
        diff.changes.append(Change("order", "changed", "executionOrder"))
    old_tests = [t.name for t in old.tests]
    new_tests = [t.name for t in new.tests]
    for name in new_tests:
        if name not in old_tests:
            diff.changes.append(Change("tests", "added", name))
    for name in old_tests:
        if name not in new_tests:
            diff.changes.append(Change("tests", "removed", name))
    if old.description != new.description:
        diff.changes.append(Change("description", "changed", "description"))
    return diff

"""The structural diff between two workflows."""

from __future__ import annotations

from pathlib import Path

from orchestrix.agents import Change, WorkflowDiff, diff_workflows
from orchestrix.spec.io import load_workflow

ROOT = Path(__file__).resolve().parents[2]


def test_identical_workflows_have_an_empty_diff() -> None:
    signup = load_workflow(ROOT / "examples/signup.yaml")
    diff = diff_workflows(signup, signup.model_copy(deep=True))
    assert diff.empty
    assert diff.to_dict() == {
        "addedTools": [],
        "removedTools": [],
        "changedTools": [],
        "addedFields": [],
        "removedFields": [],
        "changedFields": [],
        "changes": [],
    }


def test_tools_fields_and_name_changes_are_listed() -> None:
    old = load_workflow(ROOT / "examples/signup.yaml")
    wire = old.to_wire()
    wire["name"] = "Join API"
    wire["inputSchema"]["properties"]["age"] = {"type": "integer"}
    del wire["inputSchema"]["properties"]["name"]
    wire["inputSchema"]["required"] = ["email"]
    wire["tools"] = [t for t in wire["tools"] if t["id"] != "jwtGenerate"]
    wire["tools"][-1]["config"]["body"] = {"id": "{{ steps.dbInsert.id }}"}
    wire["tools"].insert(1, {"id": "limit", "type": "rateLimit", "config": {"limit": 5}})
    wire["executionOrder"] = [t["id"] for t in wire["tools"]]
    new = type(old).model_validate(wire)
    diff = diff_workflows(old, new)
    assert diff.added_tools == ["limit"]
    assert diff.removed_tools == ["jwtGenerate"]
    assert diff.changed_tools == ["response"]
    assert diff.added_fields == ["age"]
    assert diff.removed_fields == ["name"]
    assert diff.changed_fields == ["password"]  # no longer required
    assert Change("name", "changed", "Join API", "was 'Signup API'") in diff.changes
    assert any(c.kind == "response" and c.action == "changed" for c in diff.changes)
    assert "+ tool limit: rateLimit" in diff.lines()
    assert not diff.empty
    assert isinstance(diff, WorkflowDiff)

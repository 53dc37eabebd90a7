"""The spec format: models, files, JSON Schema."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestrix.errors import SpecError
from orchestrix.spec import (
    dumps_workflow,
    load_workflow,
    loads_workflow,
    save_workflow,
    workflow_json_schema,
)
from orchestrix.spec.models import Workflow, slugify

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_yaml_and_json_round_trip_with_camel_case_keys(tmp_path: Path) -> None:
    workflow = load_workflow(EXAMPLES / "signup.yaml")
    assert workflow.execution_order[0] == "input"
    assert workflow.input_schema["required"] == ["email", "password"]
    for suffix in (".yaml", ".json"):
        path = tmp_path / f"copy{suffix}"
        save_workflow(workflow, path)
        assert load_workflow(path) == workflow
    text = dumps_workflow(workflow, fmt="json")
    assert '"executionOrder"' in text and '"inputSchema"' in text and "execution_order" not in text


def test_execution_order_defaults_to_the_order_of_tools() -> None:
    workflow = loads_workflow("name: X\ntools: [{id: a, type: input}, {id: b, type: response}]")
    assert workflow.execution_order == ["a", "b"]


def test_shape_errors_are_listed_together() -> None:
    with pytest.raises(SpecError) as info:
        loads_workflow("apiVersion: orchestrix/v2\ntools: [{id: 1bad, type: input}, {type: x}]")
    paths = {p["path"] for p in info.value.details}
    assert {"apiVersion", "name", "tools.0.id", "tools.1.id"} <= paths


def test_unknown_top_level_keys_are_refused() -> None:
    with pytest.raises(SpecError) as info:
        loads_workflow("name: X\ntool: []")
    assert info.value.details[0]["path"] == "tool"


def test_the_document_must_be_a_mapping_and_valid_yaml() -> None:
    with pytest.raises(SpecError, match="mapping"):
        loads_workflow("- a\n- b")
    with pytest.raises(SpecError, match="not valid YAML"):
        loads_workflow("name: [")
    with pytest.raises(SpecError, match="not valid JSON"):
        loads_workflow("{", fmt="json")


def test_saving_is_atomic_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    path = tmp_path / "w.yaml"
    save_workflow(Workflow(name="A"), path)
    save_workflow(Workflow(name="B"), path)
    assert load_workflow(path).name == "B"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.yaml"]


def test_the_json_schema_describes_the_wire_format() -> None:
    schema = workflow_json_schema()
    assert schema["$schema"].endswith("2020-12/schema")
    assert {"apiVersion", "inputSchema", "tools", "executionOrder", "tests"} <= set(
        schema["properties"]
    )
    assert schema["required"] == ["name"]


@pytest.mark.parametrize(
    ("name", "slug"),
    [("Signup API", "signup_api"), ("getUserProfile", "get_user_profile"), ("!!", "workflow")],
)
def test_slugs_are_stable_snake_case(name: str, slug: str) -> None:
    assert slugify(name) == slug

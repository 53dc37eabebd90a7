"""`orchestrix new`, `mutate` and `chat` as a user runs them: a real process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orchestrix.spec.io import load_workflow
from tests.test_cli_run import orchestrix

pytestmark = pytest.mark.timeout(180)


def test_new_writes_the_spec_and_refuses_to_overwrite_it(tmp_path: Path) -> None:
    done = orchestrix("new", "create a sign up api", data_dir=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Signup API" in done.stdout and "assumed" in done.stdout
    spec = tmp_path / "signup_api.yaml"
    assert load_workflow(spec).name == "Signup API"
    again = orchestrix("new", "create a sign up api", data_dir=tmp_path)
    assert again.returncode == 1
    assert again.stderr.count("\n") == 1 and "--force" in again.stderr
    forced = orchestrix("new", "a login endpoint", "-o", str(spec), "--force", data_dir=tmp_path)
    assert forced.returncode == 0 and load_workflow(spec).name == "Login API"
    tested = orchestrix("test", str(spec), data_dir=tmp_path)
    assert tested.returncode == 0, tested.stdout


def test_new_json_prints_only_the_spec(tmp_path: Path) -> None:
    done = orchestrix("new", "todo api", "--json", data_dir=tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["apiVersion"] == "orchestrix/v1"
    assert list(tmp_path.glob("*.yaml")) == []


def test_new_refuses_a_poem_in_one_line(tmp_path: Path) -> None:
    done = orchestrix("new", "write me a poem", data_dir=tmp_path)
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.strip().count("\n") == 0
    assert "builds APIs" in done.stderr and "Try 'create a sign up api" in done.stderr


def test_mutate_edits_the_file_in_place_and_prints_the_diff(tmp_path: Path) -> None:
    spec = tmp_path / "shop.yaml"
    orchestrix(
        "new", "an API to create products with name and price", "-o", str(spec), data_dir=tmp_path
    )
    done = orchestrix("mutate", str(spec), "add a unique sku", data_dir=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "+ field sku" in done.stdout and "~ tool createProduct" in done.stdout
    workflow = load_workflow(spec)
    assert workflow.tool("createProduct").config["unique"] == ["sku"]  # type: ignore[union-attr]
    as_json = orchestrix("mutate", str(spec), "rename the api to Shop", "--json", data_dir=tmp_path)
    assert json.loads(as_json.stdout)["name"] == "Shop"
    assert load_workflow(spec).name == "Shop"
    refused = orchestrix("mutate", str(spec), "make it better", data_dir=tmp_path)
    assert refused.returncode == 1 and "could not tell" in refused.stderr
    assert load_workflow(spec).name == "Shop"  # untouched
    no_field = orchestrix("mutate", str(spec), "make the phone optional", data_dir=tmp_path)
    assert no_field.returncode == 1
    assert "There is no phone field" in no_field.stderr
    assert "sign up api" not in no_field.stderr  # says what to change, not what to build
    missing = orchestrix("mutate", str(tmp_path / "nope.yaml"), "add x", data_dir=tmp_path)
    assert missing.returncode == 1 and "Traceback" not in missing.stderr


def test_chat_builds_changes_and_runs(tmp_path: Path) -> None:
    spec = tmp_path / "notes.yaml"
    script = "\n".join(
        [
            "an api to store notes with a title and a body",
            "make body optional",
            "run it with title Hello",
            "what does it do?",
            "exit",
        ]
    )
    done = orchestrix("chat", str(spec), data_dir=tmp_path, stdin=script + "\n")
    assert done.returncode == 0, done.stderr
    assert "Made body optional" in done.stdout
    assert '"status": 201' in done.stdout
    assert "createNote (dbInsert)" in done.stdout
    workflow = load_workflow(spec)
    assert workflow.input_schema["required"] == ["title"]

"""The spec-file commands, run as a user runs them: a real `orchestrix` process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SIGNUP = str(ROOT / "examples" / "signup.yaml")


def orchestrix(
    *args: str, data_dir: Path, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ORCHESTRIX_", "ARCHESTRA_"))}
    env["ORCHESTRIX_DATA_DIR"] = str(data_dir)
    return subprocess.run(
        [sys.executable, "-m", "orchestrix", *args],
        capture_output=True,
        text=True,
        env=env,
        input=stdin,
        timeout=60,
        cwd=data_dir,
    )


@pytest.mark.timeout(120)
def test_run_signs_up_then_refuses_the_same_email(tmp_path: Path) -> None:
    body = '{"email":"a@b.co","password":"hunter2hunter2"}'
    first = orchestrix("run", SIGNUP, "--input", body, data_dir=tmp_path)
    assert first.returncode == 0, first.stderr
    answer = json.loads(first.stdout)
    assert answer["status"] == 201
    assert answer["body"]["token"].count(".") == 2
    second = orchestrix("run", SIGNUP, "--input", body, data_dir=tmp_path)
    assert second.returncode == 1
    assert json.loads(second.stdout)["status"] == 409
    assert "Traceback" not in second.stderr


def test_run_lists_both_problems_of_a_bad_request(tmp_path: Path) -> None:
    result = orchestrix("run", SIGNUP, "--input", '{"email":"nope"}', "--logs", data_dir=tmp_path)
    assert result.returncode == 1
    answer, _ = json.JSONDecoder().raw_decode(result.stdout)
    assert answer["status"] == 400
    assert sorted(d["field"] for d in answer["body"]["details"]) == ["email", "password"]
    assert "validation" in result.stdout  # the step table


def test_data_survives_between_processes(tmp_path: Path) -> None:
    body = '{"email":"keep@b.co","password":"hunter2hunter2"}'
    assert orchestrix("run", SIGNUP, "-i", body, data_dir=tmp_path).returncode == 0
    login = orchestrix(
        "run",
        str(ROOT / "examples" / "login.yaml"),
        "-i",
        '{"email":"keep@b.co","password":"hunter2hunter2"}',
        data_dir=tmp_path,
    )
    assert login.returncode == 0, login.stdout + login.stderr
    assert json.loads(login.stdout)["body"]["user"]["email"] == "keep@b.co"


def test_input_from_stdin_and_bad_json_is_one_line(tmp_path: Path) -> None:
    ok = orchestrix(
        "run",
        SIGNUP,
        "--input",
        "-",
        data_dir=tmp_path,
        stdin='{"email":"s@b.co","password":"hunter2hunter2"}',
    )
    assert ok.returncode == 0
    bad = orchestrix("run", SIGNUP, "--input", "{nope", data_dir=tmp_path)
    assert bad.returncode == 2
    assert bad.stderr.strip().count("\n") == 0 and "not valid JSON" in bad.stderr


def test_check_lists_five_mistakes_without_a_traceback(tmp_path: Path) -> None:
    spec = tmp_path / "broken.yaml"
    spec.write_text(
        """
name: Broken
inputSchema: {type: object, properties: {email: {type: strin}}}
tools:
  - {id: input, type: input}
  - {id: input, type: transform, config: {output: 1}}
  - {id: hash, type: hashPasword}
  - id: save
    type: dbInsert
    config:
      collection: users
      document: {email: "{{ input.email }}", token: "{{ steps.later.x }}"}
  - {id: later, type: transform, config: {output: 2}}
executionOrder: [input, hash, save, later, missing]
"""
    )
    result = orchestrix("check", str(spec), data_dir=tmp_path)
    assert result.returncode == 1
    assert "5 problems" in result.stderr
    assert result.stderr.count("\n  - ") == 5
    assert "Traceback" not in result.stderr


def test_check_and_test_pass_on_the_examples(tmp_path: Path) -> None:
    for name in ("signup", "login", "todo"):
        path = str(ROOT / "examples" / f"{name}.yaml")
        assert orchestrix("check", path, data_dir=tmp_path).returncode == 0
        tested = orchestrix("test", path, data_dir=tmp_path)
        assert tested.returncode == 0, tested.stdout + tested.stderr
        assert " 0 failed" in tested.stdout


def test_a_missing_or_malformed_file_is_one_clean_error(tmp_path: Path) -> None:
    missing = orchestrix("check", str(tmp_path / "nope.yaml"), data_dir=tmp_path)
    assert missing.returncode == 1 and "Cannot read" in missing.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed")
    malformed = orchestrix("run", str(bad), data_dir=tmp_path)
    assert malformed.returncode == 1 and "not valid YAML" in malformed.stderr
    assert "Traceback" not in malformed.stderr + missing.stderr


def test_schema_prints_the_spec_json_schema(tmp_path: Path) -> None:
    result = orchestrix("schema", data_dir=tmp_path)
    schema = json.loads(result.stdout)
    assert "executionOrder" in schema["properties"]
    tools = json.loads(orchestrix("schema", "--tools", data_dir=tmp_path).stdout)
    assert {"dbInsert", "jwtGenerate", "rateLimit"} <= set(tools)


def test_outbox_lists_mail_sent_without_smtp(tmp_path: Path) -> None:
    spec = tmp_path / "contact.yaml"
    spec.write_text(
        """
name: Contact
inputSchema: {type: object, required: [email], properties: {email: {type: string, format: email}}}
tools:
  - {id: mail, type: sendEmail, config: {to: "{{ input.email }}", subject: Thanks, text: We got it}}
"""
    )
    sent = orchestrix("run", str(spec), "-i", '{"email":"x@y.co"}', data_dir=tmp_path)
    assert sent.returncode == 0, sent.stderr
    assert json.loads(sent.stdout)["body"]["via"] == "outbox"
    listed = json.loads(orchestrix("outbox", "--json", data_dir=tmp_path).stdout)
    assert listed and listed[0]["subject"] == "Thanks"

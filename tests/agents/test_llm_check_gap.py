"""The check gap: an invented config key fails `orchestrix check` whatever its value, templates
included, naming the tool and the keys it knows (it used to pass and then answer 500 at run time).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from orchestrix.runtime.checks import check_workflow
from orchestrix.spec.io import load_workflow
from orchestrix.spec.models import Workflow

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _with_key(value: object) -> Workflow:
    wire = load_workflow(EXAMPLES / "signup.yaml").to_wire()
    insert = next(t for t in wire["tools"] if t["type"] == "dbInsert")
    insert["config"]["bogus"] = value
    return Workflow.model_validate(wire)


def test_an_unknown_key_fails_whatever_its_value() -> None:
    for value in ("{{ input.email }}", "plain", 3, {"a": "{{ input.name }}"}):
        problems = [str(p) for p in check_workflow(_with_key(value))]
        assert len(problems) == 1, (value, problems)
        assert "unknown config key 'bogus' for tool 'dbInsert'" in problems[0]
        assert "known keys: collection, document, unique" in problems[0]


def test_a_template_in_a_known_key_is_still_left_to_run_time() -> None:
    wire = load_workflow(EXAMPLES / "signup.yaml").to_wire()
    assert check_workflow(Workflow.model_validate(wire)) == []


def test_orchestrix_check_refuses_the_invented_key(tmp_path: Path) -> None:
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(_with_key("{{ input.email }}").to_wire()))
    done = subprocess.run(
        [sys.executable, "-m", "orchestrix", "check", str(spec)],
        capture_output=True,
        text=True,
        env={"ORCHESTRIX_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode != 0
    out = done.stdout + done.stderr
    assert "bogus" in out and "dbInsert" in out and "Traceback" not in out

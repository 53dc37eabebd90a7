"""YAML alias bombs: refused at once, as one problem, wherever a spec is read (the API's
``POST /mcp/servers {spec}``, ``orchestrix check`` and ``run``, ``loads_workflow``)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from orchestrix.errors import SpecError
from orchestrix.spec.io import MAX_SPEC_BYTES, loads_workflow


def alias_bomb(levels: int = 10) -> str:
    """9**levels strings from a few hundred bytes: each level repeats the one before 9 times."""
    lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines.extend(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]" for i in range(1, levels))
    return "apiVersion: orchestrix/v1\nname: Bomb\nmetadata:\n" + "".join(
        f"  {line}\n" for line in lines
    )


@pytest.mark.timeout(60)
def test_an_alias_bomb_is_refused_as_one_problem() -> None:
    bomb = alias_bomb()
    assert len(bomb) < 1000
    with pytest.raises(SpecError) as refused:
        loads_workflow(bomb)
    assert "YAML aliases" in refused.value.message


def test_a_spec_past_the_parsed_limit_is_refused() -> None:
    big = "apiVersion: orchestrix/v1\nname: Big\nmetadata:\n  blob: " + "x" * 2000 + "\n"
    with pytest.raises(SpecError) as refused:
        loads_workflow(big, max_bytes=1000)
    assert "larger than 1000 bytes once parsed" in refused.value.message
    assert loads_workflow(big).name == "Big"  # the default limit is the API's body limit
    assert MAX_SPEC_BYTES == 1024 * 1024


@pytest.mark.timeout(120)
@pytest.mark.parametrize("command", [["check"], ["run", "--input", "{}"]])
def test_the_cli_answers_a_bomb_with_one_line(tmp_path: Path, command: list[str]) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(alias_bomb(11))
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORCHESTRIX_")}
    env["ORCHESTRIX_DATA_DIR"] = str(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "orchestrix", command[0], str(path), *command[1:]],
        capture_output=True,
        text=True,
        env=env,
        timeout=100,
        cwd=tmp_path,
    )
    assert done.returncode != 0
    assert "YAML aliases" in done.stderr and "Traceback" not in done.stderr

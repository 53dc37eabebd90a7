"""The dashboard's component tests (Vitest, jsdom): the inspector form, the palette, the graph
layout and the canvas edits, run from the project's own test command.

Installs ``frontend/node_modules`` with ``npm ci`` when it is missing. Needs Node.js 20+ (as
the dashboard build does): without it the test is skipped locally and fails under ``CI=true``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import IN_CI

FRONTEND = Path(__file__).resolve().parents[2] / "frontend"

pytestmark = pytest.mark.timeout(600)


def _npm() -> str:
    npm = shutil.which("npm")
    if npm is None:
        message = "Node.js (npm) is not installed: the dashboard's component tests need it"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return npm


def test_vitest_component_tests_pass() -> None:
    npm = _npm()
    env = {**os.environ, "CI": "true", "NO_COLOR": "1"}
    if not (FRONTEND / "node_modules" / ".bin" / "vitest").exists():
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"], cwd=FRONTEND, env=env, check=True, timeout=500
        )
    run = subprocess.run(
        [npm, "exec", "--", "vitest", "run", "--reporter=dot"],
        cwd=FRONTEND,
        env=env,
        capture_output=True,
        text=True,
        timeout=500,
    )
    assert run.returncode == 0, f"vitest failed:\n{run.stdout}\n{run.stderr}"
    assert " passed" in run.stdout, run.stdout

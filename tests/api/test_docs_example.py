"""docs/api.md's example is docs/examples/api_quickstart.py, and it runs against a served app."""

from __future__ import annotations

import subprocess
import sys

from tests.api.conftest import ROOT

EXAMPLE = ROOT / "docs" / "examples" / "api_quickstart.py"


def test_the_page_shows_the_tested_file() -> None:
    page = (ROOT / "docs" / "api.md").read_text()
    block = page.split("<!-- api_quickstart.py -->\n```python\n", 1)[1].split("```", 1)[0]
    assert block == EXAMPLE.read_text()


def test_the_example_runs(app_url: str) -> None:
    done = subprocess.run(
        [sys.executable, str(EXAMPLE), app_url],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("created mcp_")
    assert lines[1].startswith("run 201 ['input', 'validation', 'hashPassword'")
    assert lines[2] == "runtime 409 A user with this email already exists"
    assert lines[3] == "saved version 2 stale save 409"
    assert lines[4] == "restored as version 3"
    assert lines[5] == "executions 2 [409, 201]"

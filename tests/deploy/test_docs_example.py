"""docs/deploy.md's example is docs/examples/deploy_quickstart.py; it runs against a served
control plane with the ``local`` target, and prints what the page says it prints."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.deploy.test_deploy_api import control_plane, cp_settings
from tests.host.helpers import ROOT

EXAMPLE = ROOT / "docs" / "examples" / "deploy_quickstart.py"
PAGE = ROOT / "docs" / "deploy.md"


def test_the_page_shows_the_tested_file() -> None:
    page = PAGE.read_text()
    block = page.split("<!-- deploy_quickstart.py -->\n```python\n", 1)[1].split("```", 1)[0]
    assert block == EXAMPLE.read_text()


def test_the_example_runs_and_prints_what_the_page_says(tmp_path: Path) -> None:
    page = PAGE.read_text()
    printed = page.split("target), `python docs/examples/deploy_quickstart.py` prints:\n\n```\n")
    expected = printed[1].split("```", 1)[0].splitlines()
    with control_plane(cp_settings(tmp_path)) as api:
        done = subprocess.run(
            [sys.executable, str(EXAMPLE), str(api.base_url).rstrip("/")],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == expected

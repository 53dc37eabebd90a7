"""Production holds no agent: the host imports nothing of the control plane or the builder."""

from __future__ import annotations

import subprocess
import sys


def test_the_host_imports_no_control_plane_and_no_builder() -> None:
    code = (
        "import sys, orchestrix.host, orchestrix.host.app; "
        "print(sorted(m for m in sys.modules if m.startswith(("
        "'orchestrix.api', 'orchestrix.agents', 'orchestrix.deploy', 'orchestrix.dashboard', "
        "'pydantic_ai'))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "[]"

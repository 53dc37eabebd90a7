"""Print the control plane's OpenAPI schema (what ``GET /openapi.json`` answers), without a server.

``scripts/build-dashboard.sh`` writes it to ``frontend/openapi.json``, from which
``openapi-typescript`` generates the dashboard's API types; ``tests/dashboard`` fails when
either file is stale.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from orchestrix.api.app import create_app
from orchestrix.settings import Settings


def openapi_schema() -> dict[str, object]:
    """The app's schema; the app is built over a throwaway data directory and never started."""
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), auth="tokens")
        return create_app(settings).openapi()


if __name__ == "__main__":
    sys.stdout.write(json.dumps(openapi_schema(), indent=2, sort_keys=True) + "\n")

"""The dashboard's API types are generated from the app's OpenAPI schema and must not be stale.

``scripts/build-dashboard.sh`` dumps the schema to ``frontend/openapi.json`` and generates
``frontend/src/lib/api-schema.ts`` from it, recording the schema's sha256 in the first line.
A route or response model changed without a rebuild fails here.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FRONTEND = ROOT / "frontend"

pytestmark = pytest.mark.timeout(120)


def _dump_module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("dump_openapi", ROOT / "scripts/dump-openapi.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_openapi_schema_is_the_apps() -> None:
    committed = json.loads((FRONTEND / "openapi.json").read_text())
    current = _dump_module().openapi_schema()
    assert committed == json.loads(json.dumps(current)), (
        "frontend/openapi.json is stale: run scripts/build-dashboard.sh"
    )


def test_generated_types_come_from_the_committed_schema() -> None:
    first = (FRONTEND / "src/lib/api-schema.ts").read_text().splitlines()[0]
    match = re.search(r"sha256 ([0-9a-f]{64})", first)
    assert match, "src/lib/api-schema.ts was not written by scripts/build-dashboard.sh"
    digest = hashlib.sha256((FRONTEND / "openapi.json").read_bytes()).hexdigest()
    assert match.group(1) == digest, (
        "src/lib/api-schema.ts is stale: run scripts/build-dashboard.sh"
    )

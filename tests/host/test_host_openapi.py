"""The host's OpenAPI document says what its routes take and answer: path parameters, bodies
and error codes; and schemathesis, aimed at a real agent, finds no 5xx and no status the
document does not list."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import status_code_conformance

from orchestrix.host import create_host_app
from tests.host.helpers import HOST_KEY, auth, host_settings, wire
from tests.servers import serve_asgi


def test_the_document_lists_parameters_bodies_and_errors(tmp_path: Path) -> None:
    doc = create_host_app(host_settings(tmp_path)).openapi()
    paths = doc["paths"]
    for path, operations in paths.items():
        if "{agent_id}" not in path or path.endswith("/mcp"):
            continue
        for method, op in operations.items():
            names = [(p["name"], p["in"]) for p in op.get("parameters", [])]
            assert ("agent_id", "path") in names, (method, path)
            assert "404" in op["responses"], (method, path)
    create = paths["/mcp/agents"]["post"]
    body = create["requestBody"]["content"]["application/json"]["schema"]
    assert body["required"] == ["name", "tools"]
    assert {"401", "413", "415", "422"} <= set(create["responses"])
    assert create["responses"]["401"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/ErrorBody"
    )
    assert ("serverId", "query") in [
        (p["name"], p["in"]) for p in paths["/mcp/agents"]["get"]["parameters"]
    ]
    run = paths["/agents/{agent_id}"]["post"]
    assert run["requestBody"]["content"]["application/json"]["schema"] == {"type": "object"}
    assert {"400", "404", "413", "502", "504"} <= set(run["responses"])


def _fuzz(base: str, operation: Any, mode: GenerationMode, aim: dict[str, Any]) -> None:
    strategy = operation.as_strategy(generation_mode=mode, **aim)

    @settings(
        max_examples=8,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def check(case: Any) -> None:
        case.call_and_validate(
            base_url=base,
            checks=[not_a_server_error, status_code_conformance],
            headers=auth(),
            timeout=30,
        )

    try:
        check()
    except Unsatisfiable:
        assert mode is GenerationMode.NEGATIVE, operation.label


@pytest.mark.timeout(600)
def test_schemathesis_finds_no_5xx_and_no_undocumented_status(tmp_path: Path) -> None:
    with serve_asgi(create_host_app(host_settings(tmp_path))) as base:
        agent = httpx.post(f"{base}/mcp/agents", json=wire("todo"), headers=auth()).json()
        schema = schemathesis.openapi.from_url(f"{base}/openapi.json")
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) >= 7
        for operation in operations:
            aims: list[dict[str, Any]] = [{}]
            if "agent_id" in {p.name for p in operation.path_parameters}:
                aims.append({"path_parameters": {"agent_id": agent["agentId"]}})
            for aim in aims:
                for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                    _fuzz(base, operation, mode, aim)
    assert HOST_KEY

"""Schemathesis against /openapi.json of a served app: no request answers 5xx.

Every operation gets generated requests, valid and invalid (negative mode), both with random
ids and aimed at a real server of a real owner, so handlers past the 404 are exercised too.
Bounded: a few examples per operation, no shrinking, no example database.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.api.conftest import create_server

EXAMPLES_PER_OPERATION = 12


def _fuzz(base: str, operation: Any, mode: GenerationMode, aim: dict[str, Any]) -> None:
    strategy = operation.as_strategy(generation_mode=mode, **aim)

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def check(case: Any) -> None:
        checks = [not_a_server_error]
        if mode is GenerationMode.POSITIVE:
            checks.append(response_schema_conformance)
        case.call_and_validate(base_url=base, checks=checks, timeout=30)

    try:
        check()
    except Unsatisfiable:
        # nothing of this operation can be made invalid (GET /healthz has no inputs)
        assert mode is GenerationMode.NEGATIVE, operation.label


@pytest.mark.timeout(600)
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
def test_no_request_answers_5xx(app_url: str, mode: GenerationMode) -> None:
    """One test per mode (valid requests, invalid ones), so two test workers share the work."""
    with httpx.Client(base_url=app_url) as client:
        server = create_server(client, "alice")
        client.post(f"/mcp/servers/{server['id']}/runtime/start", params={"ownerId": "alice"})
    schema = schemathesis.openapi.from_url(f"{app_url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 14
    for operation in operations:
        aims: list[dict[str, Any]] = [{}]
        params = {p.name for p in operation.path_parameters}
        if "serverId" in params:
            aims.append({"path_parameters": {"serverId": server["id"]}})
        for aim in aims:
            _fuzz(app_url, operation, mode, aim)

"""rateLimit: 429 past the limit with retryAfter, per key, in memory and in Redis."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from orchestrix.errors import RateLimited
from orchestrix.runtime.executor import Executor
from orchestrix.runtime.services import open_services
from orchestrix.spec.models import Workflow
from orchestrix.tools.base import RunContext, Services
from orchestrix.tools.rate_limit import RateLimit, RateLimitConfig
from tests.conftest import unique_namespace
from tests.factories import make_settings


async def _hit(services: Services, namespace: str, **config: Any) -> dict[str, Any]:
    ctx = RunContext(
        workflow=Workflow(name="Limits"), input={}, services=services, namespace=namespace
    )
    out = await RateLimit().run(ctx, RateLimitConfig.model_validate(config))
    return out.model_dump(by_alias=True)


@pytest.mark.parametrize("strategy", ["fixed", "sliding"])
async def test_429_after_the_limit(services: Services, strategy: str) -> None:
    ns = unique_namespace()
    first = await _hit(services, ns, key="k", limit=2, window=30, strategy=strategy)
    assert (first["allowed"], first["remaining"]) == (True, 1)
    reset = datetime.fromisoformat(first["resetAt"].replace("Z", "+00:00")).timestamp()
    assert time.time() < reset <= time.time() + 31
    second = await _hit(services, ns, key="k", limit=2, window=30, strategy=strategy)
    assert second["remaining"] == 0
    with pytest.raises(RateLimited) as info:
        await _hit(services, ns, key="k", limit=2, window=30, strategy=strategy)
    assert (info.value.status, info.value.message) == (429, "Too many requests")
    assert info.value.details["limit"] == 2 and info.value.details["window"] == 30
    assert 1 <= info.value.details["retryAfter"] <= 30
    # other keys and other namespaces have their own counters
    assert (await _hit(services, ns, key="other", limit=2, window=30, strategy=strategy))["allowed"]
    assert (await _hit(services, unique_namespace(), key="k", limit=2, window=30))["allowed"]


async def test_the_key_defaults_to_global(services: Services) -> None:
    ns = unique_namespace()
    await _hit(services, ns, limit=1)
    with pytest.raises(RateLimited):
        await _hit(services, ns, key=None, limit=1)
    with pytest.raises(RateLimited):
        await _hit(services, ns, key="global", limit=1)


def test_config_bounds() -> None:
    for bad in ({"limit": 0}, {"limit": 1, "window": 0}, {"limit": 1, "strategy": "leaky"}, {}):
        with pytest.raises(ValueError):
            RateLimitConfig.model_validate(bad)
    assert RateLimitConfig.model_validate({"limit": 1, "key": 42}).key == "42"


LOGIN_LIMIT = Workflow.model_validate(
    {
        "name": "Limited",
        "inputSchema": {"type": "object", "properties": {"email": {"type": "string"}}},
        "tools": [
            {
                "id": "limit",
                "type": "rateLimit",
                "config": {
                    "key": "login:{{ lower(input.email) }}",
                    "limit": 3,
                    "window": 60,
                    "message": "Slow down",
                },
            },
            {
                "id": "ok",
                "type": "response",
                "config": {"body": {"left": "{{ steps.limit.remaining }}"}},
            },
        ],
    }
)


async def test_rate_limit_through_the_executor(services: Services) -> None:
    ns = unique_namespace()
    executor = Executor(LOGIN_LIMIT)
    bodies = [
        (await executor.run({"email": e}, services, namespace=ns)).body
        for e in ("a@b.co", "A@B.co", "a@b.co")
    ]
    assert bodies == [{"left": 2}, {"left": 1}, {"left": 0}]
    denied = await executor.run({"email": "a@b.co"}, services, namespace=ns)
    assert denied.status == 429
    assert denied.body["error"] == "Slow down"
    assert denied.body["details"]["limit"] == 3 and denied.body["details"]["retryAfter"] >= 1
    assert (await executor.run({"email": "c@d.co"}, services, namespace=ns)).status == 200


async def test_redis_counters_are_shared_between_processes(redis_url: str, tmp_path: Path) -> None:
    ns = unique_namespace()
    settings = make_settings(tmp_path, redis_url=redis_url)
    async with open_services(settings) as one, open_services(settings) as two:
        await _hit(one, ns, key="shared", limit=2, window=60)
        await _hit(two, ns, key="shared", limit=2, window=60)
        with pytest.raises(RateLimited):
            await _hit(one, ns, key="shared", limit=2, window=60)

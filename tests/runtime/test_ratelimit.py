"""Rate limits in memory and in a real Redis."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from orchestrix.errors import UpstreamError, ValidationFailed
from orchestrix.runtime.ratelimit import Limiter, build_limiter
from orchestrix.settings import Settings
from tests.conftest import unique_namespace
from tests.factories import make_settings
from tests.servers import free_port


def _settings(tmp_path: Path, redis_url: str | None = None) -> Settings:
    return make_settings(tmp_path, redis_url=redis_url)


@pytest.fixture
async def memory(tmp_path: Path) -> AsyncIterator[Limiter]:
    limiter = build_limiter(_settings(tmp_path))
    yield limiter
    await limiter.aclose()


@pytest.fixture
async def redis_pair(tmp_path: Path, redis_url: str) -> AsyncIterator[tuple[Limiter, Limiter]]:
    """Two limiters on one Redis, as two processes would have."""
    first = build_limiter(_settings(tmp_path, redis_url))
    second = build_limiter(_settings(tmp_path, redis_url))
    yield first, second
    await first.aclose()
    await second.aclose()


@pytest.mark.parametrize("strategy", ["fixed", "sliding"])
async def test_memory_limits_count_hits(memory: Limiter, strategy: str) -> None:
    ns = unique_namespace()
    before = time.time()
    results = [await memory.hit(ns, "1.2.3.4", 3, 60, strategy) for _ in range(5)]
    assert [(allowed, remaining) for allowed, remaining, _ in results] == [
        (True, 2),
        (True, 1),
        (True, 0),
        (False, 0),
        (False, 0),
    ]
    for _, _, reset_at in results:
        assert before < reset_at <= time.time() + 60
    # Other keys and namespaces have their own counters.
    assert (await memory.hit(ns, "5.6.7.8", 3, 60, strategy))[:2] == (True, 2)
    assert (await memory.hit(unique_namespace(), "1.2.3.4", 3, 60, strategy))[:2] == (True, 2)


async def test_keys_do_not_run_into_each_other(memory: Limiter) -> None:
    ns = unique_namespace()
    assert (await memory.hit(f"{ns}/a", "b", 1, 60, "fixed"))[0] is True
    assert (await memory.hit(ns, "a/b", 1, 60, "fixed"))[0] is True
    assert (await memory.hit(ns, "a/b", 1, 60, "fixed"))[0] is False


@pytest.mark.parametrize(
    ("limit", "window", "strategy", "message"),
    [
        (3, 60, "token-bucket", "Unknown rate limit strategy 'token-bucket'; use one of fixed"),
        (0, 60, "fixed", "whole number of 1 or more"),
        (3, 0, "sliding", "window"),
    ],
)
async def test_bad_limits_are_validation_errors(
    memory: Limiter, limit: int, window: int, strategy: str, message: str
) -> None:
    with pytest.raises(ValidationFailed, match=message) as info:
        await memory.hit(unique_namespace(), "k", limit, window, strategy)
    assert info.value.status == 400


@pytest.mark.parametrize("strategy", ["fixed", "sliding"])
async def test_redis_counters_are_shared_between_limiters(
    redis_pair: tuple[Limiter, Limiter], strategy: str
) -> None:
    first, second = redis_pair
    ns = unique_namespace()
    assert (await first.hit(ns, "user-1", 3, 60, strategy))[:2] == (True, 2)
    assert (await second.hit(ns, "user-1", 3, 60, strategy))[:2] == (True, 1)
    assert (await first.hit(ns, "user-1", 3, 60, strategy))[:2] == (True, 0)
    allowed, remaining, reset_at = await second.hit(ns, "user-1", 3, 60, strategy)
    assert (allowed, remaining) == (False, 0)
    assert time.time() < reset_at <= time.time() + 60
    assert (await second.hit(ns, "user-2", 3, 60, strategy))[:2] == (True, 2)


async def test_an_unreachable_redis_is_502(tmp_path: Path) -> None:
    limiter = build_limiter(_settings(tmp_path, f"redis://127.0.0.1:{free_port()}/0"))
    try:
        with pytest.raises(
            UpstreamError, match=r"rate limit store \(redis at 127\.0\.0\.1:"
        ) as info:
            await limiter.hit(unique_namespace(), "k", 3, 60, "fixed")
        assert info.value.status == 502
    finally:
        await limiter.aclose()

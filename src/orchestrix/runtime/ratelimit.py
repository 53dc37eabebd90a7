"""Rate limits for ``rateLimit``, on the ``limits`` library's async API.

Counters live in memory (one process) unless ``ORCHESTRIX_REDIS_URL`` is set; then they live
in Redis and every process that points there shares them. ``fixed`` counts hits in a window
that starts with the first hit; ``sliding`` is a moving window over the last ``window`` seconds.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlsplit

from limits import RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import (
    FixedWindowRateLimiter,
    MovingWindowRateLimiter,
    RateLimiter,
)
from limits.errors import StorageError

from orchestrix.errors import UpstreamError, ValidationFailed
from orchestrix.settings import Settings

STRATEGIES = ("fixed", "sliding")
KEY_PREFIX = "orx"


def _storage_uri(redis_url: str) -> str:
    """``redis://host/0`` -> ``async+redis://host/0`` (the scheme ``limits`` expects)."""
    return redis_url if redis_url.startswith("async+") else f"async+{redis_url}"


class Limiter:
    """Counts hits per (namespace, key) in the given storage."""

    def __init__(self, storage: Storage, *, where: str = "memory") -> None:
        self.storage = storage
        self.where = where
        self._strategies: dict[str, RateLimiter] = {
            "fixed": FixedWindowRateLimiter(storage),
            "sliding": MovingWindowRateLimiter(storage),
        }

    async def hit(
        self, namespace: str, key: str, limit: int, window_seconds: int, strategy: str
    ) -> tuple[bool, int, float]:
        """Count one hit; returns (allowed, remaining, reset_at_epoch_seconds)."""
        limiter = self._strategies.get(strategy)
        if limiter is None:
            raise ValidationFailed(
                f"Unknown rate limit strategy {strategy!r}; use one of {', '.join(STRATEGIES)}",
                {"strategy": strategy},
            )
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise ValidationFailed("A rate limit is a whole number of 1 or more", {"limit": limit})
        if (
            isinstance(window_seconds, bool)
            or not isinstance(window_seconds, int)
            or window_seconds < 1
        ):
            raise ValidationFailed(
                "A rate limit window is a whole number of seconds, 1 or more",
                {"window": window_seconds},
            )
        item = RateLimitItemPerSecond(limit, window_seconds, namespace=KEY_PREFIX)
        # '/' separates the parts of a key in ``limits``: escape it inside ours.
        identifiers = (quote(namespace, safe=""), quote(key, safe=""))
        try:
            allowed = await limiter.hit(item, *identifiers)
            stats = await limiter.get_window_stats(item, *identifiers)
        except StorageError as e:
            raise UpstreamError(
                f"The rate limit store ({self.where}) failed: {type(e.storage_error).__name__}",
                {"store": self.where},
            ) from None
        return bool(allowed), max(0, int(stats.remaining)), float(stats.reset_time)

    async def aclose(self) -> None:
        """Release connections (Redis) or the expiry task (memory)."""
        if isinstance(self.storage, RedisStorage):
            client: Any = getattr(self.storage.bridge, "storage", None)
            if client is not None:
                await client.aclose()
        timer: Any = getattr(self.storage, "timer", None)
        if timer is not None and not timer.done():
            timer.cancel()


def build_limiter(settings: Settings) -> Limiter:
    """Redis when ``settings.redis_url`` is set, else memory."""
    if settings.redis_url:
        parts = urlsplit(settings.redis_url)
        where = f"redis at {parts.hostname or 'localhost'}:{parts.port or 6379}"
        storage = RedisStorage(
            _storage_uri(settings.redis_url), wrap_exceptions=True, implementation="redispy"
        )
        return Limiter(storage, where=where)
    return Limiter(MemoryStorage(wrap_exceptions=True))


__all__ = ["STRATEGIES", "Limiter", "build_limiter"]

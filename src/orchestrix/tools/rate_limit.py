"""``rateLimit``: counts a hit for a key and answers 429 past the limit.

Counters live in the rate limiter service: in memory for one process, or Redis when
``ORCHESTRIX_REDIS_URL`` is set so every process shares them.
"""

from __future__ import annotations

import hashlib
import math
import time
from typing import Any, Literal

from pydantic import Field, field_validator

from orchestrix.errors import RateLimited
from orchestrix.timefmt import iso_z
from orchestrix.tools.base import RunContext, Tool, ToolConfig, ToolOutput

#: Keys longer than this are counted by their hash (a long header is not an error).
MAX_KEY_LENGTH = 200


class RateLimitConfig(ToolConfig):
    key: str = Field(
        default="global",
        min_length=1,
        description="What is counted, e.g. `{{ client.ip }}` (the caller's address as the "
        "server sees it) or `login:{{ input.email }}`. A missing value counts as `global`; a "
        f"key longer than {MAX_KEY_LENGTH} characters is counted by its SHA-256.",
    )
    limit: int = Field(ge=1, description="Hits allowed per window.")
    window: int = Field(default=60, ge=1, le=86_400 * 31, description="Window in seconds.")
    strategy: Literal["fixed", "sliding"] = Field(
        default="fixed", description="`fixed` windows or a `sliding` window."
    )
    message: str = Field(default="Too many requests", description="The 429 message.")

    @field_validator("key", mode="before")
    @classmethod
    def _key_text(cls, value: Any) -> Any:
        if value is None or value == "":
            return "global"
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        if isinstance(value, str) and len(value) > MAX_KEY_LENGTH:
            return "sha256:" + hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()
        return value


class RateLimitOutput(ToolOutput):
    allowed: bool = Field(description="Always true: a denied hit ends the run with 429.")
    remaining: int = Field(description="Hits left in the current window.")
    reset_at: str = Field(description="When the window resets, ISO 8601 in UTC.")


class RateLimit(Tool):
    type = "rateLimit"
    summary = "Allows `limit` hits per `window` seconds for a key; 429 with retryAfter past it."
    Config = RateLimitConfig
    Output = RateLimitOutput
    read_only = False

    async def run(self, ctx: RunContext, config: RateLimitConfig) -> RateLimitOutput:
        allowed, remaining, reset_at = await ctx.services.limiter.hit(
            ctx.namespace, config.key, config.limit, config.window, config.strategy
        )
        if not allowed:
            retry_after = max(1, math.ceil(reset_at - time.time()))
            raise RateLimited(
                config.message,
                {"limit": config.limit, "window": config.window, "retryAfter": retry_after},
            )
        return RateLimitOutput(
            allowed=True, remaining=max(0, remaining), reset_at=iso_z(reset_at, "auto")
        )

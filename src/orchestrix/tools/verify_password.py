"""``verifyPassword``: checks a password against an argon2 hash.

A mismatch, a missing hash (unknown user) and a malformed hash all answer the same 401, and
all take about the same time: without a hash the password is checked against a dummy hash,
so response times do not tell whether an account exists.
"""

from __future__ import annotations

import asyncio

from argon2.exceptions import InvalidHashError, VerificationError
from pydantic import Field

from orchestrix.errors import Unauthorized
from orchestrix.tools.base import RunContext, Tool, ToolConfig, ToolOutput
from orchestrix.tools.hash_password import HASHER

_dummy_hash: str | None = None


async def _dummy() -> str:
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = await asyncio.to_thread(HASHER.hash, "orchestrix-dummy-password")
    return _dummy_hash


def _verify(hash_: str, password: str) -> bool:
    try:
        return HASHER.verify(hash_, password)
    except (VerificationError, InvalidHashError):
        return False


async def verify_password(hash_: str | None, password: str | None) -> bool:
    """Constant-time check in a worker thread; False for a missing or malformed hash."""
    if not hash_:
        await asyncio.to_thread(_verify, await _dummy(), password or "")
        return False
    return await asyncio.to_thread(_verify, hash_, password or "")


class VerifyPasswordConfig(ToolConfig):
    password: str | None = Field(
        default=None, description="The password given, e.g. `{{ input.password }}`."
    )
    hash: str | None = Field(
        default=None,
        description="The stored hash, e.g. `{{ steps.findUser.passwordHash }}`; missing or null "
        "(no such user) answers 401.",
    )
    message: str = Field(
        default="Invalid credentials", description="The 401 message on a mismatch."
    )


class VerifyPasswordOutput(ToolOutput):
    valid: bool = Field(description="Always true: a mismatch ends the run with 401.")


class VerifyPassword(Tool):
    type = "verifyPassword"
    summary = "Checks a password against an argon2 hash in constant time; 401 on a mismatch."
    Config = VerifyPasswordConfig
    Output = VerifyPasswordOutput
    sensitive = frozenset({"password", "hash"})  # never logged, whatever the field is called

    async def run(self, ctx: RunContext, config: VerifyPasswordConfig) -> VerifyPasswordOutput:  # noqa: ARG002
        if not await verify_password(config.hash, config.password):
            raise Unauthorized(config.message)
        return VerifyPasswordOutput(valid=True)

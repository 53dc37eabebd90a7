"""``verifyPassword``: checks a password against an argon2 hash.

A mismatch, a missing hash (unknown user) and a malformed hash all answer the same 401, and
all take about the same time: without a hash the password is checked against a dummy hash,
so response times do not tell whether an account exists.
"""

from __future__ import annotations

from pydantic import Field

from orchestrix.errors import Unauthorized
from orchestrix.passwords import prepare
from orchestrix.tools.base import RunContext, Tool, ToolConfig, ToolOutput


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

    async def run(self, ctx: RunContext, config: VerifyPasswordConfig) -> VerifyPasswordOutput:
        passwords = await prepare(ctx.services.settings)
        if not await passwords.verify(config.hash, config.password):
            raise Unauthorized(config.message)
        return VerifyPasswordOutput(valid=True)

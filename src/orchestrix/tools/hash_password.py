"""``hashPassword``: an argon2id hash with the settings' parameters, computed off the event loop."""

from __future__ import annotations

from pydantic import Field

from orchestrix.errors import ValidationFailed
from orchestrix.passwords import prepare
from orchestrix.tools.base import RunContext, Tool, ToolConfig, ToolOutput


class HashPasswordConfig(ToolConfig):
    value: str | None = Field(
        default=None, description="The password to hash, e.g. `{{ input.password }}`."
    )


class HashPasswordOutput(ToolOutput):
    hash: str = Field(description="The argon2id hash (PHC string `$argon2id$...`).")


class HashPassword(Tool):
    type = "hashPassword"
    summary = "Hashes a password with argon2id; store the hash, never the password."
    Config = HashPasswordConfig
    Output = HashPasswordOutput

    async def run(self, ctx: RunContext, config: HashPasswordConfig) -> HashPasswordOutput:
        if not config.value:
            raise ValidationFailed(
                "Validation failed", [{"field": "password", "message": "a password is required"}]
            )
        passwords = await prepare(ctx.services.settings)
        return HashPasswordOutput(hash=await passwords.hash(config.value))

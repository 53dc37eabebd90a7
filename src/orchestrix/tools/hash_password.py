"""``hashPassword``: an argon2id hash (argon2-cffi's defaults), computed off the event loop."""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher
from pydantic import Field

from orchestrix.errors import ValidationFailed
from orchestrix.tools.base import RunContext, Tool, ToolConfig, ToolOutput

#: One hasher for the process; argon2-cffi's defaults are argon2id with RFC 9106 parameters.
HASHER = PasswordHasher()


async def hash_password(value: str) -> str:
    """Hash in a worker thread: argon2 takes tens of milliseconds on purpose."""
    return await asyncio.to_thread(HASHER.hash, value)


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
    sensitive = frozenset({"value"})  # never logged, whatever the field is called

    async def run(self, ctx: RunContext, config: HashPasswordConfig) -> HashPasswordOutput:  # noqa: ARG002
        if not config.value:
            raise ValidationFailed(
                "Validation failed", [{"field": "password", "message": "a password is required"}]
            )
        return HashPasswordOutput(hash=await hash_password(config.value))

"""``hashPassword``: an argon2id hash with the settings' parameters, computed off the event loop.

A signup pays for its hash only when it can succeed: when the graph stores this hash next
(a ``dbInsert`` right after it, with no guard, whose unique fields depend only on the request
and on steps that have run), the unique values are looked up first and a value already taken
answers the insert's own 409 before any hashing. That is a read, never a claim: a value free
now may still be taken before the insert, and the insert's unique index decides.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from orchestrix.errors import ValidationFailed
from orchestrix.passwords import prepare
from orchestrix.spec.expressions import (
    ExpressionError,
    compile_template,
    is_template,
    iter_references,
)
from orchestrix.spec.models import ToolSpec
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
    sensitive = frozenset({"value"})  # never logged, whatever the field is called

    async def run(self, ctx: RunContext, config: HashPasswordConfig) -> HashPasswordOutput:
        if not config.value:
            raise ValidationFailed(
                "Validation failed", [{"field": "password", "message": "a password is required"}]
            )
        await _duplicate_first(ctx)
        passwords = await prepare(ctx.services.settings)
        return HashPasswordOutput(hash=await passwords.hash(config.value))


async def _duplicate_first(ctx: RunContext) -> None:
    """Answer the next insert's 409 now, when its unique values are known and one is taken."""
    found = _next_insert(ctx)
    if found is None:
        return
    insert, fields = found
    values: dict[str, Any] = {}
    for name in fields:
        try:
            values[name] = compile_template(insert.config["document"][name]).render(ctx.scope())
        except (ExpressionError, KeyError, TypeError):
            return  # the insert will say what is wrong
    await ctx.services.datastore.check_unique(ctx.namespace, insert.config["collection"], values)


def _next_insert(ctx: RunContext) -> tuple[ToolSpec, list[str]] | None:
    """The ``dbInsert`` that stores this step's hash and its unique fields, when nothing but
    other hashes runs in between, it has no guard, and its unique values can be known now."""
    tools = ctx.workflow.ordered_tools()
    pending = [i for i, t in enumerate(tools) if t.type == "hashPassword" and t.id not in ctx.steps]
    if len(pending) != 1:
        return None  # which hash step is running is not certain: no early answer
    me = tools[pending[0]]
    for tool in tools[pending[0] + 1 :]:
        if tool.type == "hashPassword":
            continue
        if tool.type != "dbInsert" or tool.when:
            return None
        unique = tool.config.get("unique")
        document = tool.config.get("document")
        collection = tool.config.get("collection")
        if not (
            isinstance(unique, list)
            and unique
            and isinstance(document, dict)
            and isinstance(collection, str)
            and not is_template(collection)
            and all(isinstance(f, str) and f in document for f in unique)
        ):
            return None
        stores_me = any(
            ref[:2] == ("steps", me.id) for ref in iter_references(document) if len(ref) >= 2
        )
        known = all(
            ref[0] != "steps" or (len(ref) > 1 and ref[1] in ctx.steps)
            for f in unique
            for ref in iter_references(document[f])
        )
        return (tool, list(unique)) if stores_me and known else None
    return None

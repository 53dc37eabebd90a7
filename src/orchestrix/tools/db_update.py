"""``dbUpdate``: changes the first matching document; 404 when none matches, 409 when a
unique field's new value is taken."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from orchestrix.tools.base import Document, RunContext, Tool, ToolConfig
from orchestrix.tools.db_find import WHERE_DESCRIPTION, Collection, not_found


class DbUpdateConfig(ToolConfig):
    collection: Collection
    where: dict[str, Any] = Field(description=WHERE_DESCRIPTION)
    changes: dict[str, Any] = Field(
        alias="set",
        min_length=1,
        description="The fields to change and their new values; `updatedAt` is refreshed.",
    )
    unique: list[str] = Field(
        default_factory=list, description="Fields whose values must stay unique (409 otherwise)."
    )
    required: bool = Field(
        default=True, description="Answer 404 when nothing matches; false gives `null` instead."
    )
    message: str | None = Field(
        default=None, description="The 404 message. Default: `<Thing> not found`."
    )


class DbUpdate(Tool):
    type = "dbUpdate"
    summary = "Updates the first document matching `where`; 404 when none, 409 on a duplicate."
    Config = DbUpdateConfig
    Output = Document
    read_only = False

    async def run(self, ctx: RunContext, config: DbUpdateConfig) -> dict[str, Any] | None:
        updated = await ctx.services.datastore.update(
            ctx.namespace, config.collection, config.where, config.changes, config.unique
        )
        if updated is None and config.required:
            raise not_found(config.collection, config.message, config.where)
        return updated

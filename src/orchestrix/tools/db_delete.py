"""``dbDelete``: removes the first matching document (or every one with ``many``)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from orchestrix.tools.base import RunContext, Tool, ToolConfig, ToolOutput
from orchestrix.tools.db_find import WHERE_DESCRIPTION, Collection, not_found


class DbDeleteConfig(ToolConfig):
    collection: Collection
    where: dict[str, Any] = Field(description=WHERE_DESCRIPTION)
    many: bool = Field(default=False, description="Delete every match, not just the first.")
    required: bool = Field(default=True, description="Answer 404 when nothing matches.")
    message: str | None = Field(
        default=None, description="The 404 message. Default: `<Thing> not found`."
    )


class DbDeleteOutput(ToolOutput):
    deleted: int = Field(description="How many documents were removed.")


class DbDelete(Tool):
    type = "dbDelete"
    summary = "Deletes the document matching `where` (or all matches with `many`); 404 if none."
    Config = DbDeleteConfig
    Output = DbDeleteOutput
    read_only = False

    async def run(self, ctx: RunContext, config: DbDeleteConfig) -> DbDeleteOutput:
        deleted = await ctx.services.datastore.delete(
            ctx.namespace, config.collection, config.where, many=config.many
        )
        if deleted == 0 and config.required:
            raise not_found(config.collection, config.message, config.where)
        return DbDeleteOutput(deleted=deleted)

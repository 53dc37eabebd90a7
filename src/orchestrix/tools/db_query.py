"""``dbQuery``: a page of matching documents and the total count."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from orchestrix.tools.base import Document, RunContext, Tool, ToolConfig, ToolOutput
from orchestrix.tools.db_find import WHERE_DESCRIPTION, Collection


class DbQueryConfig(ToolConfig):
    collection: Collection
    where: dict[str, Any] = Field(default_factory=dict, description=WHERE_DESCRIPTION)
    limit: int = Field(default=50, ge=1, le=1000, description="Page size (1 to 1000).")
    offset: int = Field(default=0, ge=0, description="Documents to skip.")
    sort: str | None = Field(
        default=None, description="Field to sort by, e.g. `createdAt`. Default: insertion order."
    )
    order: Literal["asc", "desc"] = Field(default="asc", description="Sort direction.")


class DbQueryOutput(ToolOutput):
    items: list[Document] = Field(description="The documents of this page.")
    count: int = Field(description="How many documents match in all.")
    limit: int
    offset: int


class DbQuery(Tool):
    type = "dbQuery"
    summary = "Lists documents matching `where`, a page at a time, with the total count."
    Config = DbQueryConfig
    Output = DbQueryOutput

    async def run(self, ctx: RunContext, config: DbQueryConfig) -> dict[str, Any]:
        items, count = await ctx.services.datastore.query(
            ctx.namespace,
            config.collection,
            config.where,
            limit=config.limit,
            offset=config.offset,
            sort=config.sort,
            descending=config.order == "desc",
        )
        return {"items": items, "count": count, "limit": config.limit, "offset": config.offset}

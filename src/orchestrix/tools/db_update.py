"""``dbUpdate``: changes the first matching document; 404 when none matches, 409 when a
unique field's new value is taken or, with ``expectVersion``, when the document changed.

``increment`` adds to number fields inside the update's transaction, so concurrent counters
never lose a count (read-then-write through a transform would)."""

from __future__ import annotations

from typing import Any

from pydantic import Field, model_validator

from orchestrix.tools.base import Document, RunContext, Tool, ToolConfig
from orchestrix.tools.db_find import WHERE_DESCRIPTION, Collection, not_found


class DbUpdateConfig(ToolConfig):
    collection: Collection
    where: dict[str, Any] = Field(description=WHERE_DESCRIPTION)
    changes: dict[str, Any] = Field(
        default_factory=dict,
        alias="set",
        description="The fields to change and their new values; `updatedAt` is refreshed and "
        "`version` grows by one.",
    )
    increment: dict[str, int | float] = Field(
        default_factory=dict,
        description="Numbers to add to fields, atomically, e.g. `{count: 1}` or `{stock: -1}`; "
        "a missing field counts from 0.",
    )
    expect_version: int | None = Field(
        default=None,
        ge=1,
        description="Compare-and-set: change the document only while its `version` is this "
        "one, else answer 409 (e.g. `{{ input.version }}` from a client that read it).",
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

    @model_validator(mode="after")
    def _something_to_change(self) -> DbUpdateConfig:
        if not self.changes and not self.increment:
            raise ValueError("give `set` or `increment` (or both)")
        return self


class DbUpdate(Tool):
    type = "dbUpdate"
    summary = "Updates the first document matching `where`; 404 when none, 409 on a duplicate."
    Config = DbUpdateConfig
    Output = Document
    read_only = False

    async def run(self, ctx: RunContext, config: DbUpdateConfig) -> dict[str, Any] | None:
        updated = await ctx.services.datastore.update(
            ctx.namespace,
            config.collection,
            config.where,
            config.changes,
            config.unique,
            increment=config.increment,
            expect_version=config.expect_version,
        )
        if updated is None and config.required:
            raise not_found(config.collection, config.message, config.where)
        return updated

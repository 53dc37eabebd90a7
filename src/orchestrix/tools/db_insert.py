"""``dbInsert``: stores a document. Unique fields are enforced by a unique index in the
database itself, so two concurrent inserts of one value give one success and one 409."""

from __future__ import annotations

from typing import Any

from pydantic import Field, model_validator

from orchestrix.tools.base import Document, RunContext, Tool, ToolConfig
from orchestrix.tools.db_find import Collection


class DbInsertConfig(ToolConfig):
    collection: Collection
    document: dict[str, Any] = Field(
        description="The fields to store; `id`, `createdAt` and `updatedAt` are added."
    )
    unique: list[str] = Field(
        default_factory=list,
        description="Fields whose values must be unique in the collection (409 otherwise).",
    )

    @model_validator(mode="after")
    def _unique_fields_are_stored(self) -> DbInsertConfig:
        missing = [name for name in self.unique if name not in self.document]
        if missing:
            raise ValueError(f"unique field(s) {', '.join(missing)} are not in the document")
        return self


class DbInsert(Tool):
    type = "dbInsert"
    summary = "Stores a document in a collection; 409 when a unique field's value is taken."
    Config = DbInsertConfig
    Output = Document
    read_only = False

    async def run(self, ctx: RunContext, config: DbInsertConfig) -> dict[str, Any]:
        return await ctx.services.datastore.insert(
            ctx.namespace, config.collection, config.document, config.unique
        )

"""``dbFind``: one document by its fields; 404 when it is required and absent.

Also home of what the data tools share: the collection name field, ``where`` and the
"<Thing> not found" message.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import Field

from orchestrix.errors import RecordNotFound
from orchestrix.tools.base import Document, RunContext, Tool, ToolConfig

COLLECTION_PATTERN = r"^[A-Za-z_][A-Za-z0-9_-]{0,62}$"

Collection = Annotated[
    str,
    Field(
        pattern=COLLECTION_PATTERN,
        description="Collection name, e.g. `users`; created on first use.",
    ),
]
WHERE_DESCRIPTION = (
    'Fields to match by equality (`id` is the document id), e.g. `{email: "{{ input.email }}"}`;'
    " a value may be one operator: `$ne`, `$gt`, `$gte`, `$lt`, `$lte`, `$in`."
)


def singular(collection: str) -> str:
    """``users`` -> ``User``, ``categories`` -> ``Category``, ``order_items`` -> ``Order item``."""
    words = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", collection).replace("_", " ").replace("-", " ")
    words = words.strip().lower() or "record"
    if words.endswith("ies") and len(words) > 3:
        words = words[:-3] + "y"
    elif words.endswith(("sses", "xes", "ches", "shes", "zzes")):
        words = words[:-2]
    elif words.endswith("s") and not words.endswith(("ss", "us", "is")):
        words = words[:-1]
    return words[:1].upper() + words[1:]


def not_found(collection: str, message: str | None, where: dict[str, Any]) -> RecordNotFound:
    return RecordNotFound(
        message or f"{singular(collection)} not found",
        {"collection": collection, "where": sorted(where)},
    )


class DbFindConfig(ToolConfig):
    collection: Collection
    where: dict[str, Any] = Field(description=WHERE_DESCRIPTION)
    required: bool = Field(
        default=True, description="Answer 404 when nothing matches; false gives `null` instead."
    )
    message: str | None = Field(
        default=None, description="The 404 message. Default: `<Thing> not found`."
    )


class DbFind(Tool):
    type = "dbFind"
    summary = "Finds one document by its fields; 404 when none matches (unless not required)."
    Config = DbFindConfig
    Output = Document

    async def run(self, ctx: RunContext, config: DbFindConfig) -> dict[str, Any] | None:
        found = await ctx.services.datastore.find_one(
            ctx.namespace, config.collection, config.where
        )
        if found is None and config.required:
            raise not_found(config.collection, config.message, config.where)
        return found

"""``transform``: builds a new value from expressions; the executor has already rendered it."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from orchestrix.tools.base import RunContext, Tool, ToolConfig


class TransformConfig(ToolConfig):
    output: Any = Field(
        description="Any JSON value; strings may hold `{{ }}` expressions, e.g. "
        '`{fullName: "{{ input.first }} {{ input.last }}"}`.'
    )


class Transform(Tool):
    type = "transform"
    summary = "Builds a new object (or any value) from the input and earlier steps."
    Config = TransformConfig

    async def run(self, ctx: RunContext, config: TransformConfig) -> Any:  # noqa: ARG002
        return config.output

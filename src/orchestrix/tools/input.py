"""``input``: exposes the request body, so later tools read it as ``steps.input`` too."""

from __future__ import annotations

from typing import Any

from orchestrix.tools.base import RunContext, Tool, ToolConfig


class InputConfig(ToolConfig):
    """``input`` takes no settings."""


class Input(Tool):
    type = "input"
    summary = "Exposes the request body (REST body or MCP arguments) as `input`."
    Config = InputConfig

    async def run(self, ctx: RunContext, config: InputConfig) -> dict[str, Any]:  # noqa: ARG002
        return ctx.input

"""``response``: the answer of the run. A run that reaches it ends there."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from orchestrix.tools.base import RunContext, Tool, ToolConfig


class ResponseConfig(ToolConfig):
    status: int = Field(default=200, ge=100, le=599, description="HTTP status of the answer.")
    headers: dict[str, str] = Field(
        default_factory=dict, description="Extra response headers, e.g. `{Location: /todos/1}`."
    )
    body: Any = Field(default=None, description="The answer's JSON body.")

    @field_validator("headers", mode="before")
    @classmethod
    def _header_values_as_text(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {
                k: v if isinstance(v, str) else str(v).lower() if isinstance(v, bool) else str(v)
                for k, v in value.items()
                if v is not None
            }
        return value

    @field_validator("headers")
    @classmethod
    def _no_line_breaks(cls, value: dict[str, str]) -> dict[str, str]:
        for k, v in value.items():
            if any(c in k or c in v for c in "\r\n"):
                raise ValueError(f"header {k!r} must not contain line breaks")
        return value


class Response(Tool):
    type = "response"
    summary = "Ends the run with a status, headers and a body."
    Config = ResponseConfig
    ends_run = True

    async def run(self, ctx: RunContext, config: ResponseConfig) -> dict[str, Any]:  # noqa: ARG002
        return {"status": config.status, "headers": config.headers, "body": config.body}

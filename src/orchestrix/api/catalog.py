"""Routes of /mcp/tools: the tool catalog and the static checks of a draft spec.

The dashboard's palette and node inspector read the catalog (each tool type's summary and the
JSON Schema of its config); its editor asks for the static checks' problems of a draft before
it is saved, so they can be shown on the field they are about. Neither reads stored data.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import Field

from orchestrix.api.errors import ERROR_RESPONSES
from orchestrix.api.schemas import ApiModel
from orchestrix.errors import SpecError
from orchestrix.runtime.checks import check_workflow
from orchestrix.spec.io import parse_workflow
from orchestrix.tools import registry

router = APIRouter(prefix="/mcp/tools", tags=["tools"], responses=ERROR_RESPONSES)


class ToolTypeOut(ApiModel):
    type: str = Field(description="The tool type, as written in a spec's `tools[].type`.")
    summary: str = Field(description="What the tool does, in one line.")
    read_only: bool = Field(description="True when the tool changes nothing outside the run.")
    ends_run: bool = Field(description="True when a run that reaches the tool ends there.")
    config_schema: dict[str, Any] = Field(description="JSON Schema of the tool's `config`.")
    output_schema: dict[str, Any] | None = Field(
        default=None, description="JSON Schema of what the tool leaves in `steps.<id>`."
    )


class CheckSpec(ApiModel):
    spec: dict[str, Any] = Field(description="A workflow spec (orchestrix/v1), saved or not.")


class SpecProblem(ApiModel):
    path: str = Field(description="Where the problem is, e.g. `tools[3].config.document`.")
    message: str
    tool_id: str | None = None


class CheckOut(ApiModel):
    problems: list[SpecProblem] = Field(description="Every problem found; empty when none.")


@router.get("", response_model=list[ToolTypeOut])
async def list_tool_types() -> list[ToolTypeOut]:
    """Every tool type a spec may use, sorted by type."""
    return [
        ToolTypeOut(
            type=name,
            summary=cls.summary,
            read_only=cls.read_only,
            ends_run=cls.ends_run,
            config_schema=cls.config_schema(),
            output_schema=cls.Output.model_json_schema(by_alias=True) if cls.Output else None,
        )
        for name, cls in sorted(registry().items())
    ]


@router.post("/check", response_model=CheckOut)
async def check_spec(body: CheckSpec) -> CheckOut:
    """The static checks of a spec, without saving it: shape problems, then graph problems."""
    try:
        workflow = parse_workflow(body.spec)
    except SpecError as e:
        details = e.details if isinstance(e.details, list) else []
        return CheckOut(
            problems=[
                SpecProblem(
                    path=str(d.get("path", "")),
                    message=str(d.get("message", "")),
                    tool_id=d.get("toolId"),
                )
                for d in details
                if isinstance(d, dict)
            ]
            or [SpecProblem(path="", message=str(e))]
        )
    return CheckOut(
        problems=[
            SpecProblem(path=p.path, message=p.message, tool_id=p.tool_id)
            for p in check_workflow(workflow)
        ]
    )

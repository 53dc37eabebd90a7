"""One OpenAPI document per deployed agent: its one operation, as a client generator wants it."""

from __future__ import annotations

from typing import Any

from orchestrix.host.agents import AgentRecord
from orchestrix.spec.models import Workflow

_ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "string"}, "details": {}},
}


def _response_statuses(workflow: Workflow) -> list[int]:
    """Statuses the graph's ``response`` tools answer with, when they are literal."""
    found: list[int] = []
    for tool in workflow.tools:
        status = tool.config.get("status") if tool.type == "response" else None
        if isinstance(status, int) and status not in found:
            found.append(status)
    return found or [200]


def agent_openapi(workflow: Workflow, record: AgentRecord, base_url: str) -> dict[str, Any]:
    schema = dict(workflow.input_schema)
    schema.setdefault("type", "object")
    responses: dict[str, Any] = {
        str(status): {
            "description": "The graph's answer",
            "content": {"application/json": {"schema": {}}},
        }
        for status in _response_statuses(workflow)
    }
    error = {"content": {"application/json": {"schema": _ERROR_SCHEMA}}}
    responses.setdefault("400", {"description": "The input is not valid", **error})
    responses.setdefault("default", {"description": "An error", **error})
    return {
        "openapi": "3.1.0",
        "info": {
            "title": workflow.name,
            "description": workflow.description,
            "version": str(record.version if record.version is not None else record.revision),
        },
        "servers": [{"url": base_url}],
        "paths": {
            f"/agents/{record.id}": {
                "post": {
                    "operationId": workflow.slug,
                    "summary": workflow.name,
                    "description": workflow.description,
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": schema}},
                    },
                    "responses": responses,
                }
            }
        },
    }

"""What a workflow's one MCP tool says about itself, and how its answers look.

- :func:`tool_name`: the workflow name in snake_case, letters with accents folded to ASCII
  (``Café Orders`` -> ``cafe_orders``); a name in a script that does not fold keeps a short
  hash, so two such workflows never share a name.
- :func:`tool_annotations`: hints derived from what each step does: the method of each
  ``httpRequest``, reads versus writes of the data store, mail. A rate limit counts calls but
  changes nothing a caller could see, so it keeps a graph read-only.
- :func:`output_schema`: every shape the tool answers, from the ``response`` steps' bodies and
  the ``{error, details}`` body of a failure (clients validate ``structuredContent`` against it
  even on error results).
- :func:`argument_violations`: the arguments checked against ``inputSchema`` by the adapter,
  whether or not the graph has a ``validation`` step.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

import mcp_types as types

from orchestrix.spec.models import ToolSpec, Workflow, slugify
from orchestrix.tools import get_tool
from orchestrix.tools.validation import schema_violations

_MAX_TOOL_NAME = 64  # the spec allows 128; several clients cut at 64

#: The body of every failed run (REST and MCP alike).
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "string"}, "details": {}},
}
#: The structured content of an answer without a body (204, or a ``null`` body).
EMPTY_SCHEMA: dict[str, Any] = {"type": "object", "maxProperties": 0}
_ANY_OBJECT: dict[str, Any] = {"type": "object"}


def tool_name(workflow: Workflow) -> str:
    """The tool's name: the workflow name in snake_case (``Signup API`` -> ``signup_api``)."""
    folded = unicodedata.normalize("NFKD", workflow.name)
    ascii_name = folded.encode("ascii", "ignore").decode()
    lost = any(ch.isalnum() and not ch.isascii() for ch in folded)
    base = slugify(ascii_name) if ascii_name.strip() else "workflow"
    if lost:  # letters of another script: keep them apart by a stable hash of the name
        digest = hashlib.sha256(workflow.name.encode()).hexdigest()[:8]
        base = f"{base}_{digest}" if base != "workflow" else f"workflow_{digest}"
    return base[:_MAX_TOOL_NAME].rstrip("_") or "workflow"


@dataclass(frozen=True)
class _Effect:
    """What one step does to the world."""

    writes: bool = False
    destructive: bool = False
    idempotent: bool = True
    open_world: bool = False


_READ = _Effect()
#: Steps whose effect does not depend on their config.
_EFFECTS: dict[str, _Effect] = {
    "dbInsert": _Effect(writes=True, idempotent=False),
    "dbUpdate": _Effect(writes=True, destructive=True),
    "dbDelete": _Effect(writes=True, destructive=True),
    "sendEmail": _Effect(writes=True, idempotent=False, open_world=True),
    "rateLimit": _READ,  # counts calls; refuses with 429, changes no data
}
#: ``httpRequest`` by method (RFC 9110 safe and idempotent methods). A method the graph
#: computes at run time is taken as POST: anything may happen.
_HTTP_EFFECTS: dict[str, _Effect] = {
    "GET": _Effect(open_world=True),
    "HEAD": _Effect(open_world=True),
    "OPTIONS": _Effect(open_world=True),
    "PUT": _Effect(writes=True, destructive=True, open_world=True),
    "DELETE": _Effect(writes=True, destructive=True, open_world=True),
    "PATCH": _Effect(writes=True, destructive=True, idempotent=False, open_world=True),
    "POST": _Effect(writes=True, destructive=True, idempotent=False, open_world=True),
}


def step_effect(step: ToolSpec) -> _Effect:
    if step.type == "httpRequest":
        method = step.config.get("method", "GET")
        key = method.upper() if isinstance(method, str) and "{{" not in method else "POST"
        return _HTTP_EFFECTS.get(key, _HTTP_EFFECTS["POST"])
    known = _EFFECTS.get(step.type)
    if known is not None:
        return known
    cls = get_tool(step.type)
    if cls is None or not cls.read_only:  # a type we know nothing of may do anything
        return _Effect(writes=True, destructive=True, idempotent=False, open_world=True)
    return _READ


def tool_annotations(workflow: Workflow) -> types.ToolAnnotations:
    """Hints for clients: read-only when no step writes; destructive when a step may delete
    or overwrite; idempotent when every write is; open-world when a step reaches outside."""
    effects = [step_effect(step) for step in workflow.ordered_tools()]
    writes = any(e.writes for e in effects)
    return types.ToolAnnotations(
        title=workflow.name,
        read_only_hint=not writes,
        destructive_hint=any(e.destructive for e in effects) if writes else False,
        idempotent_hint=all(e.idempotent for e in effects if e.writes),
        open_world_hint=any(e.open_world for e in effects),
    )


# --- output ---------------------------------------------------------------------------------


def _whole_expression(value: str) -> bool:
    text = value.strip()
    return text.startswith("{{") and text.endswith("}}") and text.count("{{") == 1


def _value_schema(value: Any) -> dict[str, Any]:
    """The schema of a body value as the spec writes it (an expression can be anything)."""
    if isinstance(value, str):
        return {} if "{{" in value and _whole_expression(value) else {"type": "string"}
    if isinstance(value, bool):
        return {"type": "boolean"}
    if isinstance(value, int | float):
        return {"type": "number"}
    if value is None:
        return {"type": "null"}
    if isinstance(value, list):
        return {"type": "array"}
    if isinstance(value, dict):
        return _object_schema(value)
    return {}


def _object_schema(body: dict[str, Any]) -> dict[str, Any]:
    """A body object as written: every key is there (an expression that finds nothing
    renders ``null``, it does not drop the key); values are what the spec can tell."""
    return {
        "type": "object",
        "required": list(body),
        "properties": {k: _value_schema(v) for k, v in body.items()},
    }


def _body_schema(status: Any, body: Any) -> dict[str, Any]:
    """The structured content a ``response`` step yields (see :func:`structured`)."""
    if status == 204 or body is None:
        return EMPTY_SCHEMA
    if isinstance(body, dict):
        return _object_schema(body)
    if isinstance(body, str) and _whole_expression(body):
        return _ANY_OBJECT  # a dict as is, or anything else wrapped in {"result": ...}
    return {"type": "object", "required": ["result"], "properties": {"result": _value_schema(body)}}


def output_schema(workflow: Workflow) -> dict[str, Any]:
    """Every shape of the tool's structured content: each ``response`` step's body, the
    error body, and (when no unguarded ``response`` ends every run) any object."""
    shapes: list[dict[str, Any]] = []
    ends = False
    for step in workflow.ordered_tools():
        if step.type != "response":
            continue
        shapes.append(_body_schema(step.config.get("status", 200), step.config.get("body")))
        ends = ends or step.when is None
    if not ends:
        shapes.append(_ANY_OBJECT)
    shapes.append(ERROR_SCHEMA)
    unique: list[dict[str, Any]] = []
    seen: set[str] = set()
    for shape in shapes:
        key = json.dumps(shape, sort_keys=True)
        if key not in seen:
            seen.add(key)
            unique.append(shape)
    if _ANY_OBJECT in unique:
        return dict(_ANY_OBJECT)
    return {"type": "object", "anyOf": unique}


def structured(body: Any) -> dict[str, Any]:
    """A body as structured content: an object as is, nothing as ``{}``, else wrapped."""
    if isinstance(body, dict):
        return body
    if body is None:
        return {}
    return {"result": body}


def input_schema(workflow: Workflow) -> dict[str, Any]:
    schema = dict(workflow.input_schema)
    schema.setdefault("type", "object")
    return schema


def describe_tool(workflow: Workflow) -> types.Tool:
    """The one tool a workflow's MCP server lists."""
    return types.Tool(
        name=tool_name(workflow),
        title=workflow.name,
        description=workflow.description or workflow.name,
        input_schema=input_schema(workflow),
        output_schema=output_schema(workflow),
        annotations=tool_annotations(workflow),
    )


def argument_violations(workflow: Workflow, arguments: dict[str, Any]) -> list[dict[str, str]]:
    """Every way ``arguments`` break the tool's ``inputSchema`` (``{field, message}``)."""
    return schema_violations(input_schema(workflow), arguments)


_SAFE_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,128}$")


def is_valid_tool_name(name: str) -> bool:
    """The characters the MCP spec allows in a tool name."""
    return bool(_SAFE_NAME.match(name))

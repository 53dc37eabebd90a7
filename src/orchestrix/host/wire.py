"""Reading a deployment request (the seed format) into a workflow the host can run.

The request is ``{name, description, tools, executionOrder, inputSchema, metadata}``, the same
body the ``archestra`` target sends. Fields the host does not know are ignored (a newer
Orchestrix may send more); a graph that does not hold together is refused with every problem
listed (422), before anything is stored.
"""

from __future__ import annotations

from typing import Any

from orchestrix.errors import SpecError
from orchestrix.host.agents import AgentSource
from orchestrix.runtime.checks import ensure_valid
from orchestrix.spec.io import parse_workflow
from orchestrix.spec.models import Workflow

#: Keys of the request that make up the workflow the host stores.
_WORKFLOW_KEYS = ("name", "description", "inputSchema", "tools", "executionOrder")


def read_deployment(body: Any) -> tuple[Workflow, AgentSource]:
    """The workflow and its source; ``SpecError`` (422) listing every problem."""
    if not isinstance(body, dict):
        raise SpecError(
            "A deployment request must be a JSON object",
            [{"path": "", "message": "not an object"}],
        )
    missing = [key for key in ("name", "tools") if key not in body]
    if missing:
        raise SpecError(
            "The deployment request is incomplete",
            [{"path": key, "message": "Field required"} for key in missing],
        )
    document = {key: body[key] for key in _WORKFLOW_KEYS if key in body}
    if document.get("description") is None:
        document["description"] = ""
    if document.get("inputSchema") is None:
        document.pop("inputSchema", None)
    metadata = body.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise SpecError(
            "The deployment request is not valid",
            [{"path": "metadata", "message": "must be an object"}],
        )
    metadata = dict(metadata or {})
    document["metadata"] = metadata
    workflow = parse_workflow(document)
    ensure_valid(workflow)
    return workflow, _source(metadata)


def _source(metadata: dict[str, Any]) -> AgentSource:
    version = metadata.get("version")
    server_id = metadata.get("serverId")
    owner_id = metadata.get("ownerId")
    return AgentSource(
        server_id=str(server_id)[:64] if server_id is not None else None,
        owner_id=str(owner_id)[:200] if owner_id is not None else None,
        version=version if isinstance(version, int) and not isinstance(version, bool) else None,
    )


def stored_spec(workflow: Workflow) -> dict[str, Any]:
    """What the host keeps: the workflow without its tests (none are sent anyway)."""
    spec = workflow.to_wire()
    spec.pop("tests", None)
    return spec

"""The ``orchestrix/v1`` workflow spec: models, files, expressions and static checks."""

from orchestrix.spec.io import (
    dumps_workflow,
    load_workflow,
    loads_workflow,
    parse_workflow,
    save_workflow,
)
from orchestrix.spec.models import (
    API_VERSION,
    ToolSpec,
    Workflow,
    WorkflowTest,
    workflow_json_schema,
)

__all__ = [
    "API_VERSION",
    "ToolSpec",
    "Workflow",
    "WorkflowTest",
    "dumps_workflow",
    "load_workflow",
    "loads_workflow",
    "parse_workflow",
    "save_workflow",
    "workflow_json_schema",
]

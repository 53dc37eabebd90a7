"""The exception tree. Every error Orchestrix raises on purpose is an ``OrchestrixError``.

Each subclass records its HTTP status and wire code; the edges (FastAPI handlers, the MCP
adapter, the CLI) map them once into ``{"error": message, "details": details}``. The tree
below lists every subclass, wherever it is defined (``tests/test_errors_tree.py`` checks it):

    OrchestrixError                      500 internal_error
    ├── SpecError                        422 invalid_spec       (static checks, bad files)
    │   └── ExpressionError              422 invalid_spec       spec/values.py
    │       └── ExpressionEvalError      422 invalid_spec       spec/values.py
    ├── ConfigurationError               500 not_configured     (a missing setting)
    ├── NotFoundError                    404 not_found
    ├── RequestError                     400 bad_request
    │   ├── BadRequestBody               400 bad_request
    │   ├── BodyTooLarge                 413 payload_too_large
    │   └── UnsupportedMediaType         415 unsupported_media_type
    ├── ToolError                        500 tool_error         (raised while a graph runs)
    │   ├── ValidationFailed             400 validation_failed
    │   ├── Unauthorized                 401 unauthorized
    │   ├── Forbidden                    403 forbidden
    │   ├── RecordNotFound               404 not_found
    │   ├── Conflict                     409 conflict
    │   ├── RateLimited                  429 rate_limited
    │   ├── UpstreamError                502 upstream_error
    │   │   └── EgressRefused            502 egress_refused
    │   └── ExecutionTimeout             504 timeout
    ├── NotUnderstood                    422 not_understood     agents/results.py
    │   └── EditRefused                  422 not_understood     agents/edits.py
    ├── DeployError                      502 deploy_failed      deploy/base.py
    ├── AgentUnavailable                 500 agent_unavailable  host/runtime.py
    ├── RequestInvalid                   422 invalid_request    api/errors.py
    ├── BadRequest                       400 bad_request        api/errors.py
    ├── PayloadTooLarge                  413 payload_too_large  api/errors.py
    ├── Unavailable                      503 unavailable        api/errors.py
    ├── DatabaseUnavailable              503 database_unavailable runtime/database.py
    ├── BudgetExceeded                   500 budget_exceeded    runtime/executor.py
    └── SecretMissing                    500 secret_missing     runtime/executor.py
"""

from __future__ import annotations

from typing import Any, ClassVar


class OrchestrixError(Exception):
    """Root of every error Orchestrix raises on purpose."""

    status: ClassVar[int] = 500
    code: ClassVar[str] = "internal_error"

    def __init__(self, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def to_body(self) -> dict[str, Any]:
        """The wire form shared by REST, MCP and the CLI."""
        return {"error": self.message, "details": self.details}


class SpecError(OrchestrixError):
    """A workflow spec that does not hold together; ``details`` lists every problem."""

    status = 422
    code = "invalid_spec"


class ConfigurationError(OrchestrixError):
    """A setting that a command needs is missing or wrong."""

    status = 500
    code = "not_configured"


class NotFoundError(OrchestrixError):
    status = 404
    code = "not_found"


class ToolError(OrchestrixError):
    """Raised by a tool while a graph runs; ends the run with ``status``."""

    status = 500
    code = "tool_error"


class ValidationFailed(ToolError):
    status = 400
    code = "validation_failed"


class Unauthorized(ToolError):
    status = 401
    code = "unauthorized"


class Forbidden(ToolError):
    status = 403
    code = "forbidden"


class RecordNotFound(ToolError):
    status = 404
    code = "not_found"


class Conflict(ToolError):
    status = 409
    code = "conflict"


class RateLimited(ToolError):
    status = 429
    code = "rate_limited"


class UpstreamError(ToolError):
    status = 502
    code = "upstream_error"


class ExecutionTimeout(ToolError):
    status = 504
    code = "timeout"


class EgressRefused(UpstreamError):
    """An outbound connection the egress policy refuses (a loopback, private, link-local or
    metadata address, or a scheme other than http/https)."""

    code = "egress_refused"


# The HTTP edge (runtime/rest.py): requests refused before a graph or a route sees them.


class RequestError(OrchestrixError):
    """An HTTP request refused at the edge, before any route or graph reads it."""

    status = 400
    code = "bad_request"


class BadRequestBody(RequestError):
    """A body that is not JSON, or JSON past the edge's limits (depth, digits, NUL...)."""


class BodyTooLarge(RequestError):
    status = 413
    code = "payload_too_large"


class UnsupportedMediaType(RequestError):
    status = 415
    code = "unsupported_media_type"

"""The tool catalog. Importing this package registers every built-in tool type."""

from orchestrix.tools import (  # noqa: F401  (imported for registration)
    db_delete,
    db_find,
    db_insert,
    db_query,
    db_update,
    hash_password,
    http_request,
    input,
    jwt_generate,
    jwt_verify,
    rate_limit,
    response,
    send_email,
    transform,
    validation,
    verify_password,
)
from orchestrix.tools.base import Tool, get_tool, registry

__all__ = ["Tool", "get_tool", "registry"]

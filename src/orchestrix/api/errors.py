"""Every error the API answers is JSON ``{error, details}``: mapped here, once (the body,
the 500 handler and the middleware that keeps the connection usable are the HTTP edge's,
:mod:`orchestrix.runtime.rest`, shared with the host).

Orchestrix errors carry their status; FastAPI's request validation answers 422 with the fields;
unknown routes (404), wrong methods (405) and anything unexpected (500) use the same body.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from orchestrix.errors import OrchestrixError
from orchestrix.runtime.rest import UnexpectedErrors, error_response, unexpected_error

log = logging.getLogger("orchestrix.api")


class ErrorBody(BaseModel):
    """The body of every error answer."""

    error: str
    details: Any = None


class RequestInvalid(OrchestrixError):
    """A request the API cannot take (a missing owner, a body that is not an object...)."""

    status = 422
    code = "invalid_request"


class BadRequest(OrchestrixError):
    status = 400
    code = "bad_request"


class PayloadTooLarge(OrchestrixError):
    status = 413
    code = "payload_too_large"


class Unavailable(OrchestrixError):
    """A part of Orchestrix that this installation does not have (yet)."""

    status = 503
    code = "unavailable"


def validation_details(errors: Any) -> list[dict[str, Any]]:
    """FastAPI/pydantic errors as ``[{in, field, message, type}]`` (the offending values are
    left out: they may be secrets)."""
    details = []
    for item in errors:
        loc = [str(p) for p in item.get("loc", ())]
        where = loc[0] if loc and loc[0] in {"body", "query", "path", "header", "cookie"} else ""
        field = ".".join(loc[1:] if where else loc)
        details.append(
            {
                "in": where or None,
                "field": field,
                "message": item.get("msg", ""),
                "type": item.get("type"),
            }
        )
    return details


async def _orchestrix_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, OrchestrixError)
    if exc.status >= 500:
        log.error("%s: %s", type(exc).__name__, exc.message)
    headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
    return JSONResponse(exc.to_body(), status_code=exc.status, headers=headers)


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    broken = next((e for e in errors if e.get("type") == "json_invalid"), None)
    if broken is not None:
        loc = broken.get("loc", ())
        reason = (broken.get("ctx") or {}).get("error") or broken.get("msg", "")
        at = f" at character {loc[1]}" if len(loc) > 1 else ""
        return error_response(
            422, "The request body is not valid JSON", {"message": f"{reason}{at}"}
        )
    return error_response(422, "The request is not valid", validation_details(errors))


_MESSAGES = {404: "Not found", 405: "Method not allowed"}


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    message = _MESSAGES.get(exc.status_code) or str(exc.detail)
    details: Any = {"method": request.method, "path": request.url.path}
    if exc.status_code not in _MESSAGES and not isinstance(exc.detail, str):
        details = exc.detail
    return error_response(exc.status_code, message, details, dict(exc.headers or {}))


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(OrchestrixError, _orchestrix_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, unexpected_error)


#: Error answers every route documents (FastAPI's own 422 schema is replaced by this one).
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": description}
    for status, description in {
        401: "Missing or invalid API token (ORCHESTRIX_AUTH=tokens)",
        403: "The ownerId is not the token's owner",
        404: "No such server for this owner",
        409: "A stale baseVersion or a conflicting change",
        413: "The request body is too large",
        422: "The request or the spec is not valid",
    }.items()
}


__all__ = [
    "ERROR_RESPONSES",
    "BadRequest",
    "ErrorBody",
    "PayloadTooLarge",
    "RequestInvalid",
    "Unavailable",
    "UnexpectedErrors",
    "error_response",
    "install_error_handlers",
    "validation_details",
]

"""Talking to Archestra's REST API: one request, its answer, and its refusal as a reason.

Archestra answers errors as ``{"error": {"message", "type"}}``; :func:`call` turns them into a
:class:`DeployError` whose message names the status, the request and the platform's own words
(never the API key). :func:`version_of` reads the version ``GET /health`` reports.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import httpx

from orchestrix.deploy.base import DeployError


def object_id(obj: Any, what: str) -> str:
    """The ``id`` of an object the platform answered, or a clear error when there is none."""
    if isinstance(obj, dict) and isinstance(obj.get("id"), str) and obj["id"]:
        return str(obj["id"])
    raise DeployError(f"Archestra's answer for {what} has no id", {"answer": obj})


def seg(value: str) -> str:
    """An id as one path segment, whatever it holds."""
    return quote(value, safe="")


def version_of(text: Any) -> tuple[int, int, int] | None:
    """``"1.2.76"`` (or ``"v1.2.76-rc.1"``) as ``(1, 2, 76)``; None when it is no version."""
    found = re.match(r"^v?(\d+)\.(\d+)(?:\.(\d+))?", text.strip() if isinstance(text, str) else "")
    if found is None:
        return None
    major, minor, patch = found.groups()
    return int(major), int(minor), int(patch or 0)


async def call(
    client: httpx.AsyncClient,
    method: str,
    path: str,
    *,
    json: Any = None,
    params: dict[str, Any] | None = None,
    accept: tuple[int, ...] = (),
) -> Any:
    """One API request; the decoded JSON answer, None for an accepted error status, else a
    DeployError carrying the platform's own message."""
    where = f"{method} {path}"
    try:
        response = await client.request(method, path, json=json, params=params)
    except httpx.TimeoutException as e:
        raise DeployError(
            f"Archestra at {client.base_url} did not answer in time ({where})",
            {"method": method, "path": path},
        ) from e
    except httpx.HTTPError as e:
        raise DeployError(
            f"cannot reach Archestra at {client.base_url}: {e}", {"method": method, "path": path}
        ) from e
    if response.status_code in accept:
        return None
    try:
        body = response.json() if response.content else None
    except ValueError:
        body = None
    if response.is_success:
        if body is None and response.content:
            raise DeployError(
                f"Archestra answered {where} with something that is not JSON",
                {"status": response.status_code, "method": method, "path": path},
            )
        return body
    raise refusal(response.status_code, where, body, response.text, method, path)


def refusal(status: int, where: str, body: Any, text: str, method: str, path: str) -> DeployError:
    kind: str | None = None
    message = ""
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):
            message = str(error.get("message") or "")
            kind = str(error["type"]) if error.get("type") else None
        elif isinstance(error, str):
            message = str(body.get("message") or error)
    if not message:
        message = text.strip()[:300] or "no reason given"
    if status == 401:
        reason = f"Archestra rejected the API key (401): {message}"
    elif status == 403:
        reason = f"the API key may not do this in Archestra (403 on {where}): {message}"
    elif status == 404:
        reason = f"not found in Archestra (404 on {where}): {message}"
    elif status == 409:
        reason = f"conflict in Archestra (409 on {where}): {message}"
    elif status == 400:
        reason = f"Archestra refused the request (400 on {where}): {message}"
    else:
        reason = f"Archestra answered {status} on {where}: {message}"
    return DeployError(
        reason,
        {
            "status": status,
            "method": method,
            "path": path,
            "type": kind,
            "message": message,
            "body": body,
        },
    )

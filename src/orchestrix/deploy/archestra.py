"""The ``archestra`` target: the deployment request over HTTP, as the original product sent it.

``POST $ARCHESTRA_DEPLOYMENT_ENDPOINT`` with ``Authorization: Bearer $ARCHESTRA_API_KEY`` and
the request of :meth:`DeploymentRequest.to_wire`; the answer gives ``agentId``,
``publicEndpoint`` and ``dashboardUrl``. A new version of a deployed agent is a ``PUT`` to
``<endpoint>/<agentId>``; undeploy is a ``DELETE`` there, status a ``GET``.

Every request has a timeout. Network errors, timeouts and 5xx answers are retried a bounded
number of times with exponential backoff; a 4xx answer is final at once. Each deploy carries an
``Idempotency-Key`` (the one the deployment row stored before the call), the same on every
retry, so a retry after a lost answer does not make a second agent on a target that honours it
(``orchestrix host`` does). :meth:`HttpDeployTarget.agents` lists what the target holds, for
the reconciler.
"""

from __future__ import annotations

import asyncio
import logging
import random
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx

from orchestrix import __version__
from orchestrix.deploy.base import DeployedAgent, DeployError, DeploymentRequest, register_target
from orchestrix.errors import ConfigurationError
from orchestrix.settings import Settings

log = logging.getLogger("orchestrix.deploy")

NOT_CONFIGURED = (
    "Archestra deployment is not configured. Please set ARCHESTRA_API_KEY and "
    "ARCHESTRA_ENDPOINT in environment variables."
)
NETWORK_FAILED = "Network request failed"
TIMED_OUT = "Request timed out"
_REASONS = {401: "Unauthorized", 403: "Forbidden"}


def _reason(response: httpx.Response) -> str:
    """What a refusal says: the body's message when it has one, else the HTTP reason."""
    if response.status_code in _REASONS:
        return _REASONS[response.status_code]
    try:
        data = response.json()
    except ValueError:
        data = None
    if isinstance(data, dict):
        error = data.get("error")
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return str(error["message"])
        if isinstance(data.get("message"), str):
            return str(data["message"])
        if isinstance(error, str):
            return error
    phrase = response.reason_phrase or "error"
    return f"{response.status_code} {phrase}"


def _body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text[:2000]


def _parse_time(value: Any) -> datetime:
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            pass
        else:
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return datetime.now(UTC)


class HttpDeployTarget:
    """A target that speaks the deployment protocol over HTTP (Archestra, ``orchestrix host``)."""

    def __init__(
        self,
        endpoint: str,
        api_key: str | None,
        *,
        name: str = "archestra",
        timeout: float = 30.0,
        attempts: int = 3,
        backoff: float = 0.5,
        carries_secrets: bool = False,
    ) -> None:
        self.name = name
        # True for `orchestrix host`, whose key-protected management API takes the values of
        # a graph's secrets (stored encrypted there); Archestra gets references only.
        self.carries_secrets = carries_secrets
        self.endpoint = endpoint.rstrip("/")
        self._api_key = api_key
        self.timeout = timeout
        self.attempts = max(1, attempts)
        self.backoff = backoff

    def _headers(self) -> dict[str, str]:
        headers = {"User-Agent": f"orchestrix/{__version__}", "Accept": "application/json"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        return headers

    async def deploy(
        self, request: DeploymentRequest, *, agent_id: str | None = None
    ) -> DeployedAgent:
        headers = {"Idempotency-Key": request.idempotency_key or f"orx-{uuid.uuid4().hex}"}
        body = request.to_wire()
        if self.carries_secrets and request.secret_values is not None:
            body["secrets"] = dict(request.secret_values)
        if agent_id is None:
            response = await self._send("POST", self.endpoint, json=body, headers=headers)
        else:
            response = await self._send(
                "PUT", f"{self.endpoint}/{agent_id}", json=body, headers=headers
            )
        data = _body(response)
        if not isinstance(data, dict):
            raise DeployError("Invalid response from the deployment endpoint", {"body": data})
        new_id = data.get("agentId") or data.get("id") or agent_id
        endpoint = data.get("publicEndpoint") or data.get("endpoint")
        if not isinstance(new_id, str) or not new_id or not isinstance(endpoint, str):
            raise DeployError(
                "Invalid response from the deployment endpoint: no agentId or publicEndpoint",
                {"body": data},
            )
        dashboard = data.get("dashboardUrl")
        return DeployedAgent(
            agent_id=new_id,
            endpoint=endpoint,
            dashboard_url=dashboard if isinstance(dashboard, str) else None,
            deployed_at=_parse_time(data.get("deployedAt")),
            target=self.name,
            raw=data,
        )

    async def undeploy(self, agent_id: str) -> None:
        await self._send("DELETE", f"{self.endpoint}/{agent_id}", missing_ok=True)

    async def agents(self) -> list[dict[str, Any]]:
        """Every agent the target holds (``GET <endpoint>``, as ``orchestrix host`` lists
        them): ``agentId``, ``serverId``, ``endpoint``, ``dashboardUrl``, ``version``."""
        data = _body(await self._send("GET", self.endpoint))
        listed = data.get("agents") if isinstance(data, dict) else data
        if not isinstance(listed, list):
            raise DeployError(
                f"{self.endpoint} does not list its agents", {"url": self.endpoint, "body": data}
            )
        return [
            {
                "agentId": str(a["agentId"]),
                "serverId": a.get("serverId"),
                "endpoint": a.get("publicEndpoint") or a.get("endpoint"),
                "dashboardUrl": a.get("dashboardUrl"),
                "version": a.get("version"),
            }
            for a in listed
            if isinstance(a, dict) and isinstance(a.get("agentId"), str) and a["agentId"]
        ]

    async def status(self, agent_id: str) -> dict[str, Any]:
        response = await self._send("GET", f"{self.endpoint}/{agent_id}", missing_ok=True)
        if response.status_code == 404:
            return {"agentId": agent_id, "deployed": False}
        data = _body(response)
        info = dict(data) if isinstance(data, dict) else {"body": data}
        info.setdefault("agentId", agent_id)
        info["deployed"] = True
        return info

    async def _send(
        self,
        method: str,
        url: str,
        *,
        json: Any = None,
        headers: dict[str, str] | None = None,
        missing_ok: bool = False,
    ) -> httpx.Response:
        """One call with bounded retries; DeployError with the reason when it fails."""
        reason = NETWORK_FAILED
        details: dict[str, Any] = {"url": url, "method": method}
        async with httpx.AsyncClient(timeout=self.timeout, headers=self._headers()) as client:
            for attempt in range(1, self.attempts + 1):
                try:
                    response = await client.request(method, url, json=json, headers=headers)
                except httpx.TimeoutException as e:
                    reason, details["cause"] = TIMED_OUT, type(e).__name__
                except httpx.TransportError as e:
                    reason, details["cause"] = NETWORK_FAILED, type(e).__name__
                else:
                    status = response.status_code
                    if status < 400 or (missing_ok and status == 404):
                        return response
                    reason = _reason(response)
                    details.update(status=status, body=_body(response))
                    if status < 500:
                        raise DeployError(reason, details)
                details["attempts"] = attempt
                if attempt < self.attempts:
                    delay = self.backoff * 2 ** (attempt - 1) * (1 + random.random() / 4)
                    log.warning(
                        "%s %s failed (%s), attempt %d of %d; retrying in %.2fs",
                        method,
                        url,
                        reason,
                        attempt,
                        self.attempts,
                        delay,
                    )
                    await asyncio.sleep(delay)
        raise DeployError(reason, details)


def archestra_target(settings: Settings) -> HttpDeployTarget:
    key = settings.archestra_api_key
    if key is None or not key.get_secret_value():
        raise ConfigurationError(NOT_CONFIGURED, {"missing": ["ARCHESTRA_API_KEY"]})
    if not settings.archestra_deployment_endpoint:
        raise ConfigurationError(
            "Archestra deployment is not configured. Please set ARCHESTRA_DEPLOYMENT_ENDPOINT "
            "in environment variables.",
            {"missing": ["ARCHESTRA_DEPLOYMENT_ENDPOINT"]},
        )
    return HttpDeployTarget(
        settings.archestra_deployment_endpoint,
        key.get_secret_value(),
        name="archestra",
        timeout=settings.deploy_timeout,
    )


register_target("archestra", archestra_target)

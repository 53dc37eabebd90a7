"""Plain records the store hands out: the API shapes its answers from these, never from ORM rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class DeploymentRecord:
    id: str
    server_id: str
    target: str
    version: int
    status: str  # deploying | deployed | failed | undeployed | superseded
    agent_id: str | None
    endpoint: str | None
    dashboard_url: str | None
    deployed_at: datetime | None
    error: str | None
    created_at: datetime
    updated_at: datetime
    intent: str | None = None  # deploy | redeploy | undeploy, while `deploying`
    idempotency_key: str | None = None


@dataclass(frozen=True)
class ServerRecord:
    id: str
    owner_id: str
    name: str
    description: str
    version: int
    spec: dict[str, Any]
    runtime_status: str  # running | stopped
    runtime_started_at: datetime | None
    created_at: datetime
    updated_at: datetime
    #: The live ``deployed`` deployment, if any.
    deployment: DeploymentRecord | None = None


@dataclass(frozen=True)
class VersionRecord:
    server_id: str
    version: int
    spec: dict[str, Any]
    author: str
    summary: str
    created_at: datetime


@dataclass(frozen=True)
class ExecutionRecord:
    id: int
    server_id: str
    version: int
    source: str  # run | runtime | mcp | chat
    status: int
    input: Any
    body: Any
    logs: list[dict[str, Any]]
    duration_ms: float
    created_at: datetime


@dataclass(frozen=True)
class TokenRecord:
    id: str
    owner_id: str
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

"""Request and response bodies of the control-plane API (camelCase on the wire).

Routes answer with these models, built from store records, never with ORM rows. Request
bodies refuse text the databases cannot store (NUL characters, unpaired surrogates) with 422.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel

from orchestrix.store import ExecutionRecord, ServerRecord, VersionRecord

#: Integers the databases store in 32 bits (version numbers, offsets).
MAX_INT32 = 2_147_483_647


def unstorable_path(value: Any, path: str = "") -> str | None:
    """The path of the first value the databases cannot store as JSON text, if any: a string
    (or key) with a NUL character or an unpaired surrogate, or a NaN or infinite number."""
    if isinstance(value, str):
        if "\x00" in value:
            return path or "."
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return path or "."
        return None
    if isinstance(value, float):
        return None if math.isfinite(value) else (path or ".")
    if isinstance(value, dict):
        for key, item in value.items():
            sub = f"{path}.{key}" if path else str(key)
            found = unstorable_path(key, sub) if isinstance(key, str) else None
            found = found or unstorable_path(item, sub)
            if found:
                return found
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found = unstorable_path(item, f"{path}[{i}]")
            if found:
                return found
    return None


UNSTORABLE = "must not hold NUL characters, unpaired surrogates or non-finite numbers"


def _storable(value: str) -> str:
    if unstorable_path(value):
        raise ValueError(UNSTORABLE)
    return value


#: An owner id: given as is in local mode, the token's owner with ORCHESTRIX_AUTH=tokens.
OwnerId = Annotated[
    str,
    Field(min_length=1, max_length=200, description="Who owns the server."),
    AfterValidator(_storable),
]


class ApiModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class RequestModel(ApiModel):
    @model_validator(mode="before")
    @classmethod
    def _storable_text(cls, data: Any) -> Any:
        found = unstorable_path(data)
        if found:
            raise ValueError(f"{found}: {UNSTORABLE}")
        return data


SPEC_DESCRIPTION = "A workflow spec (orchestrix/v1): an object, or its YAML or JSON text."


class CreateServer(RequestModel):
    """Exactly one of ``prompt`` (the builder writes the spec) or ``spec``."""

    owner_id: OwnerId | None = None
    prompt: str | None = Field(
        default=None, min_length=1, max_length=4000, description="What the API should do."
    )
    spec: dict[str, Any] | str | None = Field(default=None, description=SPEC_DESCRIPTION)

    @model_validator(mode="after")
    def _one_source(self) -> CreateServer:
        if (self.prompt is None) == (self.spec is None):
            raise ValueError("give either a prompt or a spec")
        return self


class SaveServer(RequestModel):
    owner_id: OwnerId | None = None
    spec: dict[str, Any] | str = Field(description=SPEC_DESCRIPTION)
    base_version: int | None = Field(
        default=None,
        ge=1,
        le=MAX_INT32,
        description="The version this edit started from; a stale one answers 409.",
    )
    summary: str | None = Field(default=None, max_length=500, description="What changed.")


class RestoreVersion(RequestModel):
    owner_id: OwnerId | None = None
    base_version: int | None = Field(default=None, ge=1, le=MAX_INT32)


class OwnerBody(RequestModel):
    owner_id: OwnerId | None = None


class ChatMessage(RequestModel):
    owner_id: OwnerId | None = None
    message: str = Field(min_length=1, max_length=4000)


class RunRequest(RequestModel):
    owner_id: OwnerId | None = None
    input: dict[str, Any] = Field(default_factory=dict, description="The request body.")
    headers: dict[str, str] = Field(
        default_factory=dict, description="Request headers the graph sees (`headers.*`)."
    )


# --- answers --------------------------------------------------------------------------------


class RuntimeOut(ApiModel):
    status: Literal["running", "stopped"]
    version: int = Field(description="The version the runtime serves (the current one).")
    started_at: datetime | None
    rest_endpoint: str = Field(description="POST the input here while running.")
    mcp_endpoint: str | None = Field(description="Streamable HTTP MCP endpoint while running.")


class ServerOut(ApiModel):
    id: str
    owner_id: str
    name: str
    description: str
    version: int
    spec: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    runtime: RuntimeOut
    archestra_agent_id: str | None = None
    archestra_endpoint: str | None = None
    archestra_dashboard_url: str | None = None
    archestra_deployed_at: datetime | None = None


class BuildInfo(ApiModel):
    summary: str
    assumptions: list[str]
    planner: str


class CreatedServerOut(ServerOut):
    build: BuildInfo | None = Field(default=None, description="Set when built from a prompt.")


class VersionSummary(ApiModel):
    version: int
    author: str
    summary: str
    created_at: datetime


class VersionOut(VersionSummary):
    spec: dict[str, Any]


class RunOut(ApiModel):
    status: int
    body: Any
    headers: dict[str, str]
    logs: list[dict[str, Any]]
    duration_ms: float
    execution_id: int
    version: int


class ExecutionOut(ApiModel):
    id: int
    server_id: str
    version: int
    source: str
    status: int
    input: Any
    body: Any
    logs: list[dict[str, Any]]
    duration_ms: float
    created_at: datetime


class ExecutionPage(ApiModel):
    items: list[ExecutionOut]
    total: int
    limit: int
    offset: int


class ChatOut(ApiModel):
    reply: dict[str, Any] = Field(description="The supervisor's reply (intent, message...).")
    server: ServerOut
    version: VersionSummary | None = Field(
        default=None, description="The new version, after a mutation."
    )
    run: RunOut | None = Field(default=None, description="The run, for the intent `run`.")
    next: dict[str, Any] | None = Field(
        default=None, description="A request for the client to make (deploy)."
    )


class Health(ApiModel):
    status: str
    version: str


# --- from records ---------------------------------------------------------------------------


def runtime_out(server: ServerRecord, *, mcp: bool) -> RuntimeOut:
    return RuntimeOut(
        status="running" if server.runtime_status == "running" else "stopped",
        version=server.version,
        started_at=server.runtime_started_at,
        rest_endpoint=f"/runtime/{server.id}",
        mcp_endpoint=f"/runtime/{server.id}/mcp" if mcp else None,
    )


def server_out(server: ServerRecord, *, mcp: bool) -> ServerOut:
    deployment = server.deployment
    return ServerOut(
        id=server.id,
        owner_id=server.owner_id,
        name=server.name,
        description=server.description,
        version=server.version,
        spec=server.spec,
        created_at=server.created_at,
        updated_at=server.updated_at,
        runtime=runtime_out(server, mcp=mcp),
        archestra_agent_id=deployment.agent_id if deployment else None,
        archestra_endpoint=deployment.endpoint if deployment else None,
        archestra_dashboard_url=deployment.dashboard_url if deployment else None,
        archestra_deployed_at=deployment.deployed_at if deployment else None,
    )


def version_summary(record: VersionRecord) -> VersionSummary:
    return VersionSummary(
        version=record.version,
        author=record.author,
        summary=record.summary,
        created_at=record.created_at,
    )


def version_out(record: VersionRecord) -> VersionOut:
    return VersionOut(**version_summary(record).model_dump(), spec=record.spec)


def execution_out(record: ExecutionRecord) -> ExecutionOut:
    return ExecutionOut(
        id=record.id,
        server_id=record.server_id,
        version=record.version,
        source=record.source,
        status=record.status,
        input=record.input,
        body=record.body,
        logs=record.logs,
        duration_ms=record.duration_ms,
        created_at=record.created_at,
    )

"""Routes of a server's MCP credentials, and the endpoints' OAuth protected-resource metadata.

- ``POST /mcp/servers/{serverId}/mcp-keys`` -> 201, a new key (the key itself shown once);
- ``GET /mcp/servers/{serverId}/mcp-keys`` -> the keys (never the keys themselves) and whether
  the server demands one;
- ``DELETE /mcp/servers/{serverId}/mcp-keys/{keyId}`` -> the key, revoked (idempotent);
- ``PUT /mcp/servers/{serverId}/mcp-access`` ``{requireKey}``: whether the server's deployed
  agents' MCP endpoints (and its ``/runtime/{serverId}/mcp``) refuse a call without a key;
- ``GET /.well-known/oauth-protected-resource[/{path}]``: RFC 9728 metadata, where a 401's
  ``WWW-Authenticate: Bearer resource_metadata=...`` points.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Path, Request
from pydantic import Field

from orchestrix.api.deps import IdentityDep, OwnerDep, ServerId, SettingsDep, StoreDep
from orchestrix.api.errors import ERROR_RESPONSES
from orchestrix.api.schemas import ApiModel, OwnerId, RequestModel
from orchestrix.runtime.mcp_auth import WELL_KNOWN, protected_resource_metadata
from orchestrix.store.mcp_keys import McpKeyRecord

router = APIRouter(prefix="/mcp/servers", tags=["mcp-keys"], responses=ERROR_RESPONSES)
public = APIRouter(tags=["mcp-keys"])

KeyId = Path(alias="keyId", description="The key id (`mk_...`).", max_length=40)


class CreateMcpKey(RequestModel):
    owner_id: OwnerId | None = None
    name: str = Field(default="", max_length=200, description="What the key is for.")


class McpAccessIn(RequestModel):
    owner_id: OwnerId | None = None
    require_key: bool = Field(
        description="Refuse MCP calls without one of the server's keys (deployed agents and "
        "the local runtime alike)."
    )


class McpKeyOut(ApiModel):
    id: str
    server_id: str
    name: str
    prefix: str = Field(description="The key's first characters, to tell keys apart.")
    created_at: datetime
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


class CreatedMcpKeyOut(McpKeyOut):
    key: str = Field(description="The key itself: shown once, never stored.")


class McpKeysOut(ApiModel):
    server_id: str
    require_key: bool
    keys: list[McpKeyOut]


class McpAccessOut(ApiModel):
    server_id: str
    require_key: bool


def _out(record: McpKeyRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "server_id": record.server_id,
        "name": record.name,
        "prefix": record.prefix,
        "created_at": record.created_at,
        "last_used_at": record.last_used_at,
        "revoked_at": record.revoked_at,
    }


@router.post("/{serverId}/mcp-keys", status_code=201, response_model=CreatedMcpKeyOut)
async def create_mcp_key(
    server_id: ServerId, body: CreateMcpKey, store: StoreDep, who: IdentityDep
) -> CreatedMcpKeyOut:
    """A new API key for the server's MCP endpoints; the answer is the only time it is shown."""
    await store.servers.get(server_id, who.owner(body.owner_id))
    record, key = await store.mcp_keys.create(server_id, body.name)
    return CreatedMcpKeyOut(**_out(record), key=key)


@router.get("/{serverId}/mcp-keys", response_model=McpKeysOut)
async def list_mcp_keys(server_id: ServerId, store: StoreDep, owner: OwnerDep) -> McpKeysOut:
    """The server's MCP keys (revoked ones too) and whether it demands one."""
    await store.servers.get(server_id, owner)
    keys = await store.mcp_keys.list(server_id)
    return McpKeysOut(
        server_id=server_id,
        require_key=await store.mcp_keys.required(server_id),
        keys=[McpKeyOut(**_out(k)) for k in keys],
    )


@router.delete("/{serverId}/mcp-keys/{keyId}", response_model=McpKeyOut)
async def revoke_mcp_key(
    server_id: ServerId, store: StoreDep, owner: OwnerDep, key_id: str = KeyId
) -> McpKeyOut:
    """Revoke a key: the next request that carries it is refused, on every endpoint."""
    await store.servers.get(server_id, owner)
    return McpKeyOut(**_out(await store.mcp_keys.revoke(server_id, key_id)))


@router.put("/{serverId}/mcp-access", response_model=McpAccessOut)
async def set_mcp_access(
    server_id: ServerId, body: McpAccessIn, store: StoreDep, who: IdentityDep
) -> McpAccessOut:
    """Whether the server's MCP endpoints demand one of its keys."""
    await store.servers.get(server_id, who.owner(body.owner_id))
    required = await store.mcp_keys.set_required(server_id, body.require_key)
    return McpAccessOut(server_id=server_id, require_key=required)


def _base(request: Request, public_url: str | None) -> str:
    return (public_url or str(request.base_url)).rstrip("/")


@public.get(WELL_KNOWN, summary="OAuth protected-resource metadata (RFC 9728)")
async def resource_metadata(request: Request, settings: SettingsDep) -> dict[str, Any]:
    base = _base(request, settings.host_public_url)
    return protected_resource_metadata(base, settings.mcp_oauth_issuer)


@public.get(WELL_KNOWN + "/{path:path}", summary="An MCP endpoint's protected-resource metadata")
async def endpoint_resource_metadata(
    path: str, request: Request, settings: SettingsDep
) -> dict[str, Any]:
    base = _base(request, settings.host_public_url)
    return protected_resource_metadata(f"{base}/{path}", settings.mcp_oauth_issuer)

"""A server's secrets: set, list (names only) and delete; values never come back.

``PUT /mcp/servers/{serverId}/secrets/{name}`` with ``{value}`` sets one (201 created, 200
replaced); ``GET /mcp/servers/{serverId}/secrets`` lists names and times;
``DELETE .../secrets/{name}`` removes one. Another owner's server answers 404, as everywhere.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Response
from pydantic import Field

from orchestrix.api.deps import IdentityDep, OwnerDep, ServerId, StoreDep
from orchestrix.api.errors import ERROR_RESPONSES
from orchestrix.api.schemas import ApiModel, OwnerId, RequestModel
from orchestrix.errors import NotFoundError
from orchestrix.store.secrets import MAX_SECRET_BYTES, SecretInfo

router = APIRouter(prefix="/mcp/servers", tags=["secrets"], responses=ERROR_RESPONSES)

SecretName = Annotated[
    str,
    Path(
        description="A letter or _ and up to 55 letters, digits or _, e.g. `WEATHER_API_KEY`.",
        max_length=56,
    ),
]


class SetSecret(RequestModel):
    owner_id: OwnerId | None = None
    value: str = Field(
        min_length=1,
        max_length=MAX_SECRET_BYTES,
        description="The secret's value; stored encrypted, never shown again.",
    )


class SecretOut(ApiModel):
    name: str
    created_at: datetime
    updated_at: datetime


class SecretList(ApiModel):
    secrets: list[SecretOut]


def _out(info: SecretInfo) -> SecretOut:
    return SecretOut(name=info.name, created_at=info.created_at, updated_at=info.updated_at)


@router.put(
    "/{serverId}/secrets/{name}",
    response_model=SecretOut,
    status_code=200,
    responses={201: {"model": SecretOut, "description": "The secret was created"}},
)
async def set_secret(
    server_id: ServerId,
    name: SecretName,
    body: SetSecret,
    response: Response,
    store: StoreDep,
    who: IdentityDep,
) -> SecretOut:
    """Set a secret that specs read as ``{{ secrets.NAME }}`` (201 new, 200 replaced)."""
    await store.servers.get(server_id, who.owner(body.owner_id))
    info, created = await store.secrets.set(server_id, name, body.value)
    if created:
        response.status_code = 201
    return _out(info)


@router.get("/{serverId}/secrets", response_model=SecretList)
async def list_secrets(server_id: ServerId, store: StoreDep, owner: OwnerDep) -> SecretList:
    """The server's secret names and when they were set; never their values."""
    await store.servers.get(server_id, owner)
    return SecretList(secrets=[_out(i) for i in await store.secrets.names(server_id)])


@router.delete("/{serverId}/secrets/{name}", status_code=204)
async def delete_secret(
    server_id: ServerId, name: SecretName, store: StoreDep, owner: OwnerDep
) -> Response:
    await store.servers.get(server_id, owner)
    if not await store.secrets.delete(server_id, name):
        raise NotFoundError("Secret not found", {"serverId": server_id, "name": name})
    return Response(status_code=204)

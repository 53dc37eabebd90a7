"""What routes share: the app's parts on ``app.state``, the caller's owner identity and the
``serverId`` and ``ownerId`` parameters.

``create_app`` puts the store, the runner and the settings on ``app.state``; routers (this
package's and ``orchestrix.api.deploy``) reach them through the dependencies below.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Path, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from orchestrix.api.errors import RequestInvalid
from orchestrix.api.runner import Runner
from orchestrix.api.schemas import OwnerId
from orchestrix.errors import Forbidden, Unauthorized
from orchestrix.settings import Settings
from orchestrix.store import Store


def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_runner(request: Request) -> Runner:
    runner: Runner = request.app.state.runner
    return runner


StoreDep = Annotated[Store, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
RunnerDep = Annotated[Runner, Depends(get_runner)]

ServerId = Annotated[str, Path(alias="serverId", description="The server id (`mcp_...`).")]
OwnerQuery = Annotated[
    OwnerId | None, Query(alias="ownerId", description="The owner (local mode).")
]


def has_mcp(request: Request) -> bool:
    return getattr(request.app.state, "mcp", None) is not None


def forget_mcp(request: Request, server_id: str) -> None:
    """Drop the server from the MCP side (when the app serves one)."""
    mcp = getattr(request.app.state, "mcp", None)
    if mcp is not None:
        mcp.forget(server_id)


_bearer = HTTPBearer(
    auto_error=False,
    description="An API token from `orchestrix token create` (needed with ORCHESTRIX_AUTH=tokens).",
)


@dataclass(frozen=True)
class Identity:
    """Who is calling. In local mode nobody is known and ``ownerId`` is taken as given; with
    tokens the token's owner is the owner, and a different ``ownerId`` answers 403."""

    token_owner: str | None

    def owner(self, claimed: str | None) -> str:
        if self.token_owner is not None:
            if claimed is not None and claimed != self.token_owner:
                raise Forbidden(
                    "The ownerId is not the owner of the API token", {"ownerId": claimed}
                )
            return self.token_owner
        if claimed is None:
            raise RequestInvalid(
                "ownerId is required",
                [{"in": "query", "field": "ownerId", "message": "Field required"}],
            )
        return claimed


async def identity(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Identity:
    settings = get_settings(request)
    if settings.auth != "tokens":
        return Identity(token_owner=None)
    if credentials is None or not credentials.credentials:
        raise Unauthorized("An API token is required: send Authorization: Bearer <token>")
    owner = await get_store(request).tokens.authenticate(credentials.credentials)
    if owner is None:
        raise Unauthorized("The API token is not valid or was revoked")
    return Identity(token_owner=owner)


IdentityDep = Annotated[Identity, Depends(identity)]


def query_owner(who: IdentityDep, owner_id: OwnerQuery = None) -> str:
    """The owner a request without a body names: ``?ownerId`` or the API token's."""
    return who.owner(owner_id)


OwnerDep = Annotated[str, Depends(query_owner)]

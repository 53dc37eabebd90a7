"""Who may reach an MCP endpoint: DNS-rebinding protection, API keys and OAuth 2.1 tokens.

- :func:`transport_security`: the SDK's own ``TransportSecuritySettings`` from the settings:
  loopback names and origins always, the host of ``ORCHESTRIX_HOST_PUBLIC_URL``, and what
  ``ORCHESTRIX_MCP_ALLOWED_HOSTS`` / ``_ORIGINS`` add. A request whose ``Host`` or ``Origin``
  is not among them is refused by the SDK (421 / 403) before anything runs.
- :class:`McpAccess`: the MCP authorization model for remote servers. An endpoint that needs a
  credential answers 401 with ``WWW-Authenticate: Bearer resource_metadata="..."`` pointing to
  its RFC 9728 document (:func:`protected_resource_metadata`); it accepts the server's API keys
  (a :class:`KeySource`) and, with ``ORCHESTRIX_MCP_OAUTH_ISSUER`` set, access tokens of that
  issuer checked against its JWKS (:class:`OAuthVerifier`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx
import jwt
from mcp.server.transport_security import TransportSecuritySettings
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Scope

from orchestrix.settings import Settings

log = logging.getLogger("orchestrix.mcp")

WELL_KNOWN = "/.well-known/oauth-protected-resource"
_LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")
#: Asymmetric algorithms only: an issuer's public keys cannot sign an HMAC token.
_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA"]


def transport_security(settings: Settings) -> TransportSecuritySettings:
    """Allowed ``Host`` and ``Origin`` values for every MCP endpoint of this process."""
    if "*" in settings.mcp_allowed_hosts:
        return TransportSecuritySettings(enable_dns_rebinding_protection=False)
    hosts: list[str] = []
    origins: list[str] = []
    for name in _LOOPBACK_HOSTS:
        hosts += [name, f"{name}:*"]
        origins += [
            f"{scheme}://{name}{port}" for scheme in ("http", "https") for port in ("", ":*")
        ]
    if settings.host_public_url:
        parts = urlsplit(settings.host_public_url)
        if parts.netloc:
            hosts.append(parts.netloc)
            origins.append(f"{parts.scheme}://{parts.netloc}")
    hosts += settings.mcp_allowed_hosts
    origins += settings.mcp_allowed_origins
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True, allowed_hosts=hosts, allowed_origins=origins
    )


class KeySource(Protocol):
    """API keys of mounted endpoints (an endpoint is a server or agent id)."""

    async def required(self, endpoint: str) -> bool:
        """Whether the endpoint refuses a request without a credential."""
        ...

    async def authenticate(self, endpoint: str, key: str) -> bool:
        """Whether ``key`` opens the endpoint."""
        ...


class OAuthVerifier:
    """Access tokens of one OAuth 2.1 authorization server, checked against its JWKS.

    The JWKS URL is configured or read from the issuer's metadata (RFC 8414, then OpenID
    discovery); keys are cached and fetched again when a token names an unknown ``kid``
    (at most every ``refresh_after`` seconds).
    """

    def __init__(
        self,
        issuer: str,
        *,
        jwks_url: str | None = None,
        audience: str | None = None,
        timeout: float = 10.0,
        refresh_after: float = 10.0,
    ) -> None:
        self.issuer = issuer
        self.audience = audience
        self._jwks_url = jwks_url
        self._timeout = timeout
        self._refresh_after = refresh_after
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at = -float("inf")

    @classmethod
    def from_settings(cls, settings: Settings) -> OAuthVerifier | None:
        if not settings.mcp_oauth_issuer:
            return None
        return cls(
            settings.mcp_oauth_issuer,
            jwks_url=settings.mcp_oauth_jwks_url,
            audience=settings.mcp_oauth_audience,
        )

    async def _discover(self, http: httpx.AsyncClient) -> str:
        if self._jwks_url:
            return self._jwks_url
        base = self.issuer.rstrip("/")
        for suffix in (
            "/.well-known/oauth-authorization-server",
            "/.well-known/openid-configuration",
        ):
            answer = await http.get(base + suffix)
            if answer.status_code == 200:
                uri = answer.json().get("jwks_uri")
                if isinstance(uri, str) and uri:
                    self._jwks_url = uri
                    return uri
        raise LookupError(f"{self.issuer} publishes no jwks_uri")

    async def _refresh(self) -> None:
        if time.monotonic() - self._fetched_at < self._refresh_after:
            return
        self._fetched_at = time.monotonic()
        try:
            async with httpx.AsyncClient(timeout=self._timeout) as http:
                url = await self._discover(http)
                answer = await http.get(url)
                answer.raise_for_status()
                keys = jwt.PyJWKSet.from_dict(answer.json()).keys
        except (httpx.HTTPError, LookupError, ValueError, jwt.PyJWTError) as e:
            log.warning("cannot read the keys of OAuth issuer %s: %s", self.issuer, e)
            return
        self._keys = {str(key.key_id): key for key in keys}

    async def verify(self, token: str, audiences: Sequence[str]) -> dict[str, Any] | None:
        """The token's claims when the issuer signed it for one of ``audiences``; else None."""
        try:
            kid = str(jwt.get_unverified_header(token).get("kid"))
        except jwt.PyJWTError:
            return None
        if kid not in self._keys:
            await self._refresh()
        key = self._keys.get(kid)
        if key is None:
            return None
        accepted = [self.audience] if self.audience else list(audiences)
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=_ALGORITHMS,
                audience=accepted,
                issuer=self.issuer,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.PyJWTError:
            return None
        return claims


def public_base(scope: Scope, public_url: str | None) -> str:
    """The URL this request reached us at (or the configured public one), without a path."""
    if public_url:
        parts = urlsplit(public_url)
        return f"{parts.scheme}://{parts.netloc}"
    request = Request(scope)
    return f"{request.url.scheme}://{request.url.netloc}"


def full_path(scope: Scope) -> str:
    path = str(scope.get("path", ""))
    root = str(scope.get("root_path", ""))
    if root and not path.startswith(root):
        path = root + path
    return path.rstrip("/") or "/"


def metadata_url(scope: Scope, public_url: str | None) -> str:
    """Where the endpoint's RFC 9728 metadata is: the well-known path before its own path."""
    return public_base(scope, public_url) + WELL_KNOWN + full_path(scope)


def protected_resource_metadata(
    resource: str, issuer: str | None, *, scopes: Sequence[str] = ()
) -> dict[str, Any]:
    """The RFC 9728 document of one MCP endpoint (or of every endpoint under a base URL)."""
    document: dict[str, Any] = {
        "resource": resource,
        "bearer_methods_supported": ["header"],
        "resource_name": "Orchestrix MCP endpoint",
    }
    if issuer:
        document["authorization_servers"] = [issuer]
    if scopes:
        document["scopes_supported"] = list(scopes)
    return document


def bearer(scope: Scope) -> str | None:
    """The token of an ``Authorization: Bearer`` header (None without one)."""
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            text: str = bytes(value).decode("latin-1")
            scheme, _, token = text.partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
            return None
    return None


def challenge(
    scope: Scope, public_url: str | None, *, given: bool, message: str | None = None
) -> Response:
    """The 401 the MCP authorization rules ask for (RFC 6750 and RFC 9728)."""
    parts = ['Bearer realm="orchestrix"', f'resource_metadata="{metadata_url(scope, public_url)}"']
    if given:
        parts.append('error="invalid_token"')
        parts.append('error_description="The API key or access token is not valid"')
        text = message or "The API key or access token is not valid"
    else:
        text = message or "This MCP server needs an API key: send Authorization: Bearer <key>"
    return JSONResponse(
        {"error": text, "details": {"scheme": "Bearer"}},
        status_code=401,
        headers={"WWW-Authenticate": ", ".join(parts)},
    )


class McpAccess:
    """Decides, per request, whether a mounted endpoint may be called.

    An endpoint needs a credential when ``require_all`` is set (``ORCHESTRIX_AUTH=tokens`` on
    ``orchestrix serve``; any process with an OAuth issuer configured), or when its server
    says so (:meth:`KeySource.required`). Without that need the request passes untouched,
    ``Authorization`` header included (it may be the workflow's own, for ``jwtVerify``).
    """

    def __init__(
        self,
        *,
        keys: KeySource | None = None,
        oauth: OAuthVerifier | None = None,
        require_all: bool = False,
        public_url: str | None = None,
    ) -> None:
        self.keys = keys
        self.oauth = oauth
        self.require_all = require_all or oauth is not None
        self.public_url = public_url

    @classmethod
    def from_settings(
        cls, settings: Settings, keys: KeySource | None = None, *, require_all: bool = False
    ) -> McpAccess:
        return cls(
            keys=keys,
            oauth=OAuthVerifier.from_settings(settings),
            require_all=require_all,
            public_url=settings.host_public_url,
        )

    async def needed(self, endpoint: str) -> bool:
        if self.require_all:
            return True
        return self.keys is not None and await self.keys.required(endpoint)

    async def check(self, endpoint: str, scope: Scope) -> Response | bool:
        """The 401 to answer; else whether a credential was needed (and so consumed: the
        caller drops the ``Authorization`` header before the workflow sees the request)."""
        if not await self.needed(endpoint):
            return False
        token = bearer(scope)
        if token is None:
            return challenge(scope, self.public_url, given=False)
        if self.keys is not None and await self.keys.authenticate(endpoint, token):
            return True
        if self.oauth is not None:
            base = public_base(scope, self.public_url)
            audiences = [base + full_path(scope), base, base + "/"]
            if await self.oauth.verify(token, audiences) is not None:
                return True
        return challenge(scope, self.public_url, given=True)


def protected_resource_routes(settings: Settings) -> list[Route]:
    """``/.well-known/oauth-protected-resource[/{path}]`` for an app that serves MCP endpoints
    (``orchestrix host``; the control plane has the same routes in its API)."""

    async def metadata(request: Request) -> Response:
        base = (settings.host_public_url or str(request.base_url)).rstrip("/")
        path = request.path_params.get("path")
        resource = f"{base}/{path}" if path else base
        return JSONResponse(protected_resource_metadata(resource, settings.mcp_oauth_issuer))

    return [
        Route(WELL_KNOWN, metadata, methods=["GET"]),
        Route(WELL_KNOWN + "/{path:path}", metadata, methods=["GET"]),
    ]

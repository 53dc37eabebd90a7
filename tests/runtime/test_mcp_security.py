"""Who may reach a mounted MCP endpoint, over real HTTP with the SDK's client.

DNS rebinding (a forged ``Host`` / ``Origin``), the 401 of the MCP authorization model with
its ``resource_metadata`` pointer, OAuth 2.1 access tokens checked against the JWKS of an
identity provider that runs on loopback here, and a call cancelled when its client leaves.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import anyio
import httpx2
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from mcp import Client
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from orchestrix.runtime.mcp import McpAccess, McpMount, transport_security
from orchestrix.runtime.mcp_auth import OAuthVerifier, protected_resource_routes
from orchestrix.settings import Settings
from orchestrix.spec.models import Workflow
from tests.conftest import unique_namespace
from tests.runtime.test_mcp_http import SIGNUP, McpHost, client_with_headers, signup_args
from tests.servers import serve_asgi

INIT = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "probe", "version": "1"},
    },
}
ACCEPT = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


def call(email: str) -> dict[str, Any]:
    return {
        "jsonrpc": "2.0",
        "id": 2,
        "method": "tools/call",
        "params": {"name": "signup_api", "arguments": signup_args(email)},
    }


def secured(settings: Settings, access: McpAccess | None = None) -> McpHost:
    """The test app with rebinding protection, ``access`` and the RFC 9728 routes."""
    host = McpHost(settings, McpMount(security=transport_security(settings), access=access))
    host.app.router.routes.extend(protected_resource_routes(settings))
    return host


# --- DNS rebinding ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"Host": "attacker.example"}, 421),
        ({"Host": "attacker.example", "Origin": "http://attacker.example"}, 421),
        ({"Origin": "http://attacker.example"}, 403),  # loopback Host, a page elsewhere
    ],
)
async def test_a_rebinding_request_is_refused_before_anything_runs(
    settings: Settings, headers: dict[str, str], status: int
) -> None:
    ns = unique_namespace()
    host = secured(settings)
    host.put("srv", SIGNUP, ns)
    with serve_asgi(host.app) as base:
        async with httpx2.AsyncClient() as http:
            refused = await http.post(
                f"{base}/srv/mcp", json=call("bound@example.com"), headers={**ACCEPT, **headers}
            )
            assert refused.status_code == status
            # A loopback client with no Origin (a desktop client, the SDK) still gets in.
            fine = await http.post(f"{base}/srv/mcp", json=INIT, headers=ACCEPT)
            assert fine.status_code == 200
        with pytest.raises(Exception):  # noqa: B017 - the SDK client reports the refusal its way
            async with client_with_headers(f"{base}/srv/mcp", headers) as client:
                await client.call_tool("signup_api", signup_args("bound@example.com"))
    found = await _stored(settings, ns, "bound@example.com")
    assert found is None  # the signup never ran


async def _stored(settings: Settings, namespace: str, email: str) -> Any:
    from orchestrix.runtime.services import open_services

    async with open_services(settings) as services:
        return await services.datastore.find_one(namespace, "users", {"email": email})


async def test_hosts_and_origins_from_the_settings_are_let_in(settings: Settings) -> None:
    settings = settings.model_copy(
        update={
            "mcp_allowed_hosts": ["mcp.example.com"],
            "mcp_allowed_origins": ["https://app.example.com"],
        }
    )
    host = secured(settings)
    host.put("srv", SIGNUP, unique_namespace())
    with serve_asgi(host.app) as base:
        async with httpx2.AsyncClient() as http:
            ok = await http.post(
                f"{base}/srv/mcp",
                json=INIT,
                headers={**ACCEPT, "Host": "mcp.example.com", "Origin": "https://app.example.com"},
            )
            other = await http.post(
                f"{base}/srv/mcp",
                json=INIT,
                headers={**ACCEPT, "Host": "mcp.example.com", "Origin": "https://evil.example"},
            )
    assert ok.status_code == 200
    assert other.status_code == 403


def test_the_defaults_are_loopback_and_the_public_url() -> None:
    plain = transport_security(Settings(_env_file=None))  # type: ignore[call-arg]
    assert plain.enable_dns_rebinding_protection is True
    assert "127.0.0.1:*" in plain.allowed_hosts and "localhost:*" in plain.allowed_hosts
    assert not any("example" in h for h in plain.allowed_hosts)
    public = transport_security(
        Settings(host_public_url="https://agents.example.com", _env_file=None)  # type: ignore[call-arg]
    )
    assert "agents.example.com" in public.allowed_hosts
    assert "https://agents.example.com" in public.allowed_origins
    off = transport_security(Settings(mcp_allowed_hosts="*", _env_file=None))  # type: ignore[call-arg]
    assert off.enable_dns_rebinding_protection is False


# --- API keys and the 401 --------------------------------------------------------------------


@dataclass
class Keys:
    """A KeySource: which endpoints demand a key, and the keys that open them."""

    required_for: set[str] = field(default_factory=set)
    keys: dict[str, set[str]] = field(default_factory=dict)

    async def required(self, endpoint: str) -> bool:
        return endpoint in self.required_for

    async def authenticate(self, endpoint: str, key: str) -> bool:
        return key in self.keys.get(endpoint, set())


async def test_an_endpoint_that_demands_a_key_answers_401_with_resource_metadata(
    settings: Settings,
) -> None:
    keys = Keys(required_for={"locked"}, keys={"locked": {"orxk_good"}, "other": {"orxk_else"}})
    host = secured(settings, McpAccess(keys=keys))
    host.put("locked", SIGNUP, unique_namespace())
    host.put("open", SIGNUP, unique_namespace())
    with serve_asgi(host.app) as base:
        async with httpx2.AsyncClient() as http:
            missing = await http.post(f"{base}/locked/mcp", json=INIT, headers=ACCEPT)
            wrong = await http.post(
                f"{base}/locked/mcp",
                json=INIT,
                headers={**ACCEPT, "Authorization": "Bearer orxk_else"},  # another server's
            )
        assert missing.status_code == 401
        challenge = missing.headers["www-authenticate"]
        assert challenge.startswith("Bearer ")
        expected = f'resource_metadata="{base}/.well-known/oauth-protected-resource/locked/mcp"'
        assert expected in challenge
        assert "error=" not in challenge  # no credential given: no error code (RFC 6750 3.1)
        assert missing.json()["error"]
        assert wrong.status_code == 401
        assert 'error="invalid_token"' in wrong.headers["www-authenticate"]

        # The SDK client with the key gets in; the open endpoint needs none.
        auth = {"Authorization": "Bearer orxk_good"}
        async with client_with_headers(f"{base}/locked/mcp", auth) as client:
            result = await client.call_tool("signup_api", signup_args("key@example.com"))
            assert result.is_error is False, result.content
        async with Client(f"{base}/open/mcp") as client:
            assert (await client.list_tools()).tools[0].name == "signup_api"


# --- OAuth 2.1: a small identity provider on loopback ------------------------------------------


class IdentityProvider:
    """An authorization server: RFC 8414 metadata, a JWKS, and a client-credentials token
    endpoint that signs RS256 access tokens for the ``resource`` asked for (RFC 8707)."""

    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "k1"
        self.base = ""
        self.app = Starlette(
            routes=[
                Route("/.well-known/oauth-authorization-server", self.metadata),
                Route("/jwks", self.jwks),
                Route("/token", self.token, methods=["POST"]),
            ]
        )

    async def metadata(self, _request: Request) -> JSONResponse:
        return JSONResponse(
            {
                "issuer": self.base,
                "jwks_uri": f"{self.base}/jwks",
                "token_endpoint": f"{self.base}/token",
                "grant_types_supported": ["client_credentials"],
            }
        )

    async def jwks(self, _request: Request) -> JSONResponse:
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        jwk.update({"kid": self.kid, "use": "sig", "alg": "RS256"})
        return JSONResponse({"keys": [jwk]})

    async def token(self, request: Request) -> JSONResponse:
        form = await request.form()
        if form.get("grant_type") != "client_credentials":
            return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
        return JSONResponse(
            {"access_token": self.sign(str(form["resource"])), "token_type": "Bearer"}
        )

    def sign(self, audience: str, *, expires_in: int = 300, key: Any = None) -> str:
        now = int(time.time())
        claims = {"iss": self.base, "aud": audience, "sub": "agent-1", "iat": now}
        claims["exp"] = now + expires_in
        return jwt.encode(claims, key or self.key, algorithm="RS256", headers={"kid": self.kid})


@contextmanager
def identity_provider() -> Iterator[IdentityProvider]:
    idp = IdentityProvider()
    with serve_asgi(idp.app) as base:
        idp.base = base
        yield idp


async def test_access_tokens_of_the_configured_issuer_open_the_endpoint(
    settings: Settings,
) -> None:
    with identity_provider() as idp:
        settings = settings.model_copy(update={"mcp_oauth_issuer": idp.base})
        host = secured(settings, McpAccess.from_settings(settings))
        host.put("srv", SIGNUP, unique_namespace())
        with serve_asgi(host.app) as base:
            resource = f"{base}/srv/mcp"
            async with httpx2.AsyncClient() as http:
                # The client's discovery: 401 -> resource metadata -> authorization server.
                first = await http.post(resource, json=INIT, headers=ACCEPT)
                assert first.status_code == 401
                pointer = first.headers["www-authenticate"].split('resource_metadata="')[1]
                document = (await http.get(pointer.split('"')[0])).json()
                assert document["resource"] == resource
                assert document["authorization_servers"] == [idp.base]
                issued = await http.post(
                    f"{idp.base}/token",
                    data={"grant_type": "client_credentials", "resource": resource},
                )
                token = issued.json()["access_token"]

                async def status(bearer: str) -> int:
                    headers = {**ACCEPT, "Authorization": f"Bearer {bearer}"}
                    return (await http.post(resource, json=INIT, headers=headers)).status_code

                other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
                assert await status(idp.sign("https://elsewhere.example/mcp")) == 401  # audience
                assert await status(idp.sign(resource, expires_in=-60)) == 401  # expired
                assert await status(idp.sign(resource, key=other_key)) == 401  # not its key
                forged = jwt.encode(
                    {"iss": idp.base, "aud": resource, "exp": int(time.time()) + 60},
                    "a guess at a shared secret, 32 bytes or more",
                    algorithm="HS256",
                    headers={"kid": idp.kid},
                )
                assert await status(forged) == 401  # no HMAC with a public key
            async with client_with_headers(resource, {"Authorization": f"Bearer {token}"}) as c:
                result = await c.call_tool("signup_api", signup_args("oauth@example.com"))
                assert result.is_error is False, result.content


async def test_the_verifier_reads_the_jwks_from_the_issuer_metadata() -> None:
    with identity_provider() as idp:
        verifier = OAuthVerifier(idp.base)
        claims = await verifier.verify(idp.sign("https://x.example/mcp"), ["https://x.example/mcp"])
        assert claims is not None and claims["sub"] == "agent-1"
        assert await verifier.verify("not a token", ["https://x.example/mcp"]) is None


# --- cancellation ----------------------------------------------------------------------------


class SlowUpstream:
    """An HTTP peer that holds each request until released."""

    def __init__(self) -> None:
        self.arrived = threading.Event()
        self.release = threading.Event()
        self.app = Starlette(routes=[Route("/slow", self.slow)])

    async def slow(self, _request: Request) -> JSONResponse:
        self.arrived.set()
        await anyio.to_thread.run_sync(self.release.wait, 60)
        return JSONResponse({"ok": True})


def slow_then_insert(url: str) -> Workflow:
    return Workflow.model_validate(
        {
            "name": "Slow Then Insert",
            "inputSchema": {"type": "object", "properties": {"tag": {"type": "string"}}},
            "tools": [
                {"id": "input", "type": "input"},
                {"id": "wait", "type": "httpRequest", "config": {"url": url, "timeout": 60}},
                {
                    "id": "save",
                    "type": "dbInsert",
                    "config": {"collection": "marks", "document": {"tag": "{{ input.tag }}"}},
                },
                {"id": "response", "type": "response", "config": {"status": 201, "body": {}}},
            ],
        }
    )


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_a_client_that_disconnects_stops_the_graph_before_its_next_step(
    settings: Settings, mode: str
) -> None:
    upstream = SlowUpstream()
    ns = unique_namespace()
    with serve_asgi(upstream.app) as peer:
        host = secured(settings)
        host.put("srv", slow_then_insert(f"{peer}/slow"), ns)
        with serve_asgi(host.app) as base:
            async with Client(f"{base}/srv/mcp", mode=mode) as client:
                assert (await client.list_tools()).tools[0].name == "slow_then_insert"
                async with anyio.create_task_group() as tg:
                    tg.start_soon(client.call_tool, "slow_then_insert", {"tag": "gone"})
                    await anyio.to_thread.run_sync(upstream.arrived.wait, 30)
                    tg.cancel_scope.cancel()  # the client gives up mid-step: its request closes
            # The call ends while the upstream still holds its step: it was cancelled there,
            # so the insert after it cannot run (a call still waiting would keep inflight 1).
            with anyio.fail_after(30):
                while _inflight(host.mount):
                    await anyio.sleep(0.02)
            assert not upstream.release.is_set()
            upstream.release.set()
    assert await _stored_tag(settings, ns) is None


def _inflight(mount: McpMount) -> int:
    return sum(e.inflight for e in mount._endpoints.values())


async def _stored_tag(settings: Settings, namespace: str) -> Any:
    from orchestrix.runtime.services import open_services

    async with open_services(settings) as services:
        return await services.datastore.find_one(namespace, "marks", {"tag": "gone"})

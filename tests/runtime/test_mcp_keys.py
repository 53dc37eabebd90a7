"""Per-server MCP API keys through the control-plane API, on the endpoints that serve them.

``orchestrix serve`` on loopback (the ``local`` deploy target inside it), the SDK's client
against ``/agents/{agentId}/mcp`` and ``/runtime/{serverId}/mcp``; on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import httpx2
import pytest
import yaml
from mcp import Client

from orchestrix.api import create_app
from orchestrix.settings import Settings
from orchestrix.store import Store
from tests.runtime.test_mcp_http import client_with_headers
from tests.servers import serve_asgi

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SIGNUP: dict[str, Any] = yaml.safe_load((EXAMPLES / "signup.yaml").read_text())
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


def args(email: str) -> dict[str, Any]:
    return {"email": email, "password": "hunter2hunter2", "name": "Ada"}


@contextmanager
def control_plane(settings: Settings) -> Iterator[httpx.Client]:
    with serve_asgi(create_app(settings)) as base, httpx.Client(base_url=base, timeout=60) as c:
        yield c


def new_server(c: httpx.Client, owner: str = "ada", headers: dict[str, str] | None = None) -> str:
    created = c.post("/mcp/servers", json={"spec": SIGNUP, "ownerId": owner}, headers=headers)
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


async def post_init(url: str, headers: dict[str, str] | None = None) -> httpx2.Response:
    async with httpx2.AsyncClient() as http:
        return await http.post(url, json=INIT, headers={**ACCEPT, **(headers or {})})


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def test_a_deployed_agent_with_a_key_refuses_a_call_without_it(
    tmp_path: Path, database_url: str
) -> None:
    settings = Settings(data_dir=tmp_path, database_url=database_url, _env_file=None)  # type: ignore[call-arg]
    with control_plane(settings) as c:
        sid = new_server(c)
        deployed = c.post(f"/mcp/servers/{sid}/deploy", json={"ownerId": "ada"})
        assert deployed.status_code == 200, deployed.text
        mcp_url = deployed.json()["endpoint"] + "/mcp"
        agent_path = mcp_url.split(str(c.base_url).rstrip("/"))[1]

        # Open until the server says so.
        async with Client(mcp_url) as client:
            assert (await client.list_tools()).tools[0].name == "signup_api"

        made = c.post(f"/mcp/servers/{sid}/mcp-keys", json={"ownerId": "ada", "name": "cursor"})
        assert made.status_code == 201, made.text
        key = made.json()["key"]
        assert key.startswith("orxk_") and made.json()["prefix"] == key[:12]
        required = c.put(
            f"/mcp/servers/{sid}/mcp-access", json={"ownerId": "ada", "requireKey": True}
        )
        assert required.json() == {"serverId": sid, "requireKey": True}

        refused = await post_init(mcp_url)
        assert refused.status_code == 401
        pointer = f"{c.base_url}".rstrip("/") + "/.well-known/oauth-protected-resource"
        assert f'resource_metadata="{pointer}{agent_path}"' in refused.headers["www-authenticate"]
        metadata = c.get(f"/.well-known/oauth-protected-resource{agent_path}")
        assert metadata.status_code == 200
        assert metadata.json()["resource"] == mcp_url
        assert (await post_init(mcp_url, bearer("orxk_not_a_key"))).status_code == 401
        # The REST endpoint of the agent is not this change's: it still answers.

        async with client_with_headers(mcp_url, bearer(key)) as client:
            result = await client.call_tool("signup_api", args("keyed@example.com"))
            assert result.is_error is False, result.content

        # Another server's key does not open this one.
        other = new_server(c)
        other_key = c.post(f"/mcp/servers/{other}/mcp-keys", json={"ownerId": "ada"}).json()
        assert (await post_init(mcp_url, bearer(other_key["key"]))).status_code == 401

        listed = c.get(f"/mcp/servers/{sid}/mcp-keys", params={"ownerId": "ada"}).json()
        assert listed["requireKey"] is True
        assert [k["name"] for k in listed["keys"]] == ["cursor"]
        assert "key" not in listed["keys"][0]

        revoked = c.delete(
            f"/mcp/servers/{sid}/mcp-keys/{made.json()['id']}", params={"ownerId": "ada"}
        )
        assert revoked.status_code == 200 and revoked.json()["revokedAt"]
        assert (await post_init(mcp_url, bearer(key))).status_code == 401

        # Another owner cannot see, make or revoke this server's keys.
        assert c.get(f"/mcp/servers/{sid}/mcp-keys", params={"ownerId": "eve"}).status_code == 404
        eve = c.post(f"/mcp/servers/{sid}/mcp-keys", json={"ownerId": "eve"})
        assert eve.status_code == 404
        assert "key" not in eve.json()


@pytest.fixture
def tokens_settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, auth="tokens", _env_file=None)  # type: ignore[call-arg]


async def make_token(settings: Settings, owner: str) -> str:
    async with Store.open(settings) as store:
        _, token = await store.tokens.create(owner)
    return token


async def test_serve_mcp_endpoints_need_a_credential_in_tokens_mode(
    tokens_settings: Settings,
) -> None:
    ada = await make_token(tokens_settings, "ada")
    bob = await make_token(tokens_settings, "bob")
    with control_plane(tokens_settings) as c:
        sid = new_server(c, headers=bearer(ada))
        started = c.post(f"/mcp/servers/{sid}/runtime/start", json={}, headers=bearer(ada))
        assert started.status_code == 200, started.text
        url = f"{c.base_url}".rstrip("/") + f"/runtime/{sid}/mcp"

        missing = await post_init(url)
        assert missing.status_code == 401
        assert "resource_metadata=" in missing.headers["www-authenticate"]
        assert (await post_init(url, bearer("orx_made_up"))).status_code == 401
        assert (await post_init(url, bearer(bob))).status_code == 401  # not bob's server

        async with client_with_headers(url, bearer(ada)) as client:  # the owner's API token
            result = await client.call_tool("signup_api", args("owner@example.com"))
            assert result.is_error is False, result.content
        key = c.post(f"/mcp/servers/{sid}/mcp-keys", json={}, headers=bearer(ada)).json()["key"]
        async with client_with_headers(url, bearer(key)) as client:  # or one of its MCP keys
            assert (await client.list_tools()).tools[0].name == "signup_api"


async def test_the_standalone_host_demands_the_key_and_refuses_rebinding(tmp_path: Path) -> None:
    from tests.host.helpers import auth, host_settings, running_host, wire

    settings = host_settings(tmp_path)
    request = wire("signup")
    server_id = request["metadata"]["serverId"]
    with running_host(settings) as base:
        async with httpx2.AsyncClient(base_url=base) as http:
            created = await http.post("/mcp/agents", json=request, headers=auth())
            assert created.status_code == 201, created.text
            mcp_url = created.json()["mcpEndpoint"]
            assert (await post_init(mcp_url)).status_code == 200  # open until the server says
            async with Store.open(settings) as store:  # the control plane, same database
                _, key = await store.mcp_keys.create(server_id, "agent")
                await store.mcp_keys.set_required(server_id, True)
            refused = await post_init(mcp_url)
            assert refused.status_code == 401
            pointer = refused.headers["www-authenticate"].split('resource_metadata="')[1]
            document = await http.get(pointer.split('"')[0])
            assert document.status_code == 200 and document.json()["resource"] == mcp_url
            rebound = await http.post(
                mcp_url, json=INIT, headers={**ACCEPT, **bearer(key), "Host": "attacker.example"}
            )
            # the host's trusted-hosts check answers first (400); the MCP transport's own
            # check (421) stands behind it: either way nothing runs
            assert rebound.status_code in (400, 421)
        async with client_with_headers(mcp_url, bearer(key)) as client:
            result = await client.call_tool("signup_api", args("host@example.com"))
            assert result.is_error is False, result.content

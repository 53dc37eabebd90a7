"""Server secrets over HTTP (uvicorn on loopback), on SQLite and PostgreSQL: set, list (names
only), delete, another owner's 404, values encrypted at rest, read by runs as
``{{ secrets.NAME }}`` and never in versions, step logs, executions or the deployment."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
from sqlalchemy import text

from orchestrix.runtime.database import make_engine
from orchestrix.settings import Settings
from tests.api.conftest import create_server

OWNER = {"ownerId": "alice"}
API_KEY = "sk-live-0123456789abcdef"

SPEC: dict[str, Any] = {
    "apiVersion": "orchestrix/v1",
    "name": "Upstream caller",
    "inputSchema": {"type": "object", "properties": {"city": {"type": "string"}}},
    "tools": [
        {"id": "input", "type": "input"},
        {
            "id": "call",
            "type": "transform",
            "config": {
                "output": {
                    "upstream": "Key {{ secrets.API_KEY }}",
                    "keyLength": "{{ len(secrets.API_KEY) }}",
                    "city": "{{ input.city }}",
                }
            },
        },
        {
            "id": "response",
            "type": "response",
            "config": {"status": 200, "body": {"keyLength": "{{ steps.call.keyLength }}"}},
        },
    ],
}


def _no_value(anything: Any) -> None:
    assert API_KEY not in json.dumps(anything)


async def _stored_values(settings: Settings, sql: str) -> list[str]:
    engine = make_engine(settings.resolved_database_url)
    try:
        async with engine.connect() as conn:
            return [str(v) for v in (await conn.execute(text(sql))).scalars()]
    finally:
        await engine.dispose()


def test_set_list_delete_and_another_owner(any_client: httpx.Client) -> None:
    sid = create_server(any_client, spec=SPEC)["id"]
    url = f"/mcp/servers/{sid}/secrets"
    created = any_client.put(f"{url}/API_KEY", json={"value": API_KEY, **OWNER})
    assert created.status_code == 201, created.text
    assert created.json()["name"] == "API_KEY"
    _no_value(created.json())
    replaced = any_client.put(f"{url}/API_KEY", json={"value": API_KEY, **OWNER})
    assert replaced.status_code == 200
    listed = any_client.get(url, params=OWNER)
    assert [s["name"] for s in listed.json()["secrets"]] == ["API_KEY"]
    _no_value(listed.json())
    # another owner: 404 everywhere, nothing changed or shown
    eve = {"ownerId": "eve"}
    assert any_client.get(url, params=eve).status_code == 404
    assert any_client.put(f"{url}/API_KEY", json={"value": "x", **eve}).status_code == 404
    assert any_client.delete(f"{url}/API_KEY", params=eve).status_code == 404
    # a bad name is a clear 4xx, not a 500
    bad = any_client.put(f"{url}/1bad-name", json={"value": "x", **OWNER})
    assert bad.status_code == 400
    assert "secret name" in bad.json()["error"]
    assert any_client.delete(f"{url}/API_KEY", params=OWNER).status_code == 204
    assert any_client.delete(f"{url}/API_KEY", params=OWNER).status_code == 404
    assert any_client.get(url, params=OWNER).json()["secrets"] == []


def test_deleting_a_server_deletes_its_secrets_and_mcp_keys(
    any_client: httpx.Client, any_settings: Settings
) -> None:
    sid = create_server(any_client, spec=SPEC)["id"]
    put = any_client.put(f"/mcp/servers/{sid}/secrets/API_KEY", json={"value": API_KEY, **OWNER})
    assert put.status_code == 201, put.text
    key = any_client.post(f"/mcp/servers/{sid}/mcp-keys", json={"name": "cursor", **OWNER})
    assert key.status_code == 201, key.text
    assert any_client.delete(f"/mcp/servers/{sid}", params=OWNER).status_code == 204
    left = asyncio.run(
        _stored_values(
            any_settings,
            f"SELECT server_id FROM server_secrets WHERE server_id = '{sid}' "
            f"UNION ALL SELECT server_id FROM mcp_keys WHERE server_id = '{sid}'",
        )
    )
    assert left == []


def test_runs_read_secrets_that_never_appear_anywhere(
    any_client: httpx.Client, any_settings: Settings
) -> None:
    server = create_server(any_client, spec=SPEC)
    sid = server["id"]
    missing = any_client.post(f"/mcp/servers/{sid}/run", json={"input": {}, **OWNER})
    assert missing.json()["status"] == 500
    assert "API_KEY is not set" in missing.json()["body"]["error"]

    put = any_client.put(f"/mcp/servers/{sid}/secrets/API_KEY", json={"value": API_KEY, **OWNER})
    assert put.status_code == 201
    ran = any_client.post(f"/mcp/servers/{sid}/run", json={"input": {"city": "Oslo"}, **OWNER})
    answer = ran.json()
    assert answer["status"] == 200, answer
    assert answer["body"] == {"keyLength": len(API_KEY)}
    _no_value(answer["logs"])
    assert "Key ***" in json.dumps(answer["logs"])  # the secret is masked, the rest is kept

    executions = any_client.get(f"/mcp/servers/{sid}/executions", params=OWNER).json()
    _no_value(executions)
    detail = any_client.get(
        f"/mcp/servers/{sid}/executions/{answer['executionId']}", params=OWNER
    ).json()
    _no_value(detail)
    _no_value(any_client.get(f"/mcp/servers/{sid}", params=OWNER).json())
    _no_value(any_client.get(f"/mcp/servers/{sid}/versions", params=OWNER).json())

    stored = asyncio.run(_stored_values(any_settings, "SELECT value FROM server_secrets"))
    assert stored
    assert all(v.startswith("fernet:") and API_KEY not in v for v in stored)


def test_a_database_row_alone_does_not_give_the_value(
    any_client: httpx.Client, any_settings: Settings
) -> None:
    """The key lives outside the database: another key cannot read what the row holds."""
    from orchestrix.errors import ConfigurationError
    from orchestrix.runtime.cipher import SecretCipher

    sid = create_server(any_client, spec=SPEC)["id"]
    any_client.put(f"/mcp/servers/{sid}/secrets/API_KEY", json={"value": API_KEY, **OWNER})
    rows = asyncio.run(
        _stored_values(any_settings, f"SELECT value FROM server_secrets WHERE server_id = '{sid}'")
    )
    assert SecretCipher(any_settings).decrypt(rows[0]) == API_KEY
    try:
        SecretCipher.from_key("another key").decrypt(rows[0])
    except ConfigurationError as e:
        assert "cannot be decrypted" in e.message
    else:  # pragma: no cover - the point of the test
        raise AssertionError("a different key decrypted the secret")


def test_a_local_deployment_gets_the_values_not_the_request(
    any_client: httpx.Client, any_settings: Settings
) -> None:
    from orchestrix.deploy.base import DeploymentRequest
    from orchestrix.spec.io import parse_workflow
    from orchestrix.store.types import utcnow

    sid = create_server(any_client, spec=SPEC)["id"]
    any_client.put(f"/mcp/servers/{sid}/secrets/API_KEY", json={"value": API_KEY, **OWNER})
    deployed = any_client.post(f"/mcp/servers/{sid}/deploy", json=OWNER)
    assert deployed.status_code == 200, deployed.text
    agent_id = deployed.json()["agentId"]
    answer = any_client.post(f"/agents/{agent_id}", json={"city": "Oslo"})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"keyLength": len(API_KEY)}
    # what the host keeps and shows: references, never the value
    specs = asyncio.run(
        _stored_values(any_settings, f"SELECT spec FROM host_agents WHERE id = '{agent_id}'")
    )
    assert "{{ secrets.API_KEY }}" in specs[0] and API_KEY not in specs[0]
    _no_value(any_client.get(f"/agents/{agent_id}").json())
    rows = asyncio.run(
        _stored_values(
            any_settings, f"SELECT value FROM orx_secrets WHERE namespace = '{agent_id}'"
        )
    )
    assert rows and all(v.startswith("fernet:") and API_KEY not in v for v in rows)
    # the deployment request (what goes to Archestra) carries the reference only
    request = DeploymentRequest(
        server_id=sid,
        owner_id="alice",
        version=1,
        workflow=parse_workflow(SPEC),
        created_at=utcnow(),
    )
    _no_value(request.to_wire())
    # a new value reaches the agent on redeploy
    any_client.put(f"/mcp/servers/{sid}/secrets/API_KEY", json={"value": "short", **OWNER})
    assert any_client.post(f"/mcp/servers/{sid}/redeploy", json=OWNER).status_code == 200
    assert any_client.post(f"/agents/{agent_id}", json={}).json() == {"keyLength": 5}


def test_the_host_takes_values_only_on_its_key_protected_channel(tmp_path: Any) -> None:
    from tests.host.helpers import auth, host_settings, running_host

    body = {"name": SPEC["name"], "tools": SPEC["tools"], "inputSchema": SPEC["inputSchema"]}
    with running_host(host_settings(tmp_path)) as host:
        anonymous = httpx.post(f"{host}/mcp/agents", json={**body, "secrets": {"API_KEY": "x"}})
        assert anonymous.status_code in (401, 403)
        created = httpx.post(
            f"{host}/mcp/agents", json={**body, "secrets": {"API_KEY": API_KEY}}, headers=auth()
        )
        assert created.status_code == 201, created.text
        _no_value(created.json())
        agent = created.json()["agentId"]
        assert httpx.post(f"{host}/agents/{agent}", json={}).json() == {"keyLength": len(API_KEY)}
        _no_value(httpx.get(f"{host}/mcp/agents/{agent}", headers=auth()).json())
        bad = httpx.put(
            f"{host}/mcp/agents/{agent}", json={**body, "secrets": ["x"]}, headers=auth()
        )
        assert bad.status_code == 422
        without = httpx.put(f"{host}/mcp/agents/{agent}", json=body, headers=auth())
        assert without.status_code == 200  # no secrets key: the values stay
        assert httpx.post(f"{host}/agents/{agent}", json={}).json() == {"keyLength": len(API_KEY)}


def test_undeploying_removes_the_agents_copy_of_the_values(
    any_client: httpx.Client, any_settings: Settings
) -> None:
    sid = create_server(any_client, spec=SPEC)["id"]
    any_client.put(f"/mcp/servers/{sid}/secrets/API_KEY", json={"value": API_KEY, **OWNER})
    agent_id = any_client.post(f"/mcp/servers/{sid}/deploy", json=OWNER).json()["agentId"]
    query = f"SELECT value FROM orx_secrets WHERE namespace = '{agent_id}'"
    assert asyncio.run(_stored_values(any_settings, query))
    assert any_client.delete(f"/mcp/servers/{sid}/deploy", params=OWNER).status_code == 200
    assert asyncio.run(_stored_values(any_settings, query)) == []


def test_the_host_target_hands_the_values_over_its_key_protected_channel(tmp_path: Any) -> None:
    """Deployed to a separate ``orchestrix host`` (the `host` target), a graph that reads a
    secret gets its value; the host keeps it, and a redeploy hands over the new value."""
    from tests.api.conftest import serve_app
    from tests.factories import make_settings
    from tests.host.helpers import HOST_KEY, host_settings, running_host

    with running_host(host_settings(tmp_path / "host")) as host:
        control = make_settings(
            tmp_path / "control", deploy_target="host", host_url=host, host_api_key=HOST_KEY
        )
        with serve_app(control) as base, httpx.Client(base_url=base, timeout=30) as c:
            sid = create_server(c, spec=SPEC)["id"]
            c.put(f"/mcp/servers/{sid}/secrets/API_KEY", json={"value": API_KEY, **OWNER})
            deployed = c.post(f"/mcp/servers/{sid}/deploy", json=OWNER)
            assert deployed.status_code == 200, deployed.text
            _no_value(deployed.json())
            agent = deployed.json()["agentId"]
            answer = httpx.post(f"{host}/agents/{agent}", json={})
            assert answer.json() == {"keyLength": len(API_KEY)}
            c.put(f"/mcp/servers/{sid}/secrets/API_KEY", json={"value": "short", **OWNER})
            assert c.post(f"/mcp/servers/{sid}/redeploy", json=OWNER).status_code == 200
            assert httpx.post(f"{host}/agents/{agent}", json={}).json() == {"keyLength": 5}

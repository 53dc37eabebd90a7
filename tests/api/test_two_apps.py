"""Two app processes over one PostgreSQL are one service: stateless app processes."""

from __future__ import annotations

from pathlib import Path

import httpx
from mcp import Client

from orchestrix.settings import Settings
from tests.api.conftest import create_server, example_spec, serve_app
from tests.factories import make_settings

OWNER = {"ownerId": "twin"}


async def test_two_apps_over_one_postgresql(tmp_path: Path, postgres_url: str) -> None:
    def settings(name: str) -> Settings:
        return make_settings(tmp_path / name, database_url=postgres_url)

    with serve_app(settings("a")) as a_url, serve_app(settings("b")) as b_url:
        with httpx.Client(base_url=a_url) as a, httpx.Client(base_url=b_url) as b:
            created = create_server(a, "twin")
            sid = created["id"]
            assert b.get(f"/mcp/servers/{sid}", params=OWNER).json()["id"] == sid
            assert sid in [s["id"] for s in b.get("/mcp/servers", params=OWNER).json()]

            spec = example_spec()
            spec["description"] = "saved through b"
            assert (
                b.put(f"/mcp/servers/{sid}", json={"spec": spec, "baseVersion": 1, **OWNER}).json()[
                    "version"
                ]
                == 2
            )
            stale = a.put(f"/mcp/servers/{sid}", json={"spec": spec, "baseVersion": 1, **OWNER})
            assert stale.status_code == 409

            a.post(f"/mcp/servers/{sid}/runtime/start", params=OWNER)
            first = b.post(f"/runtime/{sid}", json={"email": "t@example.com", "password": "p" * 9})
            assert first.status_code == 201, first.text
            # one data namespace: the other process sees the same users
            again = a.post(f"/runtime/{sid}", json={"email": "t@example.com", "password": "p" * 9})
            assert again.status_code == 409

        async with (
            Client(f"{a_url}/runtime/{sid}/mcp") as mcp_a,
            Client(f"{b_url}/runtime/{sid}/mcp") as mcp_b,
        ):
            for i, client in enumerate([mcp_a, mcp_b, mcp_a, mcp_b]):
                result = await client.call_tool(
                    "signup_api", {"email": f"m{i}@example.com", "password": "p" * 9}
                )
                assert result.is_error is False, result.content

        with httpx.Client(base_url=a_url) as a, httpx.Client(base_url=b_url) as b:
            b.post(f"/mcp/servers/{sid}/runtime/stop", params=OWNER)
            assert a.post(f"/runtime/{sid}", json={}).status_code == 404
            listing = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
            gone = a.post(
                f"/runtime/{sid}/mcp",
                json=listing,
                headers={"accept": "application/json, text/event-stream"},
            )
            assert gone.status_code == 404
            page = a.get(f"/mcp/servers/{sid}/executions", params={"limit": 50, **OWNER}).json()
            assert page["total"] == 6
            assert sorted({e["source"] for e in page["items"]}) == ["mcp", "runtime"]

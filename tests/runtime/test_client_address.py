"""Rate limits key on the client address as the server sees it.

Attack, over real HTTP on loopback: a client rotates ``X-Forwarded-For`` to look like a new
caller on every request. From an untrusted peer the header is ignored, so the limit holds on
both apps; only a peer listed in ``ORCHESTRIX_TRUSTED_PROXIES`` is believed.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any

import httpx
import pytest

from orchestrix.agents.edits import CLIENT_KEY
from orchestrix.api import create_app
from orchestrix.host import create_host_app
from orchestrix.runtime.rest import client_ip, trusted_networks
from orchestrix.settings import Settings
from tests.host.helpers import HOST_KEY, auth
from tests.servers import serve_asgi

# ``orchestrix serve`` and ``orchestrix host`` run uvicorn with proxy_headers=False (uvicorn's
# own X-Forwarded-For handling trusts 127.0.0.1); so do these servers.

LIMIT = 3

LIMITED: dict[str, Any] = {
    "apiVersion": "orchestrix/v1",
    "name": "Limited",
    "tools": [
        {"id": "input", "type": "input"},
        {
            "id": "limit",
            "type": "rateLimit",
            "config": {"key": CLIENT_KEY, "limit": LIMIT, "window": 3600},
        },
        {
            "id": "answer",
            "type": "response",
            "config": {"body": {"ip": "{{ client.ip }}"}},
        },
    ],
    "executionOrder": ["input", "limit", "answer"],
}


def _urls(http: httpx.Client, cp: str, host: str) -> list[str]:
    created = http.post(f"{cp}/mcp/servers", json={"spec": LIMITED, "ownerId": "ada"})
    assert created.status_code == 201, created.text
    sid = created.json()["id"]
    assert http.post(f"{cp}/mcp/servers/{sid}/runtime/start", json={"ownerId": "ada"}).is_success
    wire = {k: v for k, v in LIMITED.items() if k != "apiVersion"}
    agent = http.post(f"{host}/mcp/agents", json=wire, headers=auth())
    assert agent.status_code == 201, agent.text
    return [f"{cp}/runtime/{sid}", f"{host}/agents/{agent.json()['agentId']}"]


def _settings(tmp_path: Path, **extra: Any) -> Settings:
    return Settings(data_dir=tmp_path, host_api_key=HOST_KEY, _env_file=None, **extra)  # type: ignore[call-arg]


def test_rotating_forwarded_for_from_an_untrusted_client_does_not_escape_the_limit(
    tmp_path: Path,
) -> None:
    with (
        serve_asgi(create_app(_settings(tmp_path / "cp")), proxy_headers=False) as cp,
        serve_asgi(create_host_app(_settings(tmp_path / "host")), proxy_headers=False) as host,
        httpx.Client(timeout=60) as http,
    ):
        for url in _urls(http, cp, host):
            statuses = [
                http.post(url, json={}, headers={"X-Forwarded-For": f"203.0.113.{i}"}).status_code
                for i in range(1, 12)
            ]
            assert statuses == [200] * LIMIT + [429] * (11 - LIMIT), (url, statuses)
            long = http.post(url, json={}, headers={"X-Forwarded-For": "1" * 600})
            assert long.status_code == 429, long.text  # the same client, not a 500


def test_a_trusted_proxy_is_believed(tmp_path: Path) -> None:
    trusted = {"trusted_proxies": ["127.0.0.1"]}
    with (
        serve_asgi(create_app(_settings(tmp_path / "cp", **trusted)), proxy_headers=False) as cp,
        serve_asgi(
            create_host_app(_settings(tmp_path / "host", **trusted)), proxy_headers=False
        ) as host,
        httpx.Client(timeout=60) as http,
    ):
        for url in _urls(http, cp, host):
            for i in range(1, 8):
                answer = http.post(url, json={}, headers={"X-Forwarded-For": f"198.51.100.{i}"})
                assert answer.status_code == 200, answer.text
                assert answer.json() == {"ip": f"198.51.100.{i}"}
            # a proxy that does not append: the header's own right-most entry is the client
            spoof = {"X-Forwarded-For": "10.9.9.9, 198.51.100.1"}
            answers = [http.post(url, json={}, headers=spoof) for _ in range(LIMIT)]
            assert [a.status_code for a in answers] == [200] * (LIMIT - 1) + [429]


@pytest.mark.parametrize(
    ("peer", "header", "proxies", "expected"),
    [
        ("203.0.113.5", "1.2.3.4", [], "203.0.113.5"),
        ("10.0.0.2", "1.2.3.4", ["10.0.0.0/8"], "1.2.3.4"),
        ("10.0.0.2", "9.9.9.9, 1.2.3.4, 10.0.0.7", ["10.0.0.0/8"], "1.2.3.4"),
        ("10.0.0.2", "not-an-ip", ["10.0.0.0/8"], "10.0.0.2"),
        ("10.0.0.2", None, ["10.0.0.0/8"], "10.0.0.2"),
        ("::1", "2001:db8::9", ["::1"], "2001:db8::9"),
        ("10.0.0.2", "[2001:db8::9]:443", ["10.0.0.0/8"], "2001:db8::9"),
    ],
)
def test_client_ip(peer: str, header: str | None, proxies: list[str], expected: str) -> None:
    assert client_ip(peer, header, trusted_networks(proxies)) == expected
    ipaddress.ip_address(expected)

"""DNS rebinding, CSRF and URLs an attacker chooses, on both apps over real HTTP.

- a foreign ``Host`` header (``rebind.evil.example``) answers 400 on serve and on the host;
- a browser's state-changing request from a foreign ``Origin`` answers 403;
- a ``text/plain`` deployment to the host's management API answers 415 and stores nothing;
- endpoints are built from the configured public URL (or the listening address), never from
  the request's ``Host``;
- a target answering a ``javascript:`` URL fails the deploy instead of storing it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from orchestrix.api import create_app
from orchestrix.deploy.archestra import HttpDeployTarget
from orchestrix.deploy.base import DeployError
from orchestrix.host import create_host_app
from orchestrix.settings import Settings
from tests.api.conftest import example_spec
from tests.deploy.peers import agent_answer, scripted_peer
from tests.host.helpers import HOST_KEY, auth, deployment, wire
from tests.servers import serve_asgi

EVIL = {"Host": "rebind.evil.example"}
OWNER = {"ownerId": "alice"}


def _settings(tmp_path: Path, **extra: Any) -> Settings:
    return Settings(data_dir=tmp_path, host_api_key=HOST_KEY, _env_file=None, **extra)  # type: ignore[call-arg]


def test_a_foreign_host_header_is_refused_on_both_apps(tmp_path: Path) -> None:
    with (
        serve_asgi(create_app(_settings(tmp_path / "cp"))) as cp,
        serve_asgi(create_host_app(_settings(tmp_path / "host"))) as host,
        httpx.Client(timeout=30) as http,
    ):
        for base, path in ((cp, "/mcp/servers?ownerId=alice"), (host, "/mcp/agents")):
            refused = http.get(f"{base}{path}", headers={**EVIL, **auth()})
            assert refused.status_code == 400, refused.text
            assert refused.json()["error"] == "This server does not answer to that Host"
            for name in ("localhost", "127.0.0.1", "[::1]"):
                port = base.rsplit(":", 1)[1]
                ok = http.get(f"{base}{path}", headers={"Host": f"{name}:{port}", **auth()})
                assert ok.status_code == 200, (name, ok.text)


def test_the_public_url_and_trusted_hosts_are_answered(tmp_path: Path) -> None:
    settings = _settings(tmp_path, public_url="https://orx.example", trusted_hosts=["api.internal"])
    with serve_asgi(create_app(settings)) as cp, httpx.Client(base_url=cp, timeout=30) as http:
        for host in ("orx.example", "api.internal:8000"):
            assert http.get("/healthz", headers={"Host": host}).status_code == 200
        assert http.get("/healthz", headers=EVIL).status_code == 400


def test_a_cross_site_request_is_refused(tmp_path: Path) -> None:
    with (
        serve_asgi(create_app(_settings(tmp_path / "cp"))) as cp,
        serve_asgi(create_host_app(_settings(tmp_path / "host"))) as host,
        httpx.Client(timeout=30) as http,
    ):
        evil = {"Origin": "https://evil.example"}
        made = http.post(f"{cp}/mcp/servers", json={"spec": example_spec(), **OWNER}, headers=evil)
        assert made.status_code == 403, made.text
        assert http.get(f"{cp}/mcp/servers", params=OWNER).json() in ([], {"servers": []})
        deployed = http.post(f"{host}/mcp/agents", json=wire(), headers={**evil, **auth()})
        assert deployed.status_code == 403
        # the dashboard's own origin (loopback) is fine
        mine = {"Origin": cp}
        ok = http.post(f"{cp}/mcp/servers", json={"spec": example_spec(), **OWNER}, headers=mine)
        assert ok.status_code == 201, ok.text


def test_a_text_plain_deployment_answers_415_and_stores_nothing(tmp_path: Path) -> None:
    with (
        serve_asgi(create_host_app(_settings(tmp_path))) as host,
        httpx.Client(base_url=host, timeout=30) as http,
    ):
        body = json.dumps(wire()).encode()
        for kind in ("text/plain", "application/x-www-form-urlencoded", None):
            headers = {**auth(), **({"Content-Type": kind} if kind else {})}
            answer = http.post("/mcp/agents", content=body, headers=headers)
            assert answer.status_code == 415, (kind, answer.text)
            assert answer.json()["details"]["contentType"] == kind
        assert http.get("/mcp/agents", headers=auth()).json() == {"agents": []}
        assert http.post("/mcp/agents", json=wire(), headers=auth()).status_code == 201


def test_endpoints_come_from_the_public_url_never_from_the_host_header(tmp_path: Path) -> None:
    attacker = {"Host": "attacker.example"}
    anyhost = {"trusted_hosts": ["*"]}
    with (
        serve_asgi(create_app(_settings(tmp_path / "cp", deploy_target="local", **anyhost))) as cp,
        serve_asgi(create_host_app(_settings(tmp_path / "host", **anyhost))) as host,
        httpx.Client(timeout=60) as http,
    ):
        sid = http.post(
            f"{cp}/mcp/servers", json={"spec": example_spec(), **OWNER}, headers=attacker
        ).json()["id"]
        deployed = http.post(f"{cp}/mcp/servers/{sid}/deploy", json=OWNER, headers=attacker)
        assert deployed.status_code == 200, deployed.text
        assert "attacker.example" not in deployed.json()["endpoint"]
        assert deployed.json()["endpoint"].startswith(cp)
        hosted = http.post(f"{host}/mcp/agents", json=wire(), headers={**attacker, **auth()})
        assert hosted.status_code == 201, hosted.text
        assert hosted.json()["publicEndpoint"].startswith(f"{host}/agents/")

    configured = _settings(tmp_path / "h2", host_public_url="https://agents.example")
    with (
        serve_asgi(create_host_app(configured)) as host,
        httpx.Client(timeout=30) as http,
    ):
        hosted = http.post(f"{host}/mcp/agents", json=wire(), headers=auth())
        assert hosted.json()["publicEndpoint"].startswith("https://agents.example/agents/")


@pytest.mark.parametrize("field", ["publicEndpoint", "dashboardUrl"])
@pytest.mark.parametrize(
    "url", ["javascript:alert(document.cookie)", "data:text/html,<script>1</script>", "//x"]
)
async def test_a_target_answering_a_non_web_url_fails_the_deploy(field: str, url: str) -> None:
    answer = {**agent_answer(), field: url}
    with scripted_peer((201, answer)) as peer:
        target = HttpDeployTarget(peer.endpoint, "ak_test_key", backoff=0.01)  # type: ignore[arg-type]
        with pytest.raises(DeployError) as info:
            await target.deploy(deployment("signup"))
    assert "not an http(s) URL" in info.value.message
    assert field in info.value.message

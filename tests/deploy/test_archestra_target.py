"""The ``archestra`` target against real loopback peers: the request it sends, and how it
fails (401, other 4xx, 5xx with retries, timeouts, closed connections, refused ports)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orchestrix.deploy import get_target
from orchestrix.deploy.archestra import NOT_CONFIGURED, HttpDeployTarget
from orchestrix.deploy.base import DeployError
from orchestrix.errors import ConfigurationError
from tests.deploy.peers import agent_answer, closing_peer, scripted_peer, unused_port_endpoint
from tests.factories import make_settings
from tests.host.helpers import deployment, example


def target(endpoint: str, **options: float) -> HttpDeployTarget:
    options.setdefault("backoff", 0.01)
    return HttpDeployTarget(endpoint, "ak_test_key", **options)  # type: ignore[arg-type]


async def test_the_request_is_the_seed_format_and_carries_no_secret() -> None:
    request = deployment("signup")
    with scripted_peer((201, agent_answer())) as peer:
        agent = await target(peer.endpoint).deploy(request)
    assert agent.agent_id == "agent_abc123"
    assert agent.endpoint == "https://api.example/agents/agent_abc123"
    assert agent.dashboard_url == "https://api.example/dashboard/agent_abc123"
    assert agent.target == "archestra"

    [seen] = peer.seen
    assert seen.method == "POST"
    assert seen.path == "/mcp/agents"
    assert seen.headers["authorization"] == "Bearer ak_test_key"
    assert seen.headers["idempotency-key"]
    body = seen.body
    assert set(body) == {
        "name",
        "description",
        "tools",
        "executionOrder",
        "inputSchema",
        "metadata",
    }
    assert body["name"] == "Signup API"
    assert body["executionOrder"] == example("signup")["executionOrder"]
    assert body["tools"][0] == {"id": "input", "type": "input", "config": {}}
    assert body["tools"][2]["config"] == {"value": "{{ input.password }}"}
    assert body["metadata"] == {
        "createdBy": "orchestrix",
        "serverId": request.server_id,
        "createdAt": body["metadata"]["createdAt"],
        "ownerId": "ada",
        "version": 1,
    }
    assert body["metadata"]["createdAt"].endswith("Z")
    text = json.dumps(body)
    # the workflow's tests hold example user data: they never leave
    assert "ada@example.com" not in text
    assert "correct-horse-1" not in text
    assert "tests" not in body


async def test_a_new_version_is_a_put_to_the_agent() -> None:
    with scripted_peer((200, agent_answer("agent_1"))) as peer:
        agent = await target(peer.endpoint).deploy(deployment(), agent_id="agent_1")
    assert agent.agent_id == "agent_1"
    assert [(s.method, s.path) for s in peer.seen] == [("PUT", "/mcp/agents/agent_1")]


async def test_401_is_unauthorized_and_not_retried() -> None:
    peer_cm = scripted_peer((401, {"error": "bad key"}))
    with peer_cm as peer, pytest.raises(DeployError) as caught:
        await target(peer.endpoint).deploy(deployment())
    assert caught.value.message == "Unauthorized"
    assert caught.value.details["status"] == 401
    assert len(peer.seen) == 1


async def test_other_4xx_answers_give_the_body_message_without_retry() -> None:
    peer_cm = scripted_peer((422, {"error": {"message": "tools must not be empty"}}))
    with peer_cm as peer, pytest.raises(DeployError) as caught:
        await target(peer.endpoint).deploy(deployment())
    assert caught.value.message == "tools must not be empty"
    assert len(peer.seen) == 1


async def test_5xx_is_retried_with_the_same_idempotency_key() -> None:
    with scripted_peer((503, "busy"), (502, "gateway"), (201, agent_answer())) as peer:
        agent = await target(peer.endpoint, attempts=3).deploy(deployment())
    assert agent.agent_id == "agent_abc123"
    assert len(peer.seen) == 3
    assert len({s.headers["idempotency-key"] for s in peer.seen}) == 1


async def test_5xx_retries_are_bounded() -> None:
    peer_cm = scripted_peer((500, {"message": "database down"}))
    with peer_cm as peer, pytest.raises(DeployError) as caught:
        await target(peer.endpoint, attempts=3).deploy(deployment())
    assert caught.value.message == "database down"
    assert len(peer.seen) == 3


async def test_a_target_that_times_out() -> None:
    peer_cm = scripted_peer((0, None), hang_seconds=1.5)
    with peer_cm as peer, pytest.raises(DeployError) as caught:
        await target(peer.endpoint, timeout=0.2, attempts=2).deploy(deployment())
    assert caught.value.message == "Request timed out"
    assert caught.value.details["attempts"] == 2
    assert len(peer.seen) == 2


async def test_a_target_that_closes_the_connection() -> None:
    with closing_peer() as peer, pytest.raises(DeployError) as caught:
        await target(peer.endpoint, attempts=2).deploy(deployment())
    assert caught.value.message == "Network request failed"
    assert peer.connections >= 2


async def test_a_target_that_is_not_there() -> None:
    with pytest.raises(DeployError) as caught:
        await target(unused_port_endpoint(), attempts=2).deploy(deployment())
    assert caught.value.message == "Network request failed"


async def test_an_answer_without_an_agent_is_a_failure() -> None:
    with scripted_peer((200, {"ok": True})) as peer, pytest.raises(DeployError) as caught:
        await target(peer.endpoint).deploy(deployment())
    assert "agentId" in caught.value.message


async def test_undeploy_and_status() -> None:
    with scripted_peer((200, {}), (404, {}), (200, {"agentId": "a1", "name": "x"}), (404, {})) as p:
        t = target(p.endpoint)
        await t.undeploy("a1")
        await t.undeploy("a1")  # already gone: not an error
        assert (await t.status("a1"))["deployed"] is True
        assert await t.status("a1") == {"agentId": "a1", "deployed": False}
    assert [(s.method, s.path) for s in p.seen] == [
        ("DELETE", "/mcp/agents/a1"),
        ("DELETE", "/mcp/agents/a1"),
        ("GET", "/mcp/agents/a1"),
        ("GET", "/mcp/agents/a1"),
    ]


def test_target_choice_and_missing_settings(tmp_path: Path) -> None:
    bare = make_settings(tmp_path)
    assert bare.resolved_deploy_target == "local"
    assert get_target(bare).name == "local"
    with pytest.raises(ConfigurationError) as caught:
        get_target(bare, "archestra")
    assert caught.value.message == NOT_CONFIGURED
    assert caught.value.message == (
        "Archestra deployment is not configured. Please set ARCHESTRA_API_KEY and "
        "ARCHESTRA_ENDPOINT in environment variables."
    )
    keyed = make_settings(
        tmp_path,
        archestra_api_key="k",
        archestra_deployment_endpoint="http://127.0.0.1:9/mcp/agents",
    )
    assert keyed.resolved_deploy_target == "archestra"
    assert get_target(keyed).name == "archestra"
    with pytest.raises(ConfigurationError) as host_missing:
        get_target(bare, "host")
    assert "ORCHESTRIX_HOST_URL" in host_missing.value.message
    with pytest.raises(ConfigurationError):
        get_target(bare, "nowhere")

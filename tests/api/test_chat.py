"""POST /mcp/servers/{id}/chat: the supervisor explains, mutates (a new version), runs, deploys."""

from __future__ import annotations

import httpx

from tests.api.conftest import create_server

OWNER = {"ownerId": "alice"}


def chat(client: httpx.Client, sid: str, message: str) -> dict[str, object]:
    response = client.post(f"/mcp/servers/{sid}/chat", json={"message": message, **OWNER})
    assert response.status_code == 200, response.text
    answer: dict[str, object] = response.json()
    return answer


def test_explain_changes_nothing(client: httpx.Client) -> None:
    sid = create_server(client)["id"]
    answer = chat(client, sid, "what does it do?")
    reply = answer["reply"]
    assert isinstance(reply, dict)
    assert reply["intent"] == "explain"
    assert reply["message"]
    assert answer["version"] is None and answer["run"] is None
    assert client.get(f"/mcp/servers/{sid}", params=OWNER).json()["version"] == 1


def test_a_mutation_is_a_new_version_with_the_reply_as_summary(any_client: httpx.Client) -> None:
    sid = create_server(any_client)["id"]
    answer = chat(any_client, sid, "add a phone number field")
    reply = answer["reply"]
    assert isinstance(reply, dict) and reply["intent"] == "mutate"
    version = answer["version"]
    assert isinstance(version, dict)
    assert version["version"] == 2
    assert version["summary"] == reply["message"]
    server = answer["server"]
    assert isinstance(server, dict) and server["version"] == 2
    properties = server["spec"]["inputSchema"]["properties"]
    assert any("phone" in name.lower() for name in properties)
    stored = any_client.get(f"/mcp/servers/{sid}/versions/2", params=OWNER).json()
    assert stored["spec"] == server["spec"]


def test_run_with_sample_data_is_an_execution(client: httpx.Client) -> None:
    sid = create_server(client)["id"]
    answer = chat(
        client, sid, 'run it with {"email": "chat@example.com", "password": "correct-horse-1"}'
    )
    run = answer["run"]
    assert isinstance(run, dict)
    assert run["status"] == 201
    assert run["body"]["email"] == "chat@example.com"
    # without sample data the spec's first test input is used
    again = chat(client, sid, "run it")
    assert isinstance(again["run"], dict) and again["run"]["status"] == 201
    page = client.get(f"/mcp/servers/{sid}/executions", params=OWNER).json()
    assert [e["source"] for e in page["items"]] == ["chat", "chat"]


def test_deploy_from_chat(client: httpx.Client) -> None:
    sid = create_server(client)["id"]
    answer = chat(client, sid, "deploy it")
    reply = answer["reply"]
    assert isinstance(reply, dict) and reply["intent"] == "deploy"
    nxt = answer["next"]
    assert isinstance(nxt, dict)
    deployed = nxt["deployed"]
    assert deployed["success"] is True
    server = client.get(f"/mcp/servers/{sid}", params=OWNER).json()
    assert server["archestraAgentId"] == deployed["agentId"]
    assert server["archestraEndpoint"] == deployed["endpoint"]
    assert server["archestraDeployedAt"] is not None


def test_chat_errors(client: httpx.Client) -> None:
    sid = create_server(client)["id"]
    other = client.post(
        f"/mcp/servers/{sid}/chat", json={"message": "what does it do?", "ownerId": "bob"}
    )
    assert other.status_code == 404
    empty = client.post(f"/mcp/servers/{sid}/chat", json={"message": "", **OWNER})
    assert empty.status_code == 422

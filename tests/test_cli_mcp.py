"""`orchestrix mcp`: a real subprocess speaking MCP over stdio to the SDK's own client."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from mcp import Client, StdioServerParameters

from orchestrix.runtime.mcp import STATUS_META_KEY
from orchestrix.spec.io import load_workflow
from orchestrix.store import Store
from tests.factories import make_settings

ROOT = Path(__file__).resolve().parents[1]
SIGNUP = str(ROOT / "examples" / "signup.yaml")
LOGIN = str(ROOT / "examples" / "login.yaml")
PASSWORD = "hunter2hunter2"


def clean_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ORCHESTRIX_", "ARCHESTRA_"))}
    env["ORCHESTRIX_DATA_DIR"] = str(data_dir)
    return env


def stdio_server(spec: str, data_dir: Path) -> StdioServerParameters:
    return StdioServerParameters(
        command=sys.executable,
        args=["-m", "orchestrix", "mcp", spec],
        env=clean_env(data_dir),
        cwd=str(data_dir),
    )


def orchestrix(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "orchestrix", *args],
        capture_output=True,
        text=True,
        env=clean_env(data_dir),
        timeout=60,
        cwd=data_dir,
    )


@pytest.mark.timeout(120)
@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_signup_over_stdio(tmp_path: Path, mode: str) -> None:
    args = {"email": "ada@example.com", "password": PASSWORD}
    async with Client(stdio_server(SIGNUP, tmp_path), mode=mode) as client:
        tools = (await client.list_tools()).tools
        assert [t.name for t in tools] == ["signup_api"]
        assert tools[0].input_schema["required"] == ["email", "password"]
        assert tools[0].description == "User registration with a hashed password and a JWT"

        first = await client.call_tool("signup_api", args)
        assert first.is_error is False, first.content
        assert first.structured_content is not None
        assert first.structured_content["token"].count(".") == 2

        again = await client.call_tool("signup_api", args)
        assert again.is_error is True
        assert again.meta is not None and again.meta[STATUS_META_KEY] == 409
        assert again.structured_content is not None
        assert set(again.structured_content) == {"error", "details"}


@pytest.mark.timeout(120)
async def test_stdio_servers_share_the_spec_namespace(tmp_path: Path) -> None:
    """Signup and login keep their data under metadata.namespace, as `orchestrix run` does."""
    args = {"email": "grace@example.com", "password": PASSWORD}
    async with Client(stdio_server(SIGNUP, tmp_path)) as signup:
        assert (await signup.call_tool("signup_api", args)).is_error is False
    async with Client(stdio_server(LOGIN, tmp_path)) as login:
        result = await login.call_tool("login_api", args)
        assert result.is_error is False, result.content
        assert result.structured_content is not None
        assert result.structured_content["user"]["email"] == "grace@example.com"


def test_config_prints_a_client_snippet_with_absolute_paths(tmp_path: Path) -> None:
    result = orchestrix("mcp", os.path.relpath(SIGNUP, tmp_path), "--config", data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    entry = json.loads(result.stdout)["mcpServers"]["signup_api"]
    command = Path(entry["command"])
    assert command.is_absolute() and command.exists()
    assert entry["args"][-2:] == ["mcp", SIGNUP]
    assert entry["env"]["ORCHESTRIX_DATA_DIR"] == str(tmp_path)
    # The snippet starts a working server from anywhere.
    started = subprocess.run(
        [entry["command"], *entry["args"], "--config"],
        capture_output=True,
        text=True,
        env={**os.environ, **entry["env"]},
        cwd="/",
        timeout=60,
    )
    assert started.returncode == 0, started.stderr


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("missing.yaml", "no such spec file"),
        ("mcp_nobody", "mcp_nobody is neither a spec file nor a server in the store"),
    ],
)
def test_bad_targets_are_one_line_errors(tmp_path: Path, target: str, message: str) -> None:
    result = orchestrix("mcp", target, data_dir=tmp_path)
    assert result.returncode != 0
    assert result.stdout == ""
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_an_invalid_spec_lists_its_problems(tmp_path: Path) -> None:
    spec = tmp_path / "broken.yaml"
    spec.write_text(
        "name: Broken\ntools:\n  - {id: a, type: nope}\n  - {id: a, type: input}\n",
        encoding="utf-8",
    )
    result = orchestrix("mcp", str(spec), data_dir=tmp_path)
    assert result.returncode == 1
    assert result.stdout == ""
    assert "nope" in result.stderr
    assert "Traceback" not in result.stderr


async def stored_signup(data_dir: Path) -> str:
    """A server in the control-plane store, as the API creates it; returns its id."""
    settings = make_settings(data_dir)
    workflow = load_workflow(SIGNUP)
    async with Store.open(settings) as store:
        server = await store.servers.create(
            owner_id="owner_1",
            name=workflow.name,
            description=workflow.description,
            spec=workflow.to_wire(),
            summary="created in a test",
        )
    return server.id


@pytest.mark.timeout(120)
async def test_a_stored_server_is_served_by_id_and_its_calls_recorded(tmp_path: Path) -> None:
    server_id = await stored_signup(tmp_path)
    args = {"email": "ada@example.com", "password": PASSWORD}
    async with Client(stdio_server(server_id, tmp_path)) as client:
        assert [t.name for t in (await client.list_tools()).tools] == ["signup_api"]
        assert (await client.call_tool("signup_api", args)).is_error is False
        again = await client.call_tool("signup_api", args)
        assert again.is_error is True
        assert again.meta is not None and again.meta[STATUS_META_KEY] == 409

    settings = make_settings(tmp_path)
    async with Store.open(settings) as store:
        executions, total = await store.executions.page(server_id)
    assert total == 2
    assert [(e.source, e.status) for e in executions] == [("mcp", 409), ("mcp", 201)]

    config = orchestrix("mcp", server_id, "--config", data_dir=tmp_path)
    assert config.returncode == 0, config.stderr
    entry = json.loads(config.stdout)["mcpServers"]["signup_api"]
    assert entry["args"][-2:] == ["mcp", server_id]

    refused = orchestrix("mcp", server_id, "--namespace", "other", data_dir=tmp_path)
    assert refused.returncode == 1
    assert "--namespace is for spec files" in refused.stderr


# --- live tools ------------------------------------------------------------------------------


def _edited_signup() -> dict[str, object]:
    """Signup with one more field in its answer: a new version with a new outputSchema."""
    spec = load_workflow(SIGNUP).to_wire()
    for tool in spec["tools"]:
        if tool["type"] == "response":
            tool["config"]["body"]["welcome"] = "v2"
    return spec


@pytest.mark.timeout(180)
@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_an_edit_through_the_api_is_served_and_announced_over_stdio(
    tmp_path: Path, mode: str
) -> None:
    import anyio
    import httpx
    import mcp_types as types

    from orchestrix.api import create_app
    from tests.servers import serve_asgi

    settings = make_settings(tmp_path)
    announced = anyio.Event()

    async def on_message(message: object) -> None:
        if isinstance(message, types.ToolListChangedNotification):
            announced.set()

    with serve_asgi(create_app(settings)) as base:
        async with httpx.AsyncClient(base_url=base, timeout=60) as api:
            spec = load_workflow(SIGNUP).to_wire()
            created = await api.post("/mcp/servers", json={"spec": spec, "ownerId": "ada"})
            assert created.status_code == 201, created.text
            sid = created.json()["id"]
            async with Client(
                stdio_server(sid, tmp_path), mode=mode, message_handler=on_message
            ) as client:
                capabilities = client.server_capabilities
                assert capabilities.tools is not None and capabilities.tools.list_changed is True
                if mode == "legacy":  # serverInfo: the workflow's version, not Orchestrix's
                    assert client.server_info is not None and client.server_info.version == "1"
                first = await client.call_tool(
                    "signup_api", {"email": "a@example.com", "password": PASSWORD}
                )
                assert first.structured_content is not None
                assert "welcome" not in first.structured_content

                async with anyio.create_task_group() as tg:
                    if mode == "auto":  # 2026-07-28: changes come on a listen stream

                        async def listen() -> None:
                            async with client.listen(tools_list_changed=True) as sub:
                                async for _event in sub:
                                    announced.set()
                                    return

                        tg.start_soon(listen)
                        await anyio.sleep(0)
                    saved = await api.put(
                        f"/mcp/servers/{sid}", json={"spec": _edited_signup(), "ownerId": "ada"}
                    )
                    assert saved.status_code == 200, saved.text
                    # The very next call runs the edited graph, before any poll.
                    second = await client.call_tool(
                        "signup_api", {"email": "b@example.com", "password": PASSWORD}
                    )
                    assert second.structured_content is not None
                    assert second.structured_content["welcome"] == "v2"
                    with anyio.fail_after(60):
                        await announced.wait()
                    tg.cancel_scope.cancel()
                tools = (await client.list_tools()).tools
                assert "welcome" in json.dumps(tools[0].output_schema)

    async with Store.open(settings) as store:
        executions, _ = await store.executions.page(sid)
    assert sorted(e.version for e in executions) == [1, 2]


# --- stdin closes with calls in flight ---------------------------------------------------------

MAIL_SPEC = """\
apiVersion: orchestrix/v1
name: Contact Form
inputSchema:
  type: object
  required: [email, message]
  properties:
    email: {type: string, format: email}
    message: {type: string}
tools:
  - {id: input, type: input}
  - id: save
    type: dbInsert
    config: {collection: messages, document: {email: "{{ input.email }}"}}
  - id: mail
    type: sendEmail
    config: {to: "{{ input.email }}", subject: Thanks, text: "We got {{ input.message }}"}
  - {id: response, type: response, config: {status: 201, body: {id: "{{ steps.save.id }}"}}}
"""


@pytest.mark.timeout(600)
def test_the_stdio_server_exits_when_stdin_closes_with_calls_in_flight(tmp_path: Path) -> None:
    spec = tmp_path / "mail.yaml"
    spec.write_text(MAIL_SPEC, encoding="utf-8")
    messages = [
        {
            "jsonrpc": "2.0",
            "id": 0,
            "method": "initialize",
            "params": {
                "protocolVersion": "2025-06-18",
                "capabilities": {},
                "clientInfo": {"name": "t", "version": "1"},
            },
        },
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
    ] + [
        {
            "jsonrpc": "2.0",
            "id": n,
            "method": "tools/call",
            "params": {
                "name": "contact_form",
                "arguments": {"email": f"u{n}@example.com", "message": "hi"},
            },
        }
        for n in range(1, 9)
    ]
    payload = "".join(json.dumps(m) + "\n" for m in messages).encode()
    hung = 0
    for attempt in range(6):  # the hang it guards against came about one run in three
        data = tmp_path / f"data{attempt}"
        data.mkdir()
        proc = subprocess.Popen(
            [sys.executable, "-m", "orchestrix", "mcp", str(spec)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=clean_env(data),
            cwd=data,
        )
        assert proc.stdin is not None
        proc.stdin.write(payload)
        proc.stdin.flush()
        # Close while the calls run: wait for the first answer, then hang up.
        assert proc.stdout is not None
        proc.stdout.readline()  # the initialize result
        proc.stdin.close()
        try:
            proc.wait(timeout=90)
        except subprocess.TimeoutExpired:
            hung += 1
            proc.kill()
            proc.wait()
        else:
            assert proc.returncode == 0, proc.stderr.read().decode() if proc.stderr else ""
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
    assert hung == 0


# --- small protocol points -------------------------------------------------------------------


@pytest.mark.timeout(120)
@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_a_bogus_cursor_is_invalid_params(tmp_path: Path, mode: str) -> None:
    from mcp import MCPError

    async with Client(stdio_server(SIGNUP, tmp_path), mode=mode) as client:
        with pytest.raises(MCPError) as refused:
            await client.list_tools(cursor="not-a-cursor")
        assert refused.value.error.code == -32602


# --- client configs --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("client", "top", "extra"),
    [
        ("claude", "mcpServers", {}),
        ("cursor", "mcpServers", {}),
        ("vscode", "servers", {"type": "stdio"}),
    ],
)
def test_config_for_each_client(
    tmp_path: Path, client: str, top: str, extra: dict[str, str]
) -> None:
    result = orchestrix("mcp", SIGNUP, "--config", "--client", client, data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert list(document) == [top]
    entry = document[top]["signup_api"]
    assert {k: entry[k] for k in extra} == extra
    assert entry["args"][-2:] == ["mcp", SIGNUP]


async def test_config_url_for_a_deployed_agent_with_its_key(tmp_path: Path) -> None:
    server_id = await stored_signup(tmp_path)
    settings = make_settings(tmp_path)
    not_yet = orchestrix("mcp", server_id, "--config", "--url", data_dir=tmp_path)
    assert not_yet.returncode == 1 and "is not deployed" in not_yet.stderr
    async with Store.open(settings) as store:
        deployment = await store.deployments.claim(server_id, target="local", version=1)
        await store.deployments.complete(
            deployment.id,
            agent_id="agt_x",
            endpoint="http://127.0.0.1:8000/agents/agt_x",
            dashboard_url=None,
        )
        await store.mcp_keys.set_required(server_id, True)
    made = orchestrix(
        "mcp", server_id, "--config", "--url", "--client", "vscode", data_dir=tmp_path
    )
    assert made.returncode == 0, made.stderr
    entry = json.loads(made.stdout)["servers"]["signup_api"]
    assert entry["type"] == "http"
    assert entry["url"] == "http://127.0.0.1:8000/agents/agt_x/mcp"
    key = entry["headers"]["Authorization"].removeprefix("Bearer ")
    assert "created a new MCP key" in made.stderr
    async with Store.open(settings) as store:
        assert await store.mcp_keys.authenticate(server_id, key)

    given = orchestrix(
        "mcp",
        server_id,
        "--config",
        "--url",
        "--key",
        "orxk_mine",
        "--client",
        "claude",
        data_dir=tmp_path,
    )
    claude = json.loads(given.stdout)["mcpServers"]["signup_api"]
    assert claude["command"] == "npx"
    assert claude["args"][:3] == ["-y", "mcp-remote", "http://127.0.0.1:8000/agents/agt_x/mcp"]
    assert claude["env"] == {"AUTH_HEADER": "Bearer orxk_mine"}
    cursor = orchestrix(
        "mcp",
        server_id,
        "--config",
        "--url",
        "--key",
        "orxk_mine",
        "--client",
        "cursor",
        data_dir=tmp_path,
    )
    assert json.loads(cursor.stdout)["mcpServers"]["signup_api"] == {
        "url": "http://127.0.0.1:8000/agents/agt_x/mcp",
        "headers": {"Authorization": "Bearer orxk_mine"},
    }


def test_mcp_key_commands(tmp_path: Path) -> None:
    import anyio

    server_id = anyio.run(stored_signup, tmp_path)
    created = orchestrix(
        "mcp-key", "create", server_id, "--name", "laptop", "--json", data_dir=tmp_path
    )
    assert created.returncode == 0, created.stderr
    key = json.loads(created.stdout)
    assert key["key"].startswith("orxk_")
    assert orchestrix("mcp-key", "require", server_id, data_dir=tmp_path).returncode == 0
    listed = json.loads(
        orchestrix("mcp-key", "list", server_id, "--json", data_dir=tmp_path).stdout
    )
    assert listed["requireKey"] is True and listed["keys"][0]["name"] == "laptop"
    revoked = orchestrix("mcp-key", "revoke", server_id, key["id"], data_dir=tmp_path)
    assert revoked.returncode == 0 and key["id"] in revoked.stdout
    nobody = orchestrix("mcp-key", "list", "mcp_nobody", data_dir=tmp_path)
    assert nobody.returncode == 1 and "Server not found" in nobody.stderr
    assert "Traceback" not in nobody.stderr


def test_an_open_interface_needs_a_credential(tmp_path: Path) -> None:
    result = orchestrix(
        "mcp", SIGNUP, "--transport", "streamable-http", "--host", "0.0.0.0", data_dir=tmp_path
    )
    assert result.returncode == 1
    assert "would let any machine call the tool" in result.stderr


@pytest.mark.timeout(300)
async def test_streamable_http_serves_edits_and_demands_the_servers_key(tmp_path: Path) -> None:
    import httpx2

    from tests.runtime.test_mcp_http import client_with_headers
    from tests.servers import LOOPBACK, free_port

    server_id = await stored_signup(tmp_path)
    settings = make_settings(tmp_path)
    async with Store.open(settings) as store:
        _, key = await store.mcp_keys.create(server_id, "http")
        await store.mcp_keys.set_required(server_id, True)
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "orchestrix",
            "mcp",
            server_id,
            "--transport",
            "streamable-http",
            "--host",
            LOOPBACK,
            "--port",
            str(port),
        ],
        env=clean_env(tmp_path),
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://{LOOPBACK}:{port}/mcp"
    try:
        import anyio

        with anyio.fail_after(60):
            while True:
                try:
                    async with httpx2.AsyncClient() as http:
                        answer = await http.post(url, json={})
                    break
                except httpx2.TransportError:
                    await anyio.sleep(0.2)
        assert answer.status_code == 401
        assert "resource_metadata=" in answer.headers["www-authenticate"]
        auth = {"Authorization": f"Bearer {key}"}
        async with client_with_headers(url, auth) as client:
            first = await client.call_tool(
                "signup_api", {"email": "h@example.com", "password": PASSWORD}
            )
            assert (
                first.structured_content is not None and "welcome" not in first.structured_content
            )
            async with Store.open(settings) as store:
                await store.servers.save(
                    server_id,
                    "owner_1",
                    name="Signup API",
                    description="",
                    spec=_edited_signup(),
                    summary="edited",
                )
            second = await client.call_tool(
                "signup_api", {"email": "i@example.com", "password": PASSWORD}
            )
            assert second.structured_content is not None
            assert second.structured_content["welcome"] == "v2"
    finally:
        proc.terminate()
        proc.wait(timeout=30)

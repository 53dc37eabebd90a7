"""``orchestrix host``, ``deploy``, ``undeploy``, ``deployments`` and ``demo``.

``host`` runs the production runtime. ``deploy`` and friends work on the control-plane
database directly (no running ``orchestrix serve`` needed): SERVER is a stored server id, or
a spec file that is stored first. ``demo`` is the original product's end-to-end check, run on
loopback in a temporary data directory: it generates the signup workflow, starts the runtime,
deploys it through the ``archestra`` target to an ``orchestrix host`` and verifies what was
persisted, printing the same steps and a final ``All tests passed!``.
"""

from __future__ import annotations

import json
import logging
import secrets
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from orchestrix.cli.app import (
    app,
    console,
    database_label,
    ensure_database,
    ensure_port_free,
    err_console,
    fail,
    print_json,
    run_async,
)
from orchestrix.cli.serve import size_worker_pools
from orchestrix.net import is_loopback
from orchestrix.settings import Settings, get_settings

BANNER = (
    "Orchestrix host: deployed agents at http://{host}:{port}/agents/{{agentId}} (REST) and "
    "/agents/{{agentId}}/mcp (MCP); database {database}"
)

LOCAL_NOTE = (
    "The endpoint answers while `orchestrix serve` (or `orchestrix host`) runs over this "
    "database at that address; on another address or port, set ORCHESTRIX_HOST_PUBLIC_URL "
    "(the agent answers at /agents/{agentId} on any of them)."
)

TargetOption = Annotated[
    str | None,
    typer.Option(
        "--target",
        "-t",
        help="archestra, host, local or archestra-platform (default: ORCHESTRIX_DEPLOY_TARGET, "
        "else archestra with ARCHESTRA_API_KEY, else local).",
    ),
]
ServerArg = Annotated[str, typer.Argument(help="A server id (mcp_...) or a spec file to store.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the answer as JSON.")]


@app.command("host")
def host_command(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8100,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
) -> None:
    """Run the production runtime: deployed agents at /agents/{id} (REST) and
    /agents/{id}/mcp (MCP); deployments arrive on POST /mcp/agents."""
    import uvicorn

    settings = get_settings()
    if settings.host_api_key is None or not settings.host_api_key.get_secret_value():
        if not is_loopback(host):
            fail(
                f"ORCHESTRIX_HOST_API_KEY is not set: refusing to serve on {host} (set it to "
                "enable the management API, or bind 127.0.0.1)"
            )
        err_console.print(
            "[yellow]warning:[/] ORCHESTRIX_HOST_API_KEY is not set: the management API "
            "(/mcp/agents) refuses every request, so nothing can be deployed here; set the "
            "key to enable deploys",
            soft_wrap=True,
        )
    settings.resolved_database_url  # noqa: B018  (a bad URL fails here, as one line)
    ensure_port_free(host, port)
    ensure_database()
    size_worker_pools(workers)
    console.print(BANNER.format(host=host, port=port, database=database_label()), soft_wrap=True)
    uvicorn.run(
        "orchestrix.host.app:create_host_app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        proxy_headers=False,
    )


async def _resolve_server(store: Any, server: str, owner: str | None) -> Any:
    """A stored server by id, or a spec file stored as a new server."""
    from orchestrix.errors import NotFoundError

    path = Path(server)
    if path.suffix.lower() in {".yaml", ".yml", ".json"} or path.is_file():
        from orchestrix.runtime.checks import ensure_valid
        from orchestrix.spec.io import load_workflow

        if not path.is_file():
            raise NotFoundError(f"{server}: no such spec file")
        workflow = load_workflow(path)
        ensure_valid(workflow)
        return await store.servers.create(
            owner_id=owner or "local",
            name=workflow.name,
            description=workflow.description,
            spec=workflow.to_wire(),
            summary=f"Created from {path.name}",
        )
    record = await store.servers.find(server)
    if record is None or (owner is not None and record.owner_id != owner):
        raise NotFoundError(f"Server {server} not found")
    return record


async def _with_deployer(settings: Settings, action: str, server: str, **kw: Any) -> Any:
    from orchestrix.deploy.service import Deployer
    from orchestrix.runtime.services import open_services
    from orchestrix.store import Store

    async with Store.open(settings) as store, open_services(settings, engine=store.engine) as svc:
        deployer = Deployer(store, settings, svc)
        owner = kw.pop("owner", None)
        record = await _resolve_server(store, server, owner)
        if action == "deploy":
            return await deployer.deploy(record.id, record.owner_id, kw.get("target"))
        if action == "undeploy":
            return await deployer.undeploy(record.id, record.owner_id)
        if action == "redeploy":
            return await deployer.redeploy(record.id, record.owner_id, kw.get("version"))
        if action == "rollback":
            return await deployer.rollback(record.id, record.owner_id, kw.get("version"))
        return record.id, await deployer.history(record.id, record.owner_id)


def _report(outcome: Any, as_json: bool, lines: list[tuple[str, str]]) -> None:
    if as_json:
        print_json(outcome.body)
    if not outcome.ok:
        if as_json:
            raise typer.Exit(1)
        body = outcome.body
        message = str(body.get("error"))
        details = body.get("details")
        if isinstance(details, list):
            for item in details:
                if isinstance(item, dict):
                    message += f"\n  - {item.get('name')}: {'; '.join(item.get('problems', []))}"
        fail(message)
    if as_json:
        return
    for label, key in lines:
        value = outcome.body.get(key)
        if value is not None:
            console.print(f"{label}: {value}", soft_wrap=True, markup=False)


@app.command()
def deploy(
    server: ServerArg,
    target: TargetOption = None,
    owner: Annotated[str | None, typer.Option(help="Owner (of a new server from a file).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Deploy a server (or a spec file) as a hosted agent; refused while its tests fail."""
    settings = get_settings()
    outcome = run_async(_with_deployer(settings, "deploy", server, target=target, owner=owner))
    if not as_json and outcome.ok:
        console.print("deployed", style="green")
    _report(
        outcome,
        as_json,
        [
            ("server", "serverId"),
            ("agent", "agentId"),
            ("endpoint", "endpoint"),
            ("dashboard", "dashboardUrl"),
            ("deployed at", "deployedAt"),
        ],
    )
    if not as_json and (target or settings.resolved_deploy_target) == "local":
        console.print(LOCAL_NOTE, style="dim", soft_wrap=True, markup=False)
    if not as_json:
        _print_gateway(outcome.body)


def _print_gateway(body: dict[str, Any]) -> None:
    """An Archestra gateway's MCP client configuration, and how to get the token it needs."""
    gateway = body.get("gateway")
    if not isinstance(gateway, dict) or not isinstance(gateway.get("clientConfig"), dict):
        return
    console.print(
        "MCP client configuration (put an Archestra token in place of <token>):",
        soft_wrap=True,
        markup=False,
    )
    console.print(json.dumps(gateway["clientConfig"], indent=2), soft_wrap=True, markup=False)
    if gateway.get("token"):
        console.print(f"gateway token: {gateway['token']}", soft_wrap=True, markup=False)


@app.command()
def redeploy(
    server: ServerArg,
    version: Annotated[int | None, typer.Option(min=1, help="Version (default: current).")] = None,
    rollback: Annotated[
        bool, typer.Option("--rollback", help="Serve the version served before the current.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Serve a newer (or, with --rollback, an earlier) version at the same endpoint."""
    action = "rollback" if rollback else "redeploy"
    outcome = run_async(_with_deployer(get_settings(), action, server, version=version))
    _report(
        outcome,
        as_json,
        [("agent", "agentId"), ("endpoint", "endpoint"), ("version", "version")],
    )
    if not as_json:
        _print_gateway(outcome.body)


@app.command()
def undeploy(server: ServerArg, as_json: JsonOption = False) -> None:
    """Take a server's hosted agent down (the server and its history stay)."""
    outcome = run_async(_with_deployer(get_settings(), "undeploy", server))
    if not as_json and outcome.ok:
        console.print("undeployed", style="green")
    _report(outcome, as_json, [("agent", "agentId"), ("undeployed at", "undeployedAt")])


async def _reconcile(settings: Settings, targets: list[str] | None) -> list[dict[str, Any]]:
    from orchestrix.deploy.service import Deployer
    from orchestrix.runtime.services import open_services
    from orchestrix.store import Store

    async with Store.open(settings) as store, open_services(settings, engine=store.engine) as svc:
        return await Deployer(store, settings, svc).reconcile(targets)


@app.command()
def deployments(
    server: Annotated[
        str,
        typer.Argument(
            help="A server id (mcp_...) or a spec file: its deployments. `reconcile`: find "
            "agents at the targets that no deployment records, and adopt or remove them."
        ),
    ],
    target: Annotated[
        list[str] | None,
        typer.Option("--target", "-t", help="With reconcile: the target(s) to look at."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """A server's deployments, newest first: target, version, status, agent, endpoint; or
    `orchestrix deployments reconcile`."""
    if server == "reconcile":
        report = run_async(_reconcile(get_settings(), target or None))
        if as_json:
            print_json({"reconciled": report})
            return
        if not report:
            console.print("every agent at the targets is recorded", markup=False)
        for entry in report:
            agent = entry.get("agentId") or "-"
            why = f" ({entry['reason']})" if entry.get("reason") else ""
            console.print(
                f"{entry['action']}: {entry['target']} {agent} {entry.get('serverId') or ''}"
                f"{why}".rstrip(),
                soft_wrap=True,
                markup=False,
            )
        return
    server_id, rows = run_async(_with_deployer(get_settings(), "history", server))
    if as_json:
        print_json({"serverId": server_id, "deployments": rows})
        return
    if not rows:
        console.print(f"{server_id} has never been deployed", markup=False)
        return
    table = Table(title=f"deployments of {server_id}")
    for column in ("created", "target", "version", "status", "agent", "endpoint / error"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            str(row["createdAt"]),
            row["target"],
            str(row["version"]),
            row["status"],
            row["agentId"] or "",
            row["endpoint"] or row["error"] or "",
        )
    console.print(table)


@app.command()
def demo(
    prompt: Annotated[str, typer.Option(help="What to build.")] = "create a sign up api",
) -> None:
    """The end-to-end check of the original product, on loopback: generate the signup
    workflow, start the runtime, deploy, verify the persisted info."""
    logging.disable(logging.CRITICAL)
    try:
        ok = run_demo(prompt, lambda line: console.print(line, markup=False, soft_wrap=True))
    finally:
        logging.disable(logging.NOTSET)
    if not ok:
        raise typer.Exit(1)


# --- the demo ---------------------------------------------------------------------------


#: The signup workflow the builder writes for "create a sign up api", for installations
#: without the builder (``orchestrix.agents``).
SIGNUP_SPEC = """\
apiVersion: orchestrix/v1
name: Signup API
description: User registration with a hashed password and a JWT
inputSchema:
  type: object
  required: [email, password]
  properties:
    email: {type: string, format: email}
    password: {type: string, minLength: 8}
    name: {type: string, maxLength: 100}
tools:
  - {id: input, type: input}
  - {id: validation, type: validation}
  - {id: hashPassword, type: hashPassword, config: {value: "{{ input.password }}"}}
  - id: dbInsert
    type: dbInsert
    config:
      collection: users
      unique: [email]
      document: {email: "{{ input.email }}", name: "{{ input.name }}",
                 passwordHash: "{{ steps.hashPassword.hash }}"}
  - {id: jwtGenerate, type: jwtGenerate,
     config: {subject: "{{ steps.dbInsert.id }}", expiresIn: 3600}}
  - id: response
    type: response
    config:
      status: 201
      body: {id: "{{ steps.dbInsert.id }}", email: "{{ steps.dbInsert.email }}",
             token: "{{ steps.jwtGenerate.token }}"}
tests:
  - {name: signs up, input: {email: ada@example.com, password: correct-horse-1},
     expect: {status: 201, body: {token: "*"}}}
  - {name: rejects a bad email, input: {email: nope, password: correct-horse-1},
     expect: {status: 400}}
"""


class DemoFailed(Exception):
    pass


@contextmanager
def _serve_in_thread(asgi_app: Any) -> Iterator[str]:
    """``asgi_app`` under uvicorn on a free loopback port, in a thread; yields its URL."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = int(sock.getsockname()[1])
    server = uvicorn.Server(
        uvicorn.Config(asgi_app, host="127.0.0.1", port=port, log_level="error", lifespan="on")
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise DemoFailed("a server of the demo did not start")
            time.sleep(0.02)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()


def _expect(condition: bool, message: str) -> None:
    if not condition:
        raise DemoFailed(message)


def _sample_input(spec: dict[str, Any]) -> dict[str, Any]:
    for test in spec.get("tests") or []:
        if (test.get("expect") or {}).get("status") == 201:
            data = dict(test.get("input") or {})
            if "email" in data:
                data["email"] = f"demo-{secrets.token_hex(4)}@example.com"
            return data
    return {}


def run_demo(prompt: str, say: Callable[[str], None]) -> bool:
    """The original product's deployment check; False (after saying why) when a step fails."""
    import httpx

    from orchestrix.api import create_app
    from orchestrix.host import create_host_app

    owner = "demo-user"
    base = get_settings()
    with tempfile.TemporaryDirectory(prefix="orchestrix-demo-") as tmp:
        key = secrets.token_urlsafe(24)
        host_settings = Settings(
            data_dir=Path(tmp) / "host", database_url=None, host_api_key=key, _env_file=None
        )
        try:
            with _serve_in_thread(create_host_app(host_settings)) as host_url:
                settings = Settings(
                    data_dir=Path(tmp) / "orchestrix",
                    database_url=None,
                    auth="none",
                    llm=base.llm,
                    deploy_target="archestra",
                    archestra_api_key=key,
                    archestra_deployment_endpoint=f"{host_url}/mcp/agents",
                    archestra_endpoint=None,
                    _env_file=None,
                )
                with (
                    _serve_in_thread(create_app(settings)) as api,
                    httpx.Client(base_url=api, timeout=120) as client,
                ):
                    _demo_steps(client, owner, prompt, say)
        except DemoFailed as e:
            say(f"❌ {e}")
            return False
        except httpx.HTTPError as e:
            say(f"❌ Network request failed: {e}")
            return False
    return True


def _demo_steps(client: Any, owner: str, prompt: str, say: Callable[[str], None]) -> None:
    import httpx

    say("🚀 Testing Archestra Deployment Flow")
    say("")
    say("Step 1: Generating signup API workflow...")
    created = client.post("/mcp/servers", json={"prompt": prompt, "ownerId": owner})
    if created.status_code == 503:  # no builder in this installation: the bundled spec
        created = client.post("/mcp/servers", json={"spec": SIGNUP_SPEC, "ownerId": owner})
    _expect(created.status_code == 201, f"Workflow generation failed: {created.text}")
    server = created.json()
    server_id = server["id"]
    say(f"✅ Workflow generated: {server_id}")
    say("")

    say("Step 2: Starting runtime...")
    started = client.post(f"/mcp/servers/{server_id}/runtime/start", params={"ownerId": owner})
    _expect(started.status_code == 200, f"Runtime start failed: {started.text}")
    say("✅ Runtime started")
    say("")

    say("Step 3: Deploying to Archestra...")
    deployed = client.post(f"/mcp/servers/{server_id}/deploy", json={"ownerId": owner})
    body = deployed.json()
    _expect(deployed.status_code == 200 and body.get("success") is True, str(body.get("error")))
    say("✅ Deployment successful!")
    say("📋 Deployment Info:")
    say(f"   Agent ID: {body['agentId']}")
    say(f"   Endpoint: {body['endpoint']}")
    say(f"   Dashboard: {body['dashboardUrl']}")
    say("")

    say("Step 4: Verifying deployment info...")
    stored = client.get(f"/mcp/servers/{server_id}", params={"ownerId": owner}).json()
    _expect(
        stored.get("archestraAgentId") == body["agentId"]
        and stored.get("archestraEndpoint") == body["endpoint"]
        and stored.get("archestraDashboardUrl") == body["dashboardUrl"]
        and stored.get("archestraDeployedAt"),
        f"Deployment info was not persisted: {stored}",
    )
    answer = httpx.post(body["endpoint"], json=_sample_input(server["spec"]), timeout=30)
    _expect(answer.status_code < 400, f"The endpoint answered {answer.status_code}: {answer.text}")
    say("✅ Deployment info persisted correctly")
    say(f"   Agent ID: {stored['archestraAgentId']}")
    say(f"   Endpoint: {stored['archestraEndpoint']}")
    say(f"   Dashboard: {stored['archestraDashboardUrl']}")
    say(f"   Deployed At: {stored['archestraDeployedAt']}")
    say("")
    say("✅ All tests passed!")

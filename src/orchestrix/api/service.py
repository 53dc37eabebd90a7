"""What the server routes do, between parsing the request and shaping the answer."""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI

from orchestrix.api.errors import Unavailable
from orchestrix.api.runner import Runner, workflow_of
from orchestrix.api.schemas import BuildInfo
from orchestrix.runtime.checks import ensure_valid
from orchestrix.runtime.executor import ExecutionResult
from orchestrix.settings import Settings
from orchestrix.spec.io import loads_workflow, parse_workflow
from orchestrix.spec.models import Workflow
from orchestrix.store import ExecutionRecord, ServerRecord, Store

#: ``orchestrix.api.deploy`` may define ``async def deploy_from_chat(app, server_id, owner_id)
#: -> dict``; the chat's ``deploy`` intent then deploys instead of asking the client to.
DeployHook = Callable[[FastAPI, str, str], Awaitable[dict[str, Any]]]


def parse_spec(spec: dict[str, Any] | str) -> Workflow:
    """A spec from a request (an object, or YAML/JSON text) that passes the static checks."""
    workflow = loads_workflow(spec) if isinstance(spec, str) else parse_workflow(spec)
    ensure_valid(workflow)
    return workflow


async def create_from_spec(store: Store, owner: str, spec: dict[str, Any] | str) -> ServerRecord:
    workflow = parse_spec(spec)
    return await store.servers.create(
        owner_id=owner,
        name=workflow.name,
        description=workflow.description,
        spec=workflow.to_wire(),
        summary="Created from a spec",
    )


async def create_from_prompt(
    store: Store, settings: Settings, owner: str, prompt: str
) -> tuple[ServerRecord, BuildInfo]:
    agents = _agents()
    result = await agents.BuilderAgent(settings).generate(prompt)
    ensure_valid(result.workflow)
    server = await store.servers.create(
        owner_id=owner,
        name=result.workflow.name,
        description=result.workflow.description,
        spec=result.workflow.to_wire(),
        summary=result.summary,
    )
    build = BuildInfo(
        summary=result.summary, assumptions=list(result.assumptions), planner=result.planner
    )
    return server, build


async def save(
    store: Store,
    owner: str,
    server_id: str,
    workflow: Workflow,
    *,
    summary: str,
    base_version: int | None,
) -> ServerRecord:
    return await store.servers.save(
        server_id,
        owner,
        name=workflow.name,
        description=workflow.description,
        spec=workflow.to_wire(),
        summary=summary,
        base_version=base_version,
    )


async def restore(
    store: Store, owner: str, server_id: str, version: int, base_version: int | None
) -> ServerRecord:
    """A new version equal to an old one (history is never rewritten)."""
    old = await store.servers.version(server_id, owner, version)
    workflow = parse_workflow(old.spec)
    return await save(
        store,
        owner,
        server_id,
        workflow,
        summary=f"Restored version {version}",
        base_version=base_version,
    )


class ChatOutcome:
    """What a chat message did: the reply, and the version, run or deploy it led to."""

    def __init__(self, reply: dict[str, Any], server: ServerRecord) -> None:
        self.reply = reply
        self.server = server
        self.saved = False
        self.run: tuple[ExecutionResult, ExecutionRecord] | None = None
        self.next: dict[str, Any] | None = None


async def chat(
    app: FastAPI, store: Store, runner: Runner, owner: str, server_id: str, message: str
) -> ChatOutcome:
    settings: Settings = app.state.settings
    server = await store.servers.get(server_id, owner)
    workflow = workflow_of(server)
    agents = _agents()
    supervisor = agents.SupervisorAgent(builder=agents.BuilderAgent(settings), settings=settings)
    reply = await supervisor.handle(message, workflow)
    outcome = ChatOutcome(reply.to_dict(), server)
    if reply.intent in {"mutate", "create"} and reply.workflow is not None:
        ensure_valid(reply.workflow)
        outcome.server = await save(
            store,
            owner,
            server_id,
            reply.workflow,
            summary=reply.message,
            base_version=server.version,
        )
        outcome.saved = True
    elif reply.intent == "run":
        sample = reply.run_input
        if sample is None:
            sample = dict(workflow.tests[0].input) if workflow.tests else {}
        outcome.run = await runner.run(server, sample, headers={}, source="chat")
    elif reply.intent == "deploy":
        hook = _deploy_hook()
        if hook is not None:
            outcome.next = {"deployed": await hook(app, server_id, owner)}
        else:
            outcome.next = {
                "method": "POST",
                "path": f"/mcp/servers/{server_id}/deploy",
                "body": {"ownerId": owner},
            }
    return outcome


def _agents() -> Any:
    try:
        agents = importlib.import_module("orchestrix.agents")
    except ModuleNotFoundError as e:
        if e.name == "orchestrix.agents":
            raise Unavailable("The builder (orchestrix.agents) is not installed") from e
        raise
    if not hasattr(agents, "BuilderAgent"):
        raise Unavailable("The builder (orchestrix.agents) is not installed")
    return agents


def _deploy_hook() -> DeployHook | None:
    try:
        module = importlib.import_module("orchestrix.api.deploy")
    except ModuleNotFoundError as e:
        if e.name == "orchestrix.api.deploy":
            return None
        raise
    hook = getattr(module, "deploy_from_chat", None)
    return hook if callable(hook) else None

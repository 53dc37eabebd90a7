"""What the server routes do, between parsing the request and shaping the answer."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI

from orchestrix.api.runner import Runner, workflow_of
from orchestrix.api.schemas import BuildInfo
from orchestrix.runtime.checks import ensure_valid
from orchestrix.runtime.executor import ExecutionResult
from orchestrix.settings import Settings
from orchestrix.spec.io import loads_workflow, parse_workflow
from orchestrix.spec.models import Workflow
from orchestrix.store import ExecutionRecord, ServerRecord, Store

#: How the chat's ``deploy`` intent deploys: ``(app, server_id, owner_id) -> answer``, passed in
#: by the route (``orchestrix.api.deploy.deploy_from_chat``). Without one, the chat answers with
#: the request that deploys instead.
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
    from orchestrix.agents import BuilderAgent  # here: `serve` starts without the builder loaded

    result = await BuilderAgent(settings).generate(prompt)
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
    app: FastAPI,
    store: Store,
    runner: Runner,
    owner: str,
    server_id: str,
    message: str,
    *,
    deploy: DeployHook | None = None,
) -> ChatOutcome:
    from orchestrix.agents import BuilderAgent, SupervisorAgent  # as in create_from_prompt

    settings: Settings = app.state.settings
    server = await store.servers.get(server_id, owner)
    workflow = workflow_of(server)
    supervisor = SupervisorAgent(builder=BuilderAgent(settings), settings=settings)
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
        if deploy is not None:
            outcome.next = {"deployed": await deploy(app, server_id, owner)}
        else:
            outcome.next = {
                "method": "POST",
                "path": f"/mcp/servers/{server_id}/deploy",
                "body": {"ownerId": owner},
            }
    return outcome

"""Deploying stored servers: the flow behind ``POST /mcp/servers/{id}/deploy`` and the CLI.

A deploy is: the server (404 for another owner's), already deployed (400), the target's
settings (500 when missing), the workflow's own tests (422 while any fails), a ``deploying``
claim row with its intent and an idempotency key (the database's partial unique index lets one
concurrent deploy through; the others answer 409 or 400), the target (sent that key), then the
row completes. Nothing about the agent is written before the target accepted it. When the
target accepted and the database write then fails, the agent is undeployed again; if even that
fails, the answer and the log name the orphaned agent.

A redeploy or an undeploy first takes the ``deployed`` row (a compare-and-set: one change at a
time; the loser answers 409), and every write after the target answers is a compare-and-set on
that claim's status and key, so an undeploy racing a redeploy never leaves ``deployed`` with no
agent. A claim left ``deploying`` by a process that stopped is finished by its intent: a
redeploy's row serves the old agent again, an undeploy is carried out again (undeploy is
idempotent), a first deploy fails, and what it may have made at the target is left to
:meth:`Deployer.reconcile`, which lists a target's agents and adopts or removes those the store
does not know.

Answers are :class:`Outcome` (an HTTP status and the exact body of DESIGN.md), so the API, the
chat's deploy intent and the CLI share them.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from orchestrix.deploy.base import (
    DeployedAgent,
    DeployError,
    DeploymentRequest,
    DeployTarget,
    get_target,
    target_names,
)
from orchestrix.deploy.local import LocalTarget
from orchestrix.deploy.reconcile import reconcile
from orchestrix.errors import Conflict, OrchestrixError
from orchestrix.runtime.checks import referenced_secrets
from orchestrix.runtime.testing import run_workflow_tests
from orchestrix.settings import Settings
from orchestrix.spec.io import parse_workflow
from orchestrix.spec.models import Workflow
from orchestrix.store import DeploymentRecord, ServerRecord, Store
from orchestrix.telemetry import DISABLED, Telemetry
from orchestrix.timefmt import iso_z
from orchestrix.tools.base import Services

log = logging.getLogger("orchestrix.deploy")

ALREADY_DEPLOYED = "Server already deployed to Archestra"
FAILED = "Failed to deploy to Archestra: {reason}"
UNDEPLOY_FAILED = "Failed to undeploy from Archestra: {reason}"
IN_PROGRESS = "A deployment of this server is in progress"
NOT_DEPLOYED = "Server is not deployed"
TESTS_FAIL = "The workflow's own tests fail; fix them before deploying"


@dataclass
class Outcome:
    status: int
    body: dict[str, Any]

    @property
    def ok(self) -> bool:
        return self.status < 400


def _new_key() -> str:
    """An idempotency key, stored with the claim before the target sees it."""
    return f"orx-{secrets.token_hex(16)}"


def deployment_out(record: DeploymentRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "serverId": record.server_id,
        "target": record.target,
        "version": record.version,
        "status": record.status,
        "agentId": record.agent_id,
        "endpoint": record.endpoint,
        "dashboardUrl": record.dashboard_url,
        "deployedAt": iso_z(record.deployed_at),
        "error": record.error,
        "createdAt": iso_z(record.created_at),
        "updatedAt": iso_z(record.updated_at),
    }


def _already(live: DeploymentRecord) -> Outcome:
    return Outcome(
        400,
        {
            "error": ALREADY_DEPLOYED,
            "agentId": live.agent_id,
            "endpoint": live.endpoint,
            "dashboardUrl": live.dashboard_url,
        },
    )


def _in_progress(live: DeploymentRecord | None) -> Outcome:
    details = {"deploymentId": live.id, "status": live.status} if live else None
    return Outcome(409, {"error": IN_PROGRESS, "details": details})


def _failed(reason: str) -> Outcome:
    return Outcome(500, {"success": False, "error": FAILED.format(reason=reason)})


def _not_deployed(server_id: str) -> Outcome:
    return Outcome(404, {"error": NOT_DEPLOYED, "details": {"serverId": server_id}})


def _access(agent: DeployedAgent) -> dict[str, Any]:
    """How a client reaches the agent, when the target says more than its endpoint (the
    ``archestra-platform`` target: the gateway, the token it needs, a client configuration)."""
    gateway = agent.raw.get("gateway")
    return {"gateway": gateway} if isinstance(gateway, dict) else {}


def _deployed(server_id: str, record: DeploymentRecord, **more: Any) -> Outcome:
    """200 with the deploy answer of DESIGN.md (a redeploy adds its versions)."""
    return Outcome(
        200,
        {
            "success": True,
            "serverId": server_id,
            "agentId": record.agent_id,
            "endpoint": record.endpoint,
            "dashboardUrl": record.dashboard_url,
            "deployedAt": iso_z(record.deployed_at),
            **more,
        },
    )


class Deployer:
    """Deploys a store's servers with the settings' targets."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        services: Services,
        *,
        telemetry: Telemetry | None = None,
        host: Any = None,
        base_url: str | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.services = services
        self.telemetry = telemetry or DISABLED
        self.host = host
        self.base_url = base_url

    # -- helpers ----------------------------------------------------------------------------

    @property
    def stale_after(self) -> timedelta:
        """A ``deploying`` row older than this belongs to a process that died mid-deploy."""
        return timedelta(seconds=self.settings.deploy_timeout * 4 + 60)

    def target(self, name: str | None = None) -> DeployTarget:
        target = get_target(self.settings, name)
        if isinstance(target, LocalTarget):
            seen = getattr(self.host, "seen_base_url", None)
            target.bind(self.host, base_url=self.base_url or seen)
        return target

    async def _gate(self, workflow: Workflow) -> Outcome | None:
        """422 listing the failing tests, or None when they pass."""
        if not workflow.tests:
            return None
        report = await run_workflow_tests(workflow, self.services)
        if report.ok:
            return None
        failures = [
            {
                "name": r.name,
                "status": r.status,
                "expectedStatus": r.expected_status,
                "problems": r.problems,
            }
            for r in report.results
            if not r.passed
        ]
        return Outcome(422, {"error": TESTS_FAIL, "details": failures})

    async def _release_stale(self, live: DeploymentRecord) -> bool:
        """Finish a ``deploying`` claim left by a crashed process by its intent; True when it
        was stale (whether this process or another one finished it)."""
        if live.status != "deploying" or datetime.now(UTC) - live.updated_at < self.stale_after:
            return False
        key = _new_key()
        taken = await self.store.deployments.take_over(
            live.id,
            idempotency_key=live.idempotency_key,
            new_key=key,
            before=datetime.now(UTC) - self.stale_after,
        )
        if not taken:
            return True  # another process is finishing it
        try:
            if live.intent == "undeploy" and live.agent_id:
                try:
                    await self.target(live.target).undeploy(live.agent_id)
                except OrchestrixError:
                    await self.store.deployments.restore(live.id, idempotency_key=key)
                else:
                    await self.store.deployments.undeploy(live.id, idempotency_key=key)
            elif live.agent_id:  # a redeploy that died: the agent still serves
                await self.store.deployments.restore(live.id, idempotency_key=key)
            else:  # a first deploy: what it made, if anything, is the reconciler's
                await self.store.deployments.fail(
                    live.id, "abandoned: the deploying process stopped", idempotency_key=key
                )
        except Conflict:
            return True
        log.warning("released stale deployment %s of %s (%s)", live.id, live.server_id, live.intent)
        return True

    async def _live(self, server_id: str) -> DeploymentRecord | None:
        """The live deployment, after releasing one left stale by a crashed process."""
        live = await self.store.deployments.live(server_id)
        if live is not None and await self._release_stale(live):
            live = await self.store.deployments.live(server_id)
        return live

    async def _request(
        self, server: ServerRecord, workflow: Workflow, version: int, key: str | None = None
    ) -> DeploymentRequest:
        names = referenced_secrets(workflow)
        values = await self.store.secrets.values(server.id) if names else {}
        return DeploymentRequest(
            server_id=server.id,
            owner_id=server.owner_id,
            version=version,
            workflow=workflow,
            created_at=server.created_at,
            idempotency_key=key,
            secret_values={name: values[name] for name in names if name in values},
        )

    # -- deploy -----------------------------------------------------------------------------

    async def deploy(self, server_id: str, owner_id: str, target: str | None = None) -> Outcome:
        server = await self.store.servers.get(server_id, owner_id)
        live = await self._live(server_id)
        if live is not None:
            return _already(live) if live.status == "deployed" else _in_progress(live)
        if target is not None and target not in target_names():
            return Outcome(
                422,
                {
                    "error": f"Unknown deploy target {target!r}",
                    "details": {"targets": target_names()},
                },
            )
        try:
            chosen = self.target(target)
        except OrchestrixError as e:  # a missing setting: the original product's 500
            self.telemetry.emit("deploy_failed", server_id=server_id, reason=e.message)
            return Outcome(500, {"success": False, "error": e.message})
        workflow = parse_workflow(server.spec)
        refused = await self._gate(workflow)
        if refused is not None:
            return refused
        key = _new_key()
        try:
            claim = await self.store.deployments.claim(
                server_id, target=chosen.name, version=server.version, idempotency_key=key
            )
        except Conflict:
            live = await self.store.deployments.live(server_id)
            if live is not None and live.status == "deployed":
                return _already(live)
            return _in_progress(live)
        try:
            request = await self._request(server, workflow, server.version, key)
            agent = await chosen.deploy(request)
        except Exception as e:
            reason = e.message if isinstance(e, DeployError) else "Unexpected error"
            if not isinstance(e, DeployError):
                log.exception("deploy of %s to %s failed unexpectedly", server_id, chosen.name)
            with contextlib.suppress(Conflict):  # taken over as stale: the new holder decides
                await self.store.deployments.fail(claim.id, reason, idempotency_key=key)
            self.telemetry.emit(
                "deploy_failed", server_id=server_id, target=chosen.name, reason=reason
            )
            return _failed(reason)
        try:
            record = await self.store.deployments.complete(
                claim.id,
                agent_id=agent.agent_id,
                endpoint=agent.endpoint,
                dashboard_url=agent.dashboard_url,
                deployed_at=agent.deployed_at,
                idempotency_key=key,
            )
        except Exception:
            log.exception("deployment %s of %s could not be recorded", claim.id, server_id)
            return await self._compensate(chosen, claim, agent, key)
        self.telemetry.emit(
            "deployed",
            server_id=server_id,
            agent_id=agent.agent_id,
            target=chosen.name,
            version=server.version,
        )
        return _deployed(server_id, record, **_access(agent))

    async def _compensate(
        self, target: DeployTarget, claim: DeploymentRecord, agent: DeployedAgent, key: str
    ) -> Outcome:
        """The target accepted but the database did not record it: take the agent down again;
        if that fails too, the agent is an orphan, named in the answer, the row and the log."""
        try:
            await target.undeploy(agent.agent_id)
        except Exception as e:
            cause = e.message if isinstance(e, OrchestrixError) else type(e).__name__
            reason = (
                f"the deployment could not be recorded, and agent {agent.agent_id} at "
                f"{agent.endpoint} could not be undeployed ({cause}); undeploy it by hand"
            )
            log.error("orphaned agent %s on %s: %s", agent.agent_id, target.name, reason)
        else:
            reason = f"the deployment could not be recorded; agent {agent.agent_id} was undeployed"
        try:
            await self.store.deployments.fail(claim.id, reason, idempotency_key=key)
        except Exception:
            log.exception("deployment %s stays 'deploying' until it is released as stale", claim.id)
        self.telemetry.emit(
            "deploy_failed",
            server_id=claim.server_id,
            agent_id=agent.agent_id,
            target=target.name,
            reason=reason,
        )
        return _failed(reason)

    # -- new versions ---------------------------------------------------------------------

    async def redeploy(
        self, server_id: str, owner_id: str, version: int | None = None, *, action: str = "redeploy"
    ) -> Outcome:
        """Serve another version at the same agent and endpoint (the history keeps both)."""
        server = await self.store.servers.get(server_id, owner_id)
        live = await self._live(server_id)
        if live is None:
            return _not_deployed(server_id)
        if live.status != "deployed" or live.agent_id is None:
            return _in_progress(live)
        wanted = version if version is not None else server.version
        spec = (await self.store.servers.version(server_id, owner_id, wanted)).spec
        workflow = parse_workflow(spec)
        try:
            target = self.target(live.target)
        except OrchestrixError as e:
            return Outcome(500, {"success": False, "error": e.message})
        refused = await self._gate(workflow)
        if refused is not None:
            return refused
        key = _new_key()
        try:
            claim = await self.store.deployments.begin(
                live.id, intent="redeploy", idempotency_key=key
            )
        except Conflict:
            return _in_progress(await self.store.deployments.live(server_id))
        try:
            request = await self._request(server, workflow, wanted, key)
            agent = await target.deploy(request, agent_id=live.agent_id)
        except Exception as e:
            reason = e.message if isinstance(e, DeployError) else "Unexpected error"
            if not isinstance(e, DeployError):
                log.exception("%s of %s failed unexpectedly", action, server_id)
            with contextlib.suppress(Conflict):  # the agent still serves the old version
                await self.store.deployments.restore(claim.id, idempotency_key=key)
            self.telemetry.emit("deploy_failed", server_id=server_id, action=action, reason=reason)
            return _failed(reason)
        try:
            record = await self.store.deployments.supersede(
                claim.id,
                version=wanted,
                agent_id=agent.agent_id,
                endpoint=agent.endpoint,
                dashboard_url=agent.dashboard_url,
                deployed_at=agent.deployed_at,
                idempotency_key=key,
            )
        except Conflict:
            log.error("the %s of %s to version %s was not recorded", action, server_id, wanted)
            return _failed(
                f"version {wanted} went out to agent {agent.agent_id}, but the deployment was "
                "taken over meanwhile and does not record it; redeploy again"
            )
        self.telemetry.emit(
            "deployed",
            server_id=server_id,
            agent_id=agent.agent_id,
            target=target.name,
            version=wanted,
            action=action,
        )
        return _deployed(
            server_id,
            record,
            version=record.version,
            previousVersion=live.version,
            **_access(agent),
        )

    async def rollback(self, server_id: str, owner_id: str, version: int | None = None) -> Outcome:
        """Serve an earlier version again: ``version``, or the one served before the current."""
        await self.store.servers.get(server_id, owner_id)
        if version is None:
            history = await self.store.deployments.history(server_id)
            live = next((d for d in history if d.status in {"deployed", "deploying"}), None)
            if live is None:
                return _not_deployed(server_id)
            earlier = next(
                (
                    d.version
                    for d in history
                    if d.status == "superseded"
                    and d.version != live.version
                    and d.agent_id == live.agent_id
                ),
                None,
            )
            if earlier is None:
                return Outcome(
                    409,
                    {
                        "error": "There is no earlier deployed version to roll back to",
                        "details": {"serverId": server_id, "version": live.version},
                    },
                )
            version = earlier
        return await self.redeploy(server_id, owner_id, version, action="rollback")

    # -- undeploy and history ---------------------------------------------------------------

    async def undeploy(self, server_id: str, owner_id: str) -> Outcome:
        await self.store.servers.get(server_id, owner_id)
        live = await self._live(server_id)
        if live is None:
            return _not_deployed(server_id)
        if live.status != "deployed" or live.agent_id is None:
            return _in_progress(live)
        try:
            target = self.target(live.target)
        except OrchestrixError as e:
            return Outcome(
                500, {"success": False, "error": UNDEPLOY_FAILED.format(reason=e.message)}
            )
        key = _new_key()
        try:
            claim = await self.store.deployments.begin(
                live.id, intent="undeploy", idempotency_key=key
            )
        except Conflict:
            return _in_progress(await self.store.deployments.live(server_id))
        try:
            await target.undeploy(live.agent_id)
        except Exception as e:
            if not isinstance(e, OrchestrixError):
                log.exception("undeploy of %s failed unexpectedly", server_id)
            with contextlib.suppress(Conflict):  # the agent is still there
                await self.store.deployments.restore(claim.id, idempotency_key=key)
            reason = e.message if isinstance(e, OrchestrixError) else "Unexpected error"
            return Outcome(500, {"success": False, "error": UNDEPLOY_FAILED.format(reason=reason)})
        try:
            record = await self.store.deployments.undeploy(claim.id, idempotency_key=key)
        except Conflict:
            return _in_progress(await self.store.deployments.live(server_id))
        self.telemetry.emit(
            "undeployed", server_id=server_id, agent_id=live.agent_id, target=live.target
        )
        return Outcome(
            200,
            {
                "success": True,
                "serverId": server_id,
                "agentId": live.agent_id,
                "undeployedAt": iso_z(record.updated_at),
            },
        )

    async def history(self, server_id: str, owner_id: str) -> list[dict[str, Any]]:
        await self.store.servers.get(server_id, owner_id)
        return [deployment_out(d) for d in await self.store.deployments.history(server_id)]

    # -- reconcile ----------------------------------------------------------------------------

    async def reconcile(self, targets: list[str] | None = None) -> list[dict[str, Any]]:
        """Adopt or remove the agents at the targets that no deployment records (see
        :mod:`orchestrix.deploy.reconcile`)."""
        return await reconcile(self, targets)

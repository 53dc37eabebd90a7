"""The deploy reconciler: agents at a target that the store does not know.

A deploy whose answer was lost (a 500 after the target made the agent, a timeout, a reset) or a
process killed between the target's answer and the database write leaves an agent that no
deployment records. :func:`reconcile` lists each target's agents (targets with an ``agents()``
method: ``archestra``, ``host``, ``archestra-platform``) and compares them with the live
deployments: an unknown agent is adopted as its server's live deployment when that server
exists and has none, and removed at the target otherwise. ``orchestrix deployments reconcile``
runs it; with ``ORCHESTRIX_DEPLOY_RECONCILE_ON_START`` so does ``orchestrix serve`` when it
starts (:func:`reconciling_at_start`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

from orchestrix.deploy.base import DeployTarget
from orchestrix.errors import Conflict, OrchestrixError
from orchestrix.settings import Settings

if TYPE_CHECKING:
    from orchestrix.deploy.service import Deployer

log = logging.getLogger("orchestrix.deploy")


async def reconcile(deployer: Deployer, targets: list[str] | None = None) -> list[dict[str, Any]]:
    """Agents at a target that the store does not know (a deploy whose answer was lost, a
    process killed between the target's answer and the write): adopted as their server's
    live deployment when that server exists and has none, removed at the target otherwise.
    ``targets``: the names to look at; None: the settings' target and every target a
    deployment was recorded for. A target that cannot list its agents is reported, not
    fatal. Returns one entry per agent acted on or per target skipped."""
    names = targets or sorted(
        {deployer.settings.resolved_deploy_target} | await deployer.store.deployments.targets()
    )
    report: list[dict[str, Any]] = []
    for name in names:
        try:
            target = deployer.target(name)
            lister = getattr(target, "agents", None)
            if lister is None:
                report.append({"target": name, "action": "skipped", "reason": _NO_LIST})
                continue
            found = await lister()
        except OrchestrixError as e:
            report.append({"target": name, "action": "skipped", "reason": e.message})
            continue
        known = await deployer.store.deployments.known_agents()
        unknown = [a for a in found if (name, a["agentId"]) not in known]
        report += [await _reconcile_one(deployer, target, agent) for agent in unknown]
        for agent in found:
            if (name, agent["agentId"]) in known and isinstance(agent.get("version"), int):
                drift = await _repair_drift(deployer, target, agent)
                if drift is not None:
                    report.append(drift)
    return report


async def _repair_drift(
    deployer: Deployer, target: DeployTarget, agent: dict[str, Any]
) -> dict[str, Any] | None:
    """A known agent serving another version than its deployment says (a redeploy that
    reached the target but was never recorded): the recorded version goes out again, so what
    the store says is what is served."""
    row = await deployer.store.deployments.by_agent(agent["agentId"])
    if row is None or row.status != "deployed" or row.version == agent["version"]:
        return None
    server = await deployer.store.servers.find(row.server_id)
    if server is None:
        return None
    outcome = await deployer.redeploy(server.id, server.owner_id, row.version)
    reason = f"the target served version {agent['version']}; the deployment says {row.version}"
    entry = {
        "target": target.name,
        "agentId": agent["agentId"],
        "serverId": server.id,
        "action": "redeployed" if outcome.ok else "failed",
        "reason": reason if outcome.ok else f"{reason}; {outcome.body.get('error')}",
    }
    log.warning("reconcile: %s", entry)
    return entry


async def _reconcile_one(
    deployer: Deployer, target: DeployTarget, agent: dict[str, Any]
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "target": target.name,
        "agentId": agent["agentId"],
        "serverId": agent.get("serverId"),
    }
    server = (
        await deployer.store.servers.find(str(agent["serverId"])) if agent.get("serverId") else None
    )
    live = await deployer.store.deployments.live(server.id) if server is not None else None
    reason = None
    if server is None:
        reason = "its server is not in this store"
    elif live is not None and live.status == "deploying":
        return {**entry, "action": "skipped", "reason": "a deployment is in progress"}
    elif live is not None:
        reason = f"the server is deployed as agent {live.agent_id}"
    elif not agent.get("endpoint"):
        reason = "the target does not say where it is served"
    if reason is None:
        assert server is not None
        version = agent.get("version")
        try:
            record = await deployer.store.deployments.adopt(
                server.id,
                target=target.name,
                version=version if isinstance(version, int) else server.version,
                agent_id=agent["agentId"],
                endpoint=agent.get("endpoint"),
                dashboard_url=agent.get("dashboardUrl"),
            )
        except Conflict:
            return {**entry, "action": "skipped", "reason": "a deployment began meanwhile"}
        log.warning("adopted agent %s at %s for %s", agent["agentId"], target.name, server.id)
        return {**entry, "action": "adopted", "deploymentId": record.id}
    try:
        await target.undeploy(agent["agentId"])
    except OrchestrixError as e:
        return {**entry, "action": "failed", "reason": f"{reason}; removing it: {e.message}"}
    log.warning("removed agent %s at %s: %s", agent["agentId"], target.name, reason)
    return {**entry, "action": "removed", "reason": reason}


_NO_LIST = "this target cannot list its agents"


@contextlib.asynccontextmanager
async def reconciling_at_start(
    settings: Settings, deployer: Callable[[], Deployer | None], *, wait: float = 30.0
) -> AsyncIterator[None]:
    """With ``ORCHESTRIX_DEPLOY_RECONCILE_ON_START``: one :meth:`Deployer.reconcile` in the
    background once ``deployer()`` can make one (the app's services are up); a failure is
    logged, never fatal to the start."""
    if not settings.deploy_reconcile_on_start:
        yield
        return

    async def run() -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        while (made := deployer()) is None:
            if loop.time() > deadline:
                log.error("reconcile at start: the services did not start in %ss", wait)
                return
            await asyncio.sleep(0.05)
        try:
            for entry in await made.reconcile():
                log.warning("reconcile at start: %s", entry)
        except Exception:
            log.exception("reconcile at start failed")

    task = asyncio.create_task(run())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

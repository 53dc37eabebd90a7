"""Running stored servers: compiled executors cached per (server, version), runs recorded.

A version's spec never changes, so an executor compiled for it stays right for every app
process; the cache only saves compiling again. Every run is stored as an execution with its
input and body redacted by what the run knows as secret (the step logs are redacted by the
executor), as the retention settings say (all, errors only, none; pruned after N days). The
execution row is written before the run (status 0) and completed after it, so a process that
dies mid-run leaves a trace of the run next to whatever data it changed.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from orchestrix.errors import ConfigurationError
from orchestrix.runtime.executor import ExecutionResult, Executor
from orchestrix.spec.io import parse_workflow
from orchestrix.spec.models import Workflow
from orchestrix.store import ExecutionRecord, ServerRecord, Store
from orchestrix.telemetry import DISABLED, Telemetry, span
from orchestrix.tools.base import Services


class Runner:
    def __init__(self, store: Store, *, max_executors: int = 256) -> None:
        self.store = store
        self.services: Services | None = None  # set in the app's lifespan
        self.telemetry: Telemetry = DISABLED  # create_app sets the app's
        self._executors: OrderedDict[tuple[str, int], Executor] = OrderedDict()
        self._max = max_executors

    def executor(self, server: ServerRecord) -> Executor:
        """The compiled current version of ``server`` (SpecError if it does not compile)."""
        key = (server.id, server.version)
        found = self._executors.get(key)
        if found is not None:
            self._executors.move_to_end(key)
            return found
        executor = Executor(workflow_of(server))
        self._executors[key] = executor
        while len(self._executors) > self._max:
            self._executors.popitem(last=False)
        return executor

    def forget(self, server_id: str) -> None:
        for key in [k for k in self._executors if k[0] == server_id]:
            del self._executors[key]

    async def run(
        self,
        server: ServerRecord,
        input: Mapping[str, Any],
        *,
        headers: Mapping[str, str] | None = None,
        source: str,
        client_ip: str | None = None,
    ) -> tuple[ExecutionResult, ExecutionRecord]:
        """Run the server's current version in its own data namespace (its id) and store it."""
        if self.services is None:
            raise ConfigurationError("The runtime services are not open (the app is not started)")
        executor = self.executor(server)
        secrets = await self.store.secrets.values(server.id) if executor.secret_names else {}
        settings = self.services.settings
        execution_id = await self.store.executions.begin_kept(
            server.id,
            retention=settings.execution_retention,
            retention_days=settings.execution_retention_days,
            version=server.version,
            source=source,
        )
        with span("orchestrix.execution", server_id=server.id, version=server.version, via=source):
            result = await executor.run(
                input,
                self.services,
                namespace=server.id,
                headers=headers,
                client_ip=client_ip,
                secrets=secrets,
            )
        redactor = result.redactor
        redactor.collect(dict(input))
        redactor.collect(dict(headers or {}))
        record = await self.store.executions.finish_kept(
            execution_id,
            server.id,
            retention=settings.execution_retention,
            version=server.version,
            source=source,
            status=result.status,
            input=result.redact(dict(input)),
            body=result.redact(result.body),
            logs=[entry.to_dict() for entry in result.logs],
            duration_ms=round(result.duration_ms, 3),
        )
        self.telemetry.emit(
            "workflow_run",
            server_id=server.id,
            version=server.version,
            source=source,
            status=result.status,
            durationMs=round(result.duration_ms, 3),
        )
        return result, record


def workflow_of(server: ServerRecord) -> Workflow:
    return parse_workflow(server.spec)

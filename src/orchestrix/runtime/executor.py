"""The executor: runs a workflow's tool graph against one request.

A workflow is compiled once (static checks, expressions parsed, static configs validated) and
run many times. A run walks ``executionOrder``: a false ``when`` skips a tool, a ``response``
tool ends the run, a tool error ends it with that error's status. A run never raises for
something a request can cause: it answers ``{status, body, logs}``.
"""

from __future__ import annotations

import asyncio
import builtins
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NoReturn

from pydantic import BaseModel, ValidationError

from orchestrix.errors import ExecutionTimeout, OrchestrixError
from orchestrix.runtime.checks import ensure_valid, referenced_secrets, sensitive_input_paths
from orchestrix.runtime.database import is_unreachable, unavailable
from orchestrix.runtime.redact import Redactor
from orchestrix.spec import budget
from orchestrix.spec.expressions import (
    Expression,
    ExpressionError,
    Template,
    compile_template,
    parse_guard,
)
from orchestrix.spec.models import Workflow
from orchestrix.tools import get_tool
from orchestrix.tools.base import RunContext, Services, Tool, ToolConfig

log = logging.getLogger("orchestrix.executor")


@dataclass
class StepLog:
    id: str
    type: str
    status: str  # success | skipped | error
    duration_ms: float
    input: Any = None
    output: Any = None
    error: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type,
            "status": self.status,
            "durationMs": round(self.duration_ms, 3),
            "input": self.input,
            "output": self.output,
            "error": self.error,
        }


@dataclass
class ExecutionResult:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    logs: list[StepLog] = field(default_factory=list)
    duration_ms: float = 0.0
    #: What this run treats as secret (its inputs by role, its secrets), for stored copies.
    redactor: Redactor = field(default_factory=Redactor, repr=False)

    @property
    def ok(self) -> bool:
        return self.status < 400

    def redact(self, value: Any) -> Any:
        """``value`` with everything this run knows as secret masked (for storing it)."""
        return self.redactor.redact(value)

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "body": self.body,
            "headers": self.headers,
            "logs": [entry.to_dict() for entry in self.logs],
            "durationMs": round(self.duration_ms, 3),
        }


@dataclass
class _Step:
    id: str
    type: str
    tool: Tool
    config_model: builtins.type[ToolConfig]
    template: Template
    guard: Expression | None
    static_config: ToolConfig | None
    ends_run: bool
    #: Config fields whose values are secrets by role (never logged, whatever they hold).
    sensitive: frozenset[str]


def _dump(output: Any) -> Any:
    if isinstance(output, BaseModel):
        return output.model_dump(mode="json", by_alias=True)
    return output


def _truthy(value: Any) -> bool:
    return bool(value)


class _StepFailed(Exception):
    """Internal: a step failed; carries the error to answer with."""

    def __init__(self, error: OrchestrixError) -> None:
        self.error = error


class BudgetExceeded(OrchestrixError):
    """A run went past a budget (the size of a step's value, the values of a run)."""

    status = 500
    code = "budget_exceeded"


class SecretMissing(OrchestrixError):
    """The spec reads ``{{ secrets.NAME }}`` and the server has no secret of that name."""

    status = 500
    code = "secret_missing"


class Executor:
    """A compiled workflow: check once, run many times."""

    def __init__(self, workflow: Workflow) -> None:
        ensure_valid(workflow)
        self.workflow = workflow
        self._steps: list[_Step] = []
        for spec in workflow.ordered_tools():
            cls = get_tool(spec.type)
            assert cls is not None  # ensure_valid refuses unknown types
            template = compile_template(spec.config)
            static_config = None
            if template.is_static:
                static_config = cls.Config.model_validate(spec.config)
            self._steps.append(
                _Step(
                    id=spec.id,
                    type=spec.type,
                    tool=cls(),
                    config_model=cls.Config,
                    template=template,
                    guard=parse_guard(spec.when) if spec.when is not None else None,
                    static_config=static_config,
                    ends_run=cls.ends_run,
                    sensitive=cls.sensitive,
                )
            )
        #: Names read as ``{{ secrets.NAME }}``: a run that reads none never loads secrets.
        self.secret_names = referenced_secrets(workflow)
        self._sensitive_inputs = sensitive_input_paths(workflow.input_schema)

    async def run(
        self,
        input: Mapping[str, Any],
        services: Services,
        *,
        namespace: str,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
        client_ip: str | None = None,
        secrets: Mapping[str, str] | None = None,
    ) -> ExecutionResult:
        """Run once. ``secrets`` are the server's named secrets; None reads them from the
        services' secret store for ``namespace`` (what a deployment handed the host)."""
        ctx = RunContext(
            workflow=self.workflow,
            input=dict(input),
            services=services,
            namespace=namespace,
            headers={k.lower(): v for k, v in (headers or {}).items()},
            client={"ip": client_ip},
        )
        logs: list[StepLog] = []
        redactor = Redactor()
        self._remember_inputs(ctx.input, redactor)
        started = time.perf_counter()
        limit = timeout if timeout is not None else services.settings.run_timeout
        try:
            async with asyncio.timeout(limit):
                with budget.run_deadline(limit):
                    known = await self._secrets(services, namespace, secrets, redactor)
                    status, body, out_headers = await self._run_steps(ctx, logs, known, redactor)
        except (TimeoutError, budget.DeadlineExceeded):
            error = ExecutionTimeout(
                f"The run took longer than {limit:g} seconds", {"timeoutSeconds": limit}
            )
            status, body, out_headers = error.status, error.to_body(), {}
        except _StepFailed as failed:
            status, body, out_headers = failed.error.status, failed.error.to_body(), {}
        duration = (time.perf_counter() - started) * 1000
        return ExecutionResult(
            status=status,
            body=body,
            headers=out_headers,
            logs=self._redacted(ctx, logs, redactor),
            duration_ms=duration,
            redactor=redactor,
        )

    def _remember_inputs(self, data: Mapping[str, Any], redactor: Redactor) -> None:
        """Input fields the schema marks ``writeOnly`` or ``format: password`` are secrets."""
        for path in self._sensitive_inputs:
            value: Any = data
            for key in path:
                value = value.get(key) if isinstance(value, Mapping) else None
            if value is not None:
                redactor.remember(value)

    async def _secrets(
        self,
        services: Services,
        namespace: str,
        given: Mapping[str, str] | None,
        redactor: Redactor,
    ) -> dict[str, str]:
        """The secrets the spec reads (only those), each remembered as sensitive."""
        if not self.secret_names:
            return {}
        try:
            found = dict(given) if given is not None else await services.secrets.named(namespace)
        except OrchestrixError as e:  # e.g. a key that cannot decrypt them
            raise _StepFailed(e) from e
        missing = sorted(self.secret_names - found.keys())
        if missing:
            raise _StepFailed(
                SecretMissing(
                    f"The secret {missing[0]} is not set for this server "
                    f"(orchestrix secret set SERVER {missing[0]})",
                    {"missing": missing},
                )
            )
        chosen = {name: found[name] for name in self.secret_names}
        redactor.remember(list(chosen.values()))
        return chosen

    async def _run_steps(
        self,
        ctx: RunContext,
        logs: list[StepLog],
        secrets: dict[str, str],
        redactor: Redactor,
    ) -> tuple[int, Any, dict[str, str]]:
        scope = ctx.scope()
        if secrets:
            scope["secrets"] = secrets
        last_output: Any = None
        spent = 0  # the size of every value the run has taken and given so far
        for step in self._steps:
            budget.check()
            t0 = time.perf_counter()
            if step.guard is not None:
                try:
                    run_it = _truthy(step.guard.evaluate(scope))
                except ExpressionError as e:
                    self._fail(logs, step, t0, None, _expression_failed(step, "when", e))
                if not run_it:
                    logs.append(StepLog(step.id, step.type, "skipped", _ms(t0)))
                    continue
            rendered: Any = None
            try:
                rendered = step.template.render(scope)
                spent += self._within_budget(logs, step, t0, rendered, "config", spent)
                if step.sensitive and isinstance(rendered, dict):
                    for name in step.sensitive:
                        if rendered.get(name) is not None:
                            redactor.remember(rendered[name])
                if step.static_config is not None:
                    config = step.static_config
                else:
                    config = step.config_model.model_validate(rendered)
            except ExpressionError as e:
                self._fail(logs, step, t0, rendered, _expression_failed(step, "config", e))
            except ValidationError as e:
                self._fail(logs, step, t0, rendered, _bad_config(step, e))
            try:
                output = _dump(await step.tool.run(ctx, config))
            except OrchestrixError as e:
                self._fail(logs, step, t0, rendered, e)
            except budget.DeadlineExceeded:
                raise
            except Exception as e:  # a bug or an unexpected library error: answer 500, log it
                if is_unreachable(e):  # the database is down or full: 503, try again
                    log.warning("tool %s (%s): database unavailable: %r", step.id, step.type, e)
                    self._fail(logs, step, t0, rendered, unavailable(e))
                log.exception("tool %s (%s) failed", step.id, step.type)
                self._fail(
                    logs,
                    step,
                    t0,
                    rendered,
                    OrchestrixError(
                        f"Tool {step.id!r} failed unexpectedly", {"type": type(e).__name__}
                    ),
                )
            spent += self._within_budget(logs, step, t0, output, "output", spent)
            ctx.steps[step.id] = output
            logs.append(StepLog(step.id, step.type, "success", _ms(t0), rendered, output))
            last_output = output
            if step.ends_run and isinstance(output, dict):
                return (
                    int(output.get("status", 200)),
                    output.get("body"),
                    dict(output.get("headers") or {}),
                )
        return 200, last_output, {}

    def _within_budget(
        self, logs: list[StepLog], step: _Step, t0: float, value: Any, what: str, spent: int
    ) -> int:
        """The size of a step's value; past a budget the step fails (nothing big is kept)."""
        size = budget.value_size(value, budget.MAX_STEP_VALUE)
        if size > budget.MAX_STEP_VALUE:
            self._fail(
                logs,
                step,
                t0,
                None,
                BudgetExceeded(
                    f"The {what} of step {step.id!r} is larger than {budget.MAX_STEP_VALUE} bytes",
                    {"toolId": step.id, "maxBytes": budget.MAX_STEP_VALUE},
                ),
            )
        if spent + size > budget.MAX_RUN_VALUE:
            self._fail(
                logs,
                step,
                t0,
                None,
                BudgetExceeded(
                    f"The run's values are larger than {budget.MAX_RUN_VALUE} bytes "
                    f"(at step {step.id!r})",
                    {"toolId": step.id, "maxBytes": budget.MAX_RUN_VALUE},
                ),
            )
        return size

    @staticmethod
    def _fail(
        logs: list[StepLog], step: _Step, t0: float, rendered: Any, error: OrchestrixError
    ) -> NoReturn:
        logs.append(
            StepLog(
                step.id,
                step.type,
                "error",
                _ms(t0),
                rendered,
                None,
                {"status": error.status, "code": error.code, **error.to_body()},
            )
        )
        raise _StepFailed(error)

    @staticmethod
    def _redacted(ctx: RunContext, logs: list[StepLog], redactor: Redactor) -> list[StepLog]:
        redactor.collect(ctx.input)
        redactor.collect(ctx.headers)
        for entry in logs:
            redactor.collect(entry.input)
            redactor.collect(entry.output)
        for entry in logs:
            entry.input = redactor.redact(entry.input)
            entry.output = redactor.redact(entry.output)
            if entry.error is not None:
                entry.error = redactor.redact(entry.error)
        return logs


def _ms(t0: float) -> float:
    return (time.perf_counter() - t0) * 1000


def _expression_failed(step: _Step, where: str, e: ExpressionError) -> OrchestrixError:
    return OrchestrixError(
        f"An expression in {step.id}.{where} failed: {e.message}", {"toolId": step.id}
    )


def _bad_config(step: _Step, e: ValidationError) -> OrchestrixError:
    details = [
        {"field": ".".join(str(p) for p in err["loc"]), "message": err["msg"]} for err in e.errors()
    ]
    return OrchestrixError(f"Tool {step.id!r} got an invalid config", details)


async def execute(
    workflow: Workflow,
    input: Mapping[str, Any],
    services: Services,
    *,
    namespace: str,
    headers: Mapping[str, str] | None = None,
    timeout: float | None = None,
    secrets: Mapping[str, str] | None = None,
) -> ExecutionResult:
    """Compile and run once (prefer a cached :class:`Executor` for repeated runs)."""
    return await Executor(workflow).run(
        input, services, namespace=namespace, headers=headers, timeout=timeout, secrets=secrets
    )

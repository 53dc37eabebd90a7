"""The llm planner: a model (``ORCHESTRIX_LLM``) answers the API model as structured output and
the builder's compilers turn it into the graph and its tests, exactly as for the rules planner
(:func:`orchestrix.agents.rules.build_from_model`).

An answer is judged in rounds (at most ``llm_repair_rounds`` repairs): it must fit the schema,
compile, pass the static checks, pass the graph's own tests, and hold every essential the model
listed for the request. Each failure goes back to the model with its reason, and every round is
in the build's notes. A server that rejects the output mode is asked in the next mode
(:mod:`llm_output`). A model that cannot be reached, times out (never retried), is rejected in
every mode or keeps failing hands over to the rules planner, and the result says which planner
built it and why, in its notes and in ``metadata.builder.fallback`` (so ``--json`` shows it).
"""

from __future__ import annotations

import logging
import tempfile
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic_ai import Agent, ModelRetry, RunContext, capture_run_messages
from pydantic_ai.exceptions import (
    AgentRunError,
    ContentFilterError,
    ModelAPIError,
    ModelConnectionError,
    ModelHTTPError,
    ModelTimeoutError,
    UnexpectedModelBehavior,
    UserError,
)
from pydantic_ai.messages import (
    ModelMessage,
    ModelResponse,
    RetryFeedbackPart,
    RetryPromptPart,
    ToolReturnPart,
)

from orchestrix.agents.diff import diff_workflows
from orchestrix.agents.llm_answer import LlmAnswer, checklist_problems, compact
from orchestrix.agents.llm_output import (
    Mode,
    Target,
    build_model,
    mode_order,
    model_settings,
    output_spec,
    target_of,
)
from orchestrix.agents.model import ApiModel
from orchestrix.agents.results import BuildResult, MutationResult, NotUnderstood
from orchestrix.agents.rules import MODEL_KEY, RulesPlanner, build_from_model
from orchestrix.errors import ConfigurationError, OrchestrixError
from orchestrix.settings import Settings
from orchestrix.spec.models import Workflow
from orchestrix.tools.base import Services

log = logging.getLogger("orchestrix.builder")
PLANNER = "llm"
#: Statuses that mean "this server does not take this output mode": ask in the next one.
MODE_REJECTED = {400, 404, 422, 500, 501}

INSTRUCTIONS = """\
You turn a request for an HTTP API into Orchestrix's API model (JSON). Answer one JSON object
{"api": {...}, "essentials": [...], "summary": "..."}; no prose around it.
- kind: signup, login, profile, profileUpdate, passwordReset, passwordResetConfirm,
  passwordChange, logout, accountDelete (accounts); crud (records of an entity, with operations
  create/get/list/update/delete); form (contact, feedback, newsletter, waitlist: stored and
  maybe emailed); webhook (stores events); outbound (calls another API); shortener, resolver;
  health, ping, hello, echo, time; unsubscribe; compute.
- fields: only what the user asked for, named as the user named them; set required, unique,
  format (email, date, uri), min/max, minLength/maxLength, enum as asked. A password is
  {"name": "password", "secret": true, "required": true}.
- auth: only when the user asks for a logged-in caller, a token or roles; otherwise leave it out.
- rateLimits, emails, relations, ownership only when asked.
- notCovered: what the request asks that the model cannot express, in the user's words.
- essentials: the few things the request cannot do without: {"what": "field"|"required"|
  "unique"|"secret", "name": FIELD} or {"what": "status", "status": 409}.
- Not an API at all (a poem, a joke): {"refusal": "why"}. A change that is ambiguous:
  {"question": "what to ask"}.
"""


@dataclass
class _Run:
    """One request's state, shared with the output validator."""

    services: Services | None = None
    stack: AsyncExitStack = field(default_factory=AsyncExitStack)
    built: BuildResult | None = None
    base: str | None = None

    async def test_services(self) -> Services:
        if self.services is None:
            from orchestrix.runtime.services import open_services

            tmp = Path(self.stack.enter_context(tempfile.TemporaryDirectory()))
            scratch = Settings(
                data_dir=tmp, database_url=None, redis_url=None, llm=None, _env_file=None
            )
            self.services = await self.stack.enter_async_context(open_services(scratch))
        return self.services


class Fallback(Exception):
    """Why the model's answer is not used: rejected, refused, timed out, unreachable, or an
    invalid answer."""

    def __init__(self, reason: str, detail: str, rounds: list[str] | None = None) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail
        self.rounds = rounds or []


def _retry(reason: str) -> ModelRetry:
    return ModelRetry(reason + "\nAnswer the complete JSON object again, fixed.")


async def _judge(ctx: RunContext[_Run], out: LlmAnswer) -> LlmAnswer:
    """Compile, check, run the graph's tests and the checklist; a failure is a repair round."""
    from orchestrix.runtime.testing import run_workflow_tests

    run = ctx.deps
    run.built = None
    if out.api is None:
        if out.refusal or out.question:
            return out
        raise _retry("Your answer has no api (nor a question or refusal).")
    try:
        built = build_from_model(out.api, planner=PLANNER)
    except OrchestrixError as e:
        details = e.details if isinstance(e.details, list) else []
        listed = "; ".join(
            str(d.get("message", d)) if isinstance(d, dict) else str(d) for d in details
        )
        raise _retry(f"This API model does not compile: {e.message}. {listed}".strip()) from e
    except (KeyError, ValueError, TypeError, IndexError) as e:
        raise _retry(f"This API model does not compile ({type(e).__name__}: {e}).") from e
    report = await run_workflow_tests(built.workflow, await run.test_services())
    failed = [r for r in report.results if not r.passed]
    if failed:
        lines = "; ".join(f"{r.name}: {', '.join(r.problems)}" for r in failed[:5])
        raise _retry(f"The graph built from your model fails its own tests: {lines}.")
    missing = checklist_problems(built.workflow, out.essentials)
    if missing:
        raise _retry("The graph misses what you listed as essential: " + "; ".join(missing) + ".")
    run.built = built
    return out


def _rounds(messages: list[ModelMessage]) -> list[str]:
    """Every repair round and its reason, read from the conversation."""
    found: list[str] = []
    for message in messages:
        for part in getattr(message, "parts", []):
            retried = isinstance(part, ToolReturnPart) and part.outcome == "retried"
            if not (retried or isinstance(part, (RetryPromptPart, RetryFeedbackPart))):
                continue
            content: Any = part.content
            if isinstance(content, list):
                errors = [
                    f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', e)}"
                    if isinstance(e, dict)
                    else str(e)
                    for e in content[:3]
                ]
                reason = "the answer does not fit the schema (" + "; ".join(errors) + ")"
            else:
                reason = str(content).split("\nAnswer the complete JSON object again")[0]
            found.append(f"repair round {len(found) + 1}: {reason}")
    return found


def _answered(messages: list[ModelMessage]) -> bool:
    return any(isinstance(m, ModelResponse) for m in messages)


class LlmPlanner:
    """Asks a model for the API model; repairs with checks, tests and its checklist; falls back."""

    name = PLANNER

    def __init__(self, settings: Settings, fallback: RulesPlanner | None = None) -> None:
        self.settings = settings
        self.fallback = fallback or RulesPlanner()
        self._target: Target | None = None
        self.modes_tried: list[str] = []
        self._learned: Mode | None = None

    @property
    def target(self) -> Target:
        if self._target is None:
            self._target = target_of(self.settings)
        return self._target

    def _agent(self, mode: Mode, run: _Run) -> Agent[_Run, LlmAnswer]:
        from orchestrix.agents.llm_answer import answer_schema

        model, close = build_model(self.target, self.settings)
        run.stack.push_async_callback(close)
        agent: Agent[_Run, LlmAnswer] = Agent(
            model,
            output_type=output_spec(mode, LlmAnswer),
            instructions=INSTRUCTIONS,
            deps_type=_Run,
            retries={"output": self.settings.llm_repair_rounds},
            model_settings=model_settings(mode, self.target, self.settings, answer_schema()),
            name="orchestrix-builder",
        )
        agent.output_validator(_judge)
        return agent

    async def _ask(self, prompt: str) -> tuple[LlmAnswer, BuildResult | None, list[str], Mode]:
        target = self.target
        rejected: list[str] = []
        run = _Run()
        async with run.stack:
            order = mode_order(target, self.settings.llm_output_mode)
            if self._learned in order:
                # A server that rejected a mode is asked in the one that worked from then on.
                order = [self._learned, *(m for m in order if m != self._learned)]
            for mode in order:
                self.modes_tried.append(mode)
                with capture_run_messages() as messages:
                    try:
                        result = await self._agent(mode, run).run(prompt, deps=run)
                    except UserError as e:
                        # pydantic-ai knows this model lacks the mode: try the next one.
                        rejected.append(f"{mode} ({str(e)[:80]})")
                        continue
                    except ModelTimeoutError as e:
                        raise Fallback(
                            "timed out",
                            f"the model {target.label} did not answer within {target.timeout:g} s "
                            "(not retried)",
                            _rounds(messages),
                        ) from e
                    except ModelHTTPError as e:
                        if e.status_code in MODE_REJECTED and not _answered(messages):
                            rejected.append(f"{mode} (HTTP {e.status_code})")
                            log.info("%s rejected %s output: %s", target.label, mode, e)
                            continue
                        raise Fallback(
                            "rejected",
                            f"the model {target.label} rejected the request "
                            f"(HTTP {e.status_code}: {str(e)[:160]})",
                            _rounds(messages),
                        ) from e
                    except ModelConnectionError as e:
                        raise Fallback(
                            "unreachable",
                            f"the model {target.label} could not be reached at "
                            f"{target.base_url or 'its provider'} ({type(e).__name__})",
                        ) from e
                    except ModelAPIError as e:
                        raise Fallback(
                            "rejected", f"the model {target.label} rejected the request ({e})"
                        ) from e
                    except ContentFilterError as e:
                        said = str(e).split(", body:")[0].removeprefix("Content filter triggered. ")
                        raise Fallback(
                            "refused", f"the model {target.label} refused to answer ({said})"
                        ) from e
                    except (UnexpectedModelBehavior, AgentRunError) as e:
                        rounds = _rounds(messages)
                        raise Fallback(
                            "invalid answer",
                            f"the model {target.label} kept giving answers that fail "
                            f"({len(rounds)} repair rounds; last: {str(e)[:160]})",
                            rounds,
                        ) from e
                self._learned = mode
                return result.output, run.built, _rounds(result.all_messages()), mode
        raise Fallback(
            "rejected",
            f"the server of {target.label} rejected every output mode: {', '.join(rejected)}",
        )

    def _fallen(self, workflow: Workflow, why: Fallback) -> Workflow:
        meta = dict(workflow.metadata)
        builder = dict(meta.get("builder") or {})
        builder["fallback"] = {
            "from": PLANNER,
            "model": self.settings.llm,
            "reason": why.reason,
            "detail": why.detail,
        }
        meta["builder"] = builder
        return workflow.model_copy(update={"metadata": meta})

    def _notes(self, built: BuildResult, rounds: list[str], mode: Mode) -> BuildResult:
        meta = dict(built.workflow.metadata)
        meta["builder"] = {
            **(meta.get("builder") or {}),
            "model": self.target.label,
            "outputMode": mode,
            "repairRounds": len(rounds),
        }
        built.workflow = built.workflow.model_copy(update={"metadata": meta})
        built.assumptions = [
            f"built by the llm planner ({self.target.label}, {mode} output, "
            f"{len(rounds)} repair round{'' if len(rounds) == 1 else 's'})",
            *rounds,
            *built.assumptions,
        ]
        return built

    async def generate(self, prompt: str) -> BuildResult:
        if not prompt.strip():
            return self.fallback.generate(prompt)
        try:
            answer, built, rounds, mode = await self._ask(f"Request: {prompt}")
        except (Fallback, UserError, ConfigurationError) as e:
            why = e if isinstance(e, Fallback) else Fallback("rejected", str(e))
            log.warning("llm planner: %s; using the rules planner", why.detail)
            result = self.fallback.generate(prompt)
            result.workflow = self._fallen(result.workflow, why)
            result.assumptions[:0] = [
                f"built by the rules planner: {why.detail}",
                *why.rounds,
            ]
            return result
        if answer.refusal or answer.question or built is None:
            said = answer.refusal or answer.question or "no answer"
            raise NotUnderstood(f"Orchestrix builds APIs, and this does not look like one: {said}")
        return self._notes(built, rounds, mode)

    async def mutate(self, workflow: Workflow, message: str) -> MutationResult:
        current = workflow.metadata.get(MODEL_KEY)
        try:
            if not isinstance(current, dict):
                raise Fallback("no api model", "this spec keeps no API model to change")
            ApiModel.model_validate(current)
            prompt = (
                f"Current API model:\n{compact(current)}\n\nChange: {message}\n"
                "Answer the complete new API model with the change made, and its essentials; "
                "or a question if the change is ambiguous."
            )
            answer, built, rounds, mode = await self._ask(prompt)
        except (Fallback, UserError, ConfigurationError, ValueError) as e:
            why = e if isinstance(e, Fallback) else Fallback("invalid answer", str(e))
            log.warning("llm planner: %s; using the rules planner", why.detail)
            result = self.fallback.mutate(workflow, message)
            result.workflow = self._fallen(result.workflow, why)
            result.summary = f"Changed by the rules planner: {why.detail}. {result.summary}"
            return result
        if answer.question:
            raise NotUnderstood(answer.question, examples=[])
        if answer.refusal or built is None:
            raise NotUnderstood(f"I could not make that change: {answer.refusal or 'no answer'}")
        built = self._notes(built, rounds, mode)
        summary = answer.summary or built.summary
        notes = " ".join(built.assumptions[:1] + built.assumptions[1 : 1 + len(rounds)])
        return MutationResult(
            built.workflow,
            f"{summary} ({notes})",
            diff_workflows(workflow, built.workflow),
            PLANNER,
        )

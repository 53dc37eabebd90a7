"""The llm planner: a model (``ORCHESTRIX_LLM``) writes the graph as structured output.

The answer is validated against the spec models (pydantic-ai's structured output), then by the
static checks; their problems go back to the model for at most ``llm_repair_rounds`` rounds.
A model that cannot be reached, or that never gets it right, hands over to the rules planner,
and the result says so.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx
from pydantic import BaseModel, Field
from pydantic_ai import Agent, ModelRetry, RunContext
from pydantic_ai.exceptions import AgentRunError, UserError
from pydantic_ai.models import Model

from orchestrix.agents.diff import diff_workflows
from orchestrix.agents.results import BuildResult, MutationResult, NotUnderstood
from orchestrix.agents.rules import RulesPlanner
from orchestrix.errors import ConfigurationError
from orchestrix.settings import Settings
from orchestrix.spec.models import Workflow

log = logging.getLogger("orchestrix.builder")
PLANNER = "llm"


class LlmBuild(BaseModel):
    """What the model answers: the whole graph plus a short account of it."""

    summary: str = Field(description="One or two sentences: what the API does.")
    assumptions: list[str] = Field(
        default_factory=list, description="What you assumed where the request was ambiguous."
    )
    workflow: Workflow = Field(description="The complete orchestrix/v1 workflow.")


class CannotBuild(BaseModel):
    """The model's answer when the request is not an API (a poem, a joke...)."""

    reason: str = Field(description="Why this is not an API Orchestrix can build.")


def _catalog() -> str:
    from orchestrix.tools import registry

    lines = []
    for name, cls in sorted(registry().items()):
        schema = cls.config_schema()
        keys = ", ".join(schema.get("properties", {}))
        lines.append(f"- {name}: {cls.summary} Config: {keys or 'none'}.")
    return "\n".join(lines)


INSTRUCTIONS = """\
You design APIs for Orchestrix as tool graphs in the orchestrix/v1 format (camelCase keys).
A workflow has: name, description, inputSchema (JSON Schema 2020-12 object of the request body),
tools (each {id, type, config, when?}), executionOrder (tool ids in run order) and tests.

Rules:
- Only these tool types exist:
{catalog}
- Ids are camelCase. Start with {id: input, type: input} then {id: validation, type:
  validation}; end with a response tool. A response that runs ends the run.
- Config strings reference data with {{ expression }}: input.<field>, steps.<toolId>.<field>,
  headers.authorization. Functions: now(), today(), uuid(), randomToken(n), shortId(n),
  lower(), upper(), trim(), default(x, d), coalesce(a, b), concat(...), len(), slugify().
  Operators: == != < <= > >= and or not, a ?? b. There is no ternary: use a `when` guard.
- Every input.<field> you reference must be declared in inputSchema.properties.
- Passwords are never stored as given: hash them with hashPassword and store
  steps.<id>.hash as passwordHash. Token checks use jwtVerify with token
  "{{ headers.authorization }}".
- Write tests: a success case, a validation failure (400) and, where they apply, a duplicate
  (409), not found (404) or wrong password / missing token (401). Tests run in order in one
  fresh namespace. A test may seed collections (seed: {users: [{id: user-1, ...}]}, a
  seeded id is kept) and may call hashPassword('pw') and jwt('user-1') in seed, input and
  headers, e.g. headers: {authorization: "Bearer {{ jwt('user-1') }}"}.
  expect.body matches as a subset; "*" matches any present value.
If the request is not an API at all, answer CannotBuild with the reason.
"""


def build_model(settings: Settings) -> Model:
    """The pydantic-ai model named by ``settings.llm`` (``provider:model``)."""
    from openai import AsyncOpenAI

    spec = settings.llm or ""
    provider, sep, name = spec.partition(":")
    if not sep:
        provider, name = "openai", spec
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
    if provider in {"openai", "openai-chat", "ollama"}:
        from pydantic_ai.models.openai import OpenAIChatModel
        from pydantic_ai.providers.openai import OpenAIProvider

        base_url = settings.llm_base_url
        if provider == "ollama":
            base_url = base_url or "http://127.0.0.1:11434/v1"
            key = key or "ollama"
        client = AsyncOpenAI(
            base_url=base_url,
            api_key=key or ("unused" if base_url else None),
            max_retries=1,
            timeout=settings.llm_timeout,
        )
        return OpenAIChatModel(name, provider=OpenAIProvider(openai_client=client))
    if provider == "anthropic":
        from pydantic_ai.models.anthropic import AnthropicModel
        from pydantic_ai.providers.anthropic import AnthropicProvider

        return AnthropicModel(
            name, provider=AnthropicProvider(api_key=key, base_url=settings.llm_base_url)
        )
    raise ConfigurationError(
        f"ORCHESTRIX_LLM names an unknown provider {provider!r}: use openai, anthropic or ollama",
        {"llm": spec},
    )


def problems_of(workflow: Workflow) -> list[str]:
    from orchestrix.runtime.checks import check_workflow

    found = [str(p) for p in check_workflow(workflow)]
    if not workflow.tests:
        found.append("tests: write tests (a success case and a validation failure at least)")
    if not any(t.type == "response" for t in workflow.tools):
        found.append("tools: end the graph with a response tool")
    return found


class LlmPlanner:
    """Asks a model for the graph; repairs it with the checks' problems; falls back to rules."""

    name = PLANNER

    def __init__(self, settings: Settings, fallback: RulesPlanner | None = None) -> None:
        self.settings = settings
        self.fallback = fallback or RulesPlanner()
        self.rounds = 0
        self._agent: Agent[None, LlmBuild | CannotBuild] | None = None

    def _get_agent(self) -> Agent[None, LlmBuild | CannotBuild]:
        if self._agent is None:
            agent: Agent[None, LlmBuild | CannotBuild] = Agent(
                build_model(self.settings),
                output_type=[LlmBuild, CannotBuild],
                instructions=INSTRUCTIONS.replace("{catalog}", _catalog()),
                retries={"output": self.settings.llm_repair_rounds},
                name="orchestrix-builder",
            )

            @agent.output_validator
            def _check(ctx: RunContext[None], output: LlmBuild | CannotBuild) -> Any:
                self.rounds = ctx.retry
                if isinstance(output, LlmBuild):
                    problems = problems_of(output.workflow)
                    if problems:
                        raise ModelRetry(
                            "The workflow does not hold together. Fix every problem and answer "
                            "with the complete workflow again:\n- " + "\n- ".join(problems)
                        )
                return output

            self._agent = agent
        return self._agent

    async def _ask(self, prompt: str) -> LlmBuild | CannotBuild:
        result = await self._get_agent().run(
            prompt, model_settings={"timeout": self.settings.llm_timeout}
        )
        return result.output

    def _why(self, error: Exception) -> str:
        model = self.settings.llm
        if isinstance(error, AgentRunError) and "retries" in str(error).lower():
            return (
                f"The model {model} kept answering graphs that fail the checks "
                f"({self.settings.llm_repair_rounds} repair rounds)"
            )
        return f"The model {model} could not be reached ({type(error).__name__}: {error})"

    async def generate(self, prompt: str) -> BuildResult:
        if not prompt.strip():
            return self.fallback.generate(prompt)
        try:
            answer = await self._ask(f"Build this API:\n{prompt}")
        except (AgentRunError, UserError, httpx.HTTPError, OSError, ConfigurationError) as e:
            why = self._why(e)
            log.warning("%s; using the rules planner", why)
            result = self.fallback.generate(prompt)
            result.assumptions.insert(0, f"{why}; built with the offline rules planner instead.")
            return result
        if isinstance(answer, CannotBuild):
            raise NotUnderstood(
                f"Orchestrix builds APIs, and this does not look like one: {answer.reason}"
            )
        workflow = answer.workflow
        metadata = {
            **workflow.metadata,
            "builder": {"planner": PLANNER, "model": self.settings.llm},
        }
        workflow = workflow.model_copy(update={"metadata": metadata})
        notes = list(answer.assumptions)
        if self.rounds:
            notes.append(f"The model fixed its graph in {self.rounds} repair round(s).")
        return BuildResult(workflow, answer.summary, notes, PLANNER)

    async def mutate(self, workflow: Workflow, message: str) -> MutationResult:
        current = json.dumps(workflow.to_wire(), indent=1)
        prompt = (
            "Change this workflow as asked, keeping everything else as it is, and answer with "
            f"the complete new workflow.\nWorkflow:\n{current}\n\nChange: {message}"
        )
        try:
            answer = await self._ask(prompt)
        except (AgentRunError, UserError, httpx.HTTPError, OSError, ConfigurationError) as e:
            why = self._why(e)
            log.warning("%s; using the rules planner", why)
            result = self.fallback.mutate(workflow, message)
            result.summary = (
                f"{why}; changed with the offline rules planner instead. {result.summary}"
            )
            return result
        if isinstance(answer, CannotBuild):
            raise NotUnderstood(f"I could not make that change: {answer.reason}")
        new = answer.workflow
        return MutationResult(new, answer.summary, diff_workflows(workflow, new), PLANNER)

"""BuilderAgent: one interface over the rules planner and the llm planner."""

from __future__ import annotations

import asyncio

from orchestrix.agents.results import BuildResult, MutationResult
from orchestrix.agents.rules import RulesPlanner
from orchestrix.settings import Settings, get_settings
from orchestrix.spec.models import Workflow


class BuilderAgent:
    """Turns a prompt into a workflow and a chat message into an edit of one.

    With ``settings.llm`` unset the offline rules planner answers; with a model named, the llm
    planner does, falling back to the rules planner (and saying so) when the model cannot be
    reached or keeps answering graphs that do not hold together.
    """

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or get_settings()
        self.rules = RulesPlanner()
        self.llm = None
        if self.settings.llm:
            from orchestrix.agents.llm import LlmPlanner

            self.llm = LlmPlanner(self.settings, fallback=self.rules)

    @property
    def planner(self) -> str:
        return "llm" if self.llm is not None else "rules"

    async def generate(self, prompt: str) -> BuildResult:
        if self.llm is not None:
            return await self.llm.generate(prompt)
        # The rules planner is pure CPU and fast; run it inline.
        await asyncio.sleep(0)
        return self.rules.generate(prompt)

    async def mutate(self, workflow: Workflow, message: str) -> MutationResult:
        if self.llm is not None:
            return await self.llm.mutate(workflow, message)
        await asyncio.sleep(0)
        return self.rules.mutate(workflow, message)

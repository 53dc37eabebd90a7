"""SupervisorAgent: routes a chat message to create, mutate, run, deploy, explain or help.

Routing is the supervisor's job and generation the builder's. The supervisor never runs or
deploys anything itself: for ``run`` it parses the sample input out of the message, for
``deploy`` it says so, and the caller (the API, the CLI) does the work.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from orchestrix.agents.builder import BuilderAgent
from orchestrix.agents.diff import WorkflowDiff
from orchestrix.agents.explain import explain
from orchestrix.agents.intents import classify
from orchestrix.agents.mutations import EXAMPLES as MUTATION_EXAMPLES
from orchestrix.agents.request import read_request
from orchestrix.agents.results import EXAMPLES, NotUnderstood
from orchestrix.agents.text import label, normalize
from orchestrix.settings import Settings
from orchestrix.spec.models import Workflow

_HELP = re.compile(r"^(?:help|\?|what can you do|what do you do|how does this work|hi|hello|hey)\b")
_DEPLOY = re.compile(r"\b(?:deploy|redeploy|ship it|publish it|go live|put it online|host it)\b")
_RUN = re.compile(
    r"^(?:please\s+)?(?:run|try|test|execute|call|invoke)\b(?!\s+(?:a|an)\s+(?:api|endpoint))|"
    r"\b(?:run|try) (?:it|this|that)\b|\bsend (?:it )?a (?:test )?request\b"
)
_EXPLAIN = re.compile(
    r"\b(?:explain|describe|walk me through|what does (?:it|this|that)|what is (?:it|this)|"
    r"how does (?:it|this) work|show (?:me )?the steps|what are the steps|summari[sz]e)\b"
)
_CREATE = re.compile(
    r"^(?:please\s+)?(?:create|build|make|generate|write|design|scaffold|set up|start)\s+"
    r"(?:me\s+)?(?:a|an|another|the|some)?\s*(?:new\s+)?(?:\w+\s+){0,4}?"
    r"(?:api|apis|endpoint|service|backend|form|webhook|shortener)\b|^(?:new|another) (?:api"
    r"|endpoint)\b"
)


@dataclass
class SupervisorReply:
    intent: str  # create | mutate | run | deploy | explain | help
    message: str
    workflow: Workflow | None = None
    diff: WorkflowDiff | None = None
    run_input: dict[str, Any] | None = None
    assumptions: list[str] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "intent": self.intent,
            "message": self.message,
            "workflow": self.workflow.to_wire() if self.workflow is not None else None,
            "diff": self.diff.to_dict() if self.diff is not None else None,
            "runInput": self.run_input,
            "assumptions": list(self.assumptions),
            "examples": list(self.examples),
        }


class SupervisorAgent:
    def __init__(self, builder: BuilderAgent | None = None, settings: Settings | None = None):
        self.builder = builder or BuilderAgent(settings)

    def route(self, message: str, workflow: Workflow | None) -> str:
        text = normalize(message)
        if not text or _HELP.search(text):
            return "help"
        if workflow is None:
            return "create"
        if _DEPLOY.search(text) and not re.search(r"\b(?:api|endpoint)\b.*\bthat\b", text):
            return "deploy"
        if _EXPLAIN.search(text):
            return "explain"
        if _RUN.search(text):
            return "run"
        if _CREATE.search(text):
            return "create"
        return "mutate"

    async def handle(self, message: str, workflow: Workflow | None = None) -> SupervisorReply:
        intent = self.route(message, workflow)
        if intent == "help":
            return self._help(workflow)
        if intent == "create":
            return await self._create(message)
        assert workflow is not None
        if intent == "deploy":
            return SupervisorReply(
                "deploy",
                f"Deploying {workflow.name}: its {len(workflow.tests)} tests run first, then "
                "the graph goes to the deploy target.",
                workflow=workflow,
            )
        if intent == "explain":
            return SupervisorReply("explain", explain(workflow), workflow=workflow)
        if intent == "run":
            sample = parse_run_input(message, workflow)
            shown = json.dumps(sample) if sample is not None else "its own test inputs"
            return SupervisorReply(
                "run", f"Running {workflow.name} with {shown}.", workflow=workflow, run_input=sample
            )
        return await self._mutate(message, workflow)

    async def _create(self, message: str) -> SupervisorReply:
        try:
            result = await self.builder.generate(message)
        except NotUnderstood as e:
            return SupervisorReply("help", e.message, examples=e.examples)
        text = f"Built {result.summary}"
        if result.assumptions:
            text += " I assumed: " + " ".join(result.assumptions)
        text += " Run it, ask me to change it, or deploy it."
        return SupervisorReply(
            "create", text, workflow=result.workflow, assumptions=result.assumptions
        )

    async def _mutate(self, message: str, workflow: Workflow) -> SupervisorReply:
        try:
            result = await self.builder.mutate(workflow, message)
        except NotUnderstood as e:
            if classify(read_request(message)) is not None and len(message.split()) > 2:
                return await self._create(message)
            return SupervisorReply("help", e.message, examples=e.examples or MUTATION_EXAMPLES)
        changes = "; ".join(result.diff.lines()[:8])
        text = result.summary + (f" Changes: {changes}." if changes else " Nothing changed.")
        return SupervisorReply("mutate", text, workflow=result.workflow, diff=result.diff)

    def _help(self, workflow: Workflow | None) -> SupervisorReply:
        if workflow is None:
            text = (
                "Describe an API in plain words and I will build it as a tested tool graph, "
                "for example: " + "; ".join(EXAMPLES[:4]) + "."
            )
            return SupervisorReply("help", text, examples=list(EXAMPLES))
        text = (
            f"You are working on {workflow.name}. Ask me to change it ("
            + "; ".join(MUTATION_EXAMPLES[:4])
            + "), to run it ('run it with email a@b.co'), to explain it, or to deploy it."
        )
        return SupervisorReply("help", text, workflow=workflow, examples=list(MUTATION_EXAMPLES))


def parse_run_input(message: str, workflow: Workflow) -> dict[str, Any] | None:
    """Sample input from "run it with {...}" or "try it with email a@b.co and age 3"."""
    start, end = message.find("{"), message.rfind("}")
    if 0 <= start < end:
        try:
            value = json.loads(message[start : end + 1])
        except json.JSONDecodeError:
            value = None
        if isinstance(value, dict):
            return value
    props = workflow.input_schema.get("properties") or {}
    found: dict[str, Any] = {}
    for name, schema in props.items():
        words = [re.escape(name)]
        if label(name) != name.lower():
            words.append(re.escape(label(name)))
        pattern = (
            r"\b(?:" + "|".join(words) + r")\s*(?:=|:|\bis\b|\bof\b)?\s*"
            r"(\"[^\"]*\"|'[^']*'|[^\s,;]+)"
        )
        match = re.search(pattern, message, re.IGNORECASE)
        if match:
            found[name] = _typed(match.group(1).strip("'\""), schema)
    return found or None


def _typed(raw: str, schema: Any) -> Any:
    kind = schema.get("type") if isinstance(schema, dict) else None
    try:
        if kind == "integer":
            return int(raw)
        if kind == "number":
            return float(raw)
    except ValueError:
        return raw
    if kind == "boolean":
        return raw.lower() in {"true", "yes", "1", "y"}
    return raw.rstrip(".")

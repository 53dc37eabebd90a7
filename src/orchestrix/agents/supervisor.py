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
    intent: str  # create | mutate | run | deploy | explain | help | question
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


_NO_DEPLOY = re.compile(
    r"\b(?:do not|don't|dont|never|no|not|without)\s+(?:\w+\s+){0,2}?(?:deploy\w*|ship\w*|"
    r"publish\w*|go live)\b(?:\s+(?:it|this|that))?(?:\s+yet)?|\b(?:deploy\w*|ship\w*|publish\w*)"
    r"\s+(?:it\s+)?(?:later|not yet)\b|\bhold off on (?:deploying|shipping)\b"
)
_UNDO = re.compile(
    r"^(?:please\s+)?(?:undo|revert|roll ?back|go back)\b|\bundo (?:that|it|the last)"
)
_REDO = re.compile(r"^(?:please\s+)?redo\b")
_AND_DEPLOY = re.compile(
    r"(?:,?\s*(?:and|then|and then|,)\s*)?(?:looks good,?\s*)?\b(?:deploy|redeploy|ship|publish)"
    r"(?:\s+(?:it|this|that))?(?:\s+(?:now|please))?\s*[.!]?$|^(?:looks good,?\s*)?(?:deploy|ship)"
    r"(?:\s+it)?\s*(?:,\s*)?"
)
_STOP = {
    "the",
    "a",
    "an",
    "field",
    "thing",
    "one",
    "to",
    "make",
    "change",
    "set",
    "remove",
    "and",
    "it",
    "up",
    "chars",
    "characters",
    "required",
    "optional",
    "unique",
    "of",
}


class SupervisorAgent:
    def __init__(self, builder: BuilderAgent | None = None, settings: Settings | None = None):
        self.builder = builder or BuilderAgent(settings)
        #: This conversation's versions, for undo and redo: (before, after) of each change.
        self._done: list[tuple[Workflow, Workflow]] = []
        self._undone: list[tuple[Workflow, Workflow]] = []
        #: The field the last change was about, what "it" and "that field" mean next.
        self._last_field: str | None = None

    def route(self, message: str, workflow: Workflow | None) -> str:
        text = normalize(message)
        if not text or _HELP.search(text):
            return "help"
        if workflow is None:
            return "create"
        if _NO_DEPLOY.search(text):
            return "mutate"
        if _UNDO.search(text):
            return "undo"
        if _REDO.search(text):
            return "redo"
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
        if intent in {"undo", "redo"}:
            return self._history(intent, workflow)
        if intent == "deploy":
            rest = _AND_DEPLOY.sub(" ", normalize(message)).strip(" ,.")
            if rest and len(rest.split()) >= 2:
                changed = await self._mutate(rest, workflow)
                if changed.intent != "mutate" or changed.workflow is None:
                    return changed
                workflow = changed.workflow
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
        if _NO_DEPLOY.search(normalize(message)):
            # "don't deploy yet, first add a due date": the change, without the deploy words.
            rest = _NO_DEPLOY.sub(" ", normalize(message))
            rest = re.sub(r"^[\s,;.]*(?:but\s+|just\s+|first\s+|,\s*)*", "", rest)
            rest = re.sub(r"[\s,;.]*(?:but|and)?\s*$", "", rest)
            if not rest.strip():
                return SupervisorReply(
                    "help", "Not deploying. Say what to change.", workflow=workflow
                )
            message = rest
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

    def _history(self, intent: str, workflow: Workflow) -> SupervisorReply:
        stack = self._done if intent == "undo" else self._undone
        if not stack:
            what = "undo" if intent == "undo" else "redo"
            return SupervisorReply(
                "help", f"There is no change to {what} in this conversation.", workflow=workflow
            )
        before, after = stack.pop()
        (self._undone if intent == "undo" else self._done).append((before, after))
        target = before if intent == "undo" else after
        verb = "Undid" if intent == "undo" else "Redid"
        from orchestrix.agents.diff import diff_workflows

        diff = diff_workflows(workflow, target)
        return SupervisorReply("mutate", f"{verb} the last change.", workflow=target, diff=diff)

    def _ambiguous(self, message: str, workflow: Workflow) -> str | None:
        """ "change the age thing" with min_age and max_age: which one?"""
        text = normalize(message)
        if re.match(r"^(?:please\s+)?(?:add|create|also add)\b", text):
            return None
        props = list((workflow.input_schema.get("properties") or {}).keys())
        labels = {p: label(p).replace("_", " ").split() for p in props}
        words = [w for w in re.findall(r"[a-z_]+", text) if w not in _STOP and len(w) > 2]
        if any(w in props or w.replace("_", "") in {p.lower() for p in props} for w in words):
            return None
        for word in words:
            matches = [p for p, parts in labels.items() if word in parts]
            if len(matches) >= 2:
                return f"Which one do you mean: {' or '.join(matches)}?"
        return None

    def _resolve_it(self, message: str, workflow: Workflow) -> str:
        props = workflow.input_schema.get("properties") or {}
        if self._last_field is None or self._last_field not in props:
            return message
        if not re.search(r"\b(?:it|that field|this field|that one)\b", message, re.IGNORECASE):
            return message
        return re.sub(
            r"\b(?:it|that field|this field|that one)\b",
            f"the {self._last_field} field",
            message,
            count=1,
            flags=re.IGNORECASE,
        )

    async def _mutate(self, message: str, workflow: Workflow) -> SupervisorReply:
        question = self._ambiguous(message, workflow)
        if question is not None:
            return SupervisorReply("question", question, workflow=workflow)
        message = self._resolve_it(message, workflow)
        try:
            result = await self.builder.mutate(workflow, message)
        except NotUnderstood as e:
            if classify(read_request(message)) is not None and len(message.split()) > 2:
                return await self._create(message)
            return SupervisorReply("help", e.message, examples=e.examples or MUTATION_EXAMPLES)
        changes = "; ".join(result.diff.lines()[:8])
        text = result.summary + (f" Changes: {changes}." if changes else " Nothing changed.")
        self._done.append((workflow, result.workflow))
        self._undone.clear()
        old = workflow.input_schema.get("properties") or {}
        new = result.workflow.input_schema.get("properties") or {}
        touched = [n for n in new if n not in old or new[n] != old[n]]
        if touched:
            self._last_field = touched[0]
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

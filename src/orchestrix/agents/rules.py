"""The rules planner: offline, deterministic and fast. Prompt in, checked graph with tests out.

A prompt is read once (:mod:`request`), mapped to a plan (:mod:`intents`), built by a
blueprint (:mod:`accounts`, :mod:`crud`, :mod:`forms`) and finished with the same edits chat
mutations use (:mod:`edits`). Every graph it returns passes the static checks.
"""

from __future__ import annotations

import re
from typing import Any

from orchestrix.agents import accounts, basics
from orchestrix.agents.edits import fit_rate_limit_tests
from orchestrix.agents.graph import Draft
from orchestrix.agents.model import ApiModel, compile_model, read_model
from orchestrix.agents.mutations import apply_message
from orchestrix.agents.results import BuildResult, MutationResult
from orchestrix.agents.text import sentence, title
from orchestrix.errors import OrchestrixError
from orchestrix.spec.models import Workflow

PLANNER = "rules"
#: Where a spec keeps the API model it was compiled from.
MODEL_KEY = "apiModel"
_NAMED = re.compile(
    r"\b(?:called|named|name it|call it)\s+['\"]?([A-Za-z0-9][\w .-]{1,60}?)['\"]?(?:[.,;]|$|"
    r" with| that| and)"
)


class RulesPlanner:
    """Maps plain words to graphs with fixed rules; no network, same answer every time."""

    name = PLANNER

    def generate(self, prompt: str) -> BuildResult:
        from orchestrix.agents.model.backend import is_backend, read_backend

        if prompt and is_backend(prompt):
            models = read_backend(prompt)
            if len(models) >= 2:
                return build_backend(models, prompt)
        model, assumptions = read_model(prompt)
        name = self._name(prompt)
        if name:
            model.name = name
        return build_from_model(model, assumptions)

    def mutate(self, workflow: Workflow, message: str) -> MutationResult:
        from orchestrix.agents.diff import diff_workflows

        draft = Draft.of(workflow)
        summaries = apply_message(draft, message)
        keep_model(draft)
        fit_rate_limit_tests(draft)
        new = finish(draft)
        return MutationResult(new, " ".join(summaries), diff_workflows(workflow, new), PLANNER)

    def _name(self, prompt: str) -> str | None:
        match = _NAMED.search(prompt)
        if match:
            name = match.group(1).strip()
            return name if name.lower().endswith("api") else title(name) if name.islower() else name
        return None


_ACCOUNTS = {
    "signup",
    "login",
    "profile",
    "profileUpdate",
    "passwordReset",
    "passwordResetConfirm",
    "passwordChange",
    "logout",
}


#: The intent names ``metadata.builder.intent`` has always used.
_INTENTS = {
    "profileUpdate": "profile_update",
    "passwordReset": "reset_request",
    "passwordResetConfirm": "reset_confirm",
    "passwordChange": "change_password",
    "outbound": "http",
}


def build_from_model(
    model: ApiModel, assumptions: list[str] | None = None, planner: str = PLANNER
) -> BuildResult:
    """The checked graph of a model, with the model kept in ``metadata.apiModel``."""
    draft, notes = compile_model(model)
    notes = [*(assumptions or []), *notes]
    op = model.operations[0].action if len(model.operations) == 1 else "manage"
    intent = model.form or (op if model.kind == "crud" else _INTENTS.get(model.kind, model.kind))
    draft.set_meta(planner=planner, intent=intent)
    meta = draft.data.setdefault("metadata", {})
    if model.kind in _ACCOUNTS:
        meta["namespace"] = accounts.NAMESPACE
    if model.kind in {"shortener", "resolver"}:
        meta["namespace"] = "links"
    if model.kind == "unsubscribe" or model.form == "newsletter":
        meta["namespace"] = basics.NEWSLETTER_NAMESPACE
    meta[MODEL_KEY] = model.to_wire()
    workflow = finish(draft)
    notes.extend(f"not covered: {item}" for item in model.not_covered)
    return BuildResult(workflow, summarize(workflow), notes, planner, model.not_covered)


def build_backend(models: list[ApiModel], prompt: str) -> BuildResult:
    """Several endpoints of one backend: a workflow each, all in one data namespace."""
    from orchestrix.agents.text import slug_words

    results = [build_from_model(m) for m in models]
    namespace = slug_words(prompt)
    workflows = []
    for result in results:
        wire = result.workflow.to_wire()
        wire.setdefault("metadata", {})["namespace"] = namespace
        workflows.append(Workflow.model_validate(wire))
    names = ", ".join(w.name for w in workflows)
    notes = [f"Built {len(workflows)} endpoints sharing the {namespace} namespace: {names}."]
    for result in results:
        notes.extend(result.assumptions)
    return BuildResult(
        workflows[0],
        f"A backend of {len(workflows)} endpoints: {names}.",
        notes,
        PLANNER,
        [n for r in results for n in r.not_covered],
        workflows[1:],
    )


def keep_model(draft: Draft) -> None:
    """After an edit of the graph, the model it keeps says what the graph now does: its fields,
    its operations, its auth and limits; the tests the model implies are added."""
    from orchestrix.agents.model.sync import model_of_graph
    from orchestrix.agents.model.tests import write_model_tests

    meta = draft.data.setdefault("metadata", {})
    old = meta.get(MODEL_KEY)
    if not isinstance(old, dict):
        return
    model = model_of_graph(old, draft)
    write_model_tests(draft, model)
    meta[MODEL_KEY] = model.to_wire()


def finish(draft: Draft) -> Workflow:
    """The draft as a workflow, refused if the static checks find anything."""
    from orchestrix.runtime.checks import check_workflow

    workflow = draft.to_workflow()
    problems = check_workflow(workflow)
    if problems:
        raise OrchestrixError(
            "The builder made a graph that does not hold together; this is a bug",
            [p.to_dict() for p in problems],
        )
    return workflow


def summarize(workflow: Workflow) -> str:
    """Two sentences: what it does and what it takes, then the steps and tests."""
    schema = workflow.input_schema
    required = set(schema.get("required") or [])
    props = schema.get("properties") or {}
    needed_for = _required_for(schema)
    takes = ", ".join(_takes(name, name in required, needed_for.get(name)) for name in props)
    steps = " → ".join(t.id for t in workflow.ordered_tools())
    description = workflow.description.rstrip(".")
    what = (
        f"{workflow.name}: {description[:1].lower()}{description[1:]}."
        if description
        else f"{workflow.name}."
    )
    count = len(workflow.tests)
    tests = f"{count} test{'' if count == 1 else 's'}"
    return f"{what} It takes {takes or 'no input'} and runs {steps}, with {tests}."


def _takes(name: str, required: bool, actions: list[str] | None) -> str:
    if required:
        return name
    if actions:
        return f"{name} (required to {sentence(actions)})"
    return f"{name} (optional)"


def _required_for(schema: dict[str, Any]) -> dict[str, list[str]]:
    """Fields an ``action`` makes required: ``{"title": ["create"], "id": ["get", ...]}``."""
    found: dict[str, list[str]] = {}
    for rule in schema.get("allOf") or []:
        if not isinstance(rule, dict):
            continue
        condition = (rule.get("if") or {}).get("properties", {}).get("action", {})
        actions = condition.get("enum") or ([condition["const"]] if "const" in condition else [])
        for name in (rule.get("then") or {}).get("required") or []:
            found.setdefault(name, [])
            found[name].extend(a for a in actions if a not in found[name])
    return found

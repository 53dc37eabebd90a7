"""The rules planner: offline, deterministic and fast. Prompt in, checked graph with tests out.

A prompt is read once (:mod:`request`), mapped to a plan (:mod:`intents`), built by a
blueprint (:mod:`accounts`, :mod:`crud`, :mod:`forms`) and finished with the same edits chat
mutations use (:mod:`edits`). Every graph it returns passes the static checks.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from orchestrix.agents import accounts, basics, crud, forms
from orchestrix.agents.edits import (
    EditRefused,
    add_auth,
    add_email,
    fit_rate_limit_tests,
    set_rate_limit,
)
from orchestrix.agents.entities import Entity
from orchestrix.agents.fields import FieldSpec
from orchestrix.agents.graph import Draft
from orchestrix.agents.intents import Plan, classify
from orchestrix.agents.mutations import apply_message
from orchestrix.agents.request import Request, read_request
from orchestrix.agents.results import BuildResult, MutationResult, cannot_build
from orchestrix.agents.text import sentence, title
from orchestrix.errors import OrchestrixError
from orchestrix.spec.models import Workflow

PLANNER = "rules"
_NAMED = re.compile(
    r"\b(?:called|named|name it|call it)\s+['\"]?([A-Za-z0-9][\w .-]{1,60}?)['\"]?(?:[.,;]|$|"
    r" with| that| and)"
)


class RulesPlanner:
    """Maps plain words to graphs with fixed rules; no network, same answer every time."""

    name = PLANNER

    def generate(self, prompt: str) -> BuildResult:
        if not prompt or not prompt.strip():
            raise cannot_build(prompt or "")
        req = read_request(prompt)
        refusal = basics.third_party_login(req.words)
        if refusal is not None:
            raise refusal
        plan = classify(req)
        if plan is None:
            raise cannot_build(prompt)
        draft, assumptions = self._blueprint(plan, req)
        assumptions = [*plan.assumptions, *assumptions]
        assumptions.extend(self._extras(draft, plan, req))
        name = self._name(req)
        if name:
            draft.data["name"] = name
        intent = plan.form or (plan.op if plan.kind == "crud" else plan.kind)
        draft.set_meta(planner=PLANNER, intent=intent)
        if plan.kind in {
            "signup",
            "login",
            "profile",
            "profile_update",
            "reset_request",
            "reset_confirm",
            "change_password",
            "logout",
        }:
            draft.data.setdefault("metadata", {})["namespace"] = accounts.NAMESPACE
        if plan.kind in {"shortener", "resolver"}:
            draft.data.setdefault("metadata", {})["namespace"] = "links"
        if plan.kind == "unsubscribe" or plan.form == "newsletter":
            draft.data.setdefault("metadata", {})["namespace"] = basics.NEWSLETTER_NAMESPACE
        fit_rate_limit_tests(draft)
        workflow = finish(draft)
        return BuildResult(workflow, summarize(workflow), assumptions, PLANNER)

    def mutate(self, workflow: Workflow, message: str) -> MutationResult:
        from orchestrix.agents.diff import diff_workflows

        draft = Draft.of(workflow)
        summaries = apply_message(draft, message)
        fit_rate_limit_tests(draft)
        new = finish(draft)
        return MutationResult(new, " ".join(summaries), diff_workflows(workflow, new), PLANNER)

    # --- building ---------------------------------------------------------------------------

    def _blueprint(self, plan: Plan, req: Request) -> tuple[Draft, list[str]]:
        fields = req.fields or plan.fields
        kind = plan.kind
        if kind == "signup":
            return accounts.signup(fields, req.text, token=req.extras.token is not False)
        if kind == "login":
            return accounts.login(fields, req.text)
        if kind == "profile":
            return accounts.profile(fields)
        if kind == "profile_update":
            return accounts.update_profile(fields)
        if kind == "reset_request":
            return accounts.reset_request()
        if kind == "reset_confirm":
            return accounts.reset_confirm()
        if kind == "change_password":
            return accounts.change_password()
        if kind == "form":
            assert plan.form is not None
            return forms.form(plan.form, fields, req.extras.email_to, req.extras.email)
        if kind == "webhook":
            return forms.webhook(fields, plan.source)
        if kind == "http":
            method = (
                "POST"
                if re.search(
                    r"\b(?:post|posts|send|sends|forward|forwards|submit|push)\b(?: \w+)* to\b",
                    req.text,
                )
                else "GET"
            )
            return forms.http_call(fields, req.urls[0] if req.urls else None, method, plan.source)
        if kind in basics.KINDS:
            return basics.build(kind)
        if kind == "shortener":
            return forms.shortener()
        if kind == "resolver":
            return forms.resolver()
        assert plan.entity is not None
        return self._crud(plan, plan.entity, fields)

    def _crud(self, plan: Plan, entity: Entity, fields: list[FieldSpec]) -> tuple[Draft, list[str]]:
        assumptions: list[str] = []
        chosen = fields
        if not chosen:
            chosen = entity.default_fields()
            listed = ", ".join(f.describe() for f in chosen)
            if entity.known():
                assumptions.append(f"Gave each {entity.label} the usual fields: {listed}.")
            else:
                assumptions.append(f"You did not list fields, so each {entity.label} has {listed}.")
        if plan.op == "get":
            return crud.get(entity, chosen, plan.key), assumptions
        if plan.op == "list":
            return crud.list_(entity, chosen, plan.key), assumptions
        if plan.op == "update":
            return crud.update(entity, chosen), assumptions
        if plan.op == "delete":
            return crud.delete(entity, chosen), assumptions
        if plan.op == "manage":
            return crud.manage(entity, chosen, plan.actions), assumptions
        if not any(f.required for f in chosen):
            chosen = [replace(chosen[0], required=True), *chosen[1:]]
            assumptions.append(f"Made {chosen[0].name} required so a record is never empty.")
        return crud.create(entity, chosen), assumptions

    def _extras(self, draft: Draft, plan: Plan, req: Request) -> list[str]:
        notes: list[str] = []
        extras = req.extras
        if extras.email and plan.kind not in {"form", "reset_request"}:
            try:
                add_email(draft, extras.email, extras.email_to)
            except EditRefused:
                add_email(draft, "notify", extras.email_to)
                notes.append("There is no email field to write to, so the email goes to the owner.")
            if extras.email == "notify" and extras.email_to is None:
                notes.append(
                    "Sends the notification to owner@example.com; change it in notifyOwner."
                )
        if extras.auth and plan.kind in {"crud", "webhook", "http", "form", "shortener"}:
            add_auth(draft)
        if extras.rate:
            limit, window = extras.rate
            set_rate_limit(draft, limit, window)
            if extras.rate_assumed:
                notes.append(
                    "No numbers were given for the rate limit: 10 requests per minute per client."
                )
        return notes

    def _name(self, req: Request) -> str | None:
        match = _NAMED.search(req.original)
        if match:
            name = match.group(1).strip()
            return name if name.lower().endswith("api") else title(name) if name.islower() else name
        return None


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

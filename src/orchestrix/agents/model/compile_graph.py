"""The API model compiled to a graph: a blueprint per kind, then each part of the model that the
blueprint does not carry (relations, filters, sort, auth and roles, limits, emails, calls).

Deterministic: the same model gives the same graph. The tests the model implies (one per
constraint and per status) are written here too, beside the blueprint's own.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from orchestrix.agents import accounts, basics, crud, forms
from orchestrix.agents.edits import (
    CLIENT_KEY,
    EditRefused,
    add_auth,
    add_email,
    fit_rate_limit_tests,
    set_rate_limit,
)
from orchestrix.agents.entities import Entity
from orchestrix.agents.fields import FieldSpec
from orchestrix.agents.graph import Draft, field_path, literal, ref
from orchestrix.agents.model.fieldspec import from_spec, to_spec
from orchestrix.agents.model.listing import list_graph
from orchestrix.agents.model.schema import ApiModel, Outbound, RateLimit
from orchestrix.agents.model.special import SECRETS, account_delete, owner_forbidden, webhook_secret
from orchestrix.agents.model.tests import write_model_tests

ACCOUNT_KINDS = {
    "signup": "signup",
    "login": "login",
    "profile": "profile",
    "profileUpdate": "profile_update",
    "passwordReset": "reset_request",
    "passwordResetConfirm": "reset_confirm",
    "passwordChange": "change_password",
    "logout": "logout",
}
PATH_SAFE = r"^[A-Za-z0-9_.~-]+$"
SMALL = {"health", "ping", "hello", "echo", "time", "logout", "unsubscribe"}


def rate_limit_key(limit: RateLimit) -> str:
    """What a limit counts per, as a rateLimit key expression (the one place it is written)."""
    if limit.key == "field" and limit.field:
        return CLIENT_KEY.replace("{{ ", "{{ input." + limit.field + " ?? ", 1)
    if limit.key == "subject":
        return "{{ steps.auth.subject ?? 'anonymous' }}"
    if limit.key == "global":
        return "global"
    return CLIENT_KEY


def compile_model(model: ApiModel) -> tuple[Draft, list[str]]:
    """The graph of a model and what the blueprint assumed on the way."""
    specs = [to_spec(f) for f in model.fields]
    draft, notes = _blueprint(model, specs)
    _sync_fields(model, draft)
    if model.name:
        draft.data["name"] = model.name
    _relations(draft, model)
    _list_options(draft, model)
    _outbound(draft, model)
    _emails(draft, model, notes)
    if model.auth is not None and model.auth.required and model.kind not in _TOKEN_KINDS:
        add_auth(draft)
        if model.ownership and model.owner_status == 403:
            owner_forbidden(draft, model.collection or entity_of(model).collection)
    if model.auth is not None and model.auth.roles:
        _role(draft, model.auth.roles)
    for limit in model.rate_limits:
        _rate_limit(draft, limit)
    _answer(draft, model)
    write_model_tests(draft, model)
    fit_rate_limit_tests(draft)
    return draft, notes


#: Kinds whose graph checks a token by itself.
_TOKEN_KINDS = {"profile", "profileUpdate", "passwordChange", "logout", "accountDelete"}


_PLUMBING = {"action", "limit", "offset"}


def _sync_fields(model: ApiModel, draft: Draft) -> None:
    """The model says what the graph takes: a blueprint's own rule (a login's password of any
    length) or its usual fields (when none were named) are written back into the model."""
    built = {spec.name: spec for spec in draft.fields()}
    named = {f.name for f in model.fields}
    synced = []
    several = model.kind == "crud" and len(model.operations) != 1
    for field in model.fields:
        spec = built.get(field.name)
        if spec is None:
            synced.append(field)
            continue
        kept = from_spec(spec)
        if several:
            # One endpoint for several operations: required and unique stay the create's.
            kept.required, kept.unique = field.required, field.unique
        synced.append(kept)
    if not model.fields:
        synced = [from_spec(s) for n, s in built.items() if n not in _PLUMBING and n not in named]
    model.fields = synced


def _blueprint(model: ApiModel, specs: list[FieldSpec]) -> tuple[Draft, list[str]]:
    kind = model.kind
    if kind == "signup":
        text = "username" if any(s.name == "username" for s in specs) else ""
        return accounts.signup(specs, text, token=model.token is not False)
    if kind == "login":
        return accounts.login(specs, "")
    if kind == "profile":
        return accounts.profile(specs)
    if kind == "profileUpdate":
        return accounts.update_profile(specs)
    if kind == "passwordReset":
        return accounts.reset_request()
    if kind == "passwordResetConfirm":
        return accounts.reset_confirm()
    if kind == "passwordChange":
        return accounts.change_password()
    if kind in SMALL:
        return basics.build(kind)
    if kind == "form":
        first = model.emails[0] if model.emails else None
        purpose = None if first is None else "welcome" if first.purpose == "welcome" else "notify"
        return forms.form(model.form or "contact", specs, first.to if first else None, purpose)
    if kind == "webhook":
        source = model.webhook.source if model.webhook else None
        draft, notes = forms.webhook(specs, source)
        if model.webhook and model.webhook.secret_header:
            webhook_secret(draft, model.webhook.secret_header, source)
            notes = [n for n in notes if "not verified" not in n]
            notes.append(
                f"The {model.webhook.secret_header} header must match the secret stored (hashed) "
                f"in the {SECRETS} collection under the name {source or 'default'}."
            )
        return draft, notes
    if kind == "accountDelete":
        return account_delete(model.cascade)
    if kind == "outbound":
        call = model.outbound or Outbound(url="https://api.example.com/data")
        return forms.http_call(specs, call.url, call.method, None)
    if kind == "shortener":
        return forms.shortener()
    if kind == "resolver":
        return forms.resolver()
    return _crud(model, specs)


def entity_of(model: ApiModel) -> Entity:
    words = (model.entity or "item").split()
    return Entity([w for w in words if w] or ["item"])


def _crud(model: ApiModel, specs: list[FieldSpec]) -> tuple[Draft, list[str]]:
    entity = entity_of(model)
    notes: list[str] = []
    if not specs:
        specs = entity.default_fields()
        listed = ", ".join(f.describe() for f in specs)
        notes.append(f"You did not list fields, so each {entity.label} has {listed}.")
    actions = model.actions() or ["create", "get", "list", "update", "delete"]
    if len(actions) > 1:
        return crud.manage(entity, specs, actions), notes
    op = model.operations[0] if model.operations else None
    action = actions[0]
    if action == "get":
        key = _key_spec(model, specs, op.key if op else None)
        return crud.get(entity, specs, key), notes
    if action == "list" and op is not None:
        return list_graph(model, entity, op, entity.default_fields()), notes
    if action == "update":
        return crud.update(entity, specs), notes
    if action == "delete":
        return crud.delete(entity, specs), notes
    if not any(f.required for f in specs):
        specs = [replace(specs[0], required=True), *specs[1:]]
        notes.append(f"Made {specs[0].name} required so a record is never empty.")
    return crud.create(entity, specs), notes


def _key_spec(model: ApiModel, specs: list[FieldSpec], name: str | None) -> FieldSpec | None:
    if not name or name == "id":
        return None
    found = next((s for s in specs if s.name == name), None)
    if found is not None:
        return found
    field = model.field(name)
    return to_spec(field) if field else FieldSpec(name=name, min_length=1, max_length=200)


# --- parts the blueprints do not carry -------------------------------------------------------


def _relations(draft: Draft, model: ApiModel) -> None:
    """Each related record must exist before the write: a dbFind answers 404 otherwise."""
    store = draft.primary_store() or draft.first("dbQuery", "dbFind", "dbDelete")
    if store is None:
        return
    for relation in model.relations:
        if relation.field not in draft.properties:
            continue
        thing = relation.collection.rstrip("s").replace("_", " ")
        step = draft.unique_id("find" + "".join(p.title() for p in thing.split()))
        path = field_path("input", relation.field)
        optional = relation.field not in draft.required
        draft.add(
            step,
            "dbFind",
            {
                "collection": relation.collection,
                "where": {relation.key: ref(path)},
                "message": f"{thing[:1].upper()}{thing[1:]} not found",
            },
            before=store["id"] if store["type"] in {"dbInsert", "dbUpdate"} else None,
            after=None if store["type"] in {"dbInsert", "dbUpdate"} else "validation",
            when=f"{path} != null"
            if optional
            else store.get("when")
            if store["type"] in {"dbInsert", "dbUpdate"}
            else None,
        )
        draft.set_meta(relations=[r.field for r in model.relations])


def _list_options(draft: Draft, model: ApiModel) -> None:
    """Sort, page size and range filters on the list query of a several-operation graph."""
    op = next((o for o in model.operations if o.action == "list"), None)
    if op is None or len(model.operations) == 1:
        return
    for tool in draft.of_type("dbQuery"):
        config = tool.setdefault("config", {})
        if op.sort:
            config["sort"] = op.sort
            config["order"] = op.order
        if op.page_size:
            config["limit"] = ref(f"input.limit ?? {op.page_size}")
        where = config.setdefault("where", {})
        for flt in op.filters:
            if flt.op == "eq":
                continue  # the blueprint's own filter, or added below when required
            param = flt.param or flt.field
            spec = model.field(param)
            if param not in draft.properties:
                draft.properties[param] = to_spec(spec).schema() if spec else {"type": "number"}
            wide = "-1e15" if flt.op in {"gt", "gte"} else "1e15"
            where[flt.field] = {f"${flt.op}": ref(f"{field_path('input', param)} ?? {wide}")}
    if op.page_size and "limit" in draft.properties:
        draft.properties["limit"]["default"] = op.page_size


def _outbound(draft: Draft, model: ApiModel) -> None:
    call = model.outbound
    tool = draft.first("httpRequest")
    if call is None or tool is None:
        return
    config = tool["config"]
    url = call.url
    if call.url_field:
        url = ref(field_path("input", call.url_field))
    else:
        url = re.sub(r"\{(\w+)\}", lambda m: ref(field_path("input", m.group(1))), url)
        for name in re.findall(r"\{(\w+)\}", call.url):
            # A path segment: only characters that need no encoding are accepted.
            schema = draft.properties.setdefault(name, {"type": "string"})
            schema.setdefault("pattern", PATH_SAFE)
            if name not in draft.required:
                draft.required.append(name)
    config["url"] = url
    config["method"] = call.method
    config.pop("query", None)
    config.pop("body", None)
    used = set(re.findall(r"\{(\w+)\}", call.url)) | ({call.url_field} if call.url_field else set())
    if call.query:
        config["query"] = {k: ref(field_path("input", v)) for k, v in call.query.items()}
        used |= set(call.query.values())
    rest = [n for n in draft.properties if n not in used]
    sent = call.body or ([] if call.method in {"GET", "DELETE"} or call.query else rest)
    if call.method not in {"GET", "DELETE"} and sent:
        config["body"] = {n: ref(field_path("input", n)) for n in sent}
    elif call.method == "GET" and not call.query and rest:
        config["query"] = {n: ref(field_path("input", n)) for n in rest}
    response = draft.success_response()
    if response is not None and call.returns:
        response["config"]["body"] = {n: ref(f"steps.{tool['id']}.body.{n}") for n in call.returns}
    if call.guard and response is not None:
        draft.add(
            "upstreamRefused",
            "response",
            {"status": 502, "body": {"error": f"The service did not confirm {call.guard}"}},
            when=f"!steps.{tool['id']}.body.{call.guard}",
            before=response["id"],
        )


def _emails(draft: Draft, model: ApiModel, notes: list[str]) -> None:
    emails = model.emails[1:] if model.kind == "form" else model.emails
    for email in emails:
        try:
            if email.to_field:
                add_email(draft, "welcome")
                tool = draft.of_type("sendEmail")[-1]
                tool["config"]["to"] = ref(field_path("input", email.to_field))
            else:
                add_email(draft, "welcome" if email.purpose == "welcome" else "notify", email.to)
                tool = draft.of_type("sendEmail")[-1]
        except EditRefused:
            add_email(draft, "notify", email.to)
            tool = draft.of_type("sendEmail")[-1]
            notes.append("There is no email field to write to, so the email goes to the owner.")
        if email.subject:
            tool["config"]["subject"] = email.subject
        if email.text:
            tool["config"]["text"] = email.text


def _role(draft: Draft, roles: list[str]) -> None:
    """The caller's role, read from their user record (403 when it is not one of ``roles``).

    Tokens the builder issues carry only the user's id, so the role lives with the user in the
    ``users`` collection, where it can be changed without issuing new tokens."""
    auth = draft.first("jwtVerify")
    if auth is None:
        return
    draft.add(
        "findCaller",
        "dbFind",
        {
            "collection": "users",
            "where": {"id": f"{{{{ steps.{auth['id']}.subject }}}}"},
            "required": False,
        },
        after=auth["id"],
    )
    claim = "steps.findCaller.role"
    draft.add(
        "requireRole",
        "response",
        {"status": 403, "body": {"error": f"Only {' or '.join(roles)} users may do this"}},
        when=" and ".join(f"{claim} != {literal(r)}" for r in roles),
        after="findCaller",
    )
    callers = [
        {"id": "user-1", "email": "ada@example.com", "role": roles[0]},
        {"id": "user-2", "email": "grace@example.com", "role": "member"},
    ]
    seeded = {d.get("id"): d for t in draft.tests for d in (t.get("seed") or {}).get("users", [])}
    missing = [doc for doc in callers if doc["id"] not in seeded]
    for doc in callers:
        if doc["id"] in seeded:
            seeded[doc["id"]]["role"] = doc["role"]
    if draft.tests and missing:
        draft.tests[0].setdefault("seed", {}).setdefault("users", []).extend(missing)
    values = dict((draft.success_test() or {}).get("input", {}))
    draft.add_test(
        f"refuses a caller without the {roles[0]} role",
        values,
        403,
        headers={"authorization": "Bearer {{ jwt('user-2') }}"},
    )


def _rate_limit(draft: Draft, limit: RateLimit) -> None:
    per = limit.field if limit.key == "field" and limit.field in draft.properties else None
    set_rate_limit(draft, limit.limit, limit.window, per)
    tool = draft.first("rateLimit")
    if tool is None:
        return
    tool["config"]["key"] = rate_limit_key(
        limit if per or limit.key != "field" else RateLimit(limit=limit.limit, window=limit.window)
    )
    auth = draft.first("jwtVerify")
    if limit.key == "subject" and auth is not None:
        draft.remove(tool["id"])
        draft.add(tool["id"], "rateLimit", tool["config"], after=auth["id"])


def _answer(draft: Draft, model: ApiModel) -> None:
    answer = model.response
    response = draft.success_response()
    if answer is None or response is None:
        return
    config: dict[str, Any] = response.setdefault("config", {})
    if answer.status and answer.status != config.get("status"):
        old = config.get("status")
        config["status"] = answer.status
        for test in draft.tests:
            if test.get("expect", {}).get("status") == old:
                test["expect"]["status"] = answer.status
    if answer.message:
        body = config.get("body")
        if isinstance(body, dict):
            body["message"] = answer.message
        else:
            config["body"] = {"message": answer.message}

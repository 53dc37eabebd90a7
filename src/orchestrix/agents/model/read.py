"""Words to the API model: the rules planner's patterns, with a coverage account.

The request is read once (:mod:`request`), its kind found (:mod:`intents`), and every part
the model holds filled from the words: fields with their rules, operations with filters and
sort, relations, ownership, auth and roles, limits with their key, emails and outside calls.
What the words ask for that no tool does goes to ``notCovered``, in the user's words.
"""

from __future__ import annotations

import re

from orchestrix.agents import basics
from orchestrix.agents.intents import Plan, classify
from orchestrix.agents.lexicon import missing_capabilities, singular
from orchestrix.agents.model.fieldspec import from_spec
from orchestrix.agents.model.items import find_fields
from orchestrix.agents.model.schema import (
    ApiField,
    ApiModel,
    Auth,
    Email,
    Filter,
    Operation,
    Outbound,
    RateLimit,
    Relation,
    Webhook,
)
from orchestrix.agents.request import Request, read_request
from orchestrix.agents.results import NotUnderstood, cannot_build
from orchestrix.agents.text import camel

_KINDS = {
    "signup": "signup",
    "login": "login",
    "profile": "profile",
    "profile_update": "profileUpdate",
    "reset_request": "passwordReset",
    "reset_confirm": "passwordResetConfirm",
    "change_password": "passwordChange",
    "http": "outbound",
}
_AUTH_KINDS = {"crud", "webhook", "outbound", "form", "shortener"}


def read_model(prompt: str) -> tuple[ApiModel, list[str]]:
    """The model of a request and what was assumed; refuses what it cannot build at all."""
    if not prompt or not prompt.strip():
        raise cannot_build(prompt or "")
    req = read_request(prompt)
    req.fields = find_fields(prompt)
    refusal = basics.third_party_login(req.words)
    if refusal is not None:
        raise refusal
    missing = missing_capabilities(req.text)
    plan = classify(req)
    if plan is None or _only_missing(plan, req, missing):
        if missing:
            raise _refuse(missing)
        raise cannot_build(prompt)
    kind = _KINDS.get(plan.kind, plan.kind)
    model = ApiModel.model_validate({"kind": kind})
    fields = req.fields or plan.fields
    model.fields = [from_spec(f) for f in fields]
    if kind == "crud":
        _crud(model, plan, req)
    elif kind == "form":
        model.form = plan.form
    elif kind == "webhook":
        model.webhook = Webhook(source=plan.source)
        if re.search(r"\b(?:secret|signature|signed|hmac)\b", req.text):
            model.not_covered.append(
                "checking the webhook's secret or signature: events are stored unverified"
            )
    elif kind == "outbound":
        model.outbound = _outbound(req, model)
    _extras(model, plan, req)
    for capability, words in missing:
        model.not_covered.append(f"{words}: there is no {capability.name} step; {capability.nearest}")
    return model, list(plan.assumptions)


def _only_missing(plan: Plan, req: Request, missing: list[tuple[object, str]]) -> bool:
    """A request that is nothing but a missing capability ("upload a file", "pay by card")."""
    if not missing or req.fields:
        return False
    if plan.kind != "crud" or plan.entity is None:
        return False
    words = " ".join(w for _, w in missing)
    head = plan.entity.head
    return head in {"item", "file", "image", "photo", "payment", "chat", "message", "sms"} or (
        head in words or singular(head) in words
    )


def _refuse(missing: list[tuple[object, str]]) -> NotUnderstood:
    from orchestrix.agents.lexicon import Capability

    parts = []
    for capability, words in missing:
        assert isinstance(capability, Capability)
        parts.append(f"'{words}' needs a {capability.name} step, which Orchestrix does not have; "
                     f"{capability.nearest}")
    return NotUnderstood(
        "I cannot build this: " + "; ".join(parts) + ".",
        ["an API to create products with name, price and a unique sku"],
    )


# --- CRUD -----------------------------------------------------------------------------------


def _crud(model: ApiModel, plan: Plan, req: Request) -> None:
    entity = plan.entity
    if entity is not None:
        model.entity = " ".join(entity.words)
        model.collection = entity.collection
    actions = plan.actions if plan.op == "manage" else [plan.op]
    model.operations = [Operation(action=a) for a in actions]  # type: ignore[arg-type]
    lst = next((o for o in model.operations if o.action == "list"), None)
    get = next((o for o in model.operations if o.action == "get"), None)
    if plan.key is not None:
        if not model.field(plan.key.name):
            pass
        if get is not None:
            get.key = plan.key.name
        if lst is not None:
            lst.filters.append(Filter(field=plan.key.name))
    if lst is not None:
        _sort_and_page(lst, req.text, model)
    _relations(model, req)


_SORT = re.compile(
    r"\b(?:sort(?:ed|s)?|order(?:ed|s)?) by (?:the |its |their )?([a-z_]+)(?: (asc|ascending|"
    r"desc|descending|newest first|oldest first|highest first|lowest first))?"
)
_PAGE = re.compile(r"\b(\d+) (?:per page|a page|items per page|results per page)\b|\bpage size "
                   r"(?:of )?(\d+)\b")


def _sort_and_page(op: Operation, text: str, model: ApiModel) -> None:
    match = _SORT.search(text)
    if match:
        name = _name_of(match.group(1), model)
        op.sort = name
        direction = match.group(2) or ""
        op.order = "desc" if direction.startswith(("desc", "newest", "highest")) else "asc"
    elif re.search(r"\bnewest first\b|\bmost recent first\b|\blatest first\b", text):
        op.sort, op.order = "createdAt", "desc"
    page = _PAGE.search(text)
    if page:
        op.page_size = int(page.group(1) or page.group(2))


def _name_of(phrase: str, model: ApiModel) -> str:
    """A field of the model the words name, else the words as a field name."""
    for field in model.fields:
        if field.name.lower() == phrase.replace(" ", "").replace("_", "").lower() or (
            field.name == phrase
        ):
            return field.name
    if "_" in phrase:
        return phrase
    return camel(phrase.split())


_RELATION = re.compile(
    r"\b(?:the |a |an |its |their )?([a-z_]+?)(?:[ _]id)? (?:must|should|has to|needs to) exist\b|"
    r"\b(?:belongs? to|for|of|linked to|referenc\w+) an? existing ([a-z_]+)\b|"
    r"\bexisting ([a-z_]+)(?:[ _]id)?\b"
)


def _relations(model: ApiModel, req: Request) -> None:
    for match in _RELATION.finditer(req.text):
        thing = next(g for g in match.groups() if g)
        thing = thing.removesuffix("_id")
        if thing in {"record", "one", "it", "user"} and thing != "user":
            continue
        name = _relation_field(model, thing)
        collection = _plural_snake(thing)
        if name is None or any(r.field == name for r in model.relations):
            continue
        model.relations.append(Relation(field=name, collection=collection))


def _relation_field(model: ApiModel, thing: str) -> str | None:
    wanted = {f"{thing}_id", camel([*thing.split("_"), "id"]), thing}
    for field in model.fields:
        if field.name in wanted or field.name.lower() == f"{thing.replace('_', '')}id":
            return field.name
    if not model.fields:
        return None
    name = f"{thing}_id" if any("_" in f.name for f in model.fields) else camel([thing, "id"])
    model.fields.append(ApiField(name=name, required=True, minLength=1, maxLength=64))
    return name


def _plural_snake(thing: str) -> str:
    from orchestrix.agents.text import plural

    parts = thing.split("_")
    return "_".join([*parts[:-1], plural(parts[-1])])


# --- extras ---------------------------------------------------------------------------------

_ROLE = re.compile(
    r"\b(?:only (?:for )?(?:an? )?|admins? only|restricted to (?:an? )?|requires? (?:an? |the )?)"
    r"(admin|administrator|staff|moderator|manager|editor)s?(?: role)?\b|"
    r"\b(admin|administrator|staff|moderator|editor)s?[- ]only\b|"
    r"\brole (?:of |is |= ?)?['\"]?(\w+)['\"]?"
)
_OWNED = re.compile(
    r"\b(?:only (?:their|his|her|my|your|the user's|that user's|the owner's) own|their own|"
    r"(?:only|just) (?:their|his|her|that user's|the user's|the owner's)|belong(?:s|ing)? to "
    r"(?:the|that|a) (?:signed[- ]in |logged[- ]in |current )?user|per user|owned by|"
    r"owner can|only the owner|users? (?:can )?(?:only )?see (?:only )?their)\b"
)
_RATE_KEY = re.compile(
    r"\bper (ip|ip address|client|address|user|account|token|subject|signed[- ]in user|"
    r"logged[- ]in user|[a-z_]+)\b|\bby (ip|ip address|email|user)\b"
)


def _extras(model: ApiModel, plan: Plan, req: Request) -> None:
    extras = req.extras
    text = req.text
    role = _ROLE.search(text)
    owned = _OWNED.search(text) is not None
    if (extras.auth or role or owned) and model.kind in _AUTH_KINDS:
        model.auth = Auth(required=True)
        if role:
            name = next(g for g in role.groups() if g)
            model.auth.role = "admin" if name == "administrator" else name
        if model.kind == "crud":
            model.ownership = True
    if extras.token is not None:
        model.token = extras.token
    if extras.rate:
        limit, window = extras.rate
        model.rate_limits.append(_rate(limit, window, text, model))
    if extras.email and model.kind not in {"form", "passwordReset"}:
        model.emails.append(_email(extras.email, extras.email_to, model))
    elif extras.email and model.kind == "form":
        model.emails.append(_email(extras.email, extras.email_to, model))


def _rate(limit: int, window: int, text: str, model: ApiModel) -> RateLimit:
    for match in _RATE_KEY.finditer(text):
        word = (match.group(1) or match.group(2) or "").replace("-", " ")
        if word in {"ip", "ip address", "client", "address"}:
            return RateLimit(limit=limit, window=window, key="ip")
        if word in {"user", "account", "token", "subject", "signed in user", "logged in user"}:
            if model.auth is not None or model.kind in {"profile", "profileUpdate", "logout"}:
                return RateLimit(limit=limit, window=window, key="subject")
            if model.field("email"):
                return RateLimit(limit=limit, window=window, key="field", field="email")
            return RateLimit(limit=limit, window=window, key="ip")
        name = _field_named(model, word)
        if name is not None:
            return RateLimit(limit=limit, window=window, key="field", field=name)
    if model.kind == "login" and re.search(r"\bper (?:email|username|account)\b", text):
        name = "username" if "username" in text else "email"
        return RateLimit(limit=limit, window=window, key="field", field=name)
    return RateLimit(limit=limit, window=window, key="ip")


def _field_named(model: ApiModel, word: str) -> str | None:
    for field in model.fields:
        if field.name.lower() in {word, word.replace(" ", ""), word.replace("_", "")}:
            return field.name
    if model.kind in {"login", "signup", "passwordReset"} and word in {"email", "username"}:
        return word
    return None


def _email(kind: str, address: str | None, model: ApiModel) -> Email:
    if kind == "welcome":
        target = next((f.name for f in model.fields if f.format == "email"), None)
        if target is None and model.kind in {"signup", "form"}:
            target = "email"
        return Email(purpose="welcome", toField=target)
    return Email(purpose="notify", to=address)


# --- outside calls --------------------------------------------------------------------------


def _outbound(req: Request, model: ApiModel) -> Outbound:
    text = req.text
    method = (
        "POST"
        if re.search(
            r"\b(?:post|posts|send|sends|forward|forwards|submit|push)\b(?: \w+)* to\b|"
            r"\b(?:a |as a |with a |using a )?post request\b|\bvia post\b|\bmethod post\b",
            text,
        )
        else "GET"
    )
    for verb in ("PUT", "PATCH", "DELETE"):
        if re.search(rf"\b{verb.lower()} request\b|\bvia {verb.lower()}\b", text):
            method = verb
    call = Outbound(method=method, url=req.urls[0] if req.urls else "")  # type: ignore[arg-type]
    if req.urls:
        raw = next(u for u in re.findall(r"https?://[^\s'\"<>]+", req.original))
        call.url = raw.rstrip(".,;)")
        for name in re.findall(r"\{(\w+)\}", call.url):
            if not model.field(name):
                model.fields.append(ApiField(name=name, required=True, minLength=1, maxLength=200))
        if "?" in call.url:
            base, _, query = call.url.partition("?")
            call.url = base
            for pair in query.split("&"):
                key, _, value = pair.partition("=")
                holder = re.fullmatch(r"\{(\w+)\}", value)
                if key and holder:
                    call.query[key] = holder.group(1)
    elif re.search(r"\burls? (?:given|provided|sent|passed|chosen) by (?:the )?(?:user|caller|client)"
                   r"|\b(?:user|caller|client)(?:'s)? (?:gives|provides|sends|passes) (?:a |the )?url"
                   r"|\bany url\b|\ba url (?:in|from) the (?:request|body|input)\b", text):
        if not model.field("url"):
            model.fields.insert(0, ApiField(name="url", format="uri", required=True, maxLength=2048))
        call.url_field = "url"
        call.url = "https://example.com"
        model.fields = [f for f in model.fields if f.name not in {"user", "given"}]
    else:
        topic = "weather" if re.search(r"\b(?:weather|forecast)\b", text) else "data"
        call.url = f"https://api.example.com/{topic}"
    if not model.fields and not call.url_field:
        name = "city" if "weather" in text or "forecast" in text else "query"
        model.fields.append(ApiField(name=name, required=True, minLength=1, maxLength=200))
    guard = re.search(r"\bonly (?:if|when) (?:the )?(?:answer|response|result|upstream)(?:'s)? "
                      r"([a-z_]+) is true\b|\bunless (?:the )?(?:answer|response)(?:'s)? ([a-z_]+)"
                      r"\b", text)
    if guard:
        call.guard = guard.group(1) or guard.group(2)
    returns = re.search(r"\breturn(?:s|ing)? (?:only |just )?(?:the )?([a-z_]+(?:(?:, | and )"
                        r"[a-z_]+)*)(?: fields?)? from (?:the|its) (?:answer|response)\b", text)
    if returns:
        call.returns = [n for n in re.split(r", | and ", returns.group(1)) if n]
    return call


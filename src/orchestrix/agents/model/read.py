"""Words to the API model: the rules planner's patterns, with a coverage account.

The request is read once (:mod:`request`), its kind found (:mod:`intents`), and every part
the model holds filled from the words: fields with their rules, operations with filters and
sort, relations, ownership, auth and roles, limits with their key, emails and outside calls.
What the words ask for that no tool does goes to ``notCovered``, in the user's words.
"""

from __future__ import annotations

import re
from dataclasses import replace

from orchestrix.agents import basics
from orchestrix.agents.fields import infer
from orchestrix.agents.intents import Plan, classify
from orchestrix.agents.lexicon import Capability, missing_capabilities, singular
from orchestrix.agents.model.fieldspec import from_spec
from orchestrix.agents.model.items import find_fields
from orchestrix.agents.model.schema import (
    Answer,
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
    plan = _reconsider(classify(_for_classify(req)), req)
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
        model.response = Answer(status=200)
        header = re.search(r"\b(x-[a-z0-9-]+)(?: header)?\b", req.text)
        if header and re.search(r"\b(?:secret|token|signature|key)\b", req.text):
            model.webhook.secret_header = header.group(1)
            model.fields = [
                f
                for f in model.fields
                if f.name.lower().replace("-", "")
                not in {header.group(1).replace("-", ""), "signature", "secret"}
            ]
        if re.search(r"\b(?:hmac|signed payload|signature of the body)\b", req.text):
            model.not_covered.append(
                "an HMAC signature of the body: the header is compared with a stored secret"
            )
    elif kind == "accountDelete":
        from orchestrix.agents.model.special import cascade_of

        model.cascade = cascade_of(req.text)
        model.fields = []
    elif kind == "outbound":
        model.outbound = _outbound(req, model)
    _extras(model, req)
    asked = {w for _, words in missing for w in re.findall(r"[a-z]+", words)}
    model.fields = [f for f in model.fields if not any(w in f.name.lower() for w in asked)]
    for capability, words in missing:
        model.not_covered.append(
            f"{words}: there is no {capability.name} step; {capability.nearest}"
        )
    return model, list(plan.assumptions)


_ACCOUNT_WORDS = {"user", "account", "member", "customer", "person", "profile", "login", "token"}
_OP_NOUN = re.compile(
    r"\b(create|add|save|store|post|write|submit|get|fetch|read|show|list|find|search|update|edit|"
    r"change|hide|delete|remove|cancel|vote|report|rate|log|record|track|book|open|close)s? "
    r"(?:on |to |for )?(?:a |an |the |my |all |all my |their |one |new |all the )?([a-z]+)"
)
_VERB_OP = {
    "create": "create", "add": "create", "save": "create", "store": "create", "post": "create",
    "write": "create", "submit": "create", "vote": "create", "report": "create", "rate": "create",
    "log": "create", "record": "create", "track": "create", "book": "create", "open": "create",
    "get": "get", "fetch": "get", "read": "get", "show": "get", "find": "get",
    "list": "list", "search": "list", "update": "update", "edit": "update", "change": "update",
    "hide": "update", "close": "update", "delete": "delete", "remove": "delete",
    "cancel": "delete",
}  # fmt: skip


def _reconsider(plan: Plan | None, req: Request) -> Plan | None:
    """A verb on a thing that is not an account ("save a bookmark for the current user", "get
    an invoice ... the authenticated customer") is records of that thing, not an account flow."""
    from orchestrix.agents.entities import Entity

    text = req.words
    if re.search(r"\bdelete (?:my|the|their|your) (?:own )?account\b", text):
        return Plan("accountDelete")
    if re.search(
        r"\b(?:from|at|to|calls?|fetch\w*) (?:a|an|the|any) (?:url|link|address|external api|"
        r"outside api)\b|\burls? (?:given|provided|sent|passed|chosen) by\b",
        req.text,
    ) and (plan is None or plan.kind == "crud"):
        return Plan("http")
    if plan is not None and plan.kind not in {"profile", "login", "signup", "profile_update"}:
        return plan
    if (
        plan is not None
        and plan.kind in {"signup", "login"}
        and re.search(r"\b(?:sign ?up|register|registration|log ?in|sign ?in|logon)\b", text)
    ):
        return plan
    for match in _OP_NOUN.finditer(text):
        verb, noun = match.group(1), singular(match.group(2))
        if (
            noun in _ACCOUNT_WORDS
            or len(noun) < 3
            or noun in {"it", "them", "that", "this", "api", "endpoint", "in", "up", "out"}
        ):
            continue
        if plan is not None and plan.kind in {"signup", "login"} and verb in {"log", "post"}:
            continue
        if (
            plan is not None
            and plan.kind in {"profile", "profile_update"}
            and verb in {"get", "read", "show", "fetch", "update", "edit", "change", "find"}
        ):
            continue
        op = _VERB_OP.get(verb)
        if op is None:
            continue
        return Plan("crud", op=op, entity=Entity([noun]))
    return plan


_NEGATED = re.compile(r"\b(?:do not|does not|never|not|without) (?:\w+ ){0,1}\w+")
_ROLE_PHRASES = re.compile(
    r"\b(?:only )?(?:the )?(?:admins?|administrators?|moderators?)(?: or (?:admins?|moderators?))?"
    r"(?: role)?(?: only| can| may)?\b"
)


def _for_classify(req: Request) -> Request:
    """The words the kind is read from: no negated verbs ("don't get spammed"), no roles
    ("only admins can": who may call it, not an admin panel)."""
    from dataclasses import replace as copy

    def clean(text: str) -> str:
        return _ROLE_PHRASES.sub(" ", _NEGATED.sub(" ", text))

    return copy(req, text=clean(req.text), words=clean(req.words))


def _only_missing(plan: Plan, req: Request, missing: list[tuple[Capability, str]]) -> bool:
    """A request that is nothing but a missing capability ("upload a file", "pay by card")."""
    if not missing or req.fields:
        return False
    first = " ".join(req.text.split()[:4])
    if any(words in first for _, words in missing):
        return True  # "file upload api for ...": the missing thing is what is asked
    if plan.kind != "crud" or plan.entity is None:
        return False
    words = " ".join(w for _, w in missing)
    head = plan.entity.head
    return head in {"item", "file", "image", "photo", "payment", "chat", "message", "sms"} or (
        head in words or singular(head) in words
    )


def _refuse(missing: list[tuple[Capability, str]]) -> NotUnderstood:
    parts = []
    for capability, words in missing:
        parts.append(
            f"'{words}' needs a {capability.name} step, which Orchestrix does not have; "
            f"{capability.nearest}"
        )
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
    text = req.text
    if _LISTING.search(text) and (
        actions in (["get"], ["create"], ["create", "list"])
        or not re.search(r"\b(?:create|add|update|delete|remove|edit|crud|manage)\b", text)
    ):
        actions = ["list"]
    model.operations = [Operation(action=a) for a in actions]
    lst = next((o for o in model.operations if o.action == "list"), None)
    get = next((o for o in model.operations if o.action == "get"), None)
    if plan.key is not None and get is not None:
        get.key = plan.key.name
    if lst is not None:
        _sort_and_page(lst, text, model)
        if len(model.operations) == 1:
            _filters(lst, req, model)
    if len(model.operations) == 1 and model.operations[0].action in {"get", "update", "delete"}:
        own_id = {f"{w}_id" for w in (entity.words if entity else [])} | {
            camel([*(entity.words if entity else []), "id"])
        }
        model.fields = [f for f in model.fields if f.name not in own_id | {"id"}]
    _relations(model, req)


_LISTING = re.compile(
    r"\b(?:sorted by|sort by|order(?:ed)? by|filter(?:ed)? by|newest first|oldest first|"
    r"cheapest first|soonest first|most recent|per page|paginated|paginate|search(?:es)? |"
    r"cheaper than|more expensive than|get all|list(?:s|ing)? (?:all|the|my|every)|"
    r"find (?:all )?\w+s (?:from|by|with|for))"
)
_SORT = re.compile(
    r"\b(?:sort(?:ed|s)?|order(?:ed|s)?) by (?:the |its |their )?([a-z_]+(?: (?:date|time|name))?)"
    r"(?: (asc|ascending|desc|descending|newest first|oldest first|highest first|lowest first|"
    r"a-z|z-a))?"
)
_FIRST = re.compile(
    r"\b(newest|latest|most recent|oldest|cheapest|most expensive|soonest|earliest|latest|"
    r"highest|lowest)(?: (?:due )?([a-z_]+(?: date)?))? first\b|\b(\d+) most recent\b"
)
_PAGE = re.compile(
    r"\b(\d+) (?:per page|a page|items per page|results per page|results|items|at a time)\b|"
    r"\bpage size (?:of )?(\d+)\b|\bmax(?:imum)? (\d+) results\b|\b(\d+) most recent\b"
)


def _sort_and_page(op: Operation, text: str, model: ApiModel) -> None:
    match = _SORT.search(text)
    if match:
        op.sort = _name_of(match.group(1), model)
        direction = match.group(2) or ""
        op.order = "desc" if direction.startswith(("desc", "newest", "highest", "z-a")) else "asc"
    first = _FIRST.search(text)
    if first:
        word, thing = first.group(1), first.group(2)
        if first.group(3):
            word = "most recent"
        if thing:
            op.sort = _name_of(thing, model)
        elif word in {"cheapest", "most expensive"}:
            op.sort = "price"
        elif word in {"soonest", "earliest"} and not op.sort:
            op.sort = "date"
        elif not op.sort:
            op.sort = "createdAt"
        op.order = (
            "desc"
            if word in {"newest", "latest", "most recent", "most expensive", "highest"}
            else "asc"
        )
    page = _PAGE.search(text)
    if page:
        op.page_size = int(next(g for g in page.groups() if g))


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


_BY = re.compile(
    r"(?<!sorted )(?<!sort )(?<!order )(?<!ordered )\b(?:by|filter(?:ed)? by|and by|"
    r"with (?:a |the )?given)\s+(?:its |their |the |a )?([a-z_]+(?: (?:id|code|name|date))?)"
    r"(\s*\([^)]*\)|\s+one of "
    r"[\w, ]+?(?=;|$|\.)|\s+(?:true/false|\(boolean\)))?"
)
_OF_THING = re.compile(
    r"\b(?:of|for|in) (?:a|an|the|one|that|this|given) ([a-z]+) \((\w+)\)|"
    r"\b(?:of|for) (?:a|an|the|one) ([a-z]+) by ([a-z_]+[a-zA-Z]*)"
)
_RANGE_WORDS = (
    (re.compile(r"\bcheaper than (?:a |the )?([a-z_]+)"), "price", "lte"),
    (re.compile(r"\bmore expensive than (?:a |the )?([a-z_]+)"), "price", "gte"),
    (re.compile(r"\bon or after (?:a |the )?(?:given )?([a-z_]+)"), "", "gte"),
    (re.compile(r"\bafter (?:a |the )?(?:given )?([a-z_]+)"), "", "gt"),
    (re.compile(r"\bon or before (?:a |the )?(?:given )?([a-z_]+)"), "", "lte"),
    (re.compile(r"\bbefore (?:a |the )?(?:given )?([a-z_]+)"), "", "lt"),
)
_NOT_FILTERS = {"id", "ids", "page", "default", "the", "a", "an", "email", "token", "ip", "user"}


def _filters(op: Operation, req: Request, model: ApiModel) -> None:
    from orchestrix.agents.model.items import parse_item

    text = req.text
    original = req.original
    added: list[str] = []

    def add(
        name: str,
        field: str | None = None,
        how: str = "eq",
        spec: ApiField | None = None,
        required: bool | None = None,
    ) -> None:
        if name in added or name in _NOT_FILTERS:
            return
        added.append(name)
        if model.field(name) is None:
            new = spec or ApiField(name=name)
            if required is not None:
                new.required = required
            model.fields.append(new)
        elif required is not None:
            model.field(name).required = required  # type: ignore[union-attr]
        op.filters.append(Filter(field=field or name, op=how, param=name))

    for match in _OF_THING.finditer(original.lower()):
        _, name = (
            (match.group(1), match.group(2)) if match.group(1) else (match.group(3), match.group(4))
        )
        written = re.search(re.escape(name), original, re.IGNORECASE)
        name = written.group(0) if written else name
        add(name, required=True)
    for rx, over, how in _RANGE_WORDS:
        found = rx.search(text)
        if found:
            param = found.group(1)
            written = re.search(re.escape(param), original, re.IGNORECASE)
            param = written.group(0) if written else param
            target = over or param
            spec = model.field(param) or from_spec(
                replace(infer(over or param), name=param, required=False)
            )
            spec.required = False
            add(param, target, how, spec)
    for match in _BY.finditer(text):
        phrase = match.group(1)
        if phrase.split()[0] in _NOT_FILTERS or phrase in {"id", "price"}:
            continue
        item = parse_item(f"{phrase} {match.group(2) or ''}".strip())
        if item is None:
            continue
        written = re.search(rf"\b{re.escape(phrase.replace(' ', '_'))}\b", original, re.IGNORECASE)
        name = written.group(0) if written else item.name
        if name.lower() in {a.lower() for a in added}:
            continue
        spec = from_spec(replace(item, name=name, required=False))
        add(name, spec=spec, required=False)
    rest = re.search(r"\bfrom an? ([a-z]+) to an? ([a-z]+)\b", text)
    if rest:
        add(rest.group(1), required=False)
        add(rest.group(2), required=False)
    fixed = re.search(r"\bwith (status|state) ([a-z]+)\b", text)
    if fixed:
        op.filters.append(Filter(field=fixed.group(1), value=fixed.group(2)))
    for field in list(model.fields):
        name = field.name
        if name in added or name in {"page", "page_size", "pageSize", "limit", "offset"}:
            continue
        low = name.lower()
        if (
            low.startswith(("min_", "min"))
            and len(name) > 4
            and (name[3] in "_" or name[3].isupper())
        ):
            base = name[4:] if name[3] == "_" else name[3].lower() + name[4:]
            added.append(name)
            op.filters.append(Filter(field=base, op="gte", param=name))
        elif (
            low.startswith(("max_", "max"))
            and len(name) > 4
            and (name[3] in "_" or name[3].isupper())
        ):
            base = name[4:] if name[3] == "_" else name[3].lower() + name[4:]
            added.append(name)
            op.filters.append(Filter(field=base, op="lte", param=name))
        else:
            added.append(name)
            op.filters.append(Filter(field=name, param=name))
    if re.search(
        r"\b(?:both|all) (?:filters )?(?:are )?optional\b|\bfilters? (?:are |is )?optional\b", text
    ):
        for field in model.fields:
            if field.name in added:
                field.required = False
    for field in model.fields:
        if field.name in {"page", "page_size", "pageSize"}:
            field.type = "integer"


_RELATION = re.compile(
    r"\b(?:the |a |an |its |their |that )?([a-z_]+?)(?:[ _]id| code)? (?:must|should|has to|"
    r"needs to|have to) (?:already )?exist\b|"
    r"\b(?:belongs? to|for|of|linked to|referenc\w+|to) an? existing ([a-z_]+)\b|"
    r"\bexisting ([a-z_]+)(?:[ _]id)?\b|"
    r"\b404 (?:if|when) (?:the |that |no )?([a-z_]+)(?: id| code)? (?:does not exist|doesn't exist|"
    r"is missing|is not found|is unknown|isn't there|is not there|not found)|"
    r"\bif (?:the |that )?([a-z_]+)(?: id| code)? (?:does not exist|doesn't exist|is unknown|"
    r"isn't there|is not there|is not found)|"
    r"\bunknown ([a-z_]+)(?: id| code)? ?(?:->|gives|=>|answers|:)"
    r"|\b(?:if )?no ([a-z_]+) has that ([a-z_]+)"
)


def _relations(model: ApiModel, req: Request) -> None:
    text = req.text
    own = (model.entity or "").split()
    if re.search(r"\b(?:both|all) (?:of them )?(?:must|should|have to) exist\b", text):
        for field in model.fields:
            if re.search(r"(?:_id|Id)$", field.name):
                _relate(model, field.name, field.name.removesuffix("_id").removesuffix("Id"))
    for match in re.finditer(r"\bboth (?:the )?([a-z]+) and (?:the )?([a-z]+) must exist", text):
        for thing in match.groups():
            _relate_thing(model, thing)
    for match in _RELATION.finditer(text):
        groups = [g for g in match.groups() if g]
        thing = groups[0].removesuffix("_id")
        if thing in {"record", "one", "it", "both", "they", "them"} or thing in own:
            continue
        if match.group(7) and match.group(8):
            key = match.group(8)
            name = next((f.name for f in model.fields if key in f.name.lower()), None)
            if name:
                model.relations.append(
                    Relation(field=name, collection=_plural_snake(thing), key=key)
                )
            continue
        _relate_thing(model, thing, code="code" in match.group(0))


def _relate_thing(model: ApiModel, thing: str, code: bool = False) -> None:
    if code:
        name = next(
            (f.name for f in model.fields if f.name.lower() in {f"{thing}code", f"{thing}_code"}),
            None,
        )
        if name is None:
            name = (
                f"{thing}_code"
                if any("_" in f.name for f in model.fields)
                else camel([thing, "code"])
            )
            model.fields.append(ApiField(name=name, required=True, min_length=1, max_length=64))
        if not any(r.field == name for r in model.relations):
            model.relations.append(
                Relation(field=name, collection=_plural_snake(thing), key="code")
            )
        return
    name = _relation_field(model, thing)
    if name is not None:
        _relate(model, name, thing)


def _relate(model: ApiModel, name: str, thing: str) -> None:
    if any(r.field == name for r in model.relations):
        return
    model.relations.append(Relation(field=name, collection=_plural_snake(singular(thing))))
    field = model.field(name)
    if field is not None:
        field.required = True


def _relation_field(model: ApiModel, thing: str) -> str | None:
    wanted = {f"{thing}_id", camel([*thing.split("_"), "id"]), thing}
    for field in model.fields:
        if field.name in wanted or field.name.lower() == f"{thing.replace('_', '')}id":
            return field.name
    if not model.fields:
        return None
    name = f"{thing}_id" if any("_" in f.name for f in model.fields) else camel([thing, "id"])
    model.fields.append(ApiField(name=name, required=True, min_length=1, max_length=64))
    return name


def _plural_snake(thing: str) -> str:
    from orchestrix.agents.text import plural

    parts = thing.split("_")
    return "_".join([*parts[:-1], plural(parts[-1])])


# --- extras ---------------------------------------------------------------------------------

_ROLES = r"(admin|administrator|staff|moderator|manager|editor|owner|agent|support)s?"
_ROLE = re.compile(
    rf"\bonly (?:for )?(?:an? |the )?{_ROLES}(?! of)\b|\b{_ROLES}[- ]only\b|"
    rf"\b{_ROLES} (?:can|may|are allowed to)\b|\brestricted to (?:an? )?{_ROLES}\b|"
    rf"\b(?:the )?{_ROLES} role\b|\brole (?:of |is |= ?)['\"]?(\w+)['\"]?"
)
_AUTH = re.compile(
    r"\b(?:bearer|jwt|token|logged[- ]in|signed[- ]in|authenticated|authorization header|"
    r"current user|auth required|requires? auth|login required|must be logged in|"
    r"401 without)\b"
)
_OWNED = re.compile(
    r"\b(?:only (?:their|his|her|my|your|the user's|that user's|the owner's) own|their own|"
    r"(?:only|just) (?:their|his|her|that user's|the user's|the owner's)|belong(?:s|ing)? to "
    r"(?:the|that|a|whoever|the authenticated|the current) ?(?:signed[- ]in |logged[- ]in |"
    r"current |authenticated )?\w*|per user|owned by|owner of|only the owner|only the author|"
    r"theirs|"
    r"users? (?:can )?(?:only )?see (?:only )?their|for the (?:logged[- ]in|current|signed[- ]in) "
    r"user|only sees? their)\b"
)
_MY = re.compile(r"\b(?:my|their own)\s+(?!account\b|profile\b)[a-z]+s?\b")
_RATE_KEY = re.compile(
    r"\b(?:per|for each|each|by|every|for every) (ip|ip address|client|address|user|account|token|"
    r"subject|signed[- ]in user|logged[- ]in user|email(?: address)?|username|api_key|api key|"
    r"[a-z]+_[a-z_]+)\b"
)


def _extras(model: ApiModel, req: Request) -> None:
    extras = req.extras
    text = req.text
    roles = _roles(text)
    owned = _OWNED.search(text) is not None or (
        model.kind == "crud" and _MY.search(text) is not None
    )
    wants_token = extras.auth or _AUTH.search(re.sub(r"\bx-[\w-]+", " ", text)) is not None
    if model.kind in _AUTH_KINDS and (wants_token or roles or owned):
        if model.kind == "outbound" and not (
            extras.auth or re.search(r"logged[- ]in|token required|bearer", text)
        ):
            pass
        else:
            model.auth = Auth(required=True, roles=roles)
            if model.kind == "crud" and (owned or not roles):
                model.ownership = True
                if re.search(r"\b403\b", text) and owned:
                    model.owner_status = 403
    if extras.token is not None:
        model.token = extras.token
    rate = _rate(text, model)
    if rate is not None:
        model.rate_limits.append(rate)
    emails = _emails(req, model)
    model.emails.extend(emails)


def _roles(text: str) -> list[str]:
    found: list[str] = []
    for match in _ROLE.finditer(text):
        name = next(g for g in match.groups() if g)
        name = {"administrator": "admin"}.get(name, name)
        if name in {"owner", "it", "the"} or name in found:
            continue
        found.append(name)
    if re.search(r"\bmoderators? or admins?\b|\badmins? or moderators?\b", text):
        found = list(dict.fromkeys(["moderator", "admin", *found]))
    return found


_RATE_N = (
    r"(\d+|one|two|three|four|five|six|seven|eight|nine|ten|twenty|thirty|fifty|hundred|a hundred)"
)
_UNIT = r"(second|sec|minute|min|minit|mins|hour|hr|day|week|month)s?"
_RATE_RE = re.compile(
    rf"\b{_RATE_N}\s+(?:[a-z_]+\s+){{0,3}}?(?:(?:per|for each|each|by)\s+[a-z_ ]+?\s+)?"
    rf"(?:per|a|an|every|each|in|for|within|/)\s*(\d+)?\s*{_UNIT}\b"
)
_SECONDS = {
    "second": 1,
    "sec": 1,
    "minute": 60,
    "min": 60,
    "minit": 60,
    "mins": 60,
    "hour": 3600,
    "hr": 3600,
    "day": 86400,
    "week": 604800,
    "month": 2592000,
}


def _rate(text: str, model: ApiModel) -> RateLimit | None:
    from orchestrix.agents.text import to_number

    limit: int | None = None
    window = 60
    for match in _RATE_RE.finditer(text):
        word = match.group(1)
        number = 100 if word == "a hundred" else to_number(word)
        if number is None or number < 1:
            continue
        between = text[match.start() : match.end()]
        if re.search(r"\b(?:chars?|characters|digits?|words?|days old|older)\b", between):
            continue
        limit = int(number)
        count = int(match.group(2)) if match.group(2) else 1
        window = _SECONDS[match.group(3)] * count
        break
    for match in re.finditer(rf"\b(?:for|per|every|within|in) (\d+) {_UNIT}\b", text):
        if limit is not None:
            window = _SECONDS[match.group(2)] * int(match.group(1))
    asked = limit is not None and re.search(
        r"\b(?:rate|limit\w*|throttl\w*|max|maximum|at most|no more than|cap|lock\w*|only|"
        r"attempts?|tries|calls|requests|submissions|votes?|quota|may only|gets)\b",
        text,
    )
    if not asked:
        if re.search(r"\brate[- ]?limit\w*|\bthrottl\w*", text):
            limit, window = 10, 60
        else:
            return None
    assert limit is not None
    if re.search(r"\bin total\b|\bglobal(?:ly)?\b|\boverall\b|\bacross all\b", text):
        return RateLimit(limit=limit, window=window, key="global")
    for match in _RATE_KEY.finditer(text):
        word = match.group(1).replace("-", " ")
        if word in {"ip", "ip address", "client", "address"}:
            return RateLimit(limit=limit, window=window, key="ip")
        if word in {"user", "account", "token", "subject", "signed in user", "logged in user"}:
            if model.auth is not None or model.kind in {
                "profile",
                "profileUpdate",
                "logout",
                "passwordChange",
            }:
                return RateLimit(limit=limit, window=window, key="subject")
            continue
        name = _field_named(model, word.replace(" address", "").replace("api key", "api_key"))
        if name is not None:
            return RateLimit(limit=limit, window=window, key="field", field=name)
    if model.auth is not None and re.search(r"\beach user\b|\bper user\b", text):
        return RateLimit(limit=limit, window=window, key="subject")
    return RateLimit(limit=limit, window=window, key="ip")


def _field_named(model: ApiModel, word: str) -> str | None:
    for field in model.fields:
        if field.name.lower() in {word, word.replace(" ", ""), word.replace("_", "")}:
            return field.name
    if word in {"email", "username"} and model.kind in {"login", "signup", "passwordReset", "form"}:
        return word
    return None


_EMAIL_ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def _emails(req: Request, model: ApiModel) -> list[Email]:
    """Who gets mail: a fixed address named in the words, or the address a field holds."""
    text = req.text
    mails = re.search(
        r"\b(?:e-?mails?|mail(?:s|ed)?|notif(?:y|ies|ication)|send (?:a |an |them |him |her )?"
        r"(?:\w+ )?(?:e-?mail|mail|copy|link|code|message)|invitation|invite)\b",
        text,
    )
    if mails is None or model.kind in {"passwordReset"}:
        return []
    if re.search(r"\b(?:do not|don't|never|no) (?:send )?(?:an? )?e-?mails?\b", text):
        return []
    out: list[Email] = [
        Email(purpose="notify", to=address)
        for address in _EMAIL_ADDRESS.findall(req.original)
        if re.search(
            rf"(?:e-?mails?|mail|send|notify|to|cc)\W+(?:\w+\W+){{0,6}}{re.escape(address.lower())}",
            text,
        )
    ]
    to_person = re.search(
        r"\b(?:welcome|confirmation|goodbye|verification|invitation|thank you) (?:e-?mail|mail|"
        r"message)|\be-?mail (?:them|him|her|the (?:user|customer|sender|person|new user|teammate|"
        r"subscriber))\b|\bsend (?:them|him|her|to him|to her|the user|it to the user|a copy)|"
        r"\b(?:mail|email|send) it to (?:them|him|her|the user)\b|\bcopy of the \w+ back\b|"
        r"\bback to the sender\b|\bemail (?:the )?(?:link|code) to\b|\bmail it to them\b|"
        r"\bsend (?:them|him|her) (?:an? )?\w*\s?(?:e-?mail|mail)\b|\bemail them\b|"
        r"\bto the new user\b|"
        r"\bsend to him\b|\binvitation mail\b",
        text,
    )
    if to_person:
        target = next((f.name for f in model.fields if f.format == "email"), None)
        if target is None and model.kind in {"signup", "form"}:
            target = "email"
        out.append(Email(purpose="welcome", to_field=target))
    if (
        not out
        and model.kind != "form"
        and re.search(r"\bnotif(?:y|ies|ication)\b|\balert\b", text)
    ):
        out.append(Email(purpose="notify"))
    if not out and re.search(r"\b(?:send|sends) (?:a |an )?(?:welcome )?e-?mail\b", text):
        target = next((f.name for f in model.fields if f.format == "email"), None)
        if target is not None or model.kind in {"signup", "form"}:
            out.append(Email(purpose="welcome", to_field=target or "email"))
    return out


def _email(kind: str, address: str | None, model: ApiModel) -> Email:
    if kind == "welcome":
        target = next((f.name for f in model.fields if f.format == "email"), None)
        if target is None and model.kind in {"signup", "form"}:
            target = "email"
        return Email(purpose="welcome", to_field=target)
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
    upper = re.search(r"\b(GET|POST|PUT|PATCH|DELETE)\b", req.original)
    if upper:
        method = upper.group(1)
    call = Outbound(method=method, url=req.urls[0] if req.urls else "")
    if req.urls:
        raw = next(u for u in re.findall(r"https?://[^\s'\"]+", req.original))
        call.url = re.sub(r"<(?:the )?(\w+)[^>]*>", r"{\1}", raw.rstrip(".,;)"))
        call.url = re.sub(
            r"=\.\.\.", "={" + (model.fields[0].name if model.fields else "q") + "}", call.url
        )
        for name in re.findall(r"\{(\w+)\}", call.url):
            if not model.field(name):
                model.fields.append(
                    ApiField(name=name, required=True, min_length=1, max_length=200)
                )
        if "?" in call.url:
            base, _, query = call.url.partition("?")
            call.url = base
            for pair in query.split("&"):
                key, _, value = pair.partition("=")
                holder = re.fullmatch(r"\{(\w+)\}", value)
                if key and holder:
                    call.query[key] = holder.group(1)
                    if not model.field(holder.group(1)):
                        model.fields.append(ApiField(name=holder.group(1), required=True))
    elif re.search(
        r"\burls? (?:given|provided|sent|passed|chosen) by (?:the )?(?:user|caller|client)"
        r"|\b(?:user|caller|client)(?:'s)? (?:gives|provides|sends|passes) (?:a |the )?url"
        r"|\bany url\b|\ba url (?:in|from) the (?:request|body|input)\b",
        text,
    ):
        if not model.field("url"):
            model.fields.insert(
                0, ApiField(name="url", format="uri", required=True, max_length=2048)
            )
        call.url_field = "url"
        call.url = "https://example.com"
        model.fields = [f for f in model.fields if f.name not in {"user", "given"}]
    else:
        topic = "weather" if re.search(r"\b(?:weather|forecast)\b", text) else "data"
        call.url = f"https://api.example.com/{topic}"
    model.fields = [f for f in model.fields if f.name not in {"timeout", "query", "get"}]
    for field in model.fields:
        field.name = re.sub(r"(?:Param|_param)$", "", field.name) or field.name
    param = re.search(
        r"\b(?:with |and )?(?:the )?([a-z]+(?: [a-z]+)?) in (?:the )?query\b|"
        r"\bquery param(?:eter)? ([a-z_]+)=",
        text,
    )
    if param:
        from orchestrix.agents.text import camel as _camel

        name = param.group(2) or _camel(param.group(1).split())
        if not model.field(name):
            model.fields.append(ApiField(name=name, required=True, min_length=1, max_length=200))
        call.query.setdefault(name if not param.group(2) else param.group(2), name)
    if not model.fields and not call.url_field:
        name = "city" if "weather" in text or "forecast" in text else "query"
        model.fields.append(ApiField(name=name, required=True, min_length=1, max_length=200))
    guard = re.search(
        r"\bonly (?:if|when) (?:the )?(?:answer|response|result|upstream)(?:'s)? "
        r"([a-z_]+) is true\b|\bunless (?:the )?(?:answer|response)(?:'s)? ([a-z_]+)"
        r"\b",
        text,
    )
    if guard:
        call.guard = guard.group(1) or guard.group(2)
    returns = re.search(
        r"\breturn(?:s|ing)? (?:only |just )?(?:the )?([a-z_]+(?:(?:, | and )"
        r"[a-z_]+)*)(?: fields?)? from (?:the|its) (?:answer|response)\b",
        text,
    )
    if returns:
        call.returns = [n for n in re.split(r", | and ", returns.group(1)) if n]
    return call

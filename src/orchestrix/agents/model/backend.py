"""A whole backend in one request ("a todo app with accounts"): several models, one per
endpoint group, built as several workflows in one data namespace.

The accounts part gives sign up and log in (and a profile or a password change when named);
each thing named gives a CRUD graph with the operations the words ask for; a health check and
a newsletter are their own small graphs. Until servers hold several endpoints of one API, the
workflows share data through their namespace.
"""

from __future__ import annotations

import re

from orchestrix.agents.entities import Entity
from orchestrix.agents.model.fieldspec import from_spec
from orchestrix.agents.model.items import find_fields
from orchestrix.agents.model.schema import ApiModel, Auth, Operation
from orchestrix.agents.text import normalize, singular

_BACKEND = re.compile(
    r"\b(?:backend|back end|app with (?:user )?accounts|(?:service|app|api) with (?:user )?"
    r"accounts|auth service|crm|with signup, login|signup, login|sign up, log in|accounts "
    r"\(signup/login\)|(?:notes|todo|recipe|blog|kanban) app)\b"
)
_ACCOUNTS = re.compile(
    r"\b(?:accounts?|sign ?up|signups?|register|log ?in|logins?|auth service|users sign up)\b"
)
_VERBS = {
    "create": "create", "add": "create", "post": "create", "write": "create", "open": "create",
    "opens": "create", "submit": "create", "adopt": "create",
    "list": "list", "lists": "list", "browse": "list", "search": "list",
    "get": "get", "read": "get", "view": "get", "show": "get",
    "update": "update", "edit": "update", "change": "update", "close": "update",
    "delete": "delete", "remove": "delete", "deletes": "delete",
}  # fmt: skip
_NOT_THINGS = {
    "a", "an", "the", "my", "one", "it", "them", "their", "theirs", "in", "up", "out", "for",
    "both", "account", "accounts", "user", "users", "password", "token", "profile",
    "short", "event's", "subscribe", "unsubscribe", "to", "and", "api", "app", "backend",
    "service", "health", "check", "newsletter",
}  # fmt: skip
_ALL = ["create", "get", "list", "update", "delete"]


def is_backend(text: str) -> bool:
    low = normalize(text)
    kinds = sum(
        bool(re.search(p, low))
        for p in (r"\bsign ?up\b|\bregister\b", r"\blog ?in\b", r"\bhealth check\b", r"\bcrud\b")
    )
    return bool(_BACKEND.search(low)) or kinds >= 2


def read_backend(prompt: str) -> list[ApiModel]:
    low = normalize(prompt)
    models: list[ApiModel] = []
    accounts = bool(_ACCOUNTS.search(low)) and not re.search(r"\bnewsletter\b", low)
    if accounts:
        models.append(ApiModel(kind="signup"))
        models.append(ApiModel(kind="login"))
        if re.search(r"\bprofile\b", low):
            models.append(ApiModel(kind="profile"))
        if re.search(r"\bchange (?:the |my )?password\b", low):
            models.append(ApiModel(kind="passwordChange"))
    if re.search(r"\bnewsletter\b", low):
        models.append(ApiModel(kind="form", form="newsletter"))
        if re.search(r"\bunsubscribe\b", low):
            models.append(ApiModel(kind="unsubscribe"))
    for entity, ops, fields_text in _things(prompt, low):
        model = ApiModel(kind="crud", entity=entity, collection=Entity(entity.split()).collection)
        model.operations = [Operation(action=a) for a in _ALL if a in ops]
        model.fields = [from_spec(f) for f in find_fields(fields_text)] if fields_text else []
        if accounts:
            model.auth = Auth(required=True)
            model.ownership = True
        models.append(model)
    if re.search(r"\bshortener\b", low) and not any(m.entity == "link" for m in models):
        models.append(ApiModel(kind="shortener"))
    if re.search(r"\bhealth(?: check)?\b", low):
        models.append(ApiModel(kind="health"))
    return models


def _things(prompt: str, low: str) -> list[tuple[str, set[str], str]]:
    """Each thing the backend keeps, the operations named on it, and the words of its fields."""
    found: dict[str, tuple[set[str], str]] = {}
    order: list[str] = []

    def note(noun: str, ops: set[str], fields: str = "") -> None:
        thing = singular(noun.lower())
        if thing in _NOT_THINGS or len(thing) < 3 or not thing.isalpha():
            return
        if thing not in found:
            found[thing] = (set(), "")
            order.append(thing)
        have, text = found[thing]
        found[thing] = (have | ops, text or fields)

    # "books (title, author, price, isbn unique) with create/list/get/delete"
    for match in re.finditer(r"\b([a-z]+)\s*\(([^)]*)\)([^,;:.]*)", prompt, re.IGNORECASE):
        noun, inner, after = match.group(1), match.group(2), match.group(3).lower()
        if "," not in inner and re.search(r"\b(?:must|exist|only|optional|logged|signup)\b", inner):
            continue
        if noun.lower() in _VERBS or noun.lower() in {"with", "and", "accounts", "an", "a"}:
            before = prompt[: match.start(1)].lower().split()
            noun = before[-1] if noun.lower() in _VERBS and before else noun
            if noun.lower() in _VERBS:
                continue
        verb_before = re.search(r"(\w+)\s+(?:an? |the )?$", prompt[: match.start(1)].lower())
        ops = _ops_in(after)
        if verb_before and verb_before.group(1) in _VERBS:
            ops.add(_VERBS[verb_before.group(1)])
        if re.search(r"\bcrud\b", after + " " + noun.lower()):
            ops |= set(_ALL)
        note(noun, ops, f"{noun} with {inner}")
    for match in re.finditer(
        r"\b(create|add|post|write|open|opens|submit|list|lists|browse|search|get|read|view|"
        r"show|update|edit|change|close|delete|remove|deletes)\s+(?:\+\s*\w+\s+)?(?:a |an |the |"
        r"my |all |their |one |new |own )*([a-z]+)",
        low,
    ):
        note(match.group(2), {_VERBS[match.group(1)]})
    # "create, list and delete notes": several verbs on one thing
    verbs = "|".join(sorted(_VERBS))
    for match in re.finditer(
        rf"\b((?:(?:{verbs})(?:, | and |/|\+)\s*)+(?:{verbs}))\s+(?:the |my |all |their )?([a-z]+)",
        low,
    ):
        ops = {_VERBS[v] for v in re.findall(r"[a-z]+", match.group(1)) if v in _VERBS}
        note(match.group(2), ops)
    # "anyone can list posts and read one", "only the author can delete theirs"
    for match in re.finditer(rf"\b({verbs}) (?:one|it|theirs|them)\b", low):
        if order:
            note(order[-1], {_VERBS[match.group(1)]})
    # "boards have a name, cards have title, board_id ..."
    for match in re.finditer(
        r"\b([a-z]+)s (?:have|has) ([^.]*?)(?=[,.;] ?[a-z]+s (?:have|has)\b|\.|$)", prompt.lower()
    ):
        note(match.group(1), set(), f"{match.group(1)} with {match.group(2)}")
    if re.search(r"\b(?:rsvp|rsvps)\b", low):
        note("rsvp", set())
    for match in re.finditer(r"\b([a-z]+) crud\b|\bcrud (?:for|of) ([a-z]+)\b", low):
        note(match.group(1) or match.group(2), set(_ALL))
    for match in re.finditer(r"\b(?:a|an) ([a-z]+) app\b", low):
        note(match.group(1), {"create", "list", "get", "update", "delete"})
    if re.search(r"\brsvp to\b", low) and "rsvp" in found:
        found["rsvp"] = (found["rsvp"][0] | {"create"}, found["rsvp"][1])
    if re.search(r"\bcreate\s*\+\s*list for both\b", low):
        for thing in order:
            found[thing] = (found[thing][0] | {"create", "list"}, found[thing][1])
    if re.search(r"\bfull crud\b|\bwith crud\b", low):
        for thing in order:
            found[thing] = (set(_ALL), found[thing][1])
    out = []
    for thing in order:
        ops, fields = found[thing]
        out.append((thing, ops or set(_ALL), fields))
    return out


def _ops_in(text: str) -> set[str]:
    return {_VERBS[w] for w in re.findall(r"[a-z]+", text) if w in _VERBS}

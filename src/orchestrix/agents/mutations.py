"""Chat messages as edits: "add a phone number field and make name required".

A message is split into clauses at "and"/"then"/";" where a new instruction starts; each clause
is matched against the instructions below, most specific first, and applied as an edit of the
graph (never a regeneration). A clause that matches nothing makes the whole message refused
with examples, rather than a guess.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import replace
from typing import Any

from orchestrix.agents import edits
from orchestrix.agents.edits import EditRefused
from orchestrix.agents.field_parser import NAME_ALIASES, parse_fields, parse_item
from orchestrix.agents.fields import LINKS, LISTS, MONEY, FieldSpec
from orchestrix.agents.graph import Draft
from orchestrix.agents.rephrase import rephrase, type_change
from orchestrix.agents.request import read_email, read_rate, restore_case
from orchestrix.agents.results import NotUnderstood
from orchestrix.agents.text import (
    ENGLISH,
    NUMBER,
    camel,
    label,
    normalize,
    quoted,
    to_number,
    wordset,
)

EXAMPLES = [
    "add a phone number field",
    "make name required",
    "remove the name field",
    "rename name to fullName",
    "make sku unique",
    "rating should be between 1 and 10",
    "also send a welcome email",
    "rate limit it to 5 requests per minute",
    "require a token",
    "return 200 instead of 201",
    "call it Customer Signup",
]
_VERB_START = (
    r"(?:add|also|remove|drop|delete|rename|make|change|set|require|send|email|limit|rate|return|"
    r"respond|call|name|don't|do not|stop|include|get rid|no longer|allow|protect|turn|disable|"
    r"enable|only|plus|store|collect|ask|accept|let|use|give|answer)\b"
)
_SPLIT = re.compile(
    rf"\s*(?:;|\.(?:\s|$)|,?\s+and\s+(?:then\s+)?(?={_VERB_START})|,\s*then\s+|\s+then\s+|,\s+(?={_VERB_START}))\s*"
)
_TYPES = {
    "number": {"type": "number"},
    "decimal": {"type": "number"},
    "integer": {"type": "integer"},
    "whole number": {"type": "integer"},
    "int": {"type": "integer"},
    "date": {"type": "string", "format": "date"},
    "datetime": {"type": "string", "format": "date-time"},
    "date and time": {"type": "string", "format": "date-time"},
    "email": {"type": "string", "format": "email"},
    "email address": {"type": "string", "format": "email"},
    "boolean": {"type": "boolean"},
    "true/false": {"type": "boolean"},
    "flag": {"type": "boolean"},
    "url": {"type": "string", "format": "uri"},
    "link": {"type": "string", "format": "uri"},
    "text": {"type": "string"},
    "string": {"type": "string"},
    "list": {"type": "array"},
}
_TYPE_WORDS = "|".join(re.escape(t) for t in sorted(_TYPES, key=len, reverse=True))


#: Words of a change whose swapped-letter typos ("remvoe", "mkae", "emial") are read as them.
_COMMAND_WORDS = wordset(
    """
    add remove rename make change delete drop send email emails require required optional
    unique return limit field fields welcome token also should must
    """
)


def _command_word(word: str) -> str:
    if word in _COMMAND_WORDS or word in ENGLISH:
        return word
    for i in range(len(word) - 1):
        swapped = f"{word[:i]}{word[i + 1]}{word[i]}{word[i + 2 :]}"
        if swapped in _COMMAND_WORDS:
            return swapped
    return word


def split_clauses(message: str) -> list[str]:
    text = re.sub(r"\b[a-z]{4,}\b", lambda m: _command_word(m.group(0)), normalize(message))
    return [c.strip(" ,") for c in _SPLIT.split(text) if c and c.strip(" ,")]


def resolve(draft: Draft, phrase: str) -> str | None:
    """The existing field a phrase names: "phone number" -> phone, "full name" -> fullName."""
    phrase = re.sub(r"\b(?:the|a|an|its|their|field|fields|property|column|input)\b", " ", phrase)
    phrase = " ".join(phrase.split()).strip(" '\"")
    if not phrase:
        return None
    names = list(draft.properties)
    candidates = [
        phrase,
        NAME_ALIASES.get(phrase, ""),
        camel(phrase.split()),
        phrase.replace(" ", ""),
    ]
    lowered = {n.lower(): n for n in names}
    for candidate in candidates:
        if candidate in draft.properties:
            return candidate
        if candidate and candidate.lower() in lowered:
            return lowered[candidate.lower()]
    by_label = {label(n): n for n in names}
    if phrase in by_label:
        return by_label[phrase]
    close = difflib.get_close_matches(
        phrase.replace(" ", "").lower(), list(lowered), n=1, cutoff=0.8
    )
    if close:
        return lowered[close[0]]
    words = phrase.split()
    if len(words) == 2 and words[0] in _QUALIFIERS and words[1] in draft.properties:
        return words[1]  # "the custom code", "the short code": the code field
    return None


_QUALIFIERS = {"custom", "short", "optional", "new", "current", "user's", "users", "their", "own"}


def _names(draft: Draft, phrase: str) -> list[str]:
    """Several fields: "name and phone", "the phone, company fields"."""
    parts = re.split(r"\s*(?:,|\band\b|&|\bor\b)\s*", phrase)
    found = []
    for part in parts:
        name = resolve(draft, part)
        if name and name not in found:
            found.append(name)
    return found


_OP = (
    r"(?:create|creating|add|insert|get|read|fetch|find|lookup|list|listing|browse|update|"
    r"updating|edit|change|delete|deleting|remove)"
)
_OPS = rf"{_OP}(?:(?:\s*,\s*|\s*,?\s+and\s+|\s+or\s+|\s*&\s*|\s*/\s*){_OP})*"
_TAIL = r"(?:\s+(?:operations?|actions?|endpoints?|ops|parts?))?(?:\s+only)?"
_KEEP = re.compile(
    rf"^(?:please\s+)?(?:(?:make it\s+)?(?:only|just)\s+(?:do\s+|keep\s+|allow\s+|support\s+)?|"
    rf"(?:keep|leave|allow|support)\s+only\s+)(?:the\s+)?({_OPS}){_TAIL}$|^({_OPS})\s+only$"
)
_DROP = re.compile(
    rf"^(?:please\s+)?(?:remove|drop|no|without|disable|get rid of|do not allow|don't allow)"
    rf"\s+(?:the\s+)?({_OPS})(?:\s+(?:operations?|actions?|endpoints?|ops))?$"
)


def _operations(draft: Draft, text: str) -> str | None:
    """ "only create", "just create and list", "no delete": keep some operations."""
    from orchestrix.agents.crud import ACTIONS, OPERATION_WORDS, keep_operations

    keep = _KEEP.match(text)
    drop = None if keep else _DROP.match(text)
    if keep is None and drop is None:
        return None
    action = draft.properties.get("action")
    current = action.get("enum") if isinstance(action, dict) else None
    if drop is not None and not isinstance(current, list):
        return None  # "remove delete" on another graph: not about operations
    phrase = next(g for g in (keep or drop).groups() if g)  # type: ignore[union-attr]
    named = [OPERATION_WORDS[w] for w in re.findall(_OP, phrase)]
    if drop is not None:
        assert isinstance(current, list)
        named = [a for a in ACTIONS if a in current and a not in named]
    return keep_operations(draft, named)


#: "add a phone field and make it optional": "it" is the field the message just named.
_ABOUT_IT = re.compile(
    r"^(?:make|set)\s+it\s+(?:required|optional|mandatory|unique|not required|a |an |from |"
    r"between |at |one of )|^it\s+(?:should|must|has to|needs to|is)\b"
)


def apply_message(draft: Draft, message: str) -> list[str]:
    message = rephrase(message, list(draft.properties))
    typed = type_change(message)
    if typed is not None and typed[0] in draft.properties:
        return [_set_type(draft, *typed)]
    whole = _operations(draft, normalize(message).strip(" .!"))
    if whole is not None:
        return [whole]
    clauses = split_clauses(message)
    if not clauses:
        raise NotUnderstood("Say what to change, for example 'add a phone number field'.", EXAMPLES)
    summaries = []
    last: str | None = None
    for clause in clauses:
        if last is not None and _ABOUT_IT.match(clause):
            clause = re.sub(r"\bit\b", last, clause, count=1)
        before = set(draft.properties)
        summary = apply_clause(draft, clause, message)
        added = [n for n in draft.properties if n not in before]
        last = added[-1] if added else last
        if summary is None:
            raise NotUnderstood(
                f"I could not tell what to change from {clause!r}. I can add, remove, rename or "
                "constrain fields, add or remove emails, rate limits and tokens, rename the API "
                "and change its answer.",
                EXAMPLES,
            )
        summaries.append(summary)
    return summaries


def _as_written(original: str) -> list[FieldSpec]:
    from orchestrix.agents.model import items

    match = re.search(r"(?i)\badd\s+(?:an?\s+|the\s+|some\s+)?(?:new\s+)?(?:fields?\s+)?", original)
    if match is None:
        return []
    found: list[FieldSpec] = []
    for item in items._split(original[match.end() :]):
        spec = items.parse_item(item)
        if spec is None:
            if found and items._only_modifiers(item):
                found[-1] = items._refined(found[-1], item)
            continue
        explicit = re.search(r"(?i)\b(?:required|mandatory|unique)\b", item)
        found.append(spec if explicit else replace(spec, required=False))
    return found


def _set_type(draft: Draft, name: str, kind: str) -> str:
    """A field's type changed, its name kept ("change price to an integer")."""
    from orchestrix.agents.model.items import parse_item

    old = draft.field(name)
    assert old is not None
    parsed = parse_item(f"{name} ({kind})")
    new = replace(parsed if parsed is not None else old, name=name)
    new = replace(new, required=old.required, unique=old.unique, default=None)
    if new.type == old.type and new.format == old.format and new.items == old.items:
        raise edits.EditRefused(f"{name} is already {old.kind_words()}.")
    return edits.change_field(draft, name, new)


def apply_clause(draft: Draft, clause: str, original: str) -> str | None:
    for handler in (
        _rename_api,
        _rename_field,
        _rate_limit,
        _auth,
        _token,
        _email,
        _status,
        _message,
        _response_fields,
        _keep_operations,
        _default,
        _remove_field,
        _required,
        _unique,
        _constrain,
        _add_field,
    ):
        result = handler(draft, clause, original)
        if result is not None:
            return result
    return None


# --- handlers: each returns a summary when the clause is theirs ------------------------------


def _keep_operations(draft: Draft, clause: str, _original: str) -> str | None:
    return _operations(draft, clause)


def _rename_api(draft: Draft, clause: str, original: str) -> str | None:
    match = re.match(
        r"^(?:please )?(?:rename|call|name|retitle)\s+(?:the |this |my )?(?:api|endpoint|service|"
        r"workflow|graph|it)\s*(?:to|as)?\s+(.+)$|^(?:change|set) (?:the |its )?(?:api(?:'s)? )?"
        r"name(?: of (?:the |this )?api)? to\s+(.+)$|^call it\s+(.+)$",
        clause,
    )
    if not match:
        return None
    names = quoted(original)
    name = names[0] if names else next(g for g in match.groups() if g)
    if not names:
        name = " ".join(w[:1].upper() + w[1:] for w in name.split())
    return edits.rename_api(draft, name)


def _rename_field(draft: Draft, clause: str, original: str) -> str | None:
    match = re.match(
        r"^(?:rename|change)\s+(?:the\s+)?(.+?)(?:\s+field)?(?:'s name)?\s+(?:to|into|as)\s+(.+)$|"
        r"^call\s+(?:the\s+)?(.+?)\s+field\s+(.+)$",
        clause,
    )
    if not match:
        return None
    old_phrase = match.group(1) or match.group(3)
    new_phrase = match.group(2) or match.group(4)
    old = resolve(draft, old_phrase)
    if old is None:
        return None
    names = [q for q in quoted(original) if q.lower() != old.lower()]
    target = names[-1] if names else new_phrase
    target = re.sub(r"\b(?:field|the|a|an)\b", " ", target).strip(" '\"")
    new = (
        target
        if (re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", target) and not target.islower())
        or re.fullmatch(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)+", target)
        else camel(target.split())
    )
    if not new:
        return None
    for word in re.findall(r"\b[a-z]+(?:[A-Z][a-z0-9]*)+\b", original):
        if word.lower() == new.lower():
            new = word
    return edits.rename_field(draft, old, new)


def _rate_limit(draft: Draft, clause: str, _original: str) -> str | None:
    if not re.search(
        r"\brate[- ]?limit|\bthrottl|\blimit\b|\brequests? (?:per|a|an|every)\b|"
        r"\b\d+\s+[a-z]+\s+(?:per|a|an|every)\s+(?:second|minute|hour|day)\b",
        clause,
    ):
        return None
    if re.search(
        r"\b(?:remove|drop|delete|no(?! more than)|without|disable|turn off|get rid of|stop)\b",
        clause,
    ):
        return edits.remove_rate_limit(draft)
    rate, assumed = read_rate(clause)
    if rate is None:
        return None
    per_field = re.search(
        r".*\b(?:per|by|for each|each)\s+(?:the\s+)?([a-z][a-z]*?)(?:\s+address)?$", clause
    )
    per = None
    if per_field is not None and per_field.group(1) not in {"client", "ip", "user", "caller"}:
        per = resolve(draft, per_field.group(1))
    summary = edits.set_rate_limit(draft, *rate, per=per)
    return summary + (" (No numbers were given: 10 per minute.)" if assumed else "")


def _auth(draft: Draft, clause: str, _original: str) -> str | None:
    removing = re.search(
        r"\b(?:remove|drop|delete|no|without|disable|turn off|get rid of|stop requiring|"
        r"don't require|do not require|no longer require)\b.*\b(?:auth|authentication|token check|"
        r"login requirement|jwt check|jwt verification|bearer|token requirement)\b|"
        r"\bmake it public\b|\bno (?:auth|login) (?:needed|required)\b",
        clause,
    )
    if removing:
        return edits.remove_auth(draft)
    adding = re.search(
        r"\b(?:require|requires|requiring|need|needs)\b.*\b(?:token|login|auth|authentication|jwt|"
        r"logged[- ]in|signed[- ]in)\b|\bprotect\b|\bmake it (?:private|protected|secure)\b|"
        r"\bonly (?:for )?(?:logged[- ]in|signed[- ]in|authenticated)\b|"
        r"\badd (?:a |an )?(?:auth|authentication|token check|jwt check|jwt verification|"
        r"bearer token check|login check)\b|\b(?:behind|with) (?:a )?(?:login|auth)\b",
        clause,
    )
    if adding:
        return edits.add_auth(draft)
    return None


_LIFETIME = re.compile(
    r"\b(?:jwts?|tokens?|sessions?)\b.*\b(?:last|lasts|expire|expires|valid|good|lifetime|expiry)"
    r"\b.*?\b(" + NUMBER + r")\s*(seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?)\b"
)
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def _token(draft: Draft, clause: str, _original: str) -> str | None:
    if not re.search(r"\b(?:jwts?|tokens?|access token|sessions?)\b", clause):
        return None
    lifetime = _LIFETIME.search(clause)
    if lifetime is not None:
        amount = to_number(lifetime.group(1))
        unit = _SECONDS[lifetime.group(2)[0]]
        if amount is None:
            return None
        return edits.set_token_lifetime(draft, int(amount * unit))
    if re.search(r"\b(?:remove|drop|delete|no|without|don't|do not|stop|no longer)\b", clause):
        return edits.remove_token(draft)
    if re.search(
        r"\b(?:return|returns|add|issue|give|include|send back|also|with|plus|respond)\b", clause
    ):
        return edits.add_token(draft)
    return None


def _email(draft: Draft, clause: str, _original: str) -> str | None:
    if re.search(
        r"\b(?:copy|confirmation|receipt)\b.*\b(?:sender|them|submitter|the person|the user|"
        r"whoever)\b|\b(?:send|email)\s+(?:the sender|them)\b",
        clause,
    ) and not re.search(r"\b(?:remove|drop|delete|no|without|do not|stop|no longer)\b", clause):
        return edits.add_email(draft, "copy")
    clause = re.sub(r"\b(?:e-?mailing|mailing)\b", "emails to", clause)
    if not re.search(r"\b(?:e-?mails?|mail|notify|notification|notifications|alert)\b", clause):
        return None
    if re.match(
        r"^(?:also\s+)?(?:return|include|respond with|answer with|show|don't return|do not return"
        r"|stop returning)\b(?!.*\b(?:send|notify)\b)",
        clause,
    ):
        return None  # "also return the email": the answer's fields
    kind_hint = (
        "welcome"
        if re.search(r"\b(?:welcome|confirmation|thank)", clause)
        else ("notify" if re.search(r"\b(?:notif|admin|owner|me|us|alert)", clause) else None)
    )
    if re.search(
        r"\b(?:remove|drop|delete|no|without|don't|do not|stop|disable|turn off|no longer)\b",
        clause,
    ):
        if re.search(r"\bfield\b", clause):
            return None
        return edits.remove_email(draft, kind_hint)
    if not re.search(r"\b(?:send|sends|email|e-mail|mail|notify|add|also|plus|alert)\b", clause):
        return None
    if re.search(r"\b(?:required|optional|mandatory|unique|rename|called|named)\b", clause) or (
        re.match(r"^(?:make|change|set)\b", clause)
    ):
        return None
    if re.search(r"\b(?:field|address field)\b", clause) or re.match(
        r"^(?:add|include) (?:an? )?(?:required |optional |unique )*e-?mail(?: address)?$", clause
    ):
        return None
    kind, to = read_email(clause)
    kind = kind or kind_hint
    if to is not None and re.search(r"\binstead\b", clause) and kind != "welcome":
        return edits.change_recipient(draft, to)
    if kind is None:
        kind = "welcome" if edits._email_field(draft) else "notify"
    return edits.add_email(draft, kind, to)


def _status(draft: Draft, clause: str, _original: str) -> str | None:
    match = re.search(
        r"\b(?:return|respond with|answer with|use|status(?: code)?(?: to| of)?|reply with)\s+"
        r"(?:status\s+|a\s+|an\s+)?([1-5]\d\d)\b",
        clause,
    )
    if not match:
        return None
    return edits.set_status(draft, int(match.group(1)))


def _message(draft: Draft, clause: str, original: str) -> str | None:
    if not re.search(r"\bmessage\b", clause) or "field" in clause:
        return None
    texts = quoted(original)
    if not texts or not re.search(
        r"\b(?:respond|reply|answer|return|say|change|set|message)\b", clause
    ):
        return None
    return edits.set_message(draft, texts[0])


def _response_fields(draft: Draft, clause: str, _original: str) -> str | None:
    stop = re.match(
        r"^(?:don't|do not|stop|no longer)\s+(?:return|returning|send|include|show)(?:ing)?\s+"
        r"(?:the\s+)?(.+?)(?:\s+in the (?:response|answer))?$|^(?:remove|hide|drop)\s+(?:the\s+)?"
        r"(.+?)\s+from the (?:response|answer|output)$",
        clause,
    )
    if stop:
        names = _response_names(draft, stop.group(1) or stop.group(2))
        return edits.stop_returning(draft, names) if names else None
    match = re.match(
        r"^(?:also\s+)?(?:return|include|respond with|send back|answer with|show)\s+(only\s+"
        r"|just\s+)?"
        r"(?:the\s+)?(.+?)(?:\s+(?:too|as well|also))?(?:\s+in the (?:response"
        r"|answer))?(\s+only)?$",
        clause,
    )
    if not match:
        return None
    names = _response_names(draft, match.group(2))
    if not names:
        return None
    return edits.respond_with(draft, names, only=bool(match.group(1) or match.group(3)))


def _response_names(draft: Draft, phrase: str) -> list[str]:
    phrase = re.sub(
        r"\b(?:the )?(?:user's|users'|user|new user's|person's|their|his|her|its|record's)\s+",
        "",
        phrase,
    )
    names = []
    for part in re.split(r"\s*(?:,|\band\b)\s*", phrase):
        part = part.strip()
        if part in {"id", "the id", "its id"}:
            names.append("id")
            continue
        name = resolve(draft, part) or _record_field(draft, part)
        if name is None:
            return []
        names.append(name)
    return names


def _record_field(draft: Draft, part: str) -> str | None:
    """ "the user's name" on a login: a field of the record it finds, not of the input."""
    if draft.primary_store() is not None or draft.first("dbFind") is None:
        return None
    words = part.split()
    if not 1 <= len(words) <= 2 or not all(w.isalpha() for w in words):
        return None
    name = camel(words)
    return None if "password" in name.lower() or name in {"it", "them"} else name


_DEFAULT = re.compile(
    r"^(?:make\s+|set\s+)?(?:the\s+)?(.+?)(?:\s+field)?\s+(?:should\s+|must\s+|will\s+)?"
    r"defaults?\s+(?:to|as)\s+(.+)$|^(?:set|make|change)\s+(?:the\s+)?default\s+(?:of|for)\s+"
    r"(?:the\s+)?(.+?)(?:\s+field)?\s+(?:to|as)\s+(.+)$"
)


def _default(draft: Draft, clause: str, original: str) -> str | None:
    """ "done should default to false": the value stored when the field is left out."""
    match = _DEFAULT.match(clause)
    if match is None:
        return None
    phrase, raw = (match.group(1), match.group(2)) if match.group(1) else match.group(3, 4)
    name = resolve(draft, phrase)
    if name is None:
        return None
    spec = draft.field(name)
    assert spec is not None
    raw = raw.strip(" '\"")
    value: object
    if spec.type == "boolean":
        if raw not in {"true", "false", "yes", "no"}:
            raise EditRefused(f"{name} is true or false; {raw!r} cannot be its default.")
        value = raw in {"true", "yes"}
    elif spec.type in {"integer", "number"}:
        number = to_number(raw)
        if number is None:
            raise EditRefused(f"{name} is a number; {raw!r} cannot be its default.")
        value = number
    else:
        texts = quoted(original)
        value = texts[-1] if texts else raw
    return edits.set_default(draft, name, value)


def _remove_field(draft: Draft, clause: str, _original: str) -> str | None:
    match = re.match(
        r"^(?:please\s+)?(?:remove|drop|delete|get rid of|take out|no longer (?:ask for|need"
        r"|collect|"
        r"store)|don't (?:ask for|need|collect|store)|do not (?:ask for|need|collect|store)|stop "
        r"(?:asking for|collecting|storing))\s+(?:the\s+"
        r"|their\s+)?(.+?)(?:\s+fields?)?(?:\s+any ?more)?$",
        clause,
    )
    if not match:
        return None
    names = _names(draft, match.group(1))
    if not names:
        return None
    return " ".join(edits.remove_field(draft, n) for n in names)


def _required(draft: Draft, clause: str, _original: str) -> str | None:
    both = re.match(
        r"^(?:make\s+)?(?:the\s+)?(.+?)(?:\s+fields?)?\s+(?:should be\s+|must be\s+|is\s+)?"
        r"(?:required|mandatory) and unique$|^(?:make\s+)?(?:the\s+)?(.+?)(?:\s+fields?)?\s+"
        r"(?:should be\s+|must be\s+)?unique and (?:required|mandatory)$",
        clause,
    )
    if both is not None:
        names = _names(draft, both.group(1) or both.group(2))
        if not names:
            return None
        return " ".join(
            f"{edits.set_required(draft, n, True)} {edits.set_unique(draft, n, True)}"
            for n in names
        )
    patterns = (
        (
            r"^make\s+(?:the\s+)?(.+?)(?:\s+fields?)?\s+(required|mandatory|optional|not"
            r" required)$",
            1,
            2,
        ),
        (
            r"^(?:the\s+)?(.+?)(?:\s+fields?)?\s+(?:is|are|should be|must be"
            r"|becomes?)\s+(?:now\s+)?(required|mandatory|optional|not required)$",
            1,
            2,
        ),
        (
            r"^(?:the\s+)?(.+?)(?:\s+fields?)?\s+(?:is|are)\s+(?:no longer|not)\s+(required"
            r"|mandatory)$",
            1,
            -1,
        ),
        (
            r"^(require|don't require|do not require|stop requiring)\s+(?:the\s+"
            r"|a\s+)?(.+?)(?:\s+fields?)?$",
            2,
            1,
        ),
    )
    for pattern, name_group, word_group in patterns:
        match = re.match(pattern, clause)
        if not match:
            continue
        names = _names(draft, match.group(name_group))
        if not names:
            _no_such_field(draft, match.group(name_group))
            return None
        if word_group == -1:
            required = False
        else:
            word = match.group(word_group)
            required = word in {"required", "mandatory", "require"}
        return " ".join(edits.set_required(draft, n, required) for n in names)
    return None


def _no_such_field(draft: Draft, phrase: str) -> None:
    """A short phrase that names no field: say so, and which fields there are."""
    words = re.sub(r"\b(?:the|a|an|field|fields)\b", " ", phrase).split()
    if not words or len(words) > 3 or words[0] in {"it", "this", "that", "them"}:
        return None
    thing = " ".join(words)
    raise EditRefused(
        f"There is no {thing} field (the fields are {', '.join(draft.properties)}); say "
        f"'add an optional {thing} field' to add one."
    )


def _unique(draft: Draft, clause: str, _original: str) -> str | None:
    off = re.match(
        r"^(?:allow duplicate|(?:the\s+)?(.+?) (?:doesn't|does not|don't|do not|no longer)"
        r" (?:need|have) "
        r"to be unique|make (?:the\s+)?(.+?) not unique)\s*(.*)$",
        clause,
    )
    if off:
        phrase = off.group(1) or off.group(2) or off.group(3)
        names = _names(draft, phrase or "")
        return " ".join(edits.set_unique(draft, n, False) for n in names) if names else None
    match = re.match(
        r"^make\s+(?:the\s+)?(.+?)(?:\s+fields?)?\s+unique$|^(?:the\s+)?(.+?)(?:\s+fields?)?\s+"
        r"(?:must|should|has to|needs to) be unique$|^(?:don't|do not|never) allow (?:two "
        r"|duplicate "
        r"|the same )+(.+?)s?$|^no duplicate (.+?)s?$|^(?:each|every) (.+?) (?:must|should) be "
        r"unique$",
        clause,
    )
    if not match:
        return None
    phrase = next(g for g in match.groups() if g)
    names = _names(draft, phrase) or _names(draft, phrase.rstrip("s"))
    if not names:
        return None
    return " ".join(edits.set_unique(draft, n, True) for n in names)


_STRONG_PASSWORD = re.compile(
    r"^(?:require|requires|need|needs|ask for|use|make it)\s+(?:a |an )?(?:strong |secure |long"
    r" |longer )*(password)s?\s+(?:of|with|that has|that is|having)\s+(.+)$"
)
_CHOICES = re.compile(r"^[a-z0-9_]+(?:\s*(?:,|\bor\b|,\s*or\b)\s*[a-z0-9_]+)+$")


def _cased(values: list[Any], original: str) -> list[Any]:
    """Choices as the user wrote them ("S, M, L" stays upper case; the clause is lower case)."""
    out = []
    for value in values:
        found = (
            re.search(rf"(?<![\w-]){re.escape(value)}(?![\w-])", original, re.IGNORECASE)
            if isinstance(value, str)
            else None
        )
        out.append(found.group(0) if found else value)
    return out


def _constrain(draft: Draft, clause: str, _original: str) -> str | None:
    strong = _STRONG_PASSWORD.match(clause)
    if strong is not None:
        rest = strong.group(2)
        if not re.match(r"(?:at least|at most|min|max|between|from|exactly)\b", rest):
            rest = f"at least {rest}"
        clause = f"{strong.group(1)} {rest}"
    # "passwords need at least 12 characters": plural names and "need" read as "must have".
    clause = re.sub(r"^(?:the\s+)?passwords\b", "password", clause)
    # "limit title to 80 characters": at most that long.
    clause = re.sub(
        r"^(?:limit|cap|restrict)\s+(?:the\s+)?(.+?)\s+to\s+(\d+)\s+(characters|chars|letters)$",
        r"\1 at most \2 characters",
        clause,
    )
    # "make the code 6 characters": exactly that long.
    clause = re.sub(
        r"^((?:make|set)\s+(?:the\s+)?.+?)\s+(\d+)\s+(?:characters|chars|letters|digits)"
        r"(?: long)?$",
        r"\1 exactly \2 characters long",
        clause,
    )
    https = re.match(
        r"^(?:only\s+(?:allow|accept)\s+https\s+(.+?)s?|(?:the\s+)?(.+?)s?\s+(?:must|should|has to)"
        r"\s+(?:be|use|start with)\s+https)$",
        clause,
    )
    if https is not None:
        name = resolve(draft, https.group(1) or https.group(2))
        spec = draft.field(name) if name else None
        if name is None or spec is None or spec.format != "uri":
            return None
        return edits.require_https(draft, name)
    clause = re.sub(
        r"\b(?:need|needs|need to|needs to) (?:have |be )?(?=at |between |from )", "", clause
    )
    match = re.match(
        r"^(?:make|change|set|turn)\s+(?:the\s+)?(.+?)(?:\s+field)?\s+(?:to\s+|into\s+)?(?:a "
        r"|an )?"
        rf"({_TYPE_WORDS})$|^(?:the\s+)?(.+?)(?:\s+field)?\s+(?:should|must|has to|needs"
        r" to)\s+be\s+"
        rf"(?:a |an )?({_TYPE_WORDS})$",
        clause,
    )
    if match:
        name = resolve(draft, match.group(1) or match.group(3))
        if name is None:
            _no_such_field(draft, match.group(1) or match.group(3))
            return None
        kind = _TYPES[match.group(2) or match.group(4)]
        old = draft.field(name)
        assert old is not None
        new = FieldSpec(
            name=name,
            type=kind["type"],
            format=kind.get("format"),
            required=old.required,
            unique=old.unique,
        )
        return edits.change_field(draft, name, new)
    match = re.match(
        r"^(?:make\s+|set\s+|limit\s+|restrict\s+|change\s+)?(?:the\s+)?(.+?)(?:\s+field)?\s+"
        r"((?:should|must|can|has to|needs to|to)\s+(?:be\s+|have\s+)?.+|(?:from|between|at"
        r" least|at most|"
        r"up to|max|min|maximum|minimum|one of|either|no more than|less than|more than|under|over|"
        r"exactly|"
        r"positive|non-negative)\b.*)$",
        clause,
    )
    if not match:
        return None
    name = resolve(draft, match.group(1))
    if name is None:
        return None
    old = draft.field(name)
    assert old is not None
    rest = re.sub(
        r"^(?:to\s+)?(?:should|must|can|has to|needs to)?\s*(?:be|have)?\s*", "", match.group(2)
    )
    if _CHOICES.match(rest) and not re.search(r"\d", rest):
        rest = f"one of {rest}"  # "priority should be low, medium or high"
    parsed = parse_item(f"{label(name)} {rest}")
    if parsed is None:
        return None
    if parsed.enum:
        parsed = replace(parsed, enum=_cased(parsed.enum, _original))
    base = replace(old, notes=[])
    changed = False
    for attr in ("minimum", "maximum", "min_length", "max_length", "enum", "pattern"):
        value = getattr(parsed, attr)
        default = getattr(FieldSpec.from_schema(name, _infer_schema(name)), attr)
        if value is not None and value != default:
            setattr(base, attr, value)
            changed = True
    if parsed.enum:
        base = replace(
            base,
            type="string",
            format=None,
            pattern=None,
            min_length=None,
            max_length=None,
            enum=parsed.enum,
        )
        if base.default is not None and base.default not in parsed.enum:
            base.default = None
    if not changed:
        if any(getattr(parsed, a) is not None for a in ("minimum", "maximum", "enum")):
            raise EditRefused(f"{name} is already {old.kind_words()}{old.length_words()}.")
        return None
    return edits.change_field(draft, name, base)


def _infer_schema(name: str) -> dict[str, object]:
    from orchestrix.agents.fields import infer

    return infer(name).schema()


#: Field words whose swapped-letter typos ("phnoe", "adress") are read as them.
_FIELD_WORDS = frozenset(
    {
        "phone",
        "email",
        "address",
        "name",
        "price",
        "title",
        "description",
        "birthday",
        "company",
        "website",
        "username",
        "amount",
        "quantity",
        "category",
        "rating",
        "comment",
        "notes",
        "message",
        "country",
        "city",
        "avatar",
        "status",
        "priority",
        "number",
    }
    | MONEY
    | LINKS
    | LISTS
)


def _field_word(word: str) -> str:
    """ "phnoe" -> "phone": two letters swapped in a field word, unless it is a word itself."""
    if word in _FIELD_WORDS or word in ENGLISH:
        return word
    for i in range(len(word) - 1):
        swapped = f"{word[:i]}{word[i + 1]}{word[i]}{word[i + 2 :]}"
        if swapped in _FIELD_WORDS:
            return swapped
    return word


def _add_field(draft: Draft, clause: str, original: str) -> str | None:
    match = re.match(
        r"^(?:please\s+)?(?:also\s+)?(?:add|include|collect|ask for|accept|store|take|track"
        r"|capture|"
        r"record|plus|with|allow|let (?:users|them|people) (?:give|add|enter|set))\s+(?:a\s+"
        r"|an\s+|the\s+)?"
        r"(?:new\s+)?(?:field\s+(?:called|named)?\s*|fields?\s+)?(.+)$",
        clause,
    )
    if not match:
        return None
    rest = re.sub(
        r"\b(?:fields?|too|as well|also|to it|to the (?:api|form|input))\b", " ", match.group(1)
    )
    rest = re.sub(r"\bcalled\b|\bnamed\b", " ", rest)
    rest = re.sub(r"[a-z]{4,}", lambda m: _field_word(m.group(0)), rest)
    # "age, must be at least 18": the words after the comma say more about the same field.
    rest = re.sub(
        r",\s*(?:which |that |it )?(?=(?:must|should|has to|needs to|from|between|at least|at most"
        r"|one of|up to)\b)",
        " ",
        rest,
    )
    specs = [restore_case(s, original) for s in parse_fields(rest, default_required=False)]
    if re.search(r"\w_\w|\bdefault", original):
        # Names written with underscores and defaults: the model's field reader keeps both.
        specs = _as_written(original) or specs
    if not specs:
        return None
    summaries = []
    for spec in specs:
        if spec.name in draft.properties:
            continue
        summaries.append(edits.add_field(draft, spec))
    return " ".join(summaries) if summaries else None

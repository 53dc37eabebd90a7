"""A prompt read once: its words (typos fixed), the fields it lists and the extras it asks for.

Extras are the parts of a request that are not the core of the graph: a rate limit ("5 per
minute"), an email ("and send a welcome email", "notify me at a@b.co"), a token check ("only
for logged-in users") or a token in the answer ("return a JWT"). The same readers serve chat
mutations ("add a rate limit of 10 per hour").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from orchestrix.agents.field_parser import parse_fields
from orchestrix.agents.fields import FieldSpec
from orchestrix.agents.text import NUMBER, corrected, has_any, normalize, quoted, to_number

EMAIL_ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
URL = re.compile(r"https?://[^\s'\"<>]+")
_WINDOWS = {
    "second": 1,
    "sec": 1,
    "s": 1,
    "minute": 60,
    "min": 60,
    "m": 60,
    "hour": 3600,
    "hr": 3600,
    "h": 3600,
    "day": 86400,
    "d": 86400,
}
_RATE = re.compile(
    rf"\b({NUMBER})\s*(?:requests?|calls?|hits?|times?|attempts?|tries|submissions?|signups?|"
    r"sign ups?|logins?|messages?|posts?|req|reqs)?\s*(?:per client\s*)?"
    rf"(?:(?:per|a|an|every|each|in a|in an|in)\s*({NUMBER})?\s*(seconds?|secs?|minutes?|mins?|"
    rf"hours?|hrs?|days?)|/\s*({NUMBER})?\s*(seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|s|m|h|d))\b"
)
_RATE_WORDS = ("rate limit", "rate limited", "rate limiting", "ratelimit", "throttle", "throttled")
_FIELD_TRIGGER = re.compile(
    r"\b(?:with(?: the)?(?: following)?(?: fields?| properties| attributes| columns)?|having|"
    r"containing|contains|that (?:has|have|takes|accepts|asks for)|"
    r"which (?:has|have|takes|accepts)|has|have|fields?(?: are)?|properties|"
    r"attributes|columns|including|includes|taking|takes|accepting|accepts|asks? for|asking for|"
    r"where (?:users|people|customers|visitors|they|you|guests) "
    r"(?:give|provide|enter|submit|send|choose|pick)s?)\b\s*:?\s*|:\s*"
)
_CLAUSE_END = re.compile(
    r"[.;!?](?:\s|$)|\b(?:and |that |which |then |also |, )*(?:sends?|sending|emails? (?:the|a"
    r"|an|me|us|"
    r"them|him|her|admin|owner|user|customer)|e-?mails? me|returns?|returning|responds?|replies|"
    r"notif(?:y|ies)|rate[- ]?limit\w*|limit(?:ed)? to|throttl\w*|requires?|requiring|protect\w*|"
    r"issues?|gives? back|only for|for logged|authenticat\w*|so that|where it|stored in|store"
    r" it)\b|"
    rf"\b(?:{NUMBER})\s*(?:requests?|calls?|per)\b"
)
EXTRA_WORDS = (
    "welcome",
    "notification",
    "token",
    "jwt",
    "rate",
    "limit",
    "auth",
    "authentication",
    "confirmation",
)


@dataclass
class Extras:
    rate: tuple[int, int] | None = None  # (limit, window seconds)
    rate_assumed: bool = False
    email: str | None = None  # "welcome" | "notify"
    email_to: str | None = None
    auth: bool = False
    token: bool | None = None  # True: return a JWT; False: said not to


@dataclass
class Request:
    original: str
    text: str  # normalized
    words: str  # typo-corrected words joined by spaces
    fields: list[FieldSpec] = field(default_factory=list)
    extras: Extras = field(default_factory=Extras)
    quoted: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)

    def has(self, *phrases: str) -> bool:
        return has_any(self.words, *phrases) or has_any(self.text, *phrases)


def read_request(prompt: str) -> Request:
    text = normalize(prompt)
    req = Request(
        original=prompt,
        text=text,
        words=corrected(prompt),
        quoted=quoted(prompt),
        urls=URL.findall(prompt),
    )
    req.extras = read_extras(text, req.words)
    req.fields = [restore_case(f, prompt) for f in read_fields(text)]
    return req


def restore_case(spec: FieldSpec, original: str) -> FieldSpec:
    """``productid`` back to ``productId`` when the user wrote it so."""
    for word in re.findall(r"\b[a-z]+(?:[A-Z][a-z0-9]*)+\b", original):
        if word.lower() == spec.name.lower() and word != spec.name:
            spec = replace(spec, name=word)
            break
    return spec


_NAMED_THEN_FIELDS = re.compile(
    r"(?:[a-z]+\s+){1,3}?(?=(?:with|having|containing|that (?:has|have))\b)"
)


def _trigger(text: str, pos: int = 0) -> re.Match[str] | None:
    """Where a field list starts; "api: items with name, ..." starts at "with", not at ":"."""
    match = _FIELD_TRIGGER.search(text, pos)
    if match is not None and match.group(0).startswith(":"):
        named = _NAMED_THEN_FIELDS.match(text, match.end())
        if named is not None:
            return _FIELD_TRIGGER.search(text, named.end())
    return match


def field_clause(text: str) -> str | None:
    """The part of a sentence that lists fields, if any."""
    cleaned = URL.sub(" ", EMAIL_ADDRESS.sub(" ", text))
    match = _trigger(cleaned)
    if match is None:
        return None
    rest = cleaned[match.end() :]
    end = _CLAUSE_END.search(rest)
    clause = rest[: end.start()] if end else rest
    return clause.strip() or None


def read_fields(text: str, *, default_required: bool | None = True) -> list[FieldSpec]:
    found: list[FieldSpec] = []
    cleaned = URL.sub(" ", EMAIL_ADDRESS.sub(" ", text))
    pos = 0
    while True:
        match = _trigger(cleaned, pos)
        if match is None:
            break
        rest = cleaned[match.end() :]
        end = _CLAUSE_END.search(rest)
        clause = rest[: end.start()] if end else rest
        pos = match.end() + (end.start() if end else len(rest))
        for spec in parse_fields(clause, default_required=default_required):
            if any(w in spec.words.split() for w in EXTRA_WORDS) or spec.name in {
                "api",
                "endpoint",
                "id",
            }:
                continue
            if all(f.name != spec.name for f in found):
                found.append(spec)
        if pos >= len(cleaned):
            break
    return found


def read_rate(text: str) -> tuple[tuple[int, int] | None, bool]:
    """``(limit, window)`` and whether it was assumed ("rate limit it" with no numbers)."""
    match = _RATE.search(text)
    if match:
        limit = to_number(match.group(1))
        amount = match.group(2) or match.group(4)
        count = to_number(amount) if amount else 1
        word = match.group(3) or match.group(5)
        unit = word if len(word) == 1 else word.rstrip("s")
        window = _WINDOWS.get(unit, 60)
        if limit is not None and count is not None and limit >= 1:
            return (int(limit), int(window * count)), False
    if has_any(text, *_RATE_WORDS) or "rate-limit" in text:
        return (10, 60), True
    return None, False


def read_email(text: str) -> tuple[str | None, str | None]:
    address_match = EMAIL_ADDRESS.search(text)
    address = address_match.group(0) if address_match else None
    mentions = has_any(
        text,
        "email",
        "emails",
        "e-mail",
        "mail",
        "notify",
        "notifies",
        "notification",
        "notifications",
        "alert",
    )
    if not mentions:
        return None, None
    to_owner = address is not None or has_any(
        text,
        "notify me",
        "notify us",
        "email me",
        "email us",
        "mail me",
        "the admin",
        "the owner",
        "an admin",
        "admin",
        "owner",
        "notify",
        "notifies",
        "notification",
        "alert",
        "to me",
        "to us",
    )
    to_user = has_any(text, "welcome", "confirmation", "confirm", "thank you", "thanks")
    if to_user:
        return "welcome", None
    if to_owner:
        return "notify", address
    if re.search(
        r"\bsends? (?:an? |the )?(?:e-?mail|mail)\b|\be-?mails? (?:them|the user)\b", text
    ):
        return "welcome", None
    return None, None


def read_extras(text: str, words: str) -> Extras:
    extras = Extras()
    extras.rate, extras.rate_assumed = read_rate(text)
    extras.email, extras.email_to = read_email(text)
    extras.auth = bool(
        re.search(
            r"\b(?:requires?|requiring|needs?|with|behind|protected by|protect(?:ed)? (?:it "
            r"|them )?"
            r"with) (?:an? |the )?(?:valid )?(?:jwt|token|bearer token|auth|authentication|"
            r"login|logged[- ]in user)\b|\bonly (?:for )?(?:logged[- ]in|signed[- ]in|"
            r"authenticated)\b|\b(?:authenticated|protected|private|secured?) (?:api|endpoint|"
            r"route)\b|\bfor logged[- ]in users\b|\bauth(?:entication)? required\b",
            text,
        )
    )
    if re.search(
        r"\b(?:no|without|don't return|do not return|skip the) (?:a )?(?:jwt|token)\b", text
    ):
        extras.token = False
    elif (
        re.search(
            r"\b(?:returns?|returning|issues?|issuing|gives?|with|and|plus|get) (?:back"
            r" )?(?:an? |the )?"
            r"(?:jwt|token|access token|bearer token|auth token|session token)\b|\blogs?"
            r" (?:them|the user)"
            r" in\b",
            words + " " + text,
        )
        and not extras.auth
    ):
        extras.token = True
    return extras

"""The builder's words in one place: synonyms and aliases, type words, numbers, negation, typo
correction, singular and plural, and the capabilities the tool catalog does not have.

The tables that predate the API model live in :mod:`text` and :mod:`field_parser`; they are
re-exported here so that the patterns import words from one module.
"""

from __future__ import annotations

import difflib
import re
from functools import lru_cache

from orchestrix.agents.field_parser import (
    NAME_ALIASES,
    OPTIONAL_WORDS,
    REQUIRED_WORDS,
    TYPE_WORDS,
    UNIQUE_WORDS,
)
from orchestrix.agents.text import (
    NOT_NOUNS,
    NUMBER,
    correct,
    corrected,
    has_any,
    normalize,
    plural,
    singular,
    to_number,
)

__all__ = [
    "CAPABILITIES",
    "NAME_ALIASES",
    "NEGATION",
    "NOT_NOUNS",
    "NUMBER",
    "OPTIONAL_WORDS",
    "REQUIRED_WORDS",
    "TYPE_WORDS",
    "UNIQUE_WORDS",
    "Capability",
    "correct",
    "correct_name",
    "corrected",
    "field_words",
    "has_any",
    "missing_capabilities",
    "negated",
    "normalize",
    "plural",
    "singular",
    "to_number",
]

#: Words that turn what follows around ("don't", "never", "no", "without").
NEGATION = re.compile(r"\b(?:do not|does not|did not|never|no|not|without|cannot|stop|nothing)\b")


@lru_cache(maxsize=1)
def field_words() -> frozenset[str]:
    """Words field names are made of: the known entities' fields and the name tables."""
    from orchestrix.agents import fields as f
    from orchestrix.agents.entities import KNOWN
    from orchestrix.agents.text import split_camel

    found: set[str] = set()
    for specs in KNOWN.values():
        for spec in specs:
            found.update(split_camel(spec.name))
    for table in (f.MONEY, f.MEASURES, f.COUNTS, f.FLAGS, f.LONG_TEXT, f.LISTS, f.LINKS):
        found.update(table)
    for name in f.SAMPLES:
        found.update(split_camel(name))
    found.update(
        [
            "name",
            "title",
            "price",
            "category",
            "description",
            "quantity",
            "attendees",
            "message",
            "stock",
            "email",
            "password",
            "phone",
            "address",
            "amount",
            "date",
            "rating",
            "comment",
            "author",
            "body",
            "content",
            "status",
            "priority",
            "tags",
            "username",
            "street",
            "city",
            "zip",
            "country",
            "company",
            "subject",
            "type",
            "size",
            "color",
            "genre",
            "year",
            "month",
            "start",
            "end",
            "time",
            "capacity",
            "location",
            "event",
            "order",
            "product",
            "customer",
        ]
    )
    return frozenset(w for w in found if len(w) > 2)


@lru_cache(maxsize=4096)
def correct_name(word: str) -> str:
    """A misspelt field word (``nmae``, ``prcie``, ``titel``) as the word it stands for."""
    known = field_words()
    if len(word) < 4 or word in known or singular(word) in known or not word.isalpha():
        return word
    fixed = correct(word)
    if fixed != word and not fixed.startswith(word):
        return fixed
    for i in range(len(word) - 1):
        swapped = f"{word[:i]}{word[i + 1]}{word[i]}{word[i + 2 :]}"
        if swapped in known:
            return swapped
    match = difflib.get_close_matches(word, known, n=1, cutoff=0.8 if len(word) > 5 else 0.85)
    if match and (match[0].startswith(word) or word.startswith(match[0])):
        return word  # "publish" is not "published", "custom" not "customer"
    return match[0] if match else word


def negated(text: str, start: int, window: int = 24) -> bool:
    """True when a negation word comes shortly before ``start`` in the same clause."""
    before = re.split(r"[.;,!?]|\bbut\b|\band\b", text[max(0, start - window) : start])[-1]
    return NEGATION.search(before) is not None


class Capability:
    """Something people ask for that no tool does, and the nearest thing the builder can make."""

    def __init__(self, name: str, pattern: str, nearest: str) -> None:
        self.name = name
        self.pattern = re.compile(pattern)
        self.nearest = nearest


CAPABILITIES = [
    Capability(
        "file upload",
        r"\b(?:upload\w*|file attachments?|attach(?:es|ing)? (?:a |an )?(?:file|image|photo|pdf)s?|"
        r"multipart|(?:image|photo|video|pdf|avatar|resume|cv) files?)\b",
        "it can store a link (URL) to a file kept elsewhere",
    ),
    Capability(
        "card payment",
        r"\b(?:payments?|pay(?:s|ing)? (?:with|by|for)|charg(?:e|es|ing) (?:the |a |their )?"
        r"(?:card|customer|user)s?|credit cards?|card details|checkout|stripe charge|billing)\b",
        "it can record an order with its amount, or receive a payment provider's webhook",
    ),
    Capability(
        "websocket or real-time push",
        r"\b(?:websockets?|web sockets?|real[- ]?time|live (?:chat|updates|feed)|socket\.io|"
        r"server[- ]sent events|sse|push notifications?|streaming)\b",
        "it can store chat messages and list them when asked (polling)",
    ),
    Capability(
        "scheduled job",
        r"\b(?:cron|schedul(?:e|ed|es|ing)(?! (?:an?|the) (?:appointment|meeting|call))|"
        r"every (?:day|night|morning|hour|week|monday|month)(?: at)?|daily at|nightly|"
        r"at \d{1,2}(?::\d\d)? ?(?:am|pm)|recurring job|background job|reminders? (?:at|every|"
        r"before))\b",
        "it can store the task and its time; something outside must call the API when it is due",
    ),
    Capability(
        "SMS or text message",
        r"\b(?:sms|text messages?|texts? (?:me|them|the user|the customer)|twilio|whatsapp)\b",
        "it can send an email instead",
    ),
    Capability(
        "file export",
        r"\b(?:export(?:s|ing)? (?:to |as )?(?:csv|excel|pdf)|generate (?:a |an )?(?:pdf|csv|"
        r"invoice pdf)|pdf)\b",
        "it can answer the records as JSON",
    ),
    Capability(
        "full-text search",
        r"\b(?:full[- ]text search|fuzzy search|search (?:engine|by keyword)|elasticsearch)\b",
        "it can filter by a field's exact value",
    ),
    Capability(
        "machine learning",
        r"\b(?:machine learning|ml model|predict\w*|recommendations?|sentiment|classif(?:y|ies)|"
        r"translat(?:e|es|ion)|summari[sz]e|ai model|chatbot|gpt)\b",
        "it can store the data and call an outside service that does it",
    ),
    Capability(
        "two-factor authentication",
        r"\b(?:2fa|two[- ]factor|mfa|multi[- ]factor|otp|one[- ]time (?:code|password))\b",
        "it can build an email and password login that answers a JWT",
    ),
    Capability(
        "image processing",
        r"\b(?:resiz\w+|thumbnails?|crop\w*|compress\w*) (?:the |an? )?(?:images?|photos?|"
        r"pictures?)\b",
        "it can store a link to the image",
    ),
]


def missing_capabilities(text: str) -> list[tuple[Capability, str]]:
    """Each capability the words ask for that no tool has, with the words that asked."""
    found: list[tuple[Capability, str]] = []
    for capability in CAPABILITIES:
        match = capability.pattern.search(text)
        if match is not None and not negated(text, match.start()):
            found.append((capability, match.group(0)))
    return found

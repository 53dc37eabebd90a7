"""Chat changes said the long way, read as the command they mean, before the edit handlers see
them: "no need for a phone field anymore" is "remove the phone field", "category shouldn't be
mandatory" is "make category optional", "change price to an integer" sets a type (it does not
rename price to "integer"), and "we don't need the body anymore, remove it" removes the body.
"""

from __future__ import annotations

import re

#: Type words a field can be changed to, as the field parser reads them.
TYPES = (
    r"integer|int|whole number|number|decimal|float|string|text|boolean|bool|date|datetime|"
    r"date-time|timestamp|list of strings|array of strings|list|array|email|url"
)
_TO_TYPE = re.compile(
    rf"^(?:please\s+)?(?:change|make|set|turn|convert)\s+(?:the\s+)?([\w ]+?)(?:\s+field)?\s+"
    rf"(?:to|into|as|be)?\s*(?:an?\s+)?({TYPES})\b(?:,.*)?$"
)
_SHOULD_BE_TYPE = re.compile(
    rf"^(?:the\s+)?([\w ]+?)\s+should\s+be\s+(?:an?\s+)?({TYPES})\b(?:,?\s*not\b.*)?$"
)
_NO_NEED = re.compile(
    r"^(?:we\s+)?(?:(?:do not|don't|dont)\s+need|no need for|no longer need|drop|get rid of)\s+"
    r"(?:the\s+|a\s+|an\s+)?([\w ]+?)(?:\s+field)?(?:\s+any ?more)?(?:,.*)?$"
)
_NOT_REQUIRED = re.compile(
    r"^(?:the\s+)?([\w ]+?)\s+(?:should not|shouldn't|does not need to|doesn't need to|need not|"
    r"must not|mustn't)\s+be\s+(?:mandatory|required|compulsory)\b.*$"
)


def rephrase(message: str, fields: list[str]) -> str:
    """The message as a plain command when it is one of the long ways of saying one."""
    text = message.strip().rstrip(".!")
    low = text.lower()
    named = [f for f in fields if re.search(rf"\b{re.escape(f.lower())}\b", low)]
    if re.search(r"\bremove it\b|\bdelete it\b|\bdrop it\b", low) and len(named) == 1:
        return f"remove the {named[0]} field"
    for pattern in (_TO_TYPE, _SHOULD_BE_TYPE):
        match = pattern.match(low)
        if match and _field(match.group(1), fields):
            kind = match.group(2)
            return f"make {_field(match.group(1), fields)} {_article(kind)}{kind}"
    match = _NO_NEED.match(low)
    if match and _field(match.group(1), fields):
        return f"remove the {_field(match.group(1), fields)} field"
    match = _NOT_REQUIRED.match(low)
    if match and _field(match.group(1), fields):
        return f"make {_field(match.group(1), fields)} optional"
    return message


def type_change(message: str) -> tuple[str, str] | None:
    """``("price", "integer")`` for "make price an integer"."""
    match = re.match(rf"^make (\S+) (?:an? )?({TYPES})$", message.strip().lower())
    return (match.group(1), match.group(2)) if match else None


def _field(phrase: str, fields: list[str]) -> str | None:
    words = phrase.strip().lower()
    squashed = words.replace(" ", "").replace("_", "")
    for name in fields:
        if name.lower() == words or name.lower().replace("_", "") == squashed:
            return name
    return None


def _article(kind: str) -> str:
    if kind.startswith(("list", "array")):
        return "a "
    return "an " if kind[0] in "aeiou" else "a "

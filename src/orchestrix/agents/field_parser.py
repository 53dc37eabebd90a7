"""Reading fields out of a sentence: "a product with name, price (number) and a unique sku".

A clause is split into items on commas and "and", after ranges ("from 1 to 5", "between 1
and 5") and choices ("one of low, medium or high") are set aside so their commas and "and"s do
not split them. Each item becomes a :class:`FieldSpec`: its name from the remaining words, its
type from the name or explicit words ("as a number", "(date)"), its constraints from phrases.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from orchestrix.agents.fields import FieldSpec, infer
from orchestrix.agents.text import NUMBER, camel, to_number

#: Several words that name one well-known field.
NAME_ALIASES = {
    "email address": "email",
    "e mail": "email",
    "e-mail": "email",
    "mail address": "email",
    "phone number": "phone",
    "mobile number": "phone",
    "mobile phone": "phone",
    "telephone number": "phone",
    "telephone": "phone",
    "cell phone": "phone",
    "date of birth": "birthDate",
    "dob": "birthDate",
    "birthday": "birthDate",
    "zip code": "zip",
    "postal code": "postcode",
    "number of guests": "guests",
    "guest count": "guests",
    "number of people": "partySize",
    "party size": "partySize",
    "pw": "password",
    "pass": "password",
    "passwd": "password",
    "pwd": "password",
    "user name": "username",
    "display name": "displayName",
    "full name": "fullName",
    "first name": "firstName",
    "last name": "lastName",
    "surname": "lastName",
    "web site": "website",
    "home page": "homepage",
    "due": "dueDate",
    "deadline date": "deadline",
    "created date": "createdDate",
    "body text": "body",
    "stock count": "stock",
    "rsvp": "attending",
}
ARTICLES = {
    "a",
    "an",
    "the",
    "their",
    "his",
    "her",
    "its",
    "my",
    "our",
    "your",
    "some",
    "any",
    "new",
    "each",
    "also",
    "plus",
    "then",
    "just",
    "called",
    "named",
    "only",
}
FILLER = {
    "field",
    "fields",
    "column",
    "columns",
    "property",
    "attribute",
    "value",
    "input",
    "param",
}
REQUIRED_WORDS = ("required", "mandatory", "compulsory", "needed", "must have", "not optional")
OPTIONAL_WORDS = ("optional", "optionally", "not required", "if any", "nullable", "maybe")
UNIQUE_WORDS = ("unique", "distinct", "no duplicates", "no duplicate", "must be unique")
TYPE_WORDS: dict[str, dict[str, Any]] = {
    "number": {"type": "number"},
    "numeric": {"type": "number"},
    "decimal": {"type": "number"},
    "float": {"type": "number"},
    "integer": {"type": "integer"},
    "int": {"type": "integer"},
    "whole number": {"type": "integer"},
    "count": {"type": "integer"},
    "boolean": {"type": "boolean"},
    "bool": {"type": "boolean"},
    "flag": {"type": "boolean"},
    "checkbox": {"type": "boolean"},
    "true/false": {"type": "boolean"},
    "yes/no": {"type": "boolean"},
    "date": {"type": "string", "format": "date"},
    "datetime": {"type": "string", "format": "date-time"},
    "timestamp": {"type": "string", "format": "date-time"},
    "email": {"type": "string", "format": "email"},
    "url": {"type": "string", "format": "uri"},
    "link": {"type": "string", "format": "uri"},
    "text": {"type": "string"},
    "string": {"type": "string"},
    "list": {"type": "array"},
    "array": {"type": "array"},
}
_CHOICE_START = re.compile(r"\b(?:(?:must|should|can) be |is |as )?(?:one of|either|any of)\b:?")
_RANGE = re.compile(
    rf"\b(?:from|between)\s+({NUMBER})\s*(?:to|and|-)\s*({NUMBER})\b|\b({NUMBER})\s*(?:-|to)\s*({NUMBER})\b"
)
_AT_LEAST = re.compile(
    rf"\b(?:at least|minimum(?: of)?|min(?:imum)?|no less than|not less than|>=)\s*({NUMBER})"
)
_AT_MOST = re.compile(
    rf"\b(?:at most|maximum(?: of)?|max(?:imum)?|up to|no more than|not more than|<=)\s*({NUMBER})"
)
_LESS = re.compile(rf"\b(?:less than|under|below|<)\s*({NUMBER})")
_MORE = re.compile(rf"\b(?:more than|greater than|over|above|>)\s*({NUMBER})")
_EXACT_LEN = re.compile(
    rf"\b(?:exactly\s*)?({NUMBER})\s*(?:characters|chars|letters|digits) long\b"
)
_LENGTH_UNITS = re.compile(r"\b(?:characters?|chars?|letters?|digits?|long)\b")
_DEFAULT = re.compile(r"\b(?:defaults? to|by default|default(?: value)?(?: of| is)?)\s+([\w.-]+)")


def split_items(clause: str) -> list[str]:
    """Split a field list on commas and "and", keeping ranges and choices whole."""
    protected = _protect_choices(clause)
    protected = re.sub(
        rf"\bbetween\s+({NUMBER})\s+and\s+({NUMBER})", r"between \1 to \2", protected
    )
    protected = _protect_parentheses(protected)
    parts = re.split(r"\s*(?:,|;|&|\+|\band\b|\bplus\b|\bas well as\b)\s*", protected)
    items = [p.replace("|", ", ").replace("~", ",").strip(" .:") for p in parts]
    return [i for i in items if i]


def _protect_parentheses(text: str) -> str:
    def keep(match: re.Match[str]) -> str:
        return "(" + match.group(1).replace(",", "~").replace(" and ", " ~ ") + ")"

    return re.sub(r"\(([^)]*)\)", keep, text)


def _protect_choices(text: str) -> str:
    """``one of low, medium or high and a title`` -> ``one of low|medium|high and a title``."""
    out = []
    pos = 0
    for match in _CHOICE_START.finditer(text):
        if match.start() < pos:
            continue
        out.append(text[pos : match.end()])
        values, end = _read_choices(text, match.end())
        if len(values) >= 2:
            out.append(" " + "|".join(values))
            pos = end
        else:
            pos = match.end()
    out.append(text[pos:])
    return "".join(out)


def _read_choices(text: str, start: int) -> tuple[list[str], int]:
    tokens = list(re.finditer(r"[\w'-]+|[,/]", text[start:]))
    values: list[str] = []
    end = start
    expect_value = True
    i = 0
    while i < len(tokens):
        tok = tokens[i].group(0)
        if tok in {",", "/", "or", "and"}:
            expect_value = True
            i += 1
            continue
        if not expect_value or tok in ARTICLES:
            break
        following = tokens[i + 1].group(0) if i + 1 < len(tokens) else None
        if values and following is not None and following not in {",", "/", "or", "and"}:
            break  # a word followed by a word: a new item starts here
        values.append(tok.strip("'"))
        end = start + tokens[i].end()
        expect_value = False
        i += 1
    return values, end


def parse_item(item: str, *, default_required: bool | None = None) -> FieldSpec | None:
    """One item ("an optional due date", "rating from 1 to 5") as a field, or None."""
    text = f" {item.strip().lower()} "
    explicit: dict[str, Any] = {}
    required: bool | None = None
    unique = False
    enum: list[Any] | None = None
    default: Any = None

    paren = " ".join(re.findall(r"\(([^)]*)\)", text)).replace("~", ",")
    text = re.sub(r"\([^)]*\)", " ", text)
    modifiers = f" {paren} "

    choice = _CHOICE_START.search(text)
    if choice:
        raw = text[choice.end() :]
        enum = [v for v in re.split(r"[\s,|/]+|\bor\b|\band\b", raw) if v and v not in ARTICLES]
        text = text[: choice.start()]
    choice_in_paren = _CHOICE_START.search(modifiers)
    if choice_in_paren and enum is None:
        raw = modifiers[choice_in_paren.end() :]
        enum = [v for v in re.split(r"[\s,|/]+|\bor\b|\band\b", raw) if v and v not in ARTICLES]

    scan = text + modifiers
    if any(f" {w} " in scan or f" {w}," in scan for w in OPTIONAL_WORDS):
        required = False
    elif any(f" {w} " in scan or f" {w}," in scan for w in REQUIRED_WORDS):
        required = True
    if any(f" {w} " in scan or f" {w}," in scan for w in UNIQUE_WORDS):
        unique = True
    dmatch = _DEFAULT.search(scan)
    if dmatch:
        default = _value(dmatch.group(1))

    numbers = _constraints(scan)
    text = _DEFAULT.sub(" ", text)
    text = _strip_constraints(text, units=bool(numbers))

    for phrase in (*REQUIRED_WORDS, *OPTIONAL_WORDS, *UNIQUE_WORDS, "must be", "should be"):
        text = re.sub(rf"\b{re.escape(phrase)}\b", " ", text)
    text = re.sub(r"\b(?:is|are|be|it|that|which|each|per|can|must|should|will)\b", " ", text)
    text = re.sub(r"[^a-z0-9/ '-]", " ", text)

    text, type_from_words = _explicit_type(text, modifiers)
    explicit.update(type_from_words)
    name_words = [w for w in text.split() if w not in ARTICLES and w not in FILLER]
    name_words = [w[:-2] if w.endswith("'s") else w for w in name_words]
    if not name_words or len(name_words) > 4:
        return None
    while name_words and name_words[-1] in {"of", "with", "in", "for", "to", "flag", "checkbox"}:
        if name_words[-1] in {"flag", "checkbox"}:
            explicit.setdefault("type", "boolean")
        name_words = name_words[:-1]
    if not name_words:
        return None
    phrase = " ".join(name_words)
    phrase = re.sub(r"^(?:list|array|set) of ", "", phrase)
    for alias, short in NAME_ALIASES.items():
        if phrase != alias and phrase.endswith(" " + alias) and " " in alias:
            phrase = phrase[: -len(alias)] + short
            break
    if phrase.startswith("number of ") and phrase not in NAME_ALIASES:
        phrase = phrase[len("number of ") :]
        explicit.setdefault("type", "integer")
    name = NAME_ALIASES.get(phrase) or camel(re.split(r"[\s/-]+", phrase))
    if not name or not re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", name):
        return None
    spec = infer(name, name_words)
    if explicit:
        spec = _apply_type(spec, explicit)
    if enum:
        spec = replace(
            spec,
            type="string",
            enum=enum,
            format=None,
            pattern=None,
            min_length=None,
            max_length=None,
        )
        if default is None and required is None:
            default = None
    spec = _apply_numbers(spec, numbers)
    if default is not None:
        spec = replace(spec, default=_coerce(default, spec))
    if unique:
        spec = replace(spec, unique=True, required=True)
    if required is not None:
        spec = replace(spec, required=required or unique)
    elif default_required is not None and not spec.unique:
        spec = replace(spec, required=default_required)
    if spec.type == "boolean" and required is None:
        spec = replace(
            spec, required=False, default=False if spec.default is None else spec.default
        )
    if spec.default is not None and required is None:
        spec = replace(spec, required=False)
    return spec


def _value(token: str) -> Any:
    number = to_number(token)
    if number is not None:
        return number
    if token in {"true", "yes"}:
        return True
    if token in {"false", "no"}:
        return False
    return token


def _coerce(value: Any, spec: FieldSpec) -> Any:
    if spec.type == "boolean":
        return value is True or value in {"true", "yes"} or value == 1
    if spec.type in {"integer", "number"} and isinstance(value, int | float):
        return int(value) if spec.type == "integer" else value
    return str(value) if spec.type == "string" else value


def _explicit_type(text: str, modifiers: str) -> tuple[str, dict[str, Any]]:
    """Type words said on purpose: "(number)", "as a date", "of type integer", "boolean flag"."""
    found: dict[str, Any] = {}
    for word, kind in sorted(TYPE_WORDS.items(), key=lambda kv: -len(kv[0])):
        if f" {word} " in modifiers or f" {word}," in modifiers:
            found = kind
            break
    pattern = (
        r"\b(?:as|of type|type|typed as|in)\s+(?:a |an )?("
        + "|".join(re.escape(w) for w in sorted(TYPE_WORDS, key=len, reverse=True))
        + r")\b"
    )
    match = re.search(pattern, text)
    if match:
        found = found or TYPE_WORDS[match.group(1)]
        text = text[: match.start()] + " " + text[match.end() :]
    words = text.split()
    leading = [w for w in words if w not in ARTICLES]
    if (
        not found
        and len(leading) >= 2
        and leading[0] in {"boolean", "numeric", "integer", "decimal", "text", "string", "date"}
    ):
        found = TYPE_WORDS[leading[0]]
        text = " ".join(w for w in words if w != leading[0])
    trailing = leading[-1] if leading else ""
    if not found and len(leading) >= 2 and trailing in {"flag", "checkbox", "list", "array"}:
        found = TYPE_WORDS[trailing]
        text = " ".join(words[:-1])
    return text, found


def _apply_type(spec: FieldSpec, kind: dict[str, Any]) -> FieldSpec:
    new_type = kind.get("type", spec.type)
    new_format = kind.get("format")
    if new_type == spec.type and (new_format is None or new_format == spec.format):
        return spec
    return FieldSpec(
        name=spec.name,
        type=new_type,
        format=new_format,
        minimum=spec.minimum if new_type in {"integer", "number"} else None,
        maximum=spec.maximum if new_type in {"integer", "number"} else None,
        secret=spec.secret,
        min_length=spec.min_length if new_type == "string" and not new_format else None,
        max_length=spec.max_length if new_type == "string" and not new_format else None,
    )


def _constraints(text: str) -> dict[str, Any]:
    found: dict[str, Any] = {}
    is_length = bool(_LENGTH_UNITS.search(text))
    match = _RANGE.search(text)
    if match:
        low = to_number(match.group(1) or match.group(3))
        high = to_number(match.group(2) or match.group(4))
        if low is not None and high is not None:
            found["low"], found["high"] = min(low, high), max(low, high)
    exact = _EXACT_LEN.search(text)
    if exact and "at least" not in text and "at most" not in text:
        n = to_number(exact.group(1))
        found["low"] = found["high"] = n
    for regex, key, shift in (
        (_AT_LEAST, "low", 0),
        (_AT_MOST, "high", 0),
        (_LESS, "high", -1),
        (_MORE, "low", 1),
    ):
        m = regex.search(text)
        if m and key not in found:
            n = to_number(m.group(1))
            if n is not None:
                found[key] = n + shift if isinstance(n, int) else n
    if re.search(r"\bnon-?negative\b|\bzero or more\b", text):
        found.setdefault("low", 0)
    elif re.search(r"\bpositive\b", text):
        found.setdefault("low", 0)
        found.setdefault("positive", True)
    if found:
        found["length"] = is_length
    return found


def _strip_constraints(text: str, *, units: bool) -> str:
    for regex in (_RANGE, _EXACT_LEN, _AT_LEAST, _AT_MOST, _LESS, _MORE):
        text = regex.sub(" ", text)
    text = re.sub(r"\bnon-?negative\b|\bzero or more\b|\bpositive\b", " ", text)
    return _LENGTH_UNITS.sub(" ", text) if units else text


def _apply_numbers(spec: FieldSpec, numbers: dict[str, Any]) -> FieldSpec:
    if not numbers:
        return spec
    low, high = numbers.get("low"), numbers.get("high")
    if spec.type == "string" and not spec.enum and (numbers.get("length") or spec.format is None):
        return replace(
            spec,
            min_length=int(low) if low is not None else spec.min_length,
            max_length=int(high) if high is not None else spec.max_length,
        )
    if spec.type in {"integer", "number"}:
        if spec.type == "integer":
            low = int(low) if low is not None else None
            high = int(high) if high is not None else None
        if numbers.get("positive") and low == 0:
            low = 1 if spec.type == "integer" else 0
        return replace(
            spec,
            minimum=low if low is not None else spec.minimum,
            maximum=high if high is not None else spec.maximum,
        )
    if spec.type == "array":
        return spec
    return spec


def parse_fields(clause: str, *, default_required: bool | None = None) -> list[FieldSpec]:
    """Every field of a clause, in order, without repeats."""
    found: list[FieldSpec] = []
    for item in split_items(clause):
        spec = parse_item(item, default_required=default_required)
        if spec is not None and all(f.name != spec.name for f in found):
            found.append(spec)
    return found

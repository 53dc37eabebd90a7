"""Fields out of the words, as written: ``customer_id`` stays ``customer_id``, ``S/M/L`` keeps
its case, and a phrase that is not a noun ("which is optional", "a thank you") is no field.

A request lists fields in many shapes: after a trigger ("with", "fields:", "-", "has"), as
bullets or a table row, as a JSON-ish body, in sentences ("the password should be at least 10
characters"). Each item is split into a name (the leading noun words) and modifiers (type
words, ranges, choices, defaults, required/optional/unique); statements elsewhere in the text
about a field already found then refine it.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from orchestrix.agents.field_parser import NAME_ALIASES
from orchestrix.agents.fields import FieldSpec, infer
from orchestrix.agents.lexicon import correct_name
from orchestrix.agents.text import camel, to_number

_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "`": "'"})
NUM = r"-?\d+(?:\.\d+)?"

#: Words that start the list of fields.
_TRIGGER = re.compile(
    r"(?<!reply )(?<!respond )(?<!answer )(?<!return )(?<!back )\b(?:with(?: the)?(?: following)?"
    r"(?: fields?| properties| attributes| columns| params?| parameters)?|fields?(?: are)?|"
    r"properties|having|containing|contains?|that (?:has|have|takes|accepts)|(?:each|a|an|the) "
    r"[a-z]+ (?:has|have)|(?<!we )(?<!i )(?<!they )(?<!you )(?<!to )(?:has|have)(?! to\b)|takes|"
    r"accepts|there(?: is|'s| are) |sends?(?= [a-z_]+(?:,| and ))|"
    r"(?:people|users?|visitors|customers|they|we|"
    r"he|she|someone|the client|the caller) (?:give|gives|send|sends|post|posts|provide|provides|"
    r"enter|enters|fill in|fills in|write|writes|submit|submits)(?: us)?(?: their| his| her| the)?|"
    r"body looks like|body is|input is|inputs?|params?|needs|asks? for|including|includes)\b\s*:?|"
    r":\s|\s[-\u2014\u2013]\s|/ fields?:?|\bfor a post:"
)
#: Where a list of fields ends.
_END = re.compile(
    r"[.!?](?:\s|$)|;(?!\s*[\w' -]{1,40}:)(?:\s|$)|\n\n|"
    r"\b(?:and |then |, )*(?:send|sends|sending|reply|replies|respond|responds|"
    r"return|returns|returning|give back|gives back|answer|answers|email it|e-?mail (?:the|it|them|"
    r"our|us|me)|mail it|notify|store it|save it|we check|we store|we save|if |when |where |"
    r"unless|otherwise|else|never|do not|don't|limit|rate|max \d+ (?:per|calls|requests|attempts)|"
    r"only |sorted|sort |order by|filter|paginat|\d+ (?:per|requests|calls)|logged in|via |"
    r"that (?:emails|sends|notifies)|which (?:emails|sends)|thanks)"
)
_NOT_NAME = set(  # noqa: C405
    [
        "we",
        "us",
        "our",
        "i",
        "me",
        "my",
        "you",
        "your",
        "they",
        "them",
        "their",
        "he",
        "she",
        "his",
        "her",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "who",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "am",
        "do",
        "does",
        "did",
        "have",
        "has",
        "had",
        "should",
        "must",
        "can",
        "could",
        "would",
        "will",
        "shall",
        "may",
        "might",
        "need",
        "needs",
        "want",
        "wants",
        "like",
        "send",
        "sends",
        "sent",
        "get",
        "gets",
        "return",
        "returns",
        "check",
        "checks",
        "store",
        "stores",
        "save",
        "saves",
        "give",
        "gives",
        "make",
        "makes",
        "create",
        "creates",
        "add",
        "adds",
        "reply",
        "respond",
        "answer",
        "if",
        "when",
        "then",
        "else",
        "otherwise",
        "so",
        "but",
        "because",
        "lol",
        "please",
        "thanks",
        "thank",
        "hi",
        "hey",
        "ok",
        "okay",
        "obviously",
        "just",
        "also",
        "already",
        "never",
        "not",
        "no",
        "yes",
        "right",
        "away",
        "last",
        "time",
        "nice",
        "whole",
        "thing",
        "things",
        "stuff",
        "everything",
        "nothing",
        "something",
        "anything",
        "logged",
        "api",
        "endpoint",
        "endpoints",
        "service",
        "token",
        "jwt",
        "jwts",
        "header",
        "headers",
        "bearer",
        "authorization",
        "welcome",
        "request",
        "requests",
        "response",
        "responses",
        "error",
        "errors",
        "401",
        "403",
        "404",
        "409",
        "429",
        "400",
        "200",
        "201",
        "per",
        "minute",
        "hour",
        "day",
        "second",
        "seconds",
        "minutes",
        "hours",
        "days",
        "calls",
        "attempts",
        "times",
        "tries",
        "back",
        "exist",
        "exists",
        "both",
        "read",
        "look",
        "find",
        "fetch",
        "use",
        "write",
        "writes",
        "go",
        "over",
        "hammering",
        "left",
        "what",
        "who",
        "whom",
        "whose",
        "whether",
        "bots",
        "spam",
        "duplicates",
        "lol",
    ]
)
#: Verbs that open an item with its subject ("the people write name", "user give email").
_ITEM_VERBS = {
    "give", "gives", "send", "sends", "write", "writes", "enter", "enters", "provide",
    "provides", "post", "posts", "submit", "submits", "fill", "fills", "put", "puts", "choose",
    "chooses", "pick", "picks", "type", "types",
}  # fmt: skip
_ARTICLES = {
    "a", "an", "the", "their", "his", "her", "its", "my", "our", "your", "some", "any",
    "each", "also", "plus", "then", "and", "or", "new", "optionally", "optional", "just",
    "only", "called", "named", "field", "fields", "of", "as", "well",
}  # fmt: skip
_TYPE_WORDS: list[tuple[str, dict[str, Any]]] = [
    (
        r"(?:list|array|set) of (?:strings?|texts?|words)|\[\s*['\"]?string['\"]?\s*\]|"
        r"strings? (?:list|array)|\[\]",
        {"type": "array", "items": "string"},
    ),
    (r"(?:list|array) of (?:integers?|ints?|whole numbers)", {"type": "array", "items": "integer"}),
    (r"(?:list|array) of numbers?", {"type": "array", "items": "number"}),
    (r"(?:list|array)", {"type": "array", "items": "string"}),
    (
        r"not (?:an? )?(?:integer|int|whole number)|can have cents|decimals?|float|double "
        r"precision|money",
        {"type": "number"},
    ),
    (r"integers?|int|whole numbers?|number entire|entire|integr|intger", {"type": "integer"}),
    (r"numbers?|numeric|numbr|num", {"type": "number"}),
    (r"booleans?|bool|true ?/ ?false|yes ?/ ?no|flag|checkbox", {"type": "boolean"}),
    (r"date[- ]?times?|timestamps?|iso ?8601", {"type": "string", "format": "date-time"}),
    (r"(?:real |valid |a )?dates?", {"type": "string", "format": "date"}),
    (r"e-?mail(?: format| address)?", {"type": "string", "format": "email"}),
    (r"ur[li]s?|links?", {"type": "string", "format": "uri"}),
    (r"strings?|text|str|varchar", {"type": "string"}),
    (r"objects?|json", {"type": "object"}),
]
_TYPE_RES = [(re.compile(rf"(?<![\w-])(?:{p})(?![\w-])"), k) for p, k in _TYPE_WORDS]
_OPTIONAL = re.compile(
    r"\b(?:optional(?:ly)?|not required|if any|nullable|can be (?:empty|blank|null|left out|"
    r"omitted)|may be (?:empty|blank|missing)|not mandatory|not needed|if they want)\b"
)
_REQUIRED = re.compile(r"\b(?:required|mandatory|compulsory|must be (?:given|sent|present))\b|\*")
_UNIQUE = re.compile(
    r"\b(?:unique|distinct|no duplicates?|cannot repeat|can't repeat|not repeat|must not repeat"
    r"|one per|only once)\b"
)
_DEFAULT = re.compile(
    r"\b(?:defaults? (?:to |is |=|:)?|defaulting to |by default(?: is)? |default(?: value)?"
    r"(?: of| is|:|=)? ?)\s*['\"]?([\w.@-]+)['\"]?"
)
_LEN_UNITS = re.compile(r"\b(?:characters?|chars?|caracters?|letters?|digits?|long|length)\b")
_RANGE = re.compile(
    rf"(?:\bfrom |\bbetween )?({NUM})\s*(?:-|\u2013|\.\.|to|and)\s*({NUM})(?!\s*(?:am|pm|:))"
)
_MIN = re.compile(
    rf"(?:\bat least|\bmin(?:imum)?(?: of| is| length)?|\bno less than|>=|≥|\bor more than)"
    rf"\s*({NUM})|\b({NUM}) or more\b|\bmore than ({NUM}) or equal\b"
)
_MAX = re.compile(
    rf"(?:\bat most|\bmax(?:imum)?(?: of| is| length)?|\bup to|\bno more than|<=|≤|\bunder"
    rf"|\bless than|\bbelow|\bkeep (?:it|the \w+) under|\bbelow)\s*({NUM})|\b({NUM}) or less\b|"
    rf"\b({NUM}) max\b"
)
_GT = re.compile(rf"(?:(?<![<>=])>(?!=)|\bgreater than|\bmore than|\babove|\bover)\s*({NUM})")
_LT = re.compile(rf"(?:(?<![<>=])<(?!=))\s*({NUM})")
_CHOICE = re.compile(
    r"\b(?:one of|one between|either|any of|must be one of|is one of|can be|values?:?|allowed:?)"
    r"\s*:?\s*([\w' -]+(?:\s*(?:,|/|\||\bor\b|\band\b)\s*[\w'-]+)+)"
)
_SLASHED = re.compile(r"(?<![\w/])([\w'-]+(?:\s*/\s*[\w'-]+)+)(?![\w/])")
_PIPED = re.compile(r"(?<![\w|])([\w'-]+(?:\s*\|\s*[\w'-]+)+)")


def _spans_removed(text: str, spans: list[tuple[int, int]]) -> str:
    out = list(text)
    for start, end in spans:
        for i in range(start, end):
            out[i] = " "
    return "".join(out)


# --- the lists ------------------------------------------------------------------------------


def find_fields(original: str) -> list[FieldSpec]:
    """Every field the words list, in order, each once; statements about them applied."""
    text = original.translate(_QUOTES)
    text = re.sub(
        r"https?://\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+", lambda m: " " * len(m.group(0)), text
    )
    items: list[str] = []
    body = re.search(r"\{([^{}]*)\}", text)
    if body and ":" in body.group(1):
        items.extend(_body_items(body.group(1)))
        text = text[: body.start()] + " " * (body.end() - body.start()) + text[body.end() :]
    bullets = re.findall(r"(?m)^\s*(?:[-*•]|\d+[.)])\s+(.+)$", text)
    if len(bullets) >= 2:
        items.extend(bullets)
    elif "|" in text and text.count("|") >= 2 and "\n" in text:
        for line in text.splitlines():
            if line.count("|") >= 2:
                items.extend(_split(line.replace("|", ",")))
    else:
        items.extend(_clause_items(text))
    items.extend(_paren_lists(text, items))
    found: list[FieldSpec] = []
    starred = any(re.search(r"\w\*", i) for i in items)
    for item in items:
        spec = parse_item(item, starred=starred)
        if spec is None:
            if found and _only_modifiers(item):
                # "quantity: integer, min 1, max 10", "the phone, which is optional"
                found[-1] = _refined(found[-1], item)
            continue
        if all(f.name != spec.name for f in found):
            found.append(spec)
    return refine(found, original.translate(_QUOTES))


_ENUMISH = {
    "low", "medium", "high", "critical", "normal", "urgent", "admin", "editor", "viewer",
    "member", "pending", "shipped", "delivered", "open", "closed", "yes", "no", "true", "false",
    "small", "large", "draft", "published", "active", "inactive", "dog", "cat", "rabbit",
}  # fmt: skip


def _paren_lists(text: str, taken: list[str]) -> list[str]:
    """ "a bookmark (url, title)", "their own posts (postId, title, body)": a list in
    parentheses after the thing, not the choices of a field."""
    from orchestrix.agents.lexicon import field_words

    found: list[str] = []
    joined = " ".join(taken)
    for match in re.finditer(r"([A-Za-z_]+)\s*\(([^()]*)\)", text):
        before, inner = match.group(1), match.group(2)
        if inner in joined:
            continue
        parts = [p.strip() for p in re.split(r",|\band\b|\+", inner) if p.strip()]
        if not parts or (len(parts) == 1 and not re.search(r"_|[a-z][A-Z]", parts[0])):
            continue
        names = [_name_and_rest(p)[0] for p in parts]
        if any(n is None for n in names[:1]):
            continue
        if before.lower() in field_words() and before.lower() not in {"order", "event", "product"}:
            continue
        if all(p.lower() in _ENUMISH for p in parts):
            continue
        found.extend(parts)
    return found


def _only_modifiers(item: str) -> bool:
    low = item.lower().strip()
    if len(low.split()) > 8:
        return False
    return bool(
        re.match(
            r"^(?:which|that|it|and)?\s*(?:is|are|must|should|can|has to|needs to|"
            r"optional|required|unique|min|max|minimum|maximum|at least|at most|up to|"
            r"default|defaults|between|from|>=|<=|>|<|\d)",
            low,
        )
    )


def _body_items(body: str) -> list[str]:
    """``"sku": "string, unique", "tags": ["string"]`` -> ``sku (string, unique)``, ..."""
    items = []
    for match in re.finditer(
        r"['\"]?([A-Za-z_][\w]*)['\"]?\s*:\s*(\[[^\]]*\]|\"[^\"]*\"|'[^']*'|[^,(]*\([^)]*\)[^,]*|[^,]+)",
        body,
    ):
        value = match.group(2).strip().strip("'\"")
        items.append(f"{match.group(1)} ({value})")
    return items


def _clause_items(text: str) -> list[str]:
    low = text.lower()
    items: list[str] = []
    pos = 0
    masked = re.sub(r"\([^)]*\)", lambda m: "(" + "x" * (len(m.group(0)) - 2) + ")", low)
    while (match := _TRIGGER.search(low, pos)) is not None:
        if _answer_before(low, match.start()):
            pos = match.end()
            continue
        rest = masked[match.end() :]
        end = _END.search(rest)
        stop = match.end() + (end.start() if end else len(rest))
        clause = text[match.end() : stop]
        pos = max(stop, match.end() + 1)
        if clause.strip():
            items.extend(_split(clause))
        if pos >= len(low):
            break
    return items


def _answer_before(low: str, start: int) -> bool:
    """ "reply with a thank you", "return 429 with retry info": not a list of fields."""
    before = low[max(0, start - 30) : start]
    return bool(
        re.search(
            r"\b(?:return\w*|repl\w+|respond\w*|answer\w*|back|error|\d{3}|say\w*)\W+"
            r"(?:\w+\W+){0,3}$",
            before,
        )
    )


def _protect(text: str) -> str:
    """Commas and 'and's inside parentheses, choices and ranges do not split items."""

    def keep(match: re.Match[str]) -> str:
        return match.group(0).replace(",", "\x01").replace(" and ", " \x02 ").replace(";", "\x03")

    text = re.sub(r"\([^)]*\)|\[[^\]]*\]", keep, text)
    text = re.sub(rf"\bbetween {NUM} and {NUM}", keep, text, flags=re.IGNORECASE)
    text = re.sub(
        r"\b(?:one of|one between|either|any of)\s+[\w'-]+(?:\s*(?:,|/|\bor\b)\s*"
        r"(?!(?:a|an|the|and|optional|required)\b)[\w'-]+)+",
        keep,
        text,
        flags=re.IGNORECASE,
    )
    return text


def _split(clause: str) -> list[str]:
    protected = _protect(clause)
    semi = [p for p in re.split(r"\s*[;\n]\s*", protected) if p.strip()]
    if len(semi) >= 2 and all(re.match(r"^\s*[\w' -]{1,40}:", p) for p in semi):
        return [
            p.replace("\x01", ",").replace("\x02", "and").replace("\x03", ";").strip(" .")
            for p in semi
        ]
    parts = re.split(r"\s*(?:,|;|\n|\+|&|\band\b|\bplus\b|\bas well as\b|\balso\b)\s*", protected)
    out = []
    for part in parts:
        part = part.replace("\x01", ",").replace("\x02", "and").replace("\x03", ";")
        if part.strip(" .:-\u2014\u2013"):
            out.append(part.strip(" .:-\u2014\u2013"))
    return out


# --- one item -------------------------------------------------------------------------------


def parse_item(item: str, *, starred: bool = False) -> FieldSpec | None:
    """``price (number, >= 0)``, ``size: S/M/L``, ``the phone, which is optional``."""
    raw = item.strip()
    star = bool(re.search(r"\w\*", raw))
    raw = raw.replace("*", " ")
    array = bool(re.search(r"\w\[\]", raw))
    raw = raw.replace("[]", " ")
    name_part, modifiers = _name_and_rest(raw)
    if name_part is None:
        return None
    name = _name(name_part)
    if name is None:
        return None
    mods = modifiers
    if re.match(r"^\s*(?:optional(?:ly)?|maybe|possibly)\b", raw.lower()):
        mods = f"{mods} optional"
    low = mods.lower()
    spec = infer(name, name_part.lower().split())
    if _choices(mods) and spec.type in {"integer", "number", "boolean"}:
        spec = FieldSpec(name=spec.name)
    kind = _type(low)
    if array:
        kind = {"type": "array", "items": "string"}
    if kind:
        spec = _with_type(spec, kind)
    spec = apply_rules(spec, mods)
    if star:
        spec = replace(spec, required=True)
    elif starred:
        spec = replace(spec, required=spec.unique)
    return spec


def _name_and_rest(raw: str) -> tuple[str | None, str]:
    """The leading noun words and everything after them."""
    if ":" in raw and re.match(r"^\s*[\w' -]{1,40}:", raw):
        head, _, rest = raw.partition(":")
        return head, rest
    tokens = re.findall(r"\(|\)|[^\s()]+", raw)
    lows = [t.lower().strip(",.'\"") for t in tokens]
    joined = next((k for k, w in enumerate(lows[:3]) if w in {"with", "having"}), None)
    if joined is not None and joined + 1 < len(tokens):
        tokens, lows = tokens[joined + 1 :], lows[joined + 1 :]
    verb = next((k for k, w in enumerate(lows[:4]) if w in _ITEM_VERBS), None)
    if verb is not None and verb + 1 < len(tokens):
        tokens, lows = tokens[verb + 1 :], lows[verb + 1 :]
    name: list[str] = []
    leading: list[str] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        low = lows[i]
        if not name and low in {"optional", "unique", "required", "mandatory", "optionally"}:
            leading.append(low)
            i += 1
            continue
        if name and ("_" in name[0] or re.search(r"[a-z][A-Z]", name[0])):
            break  # "an assigned_to email which can be empty": the name is the written one
        if tok == "(" or tok.startswith("["):
            break
        if (
            not name
            and low in {"max", "min", "start", "end", "type", "format"}
            and i + 1 < len(tokens)
            and re.fullmatch(r"[a-z]+", lows[i + 1])
            and lows[i + 1] not in {"is", "of", "must"}
        ):
            name.append(tok.strip(",.'\""))
            i += 1
            continue
        if not name and low == "type" and (i + 1 == len(tokens) or lows[i + 1] in {"is", "must"}):
            name.append(tok)
            i += 1
            continue
        trailing_name = bool(name) and low in {"date", "time", "email", "url", "link", "id"}
        if (
            _is_modifier(low, tokens[i + 1 :])
            and not (not name and _is_known_name(low))
            and not trailing_name
        ):
            break
        if not name and low in _ARTICLES:
            i += 1
            continue
        name.append(tok.strip(",.'\""))
        i += 1
    rest = " ".join([*tokens[i:], *leading])
    if not name:
        return None, rest
    if len(name) > 4:
        return None, rest
    return " ".join(name), rest


_MODIFIER_START = re.compile(
    r"^(?:is|are|must|should|can|cannot|can't|which|that|has|have|needs|defaults?|default|"
    r"defaulting|optional|optionally|required|mandatory|unique|distinct|one|either|between|"
    r"from|min|max|minimum|maximum|at|up|under|less|more|greater|no|not|non|as|of|in|with|"
    r"format|type|typed|>=|<=|>|<|=|≥|≤|positive|negative|\d.*|[\w'-]+/[\w'/-]+|\||what|who|"
    r"whose|where|if|so|for|per|in|on|each|--?|->|=>)$"
)


def _is_modifier(low: str, following: list[str]) -> bool:
    if _MODIFIER_START.match(low):
        if low in {"at", "up", "less", "more", "no", "not", "of", "in", "with", "as", "one"}:
            nxt = following[0].lower() if following else ""
            if low == "of" and nxt not in {"type"}:
                return False  # "date of birth", "number of guests"
            if low == "one" and nxt not in {"of", "between"}:
                return False
            if low == "in" and nxt not in {"format", "iso"}:
                return False
            if low == "with" and nxt not in {"a", "an", "default", "max", "min"}:
                return False
        return True
    return any(rx.fullmatch(low) for rx, _ in _TYPE_RES)


def _is_known_name(word: str) -> bool:
    """Type words that are also common field names ("email", "date", "url", "link", "text")."""
    return word in {"email", "date", "url", "link", "text", "number", "count", "flag", "time"}


def _name(phrase: str) -> str | None:
    words = [w for w in re.split(r"\s+", phrase.strip()) if w]
    words = [w[:-2] if w.lower().endswith("'s") else w for w in words]
    while words and words[0].lower() in _ARTICLES:
        words = words[1:]
    while words and words[-1].lower() in {"field", "fields", "of", "in", "the", "for", "to"}:
        words = words[:-1]
    if not words or len(words) > 3:
        return None
    if any(w.lower() in _NOT_NAME for w in words):
        return None
    if not all(re.fullmatch(r"[A-Za-z][\w-]*", w) for w in words):
        return None
    if len(words) == 1 and ("_" in words[0] or re.search(r"[a-z][A-Z]", words[0])):
        return words[0]
    fixed = [correct_name(w.lower()) for w in words]
    phrase_low = " ".join(fixed)
    if phrase_low in NAME_ALIASES:
        return NAME_ALIASES[phrase_low]
    for alias, short in NAME_ALIASES.items():
        if " " in alias and phrase_low.endswith(" " + alias):
            fixed = [*phrase_low[: -len(alias)].split(), short]
            break
    if phrase_low.startswith("number of "):
        fixed = fixed[2:]
    name = camel(re.split(r"[\s-]+", " ".join(fixed)))
    return name if re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name) else None


def _type(low: str) -> dict[str, Any]:
    for rx, kind in _TYPE_RES:
        match = rx.search(low)
        if match and not _negated_type(low, match.start(), kind):
            return dict(kind)
    return {}


def _negated_type(low: str, start: int, kind: dict[str, Any]) -> bool:
    return kind.get("type") == "integer" and bool(re.search(r"\bnot (?:an? )?$", low[:start]))


def _with_type(spec: FieldSpec, kind: dict[str, Any]) -> FieldSpec:
    new_type = kind.get("type", spec.type)
    new_format = kind.get("format")
    if new_type == spec.type and new_format == spec.format and new_type != "array":
        return spec
    if new_type == "string" and not new_format:
        if spec.type == "string" and spec.format is None:
            return spec
        return FieldSpec(name=spec.name, secret=spec.secret, max_length=None)
    return FieldSpec(
        name=spec.name,
        type=new_type,
        format=new_format,
        secret=spec.secret,
        items=kind.get("items", "string"),
        minimum=spec.minimum
        if new_type in {"integer", "number"} and spec.type in {"integer", "number"}
        else None,
        maximum=spec.maximum
        if new_type in {"integer", "number"} and spec.type in {"integer", "number"}
        else None,
        max_length=254 if new_format == "email" else 2048 if new_format == "uri" else None,
    )


def _choices(mods: str) -> list[str] | None:
    text = re.sub(r"\b(?:default(?:s|ing)?(?: to| is)?|by default)\s+[\w'-]+", " ", mods)
    match = _CHOICE.search(text) or _CHOICE.search(text.lower())
    candidates: list[str] = []
    if match:
        start, end = match.span(1)
        candidates = re.split(r"\s*(?:,|/|\||\bor\b|\band\b)\s*", text[start:end])
    else:
        for rx in (_SLASHED, _PIPED):
            found = rx.search(text)
            if found:
                candidates = re.split(r"\s*[/|]\s*", found.group(1))
                break
        if not candidates:
            inner = re.search(r"\(([^)]*)\)", text)
            if inner:
                parts = [p.strip() for p in re.split(r"[,;]|\bor\b", inner.group(1))]
                words = [p for p in parts if p and re.fullmatch(r"[\w'-]+", p)]
                if (
                    len(words) >= 2
                    and len(words) == len([p for p in parts if p])
                    and not any(
                        _type(w.lower())
                        or _REQUIRED.search(w.lower())
                        or _OPTIONAL.search(w.lower())
                        or _UNIQUE.search(w.lower())
                        or re.fullmatch(NUM, w)
                        for w in words
                    )
                ):
                    candidates = words
    values = [c.strip(" '\"") for c in candidates if c.strip(" '\"")]
    values = [
        v.split()[0]
        if " " in v and len(v.split()) > 1 and values.index(v) == len(values) - 1
        else v
        for v in values
    ]
    values = [v for v in values if not _stop_value(v)]
    if len(values) < 2:
        return None
    if {v.lower() for v in values} <= {"true", "false", "yes", "no"}:
        return None
    return values


def _stop_value(value: str) -> bool:
    return value.lower() in {"a", "an", "the", "default", "defaults", "optional", "required"}


def apply_rules(spec: FieldSpec, mods: str) -> FieldSpec:
    """The modifiers of one field: optional/required/unique, choices, default, numbers."""
    low = f" {mods.lower()} "
    enum = None if spec.type in {"integer", "number", "boolean"} else _choices(mods)
    if enum:
        spec = replace(
            spec, type="string", enum=enum, format=None, pattern=None, min_length=None,
            max_length=None,
        )  # fmt: skip
    elif re.search(r"\btrue ?/ ?false\b|\byes ?/ ?no\b", low) and spec.type != "array":
        spec = replace(
            spec, type="boolean", format=None, pattern=None, max_length=None, min_length=None
        )
    spec = _numbers(spec, low)
    default = _DEFAULT.search(mods) or _DEFAULT.search(low)
    if default:
        spec = replace(spec, default=_coerce(default.group(1), spec))
    if _UNIQUE.search(low):
        spec = replace(spec, unique=True, required=True)
    if _OPTIONAL.search(low):
        spec = replace(spec, required=False)
    elif (_REQUIRED.search(low) and not re.search(r"\bnot required\b", low)) or (
        not spec.unique and spec.default is None and spec.type != "boolean"
    ):
        spec = replace(spec, required=True)
    if spec.type == "boolean" and spec.default is None and not _REQUIRED.search(low):
        spec = replace(spec, default=False, required=False)
    if spec.default is not None and not _REQUIRED.search(low):
        spec = replace(spec, required=False)
    return spec


def _coerce(token: str, spec: FieldSpec) -> Any:
    low = token.lower()
    if spec.type == "boolean":
        return low in {"true", "yes", "1", "on"}
    if spec.type in {"integer", "number"}:
        value = to_number(low)
        if value is not None:
            return int(value) if spec.type == "integer" else value
    if spec.enum:
        match = next((v for v in spec.enum if str(v).lower() == low), None)
        if match is not None:
            return match
    return token


def _numbers(spec: FieldSpec, low: str) -> FieldSpec:
    lengths = bool(_LEN_UNITS.search(low)) or (spec.type == "string" and not spec.enum)
    lo: float | None = None
    hi: float | None = None
    ex_lo: float | None = None
    ex_hi: float | None = None
    text = re.sub(r"\b\d+ ?(?:am|pm)\b", " ", low)
    rng = _RANGE.search(text)
    if rng:
        a, b = float(rng.group(1)), float(rng.group(2))
        if a <= b:
            lo, hi = a, b
    if lo is None:
        m = _MIN.search(text)
        if m:
            lo = float(next(g for g in m.groups() if g))
    if hi is None:
        m = _MAX.search(text)
        if m:
            hi = float(next(g for g in m.groups() if g))
            if re.search(r"\b(?:less than|below)\s*\d", text) and not lengths:
                ex_hi, hi = hi, None
    gt = _GT.search(text)
    if gt and lo is None and not re.search(r"or equal", text):
        ex_lo = float(gt.group(1))
    lt = _LT.search(text)
    if lt and hi is None:
        ex_hi = float(lt.group(1))
    if re.search(r"\bpositive\b", text) and lo is None and ex_lo is None:
        ex_lo = 0
    if re.search(r"\bnon-?negative\b|\bzero or more\b", text) and lo is None:
        lo = 0
    if lo is None and hi is None and ex_lo is None and ex_hi is None:
        return spec
    if spec.type in {"integer", "number"}:
        conv = int if spec.type == "integer" else _num
        out = replace(
            spec,
            minimum=conv(lo) if lo is not None else spec.minimum if ex_lo is None else None,
            maximum=conv(hi) if hi is not None else spec.maximum if ex_hi is None else None,
        )
        if spec.type == "integer":
            if ex_lo is not None:
                out = replace(out, minimum=int(ex_lo) + 1)
            if ex_hi is not None:
                out = replace(out, maximum=int(ex_hi) - 1)
            return out
        return _exclusive(out, ex_lo, ex_hi)
    if spec.type == "string" and lengths and not spec.enum:
        return replace(
            spec,
            min_length=int(lo) if lo is not None else spec.min_length,
            max_length=int(hi)
            if hi is not None
            else (
                None
                if lo is not None and spec.max_length and spec.max_length < lo
                else spec.max_length
            ),
        )
    if spec.type == "array" and (lo is not None or hi is not None):
        return spec
    return spec


def _num(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


def _exclusive(spec: FieldSpec, low: float | None, high: float | None) -> FieldSpec:
    if low is not None:
        spec = replace(spec, exclusive_minimum=_num(low), minimum=None)
    if high is not None:
        spec = replace(spec, exclusive_maximum=_num(high), maximum=None)
    return spec


# --- statements about a field elsewhere in the text ----------------------------------------


def _mentions(spec: FieldSpec) -> list[str]:
    words = {spec.name.lower(), spec.name.replace("_", " ").lower(), spec.words.lower()}
    reverse = {v: k for k, v in NAME_ALIASES.items()}
    if spec.name in reverse:
        words.add(reverse[spec.name])
    return sorted(words, key=len, reverse=True)


def refine(fields: list[FieldSpec], text: str) -> list[FieldSpec]:
    """ "the password should be at least 10 characters", "size defaults to M", "the rest
    optional": sentences that say more about a field already listed."""
    low = text.lower()
    out = []
    for spec in fields:
        for word in _mentions(spec):
            pattern = re.compile(
                rf"\b(?:the |a |an |their |and )?{re.escape(word)}(?: field)?,?\s+(?:which |that )?"
                r"((?:is|are|must|should|has to|have to|needs? to|can|cannot|can't|obviously|"
                r"defaults?|max|min|at least|at most|up to|under|only|always|never|may|"
                r"not)\b[^.;,]*)"
            )
            for match in pattern.finditer(low):
                start, end = match.span(1)
                tail = text[start:end]
                if re.match(
                    r"^(?:is|are) (?:sent|stored|saved|returned|used|given)\b", tail.lower()
                ):
                    continue
                spec = _refined(spec, tail)
        out.append(spec)
    if re.search(
        r"\b(?:the )?(?:rest|others?|everything else|all (?:the )?others?)"
        r"(?: (?:are|is))? optional\b",
        low,
    ):
        out = [
            spec if _explicitly_required(spec, low) else replace(spec, required=spec.unique)
            for spec in out
        ]
    return out


def _explicitly_required(spec: FieldSpec, low: str) -> bool:
    return any(
        re.search(rf"\b{re.escape(w)}(?: \([^)]*)?(?: is| are)? (?:required|mandatory)\b", low)
        for w in _mentions(spec)
    )


def _refined(spec: FieldSpec, tail: str) -> FieldSpec:
    low = tail.lower()
    kind = _type(low)
    if (kind and kind.get("type") != spec.type) or kind.get("format") not in {None, spec.format}:
        spec = _with_type(spec, kind)
    before = replace(spec)
    spec = apply_rules(spec, tail)
    if not _REQUIRED.search(low) and not _OPTIONAL.search(low) and not spec.unique:
        spec = replace(spec, required=before.required)
    return spec

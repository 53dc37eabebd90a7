"""The functions an expression may call: a fixed table, documented in docs/expressions.md."""

from __future__ import annotations

import datetime as _dt
import math
import re
import secrets
import string
import unicodedata
import uuid as _uuid
from collections.abc import Callable
from typing import Any

from orchestrix.spec.budget import MAX_ITEMS
from orchestrix.spec.budget import check as budget_check
from orchestrix.spec.patterns import PatternError, search
from orchestrix.spec.values import MAX_STRING
from orchestrix.spec.values import fail as _fail
from orchestrix.spec.values import is_number as _is_number
from orchestrix.spec.values import stringify as _stringify
from orchestrix.timefmt import iso_z, utc_now


def _now() -> str:
    return iso_z(utc_now(), "auto")


def _today() -> str:
    return _dt.datetime.now(_dt.UTC).date().isoformat()


def _timestamp() -> int:
    return int(_dt.datetime.now(_dt.UTC).timestamp())


def _uuid4() -> str:
    return str(_uuid.uuid4())


def _bounded(n: Any, low: int, high: int, name: str) -> int:
    if not _is_number(n) or int(n) != n or not low <= n <= high:
        _fail(f"{name}() takes a whole number from {low} to {high}")
    return int(n)


def _random_token(n: Any = 32) -> str:
    return secrets.token_urlsafe(_bounded(n, 8, 256, "randomToken"))


_ALPHABET = string.ascii_letters + string.digits


def _short_id(n: Any = 8) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(_bounded(n, 4, 64, "shortId")))


def _text_fn(name: str, op: Callable[[str], str]) -> Callable[[Any], Any]:
    def fn(value: Any) -> Any:
        if value is None:
            return None
        return op(_stringify(value))

    fn.__name__ = name
    return fn


def _len(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, str | list | dict):
        return len(value)
    return len(_stringify(value))


def _int(value: Any) -> int | None:
    if value is None:
        return None
    try:
        if isinstance(value, str):
            text = value.strip()
            return int(float(text)) if re.fullmatch(r"-?\d+\.\d*", text) else int(text)
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError
        return int(value)
    except (TypeError, ValueError):
        return _fail(f"int() cannot convert {_stringify(value)[:40]!r} to a number")  # type: ignore[no-any-return]


def _float(value: Any) -> float | None:
    if value is None:
        return None
    try:
        result = float(value)
    except (TypeError, ValueError):
        return _fail(f"float() cannot convert {_stringify(value)[:40]!r} to a number")  # type: ignore[no-any-return]
    if not math.isfinite(result):
        _fail("float() result is not a finite number")
    return result


def _default(value: Any, fallback: Any) -> Any:
    return fallback if value is None or value == "" else value


def _coalesce(*values: Any) -> Any:
    return next((v for v in values if v is not None), None)


def _concat(*values: Any) -> Any:
    if values and all(isinstance(v, list) for v in values):
        if sum(len(v) for v in values) > MAX_ITEMS:
            _fail(f"concat() result is longer than {MAX_ITEMS} items")
        return [item for v in values for item in v]
    return _bounded_join("", values, "concat")


def _bounded_join(separator: str, values: Any, name: str) -> str:
    """``separator.join`` of the values' text, refused past MAX_STRING before it is built."""
    pieces: list[str] = []
    total = 0
    for i, v in enumerate(values):
        if i % 1024 == 0:
            budget_check()
        piece = _stringify(v)
        total += len(piece) + (len(separator) if pieces else 0)
        if total > MAX_STRING:
            _fail(f"{name}() result is longer than {MAX_STRING} characters")
        pieces.append(piece)
    return separator.join(pieces)


def contains(haystack: Any, needle: Any) -> bool:
    if haystack is None:
        return False
    if isinstance(haystack, str):
        return _stringify(needle) in haystack
    if isinstance(haystack, list | dict):
        try:
            return needle in haystack
        except TypeError:
            return False
    return False


def _starts_with(value: Any, prefix: Any) -> bool:
    return isinstance(value, str) and value.startswith(_stringify(prefix))


def _ends_with(value: Any, suffix: Any) -> bool:
    return isinstance(value, str) and value.endswith(_stringify(suffix))


def _replace(value: Any, old: Any, new: Any) -> Any:
    if value is None:
        return None
    old_s = _stringify(old)
    if not old_s:
        _fail("replace() needs a non-empty text to replace")
    text, new_s = _stringify(value), _stringify(new)
    if len(text) + text.count(old_s) * (len(new_s) - len(old_s)) > MAX_STRING:
        _fail(f"replace() result is longer than {MAX_STRING} characters")
    return text.replace(old_s, new_s)


def _join(values: Any, separator: Any = ",") -> str:
    if values is None:
        return ""
    if not isinstance(values, list):
        _fail("join() takes a list")
    return _bounded_join(_stringify(separator), values, "join")


def _split(value: Any, separator: Any = ",") -> list[str]:
    if value is None:
        return []
    sep = _stringify(separator)
    if not sep:
        _fail("split() needs a non-empty separator")
    text = _stringify(value)
    if text.count(sep) >= MAX_ITEMS:
        _fail(f"split() result is longer than {MAX_ITEMS} items")
    return text.split(sep)


def _matches(value: Any, pattern: Any) -> bool:
    """True when the pattern matches somewhere in the text (RE2: linear time, no backtracking)."""
    if value is None:
        return False
    try:
        return search(_stringify(pattern), _stringify(value))
    except PatternError as e:
        return _fail(f"matches() cannot use this pattern: {e}")  # type: ignore[no-any-return]


def _numbers(name: str, values: tuple[Any, ...]) -> list[float | int]:
    items = list(values[0]) if len(values) == 1 and isinstance(values[0], list) else list(values)
    if not items or not all(_is_number(v) for v in items):
        _fail(f"{name}() takes numbers")
    return items


def _min(*values: Any) -> Any:
    return min(_numbers("min", values))


def _max(*values: Any) -> Any:
    return max(_numbers("max", values))


def _round(value: Any, digits: Any = 0) -> Any:
    if value is None:
        return None
    if not _is_number(value):
        _fail("round() takes a number")
    places = _bounded(digits, 0, 15, "round")
    result = round(value, places)
    return int(result) if places == 0 else result


def _abs(value: Any) -> Any:
    if value is None:
        return None
    if not _is_number(value):
        _fail("abs() takes a number")
    return abs(value)


def _keys(value: Any) -> list[str]:
    return list(value) if isinstance(value, dict) else []


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str | list | dict) and len(value) == 0)


def slugify(value: Any) -> str:
    """Lower case ASCII words joined by ``-``: ``"Signup API!"`` -> ``"signup-api"``."""
    text = unicodedata.normalize("NFKD", _stringify(value)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _to_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() not in {"", "false", "0", "no", "off", "null"}
    return bool(value)


#: Every function an expression may call. Documented in docs/expressions.md.
FUNCTIONS: dict[str, Callable[..., Any]] = {
    "now": _now,
    "today": _today,
    "timestamp": _timestamp,
    "uuid": _uuid4,
    "randomToken": _random_token,
    "shortId": _short_id,
    "lower": _text_fn("lower", str.lower),
    "upper": _text_fn("upper", str.upper),
    "trim": _text_fn("trim", str.strip),
    "len": _len,
    "str": _stringify,
    "int": _int,
    "float": _float,
    "bool": _to_bool,
    "default": _default,
    "coalesce": _coalesce,
    "concat": _concat,
    "contains": contains,
    "startsWith": _starts_with,
    "endsWith": _ends_with,
    "replace": _replace,
    "matches": _matches,
    "join": _join,
    "split": _split,
    "round": _round,
    "min": _min,
    "max": _max,
    "abs": _abs,
    "keys": _keys,
    "isEmpty": _is_empty,
    "slugify": slugify,
}

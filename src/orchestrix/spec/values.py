"""Values as the expression language sees them: its errors, its text form, its type names."""

from __future__ import annotations

import json
from typing import Any

from orchestrix.errors import SpecError

#: Bounds on text that functions and operators may build.
MAX_STRING = 1_000_000


class ExpressionError(SpecError):
    """An expression that cannot be parsed (a spec error) or evaluated."""

    def __init__(self, message: str, source: str = "", position: int | None = None) -> None:
        text = message
        if source or position is not None:
            where = f" at position {position}" if position is not None else ""
            text = f"{message}{where} in {source!r}"
        super().__init__(text, {"expression": source, "position": position})
        self.reason = message
        self.source = source
        self.position = position


class ExpressionEvalError(ExpressionError):
    """A well-formed expression that failed on the values it met (e.g. a division by zero)."""


def stringify(value: Any) -> str:
    """How a value reads in text: ``null`` is empty, booleans lower case, containers JSON
    (refused past :data:`MAX_STRING`, before it is built)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        if value_size(value, MAX_STRING) > MAX_STRING:
            raise ExpressionEvalError("text of a value is too long")
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)
    return str(value)


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def fail(message: str) -> Any:
    raise ExpressionEvalError(message)


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if is_number(value):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "object"
    return "value"


def value_size(value: Any, limit: int) -> int:
    """How large ``value`` is as JSON text, counting a shared object each time it appears
    (as serializing it would) but walking it once; stops counting past ``limit``."""
    sizes: dict[int, int] = {}

    def size(item: Any, depth: int) -> int:
        if isinstance(item, str):
            return len(item) + 2
        if isinstance(item, dict | list):
            key = id(item)
            known = sizes.get(key)
            if known is not None:
                return known
            if depth > 200:
                return limit + 1
            sizes[key] = limit + 1  # a cycle is too large
            total = 2
            if isinstance(item, dict):
                for k, v in item.items():
                    total += len(str(k)) + 4 + size(v, depth + 1)
                    if total > limit:
                        break
            else:
                for v in item:
                    total += 1 + size(v, depth + 1)
                    if total > limit:
                        break
            sizes[key] = total
            return total
        return 8

    return size(value, 0)

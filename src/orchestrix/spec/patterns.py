"""Regular expressions run by a linear-time engine (RE2): no pattern a spec or a caller
writes can make a match take exponential time (``^(a+)+$`` against ``aaaa...!``).

RE2 has no backreferences or lookaround; a pattern that needs them is refused with a clear
message when the spec is checked, not at run time. Compiled patterns are cached.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import re2  # type: ignore[import-untyped]  # google-re2 ships no type hints

#: The longest pattern accepted, and the memory RE2 may use for one (bytes).
MAX_PATTERN = 1000
_MAX_MEM = 8 << 20


class PatternError(ValueError):
    """A pattern that RE2 cannot compile (or one that is too long)."""


def _options() -> Any:
    options = re2.Options()
    options.log_errors = False
    options.max_mem = _MAX_MEM
    return options


_OPTIONS = _options()


@lru_cache(maxsize=1024)
def compile_pattern(pattern: str) -> Any:
    """The compiled pattern; :class:`PatternError` with the reason when it cannot be run."""
    if not isinstance(pattern, str):
        raise PatternError("a pattern is text")
    if len(pattern) > MAX_PATTERN:
        raise PatternError(f"a pattern is at most {MAX_PATTERN} characters")
    try:
        return re2.compile(pattern, options=_OPTIONS)
    except re2.error as e:
        reason = e.args[0] if e.args else str(e)
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise PatternError(
            f"{reason} (patterns run on a linear-time engine: no backreferences or lookaround)"
        ) from None


def search(pattern: str, text: str) -> bool:
    """True when ``pattern`` matches somewhere in ``text`` (as JSON Schema's ``pattern``)."""
    return compile_pattern(pattern).search(text) is not None


def pattern_problem(pattern: Any) -> str | None:
    """Why ``pattern`` cannot be used, or None."""
    try:
        compile_pattern(pattern)
    except PatternError as e:
        return str(e)
    return None

"""Keeping secrets out of logs: passwords, tokens, hashes and keys never appear in step logs
or stored executions.

Two rules: a value under a sensitive key (``password``, ``token``, ``secret``...) is replaced,
and a sensitive value seen anywhere in the run is replaced wherever else it appears (the
password that ``hashPassword`` received as ``value``, the token inside ``Bearer ...``).
"""

from __future__ import annotations

import re
from typing import Any

MASK = "***"
SENSITIVE_KEY = re.compile(
    r"pass(word|wd|phrase)?$|password|secret|token|authori[sz]ation|api[_-]?key|apikey|"
    r"hash|cookie|credential|private[_-]?key",
    re.IGNORECASE,
)
_MIN_SECRET_LENGTH = 4


def is_sensitive_key(key: str) -> bool:
    return bool(SENSITIVE_KEY.search(key))


class Redactor:
    """Collects sensitive values, then masks them everywhere in a structure."""

    def __init__(self) -> None:
        self.values: set[str] = set()

    def collect(self, value: Any) -> None:
        """Remember the values held under sensitive keys anywhere in ``value``."""
        if isinstance(value, dict):
            for k, v in value.items():
                if isinstance(k, str) and is_sensitive_key(k):
                    self._remember(v)
                else:
                    self.collect(v)
        elif isinstance(value, list):
            for item in value:
                self.collect(item)

    def _remember(self, value: Any) -> None:
        if isinstance(value, str):
            if len(value) >= _MIN_SECRET_LENGTH:
                self.values.add(value)
                if value.lower().startswith("bearer "):
                    self.values.add(value[7:])
        elif isinstance(value, dict | list):
            for item in value.values() if isinstance(value, dict) else value:
                self._remember(item)

    def redact(self, value: Any) -> Any:
        if isinstance(value, dict):
            return {
                k: MASK
                if isinstance(k, str) and is_sensitive_key(k) and v is not None
                else self.redact(v)
                for k, v in value.items()
            }
        if isinstance(value, list):
            return [self.redact(v) for v in value]
        if isinstance(value, str) and self.values:
            if value in self.values:
                return MASK
            for secret in self.values:
                if secret in value:
                    value = value.replace(secret, MASK)
            return value
        return value


def redact(value: Any) -> Any:
    """Mask sensitive keys and every value found under them, anywhere in ``value``."""
    redactor = Redactor()
    redactor.collect(value)
    return redactor.redact(value)

"""Keeping secrets out of logs: passwords, tokens, hashes and keys never appear in step logs
or stored executions.

Three rules. By name: a value under a sensitive key (``password``, ``token``, ``secret``,
``pw``, ``pin``, an ``X-Upstream-Auth`` header...) is replaced. By role: the executor hands
over the values that a tool takes as a secret (``hashPassword``'s ``value``,
``verifyPassword``'s ``password``), the input fields whose schema says ``writeOnly: true`` or
``format: password``, and the server's ``{{ secrets.* }}``, whatever their fields are called.
Everywhere: a sensitive value seen anywhere in the run is replaced wherever else it appears
(the password inside a message, the token inside ``Bearer ...``).

Structures are walked once per object: a graph whose steps reference earlier outputs many
times shares those objects, and each is visited (and redacted) once, by identity.
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
#: Whole words of a key (camelCase, snake_case, kebab-case) that mark it sensitive.
SENSITIVE_WORDS = frozenset(
    {"pw", "pwd", "pin", "otp", "passcode", "auth", "cvv", "cvc", "ssn", "signature"}
)
_WORD = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")
_MIN_SECRET_LENGTH = 4


def is_sensitive_key(key: str) -> bool:
    if SENSITIVE_KEY.search(key):
        return True
    return any(word.lower() in SENSITIVE_WORDS for word in _WORD.findall(key))


class Redactor:
    """Collects sensitive values, then masks them everywhere in a structure."""

    def __init__(self) -> None:
        #: Values masked wherever they appear, also inside longer text.
        self.values: set[str] = set()
        #: Short values given by role: masked only where a whole string equals them.
        self.exact: set[str] = set()
        self._redacted: dict[int, Any] = {}

    def collect(self, value: Any) -> None:
        """Remember the values held under sensitive keys anywhere in ``value``."""
        # Identities are only meaningful while ``value`` holds its objects: one walk each.
        collected: set[int] = set()
        stack = [value]
        while stack:
            item = stack.pop()
            if not isinstance(item, dict | list) or id(item) in collected:
                continue
            collected.add(id(item))
            if isinstance(item, dict):
                for k, v in item.items():
                    if isinstance(k, str) and is_sensitive_key(k):
                        self.remember(v)
                    else:
                        stack.append(v)
            else:
                stack.extend(item)

    def remember(self, value: Any) -> None:
        """Treat ``value`` (text, or every text inside it) as a secret of this run."""
        stack = [value]
        seen: set[int] = set()
        while stack:
            item = stack.pop()
            if isinstance(item, str):
                self._add(item)
            elif isinstance(item, int | float) and not isinstance(item, bool):
                self._add(str(item))
            elif isinstance(item, dict | list) and id(item) not in seen:
                seen.add(id(item))
                stack.extend(item.values() if isinstance(item, dict) else item)

    def _add(self, text: str) -> None:
        if not text:
            return
        if len(text) >= _MIN_SECRET_LENGTH:
            self.values.add(text)
            if text.lower().startswith("bearer "):
                self.values.add(text[7:])
        else:
            self.exact.add(text)

    def redact(self, value: Any) -> Any:
        """``value`` with every sensitive key and value masked; a shared object is redacted
        once (by identity, within this call: ``value`` keeps its objects alive meanwhile)."""
        self._redacted = {}
        try:
            return self._redact(value)
        finally:
            self._redacted = {}

    def _redact(self, value: Any) -> Any:
        if isinstance(value, dict | list):
            key = id(value)
            done = self._redacted.get(key)
            if done is not None:
                return done
            result: Any
            if isinstance(value, dict):
                result = {}
                self._redacted[key] = result  # a cycle meets the result being built
                for k, v in value.items():
                    sensitive = isinstance(k, str) and is_sensitive_key(k) and v is not None
                    result[k] = MASK if sensitive else self._redact(v)
            else:
                result = []
                self._redacted[key] = result
                result.extend(self._redact(v) for v in value)
            return result
        if isinstance(value, str):
            return self._text(value)
        if isinstance(value, int | float) and not isinstance(value, bool) and self.exact:
            return MASK if str(value) in self.exact else value
        return value

    def _text(self, value: str) -> str:
        if value in self.exact or value in self.values:
            return MASK
        for secret in self.values:
            if secret in value:
                value = value.replace(secret, MASK)
        return value


def redact(value: Any) -> Any:
    """Mask sensitive keys and every value found under them, anywhere in ``value``."""
    redactor = Redactor()
    redactor.collect(value)
    return redactor.redact(value)

"""The tree drawn in ``orchestrix.errors``' docstring is the real one: every subclass of
``OrchestrixError`` in the package is in it, under its real parent, with its status and wire
code (and, when defined elsewhere, the module that holds it)."""

from __future__ import annotations

import importlib
import pkgutil
import re

import orchestrix
from orchestrix import errors
from orchestrix.errors import OrchestrixError

LINE = re.compile(
    r"^(?P<indent>[ │├└─]*)(?P<name>\w+)\s+(?P<status>\d{3}) (?P<code>\w+)(?P<rest>.*)$"
)


def _every_module_imported() -> None:
    for info in pkgutil.walk_packages(orchestrix.__path__, "orchestrix."):
        if ".migrations" in info.name or info.name.endswith("__main__"):
            continue  # Alembic scripts run inside Alembic; __main__ runs the CLI
        importlib.import_module(info.name)


def _subclasses(cls: type[OrchestrixError]) -> list[type[OrchestrixError]]:
    found = []
    for sub in cls.__subclasses__():
        found.append(sub)
        found.extend(_subclasses(sub))
    return found


def _drawn() -> dict[str, tuple[str | None, int, str, str]]:
    """name -> (parent, status, code, rest of the line), from the docstring's tree."""
    assert errors.__doc__ is not None
    drawn: dict[str, tuple[str | None, int, str, str]] = {}
    stack: list[tuple[int, str]] = []
    for raw in errors.__doc__.splitlines():
        line = raw[4:] if raw.startswith("    ") else None
        match = LINE.match(line) if line else None
        if match is None:
            continue
        depth = len(match["indent"])
        while stack and stack[-1][0] >= depth:
            stack.pop()
        parent = stack[-1][1] if stack else None
        drawn[match["name"]] = (parent, int(match["status"]), match["code"], match["rest"])
        stack.append((depth, match["name"]))
    return drawn


def test_every_error_class_is_in_the_tree_with_its_status_and_code() -> None:
    _every_module_imported()
    drawn = _drawn()
    real = [OrchestrixError, *_subclasses(OrchestrixError)]
    real = [c for c in real if c.__module__.startswith("orchestrix.")]
    names = {c.__name__ for c in real}
    assert (names - set(drawn), set(drawn) - names) == (set(), set()), "(not drawn, not real)"
    for cls in real:
        parent, status, code, rest = drawn[cls.__name__]
        base = cls.__bases__[0]
        assert parent == (base.__name__ if base is not Exception else None), cls
        assert (status, code) == (cls.status, cls.code), cls
        if cls.__module__ != "orchestrix.errors":
            where = cls.__module__.removeprefix("orchestrix.").replace(".", "/") + ".py"
            assert where in rest, f"{cls.__name__}: the tree should say it is in {where}"

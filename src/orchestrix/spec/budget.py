"""Budgets of one run: a deadline that synchronous work checks, and bounds on what grows.

The executor opens a :func:`run_deadline` around a run; the evaluator calls :func:`check` in
its loops (every function call, every ``+``, every list it builds) and the executor between
steps, so a run past its time limit stops even when it never awaits. A context variable
carries the deadline, so concurrent runs (tasks) each see their own.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from orchestrix.spec.values import MAX_STRING, value_size

#: The longest list an operation may build (split, concat, list +).
MAX_ITEMS = 100_000
#: The largest value one step may take or give, counted as JSON text would be (bytes, roughly).
MAX_STEP_VALUE = 4 * MAX_STRING
#: The largest total of every value a run's steps take and give (what its step logs hold).
MAX_RUN_VALUE = 16 * MAX_STRING
#: The most expressions one workflow may hold, and their total length.
MAX_EXPRESSIONS = 2_000
MAX_EXPRESSION_TEXT = 64 * 1024
#: The most tools one workflow may hold (each runs at most once: the steps of a run).
MAX_TOOLS = 200

_deadline: ContextVar[float | None] = ContextVar("orchestrix_run_deadline", default=None)


class DeadlineExceeded(Exception):
    """The run's time limit passed during synchronous work; the executor answers 504."""


@contextmanager
def run_deadline(seconds: float) -> Iterator[None]:
    token = _deadline.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _deadline.reset(token)


def check() -> None:
    """Raise :class:`DeadlineExceeded` when the current run's deadline has passed."""
    deadline = _deadline.get()
    if deadline is not None and time.monotonic() > deadline:
        raise DeadlineExceeded


__all__ = [
    "MAX_EXPRESSIONS",
    "MAX_EXPRESSION_TEXT",
    "MAX_ITEMS",
    "MAX_RUN_VALUE",
    "MAX_STEP_VALUE",
    "MAX_TOOLS",
    "DeadlineExceeded",
    "check",
    "run_deadline",
    "value_size",
]

"""The Typer app and the CLI's output layer: the only place that prints.

Command modules (``run``, ``build``, ``serve``...) register on :data:`app`. Errors become one
line on stderr and a non-zero exit, never a traceback: :func:`handle_errors` does the mapping.
"""

from __future__ import annotations

import asyncio
import functools
import json
import sys
from collections.abc import Callable, Coroutine
from typing import Any, NoReturn, TypeVar

import typer
from rich.console import Console

from orchestrix.errors import OrchestrixError

app = typer.Typer(
    name="orchestrix",
    help="Describe an API in plain words; get a tested tool graph that runs, speaks MCP and "
    "REST, and deploys.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)

T = TypeVar("T")


def fail(message: str, code: int = 1) -> NoReturn:
    """One line on stderr, then exit non-zero."""
    err_console.print(f"[bold red]error:[/] {message}", soft_wrap=True)
    raise typer.Exit(code)


def print_json(data: Any) -> None:
    """Machine-readable output: plain JSON on stdout, nothing else."""
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def describe_error(error: OrchestrixError) -> str:
    """A one-line summary, plus the listed problems when the error carries them."""
    details = error.details
    if isinstance(details, list) and details:
        lines = [error.message]
        for item in details:
            if isinstance(item, dict):
                where = item.get("path") or item.get("field") or ""
                lines.append(f"  - {where + ': ' if where else ''}{item.get('message', item)}")
            else:
                lines.append(f"  - {item}")
        return "\n".join(lines)
    return error.message


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine for a command, mapping Orchestrix errors to one clean exit."""
    try:
        return asyncio.run(coro)
    except OrchestrixError as e:
        fail(describe_error(e))
    except KeyboardInterrupt:
        fail("interrupted", 130)


def handle_errors(func: Callable[..., T]) -> Callable[..., T]:
    """For synchronous command bodies: the same mapping as :func:`run_async`."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        try:
            return func(*args, **kwargs)
        except OrchestrixError as e:
            fail(describe_error(e))

    return wrapper

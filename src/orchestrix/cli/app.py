"""The Typer app and the CLI's output layer: the only place that prints.

Command modules (``run``, ``build``, ``serve``...) register on :data:`app`. Errors become one
line on stderr and a non-zero exit, never a traceback: :func:`handle_errors` does the mapping.
"""

from __future__ import annotations

import asyncio
import functools
import json
import socket
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


def database_label() -> str:
    """The database in use, as the user wrote it (password hidden)."""
    from sqlalchemy.engine import make_url

    from orchestrix.settings import get_settings

    settings = get_settings()
    if not settings.database_url:
        return f"{settings.data_dir / 'orchestrix.db'} (SQLite)"
    try:
        return make_url(settings.database_url).render_as_string(hide_password=True)
    except Exception:  # an unparsable URL is shown as the user gave it
        return settings.database_url


def database_failure(error: BaseException) -> str | None:
    """A database that cannot be reached or used, as one line; None for any other error."""
    from sqlalchemy.exc import DBAPIError

    from orchestrix.settings import get_settings

    settings = get_settings()
    variable = "ORCHESTRIX_DATABASE_URL" if settings.database_url else "ORCHESTRIX_DATA_DIR"
    if isinstance(error, OSError) and str(error.filename or "").startswith(str(settings.data_dir)):
        return (
            f"cannot use the data directory {settings.data_dir}: "
            f"{error.strerror or error} (ORCHESTRIX_DATA_DIR)"
        )
    if isinstance(error, DBAPIError):
        reason = str(error.orig if error.orig is not None else error).strip().splitlines()[0]
    elif isinstance(error, ConnectionRefusedError):
        reason = "connection refused (is the database server running?)"
    elif isinstance(error, socket.gaierror):
        reason = "unknown host"
    elif isinstance(error, ConnectionError) or (
        isinstance(error, OSError) and "Connect call failed" in str(error)
    ):
        reason = str(error)
    else:
        return None
    return f"cannot use the database {database_label()}: {reason} ({variable})"


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine for a command, mapping Orchestrix errors (and a database that cannot
    be reached) to one clean exit."""
    try:
        return asyncio.run(coro)
    except OrchestrixError as e:
        fail(describe_error(e))
    except KeyboardInterrupt:
        fail("interrupted", 130)
    except Exception as e:
        message = database_failure(e)
        if message is None:
            raise
        fail(message)


def handle_errors(func: Callable[..., T]) -> Callable[..., T]:
    """For synchronous command bodies: the same mapping as :func:`run_async`."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        try:
            return func(*args, **kwargs)
        except OrchestrixError as e:
            fail(describe_error(e))
        except Exception as e:
            message = database_failure(e)
            if message is None:
                raise
            fail(message)

    return wrapper


def ensure_port_free(host: str, port: int) -> None:
    """Refuse, as one line, a port another process already listens on (before uvicorn starts
    and logs its own error among the start-up lines)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as e:
            fail(
                f"cannot listen on {host}:{port}: {e.strerror or e} (is another server running "
                "there? pick another port with --port)"
            )


def ensure_database() -> None:
    """Connect once before a server starts: a database that is down is one line, not a
    traceback from the app's start-up."""
    run_async(_ping_database())


async def _ping_database() -> None:
    from sqlalchemy import text

    from orchestrix.runtime.database import make_engine
    from orchestrix.settings import get_settings

    engine = make_engine(get_settings().resolved_database_url)
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    finally:
        await engine.dispose()

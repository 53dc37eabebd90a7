"""The ``orchestrix`` command line (Typer). Each module registers its commands on ``app``;
importing them here, in the order their commands appear in --help, is the whole wiring."""

from __future__ import annotations

# isort: off
# (the order of these imports is the order of the commands in --help)
from orchestrix.cli.app import app
from orchestrix.cli import run  # noqa: F401  (registers its commands)
from orchestrix.cli import build  # noqa: F401
from orchestrix.cli import serve  # noqa: F401
from orchestrix.cli import deploy  # noqa: F401
from orchestrix.cli import mcp  # noqa: F401

from orchestrix.cli import secrets  # noqa: F401

# isort: on


def main() -> None:
    app()


__all__ = ["app", "main"]

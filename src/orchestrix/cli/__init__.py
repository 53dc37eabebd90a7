"""The ``orchestrix`` command line (Typer). Each module registers its commands on ``app``."""

from __future__ import annotations

import importlib

from orchestrix.cli.app import app

# Command modules, in the order their commands appear in --help. A module that is not there
# (an optional part) is skipped rather than breaking the whole CLI.
_COMMAND_MODULES = ("run", "build", "serve", "deploy", "mcp", "secrets")

for _name in _COMMAND_MODULES:
    try:
        importlib.import_module(f"orchestrix.cli.{_name}")
    except ModuleNotFoundError as _e:
        if _e.name != f"orchestrix.cli.{_name}":
            raise


def main() -> None:
    app()


__all__ = ["app", "main"]

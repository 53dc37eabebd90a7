"""The one settings factory of the tests, and the one environment for Orchestrix processes.

Both give argon2 its cheapest parameters: a test hashes to store and check passwords, not to
measure argon2 (``tests/tools/test_passwords.py`` checks the production parameters). Under
load, production-strength hashes (0.5-1.4 s each here) made concurrent signups time out.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from orchestrix.settings import Settings

#: The cheapest argon2id parameters argon2 accepts (8 KiB per lane).
CHEAP_ARGON2: dict[str, int] = {
    "argon2_time_cost": 1,
    "argon2_memory_cost": 8,
    "argon2_parallelism": 1,
}


def make_settings(data_dir: Path | None = None, **fields: Any) -> Settings:
    """Settings for a test: no ``.env`` file, cheap argon2, ``fields`` as given."""
    values: dict[str, Any] = {**CHEAP_ARGON2, **fields}
    if data_dir is not None:
        values["data_dir"] = data_dir
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def cheap_argon2_env() -> dict[str, str]:
    return {f"ORCHESTRIX_{name.upper()}": str(value) for name, value in CHEAP_ARGON2.items()}


def server_env(
    data_dir: Path | None = None, database_url: str | None = None, **extra: str
) -> dict[str, str]:
    """The environment of an Orchestrix process started by a test: this one's, without any
    ``ORCHESTRIX_``/``ARCHESTRA_`` variable of the developer's, with cheap argon2, the data
    directory and database given, then ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ORCHESTRIX_", "ARCHESTRA_"))}
    env.update(cheap_argon2_env())
    if data_dir is not None:
        env["ORCHESTRIX_DATA_DIR"] = str(data_dir)
    if database_url:
        env["ORCHESTRIX_DATABASE_URL"] = database_url
    env.update(extra)
    return env


__all__ = ["CHEAP_ARGON2", "cheap_argon2_env", "make_settings", "server_env"]

"""``orchestrix secret set/list/delete`` as a real process: values from stdin, never printed,
stored encrypted; mistakes are one line and a non-zero exit."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from orchestrix.settings import Settings
from orchestrix.store import Store

VALUE = "cli-secret-value-0987654321"


def orchestrix(
    *args: str, data_dir: Path, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ORCHESTRIX_", "ARCHESTRA_"))}
    env["ORCHESTRIX_DATA_DIR"] = str(data_dir)
    return subprocess.run(
        [sys.executable, "-m", "orchestrix", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        cwd=data_dir,
        input=stdin,
    )


async def _server(data_dir: Path) -> str:
    # the data directory's generated key, as the `orchestrix` processes below use
    settings = Settings(data_dir=data_dir, encryption_key=None, _env_file=None)  # type: ignore[call-arg]
    async with Store.open(settings) as store:
        record = await store.servers.create(
            owner_id="alice",
            name="Caller",
            description="",
            spec={"apiVersion": "orchestrix/v1", "name": "Caller", "tools": []},
            summary="",
        )
    return record.id


async def _values(data_dir: Path, server_id: str) -> dict[str, str]:
    # the data directory's generated key, as the `orchestrix` processes below use
    settings = Settings(data_dir=data_dir, encryption_key=None, _env_file=None)  # type: ignore[call-arg]
    async with Store.open(settings) as store:
        return await store.secrets.values(server_id)


def test_set_list_delete(tmp_path: Path) -> None:
    sid = asyncio.run(_server(tmp_path))
    made = orchestrix("secret", "set", sid, "API_KEY", data_dir=tmp_path, stdin=VALUE + "\n")
    assert made.returncode == 0, made.stderr
    assert VALUE not in made.stdout + made.stderr
    assert asyncio.run(_values(tmp_path, sid)) == {"API_KEY": VALUE}
    assert VALUE not in (tmp_path / "orchestrix.db").read_bytes().decode("latin-1")

    listed = orchestrix("secret", "list", sid, "--json", data_dir=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert '"API_KEY"' in listed.stdout and VALUE not in listed.stdout

    other = orchestrix("secret", "list", sid, "--owner", "eve", data_dir=tmp_path)
    assert other.returncode == 1 and "Server not found" in other.stderr
    assert "Traceback" not in other.stderr

    bad = orchestrix("secret", "set", sid, "no-dash", data_dir=tmp_path, stdin="x")
    assert bad.returncode == 1 and "secret name" in bad.stderr and "Traceback" not in bad.stderr

    gone = orchestrix("secret", "delete", sid, "API_KEY", data_dir=tmp_path)
    assert gone.returncode == 0, gone.stderr
    again = orchestrix("secret", "delete", sid, "API_KEY", data_dir=tmp_path)
    assert again.returncode == 1 and "no secret API_KEY" in again.stderr

"""Mistakes a new user makes, run as a real `orchestrix` process: each is one clear line (or a
short list of problems) and a non-zero exit, never a traceback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SIGNUP = str(ROOT / "examples" / "signup.yaml")
# Nothing listens here: a PostgreSQL server that is down.
DOWN = "postgresql://postgres:s3cret@127.0.0.1:5999/orchestrix"


def orchestrix(
    *args: str, data_dir: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("ORCHESTRIX_", "ARCHESTRA_"))}
    base["ORCHESTRIX_DATA_DIR"] = str(data_dir)
    base["COLUMNS"] = "80"
    return subprocess.run(
        [sys.executable, "-m", "orchestrix", *args],
        capture_output=True,
        text=True,
        env={**base, **(env or {})},
        timeout=60,
        cwd=data_dir,
        stdin=subprocess.DEVNULL,
    )


def one_clean_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if not line.startswith("warning:")]
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_a_missing_file_is_one_line_without_errno_noise(tmp_path: Path) -> None:
    line = one_clean_line(orchestrix("check", "nope.yaml", data_dir=tmp_path))
    assert line == "error: Cannot read nope.yaml: No such file or directory"


def test_a_yaml_syntax_error_names_the_file_line_and_column(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("name: x\ntools: [\n  - {id: a\n")
    result = orchestrix("run", "bad.yaml", data_dir=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        "error: bad.yaml: the spec is not valid YAML",
        "  - line 3, column 3: expected the node content, but found '-' "
        "(while parsing a flow node)",
    ]


def test_an_empty_file_says_so(tmp_path: Path) -> None:
    (tmp_path / "empty.yaml").write_text("\n")
    line = one_clean_line(orchestrix("check", "empty.yaml", data_dir=tmp_path))
    assert "empty.yaml: a workflow spec must be a mapping" in line
    assert "the document is empty" in line


@pytest.mark.timeout(180)
@pytest.mark.parametrize(
    "args",
    [
        ("run", SIGNUP, "--input", '{"email":"a@b.co","password":"hunter2hunter2"}'),
        ("test", SIGNUP),
        ("outbox",),
        ("token", "list"),
        ("deploy", SIGNUP),
        ("serve",),
        ("host",),
        ("mcp", SIGNUP),
    ],
    ids=lambda a: a[0],
)
def test_a_database_that_is_down_is_one_line(tmp_path: Path, args: tuple[str, ...]) -> None:
    if args[0] in {"serve", "host"}:  # they check the database before they start
        args = (args[0], "--port", str(free_port()))
    line = one_clean_line(
        orchestrix(*args, data_dir=tmp_path, env={"ORCHESTRIX_DATABASE_URL": DOWN})
    )
    assert line == (
        "error: cannot use the database postgresql://postgres:***@127.0.0.1:5999/orchestrix: "
        "connection refused (is the database server running?) (ORCHESTRIX_DATABASE_URL)"
    )


def test_a_data_dir_that_cannot_exist_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    line = one_clean_line(
        orchestrix("outbox", data_dir=tmp_path, env={"ORCHESTRIX_DATA_DIR": str(tmp_path / "file")})
    )
    assert line.startswith(f"error: cannot use the data directory {tmp_path / 'file'}")
    assert line.endswith("(ORCHESTRIX_DATA_DIR)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        yield int(s.getsockname()[1])


@pytest.mark.parametrize(
    "command",
    [("serve",), ("host",), ("mcp", SIGNUP, "--transport", "streamable-http")],
    ids=lambda c: c[0],
)
def test_a_port_in_use_is_one_line(
    tmp_path: Path, busy_port: int, command: tuple[str, ...]
) -> None:
    line = one_clean_line(orchestrix(*command, "--port", str(busy_port), data_dir=tmp_path))
    assert line.startswith(f"error: cannot listen on 127.0.0.1:{busy_port}: Address already in use")
    assert "--port" in line


def test_token_list_shows_whole_ids_on_a_narrow_terminal(tmp_path: Path) -> None:
    created = orchestrix("token", "create", "--owner", "ada", "--json", data_dir=tmp_path)
    assert created.returncode == 0, created.stderr
    token_id = created.stdout.split('"id": "')[1].split('"')[0]
    listed = orchestrix("token", "list", data_dir=tmp_path)
    assert listed.returncode == 0 and token_id in listed.stdout


@pytest.mark.timeout(120)
def test_a_local_deploy_says_where_its_endpoint_answers(tmp_path: Path) -> None:
    result = orchestrix("deploy", SIGNUP, data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "endpoint: http://127.0.0.1:8000/agents/agt_" in result.stdout
    assert "ORCHESTRIX_HOST_PUBLIC_URL" in result.stdout
    assert "orchestrix serve" in result.stdout

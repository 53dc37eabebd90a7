"""The ``Dockerfile`` of the ``orchestrix mcp`` image for inline mode, read as instructions
(no Docker engine runs here): slim Python, the package installed from the project, ``orchestrix
mcp`` as the entry point, nothing of a workflow baked in."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

from orchestrix.deploy.archestra_platform import SPEC_ENV, PlatformConfig, launch

ROOT = Path(__file__).resolve().parents[2]


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments), with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            found.append((word.upper(), rest.strip()))
    return found


def test_the_image_is_slim_python_with_the_project_installed() -> None:
    steps = instructions()
    [base] = [args for word, args in steps if word == "FROM"]
    assert re.fullmatch(r"python:3\.1[1-9]-slim", base), base
    python = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert python == ">=3.11"

    copies = [args.split() for word, args in steps if word == "COPY"]
    assert ["pyproject.toml", "README.md", "./"] in copies
    assert ["src", "./src"] in copies
    runs = [args for word, args in steps if word == "RUN"]
    assert any(re.match(r"pip install \.( |$)", run) for run in runs), runs
    # Only the project goes in: no package from an index named `orchestrix`, no uvx.
    assert not any("pip install orchestrix" in run or "uvx" in run for run in runs)


def test_the_entry_point_is_orchestrix_mcp_reading_the_spec_from_the_environment() -> None:
    steps = instructions()
    [entry] = [args for word, args in steps if word == "ENTRYPOINT"]
    assert json.loads(entry) == ["orchestrix", "mcp"]  # exec form: signals reach the server
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["orchestrix"] == "orchestrix.cli:main"
    # What the catalog item tells the runtime to start is the same command.
    config = PlatformConfig(
        url="http://a.test",
        api_key="k",
        dashboard_url="http://a.test",
        gateway_id=None,
        gateway_name="Orchestrix",
        transport="stdio",
        http_port=8080,
        command=("orchestrix",),
        docker_image="registry.example/orchestrix-mcp:0.1.0",
        install_timeout=1,
        request_timeout=1,
    )
    command, arguments = launch(config)
    assert [command, *arguments] == json.loads(entry)
    env = " ".join(args for word, args in steps if word == "ENV")
    assert SPEC_ENV not in env  # the spec comes from the catalog item, never the image
    assert "ORCHESTRIX_DATA_DIR=" in env


def test_the_image_runs_as_a_user_and_keeps_the_build_context_small() -> None:
    steps = instructions()
    users = [args for word, args in steps if word == "USER"]
    assert users and users[-1] not in {"root", "0"}
    assert [args for word, args in steps if word == "EXPOSE"] == ["8080"]
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".venv", ".git", "frontend", "tests"} <= set(ignored)
    docs = (ROOT / "docs" / "archestra-platform.md").read_text()
    assert "docker build -t" in docs
    assert "ORCHESTRIX_ARCHESTRA_PLATFORM_DOCKER_IMAGE" in docs

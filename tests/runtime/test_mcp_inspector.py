"""The MCP Inspector's command-line mode (from the npm registry) lists and calls our tool.

A third-party client, written against the TypeScript SDK, talking to McpMount over real
streamable HTTP. Needs Node.js: missing ``npx`` skips locally and fails under ``CI=true``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import IN_CI, unique_namespace
from tests.factories import make_settings
from tests.runtime.test_mcp_http import SIGNUP, McpHost, running

# Pinned so CI is reproducible. Later releases (0.16+) need Node.js 22; this one runs on 20.
INSPECTOR = "@modelcontextprotocol/inspector@0.15.0"
NPX_TIMEOUT = 300  # the first run downloads the package


def inspector(url: str, *args: str) -> Any:
    npx = shutil.which("npx")
    if npx is None:
        message = "npx (Node.js) is not installed: the MCP Inspector cannot run"
        if IN_CI:
            pytest.fail(f"{message} (CI=true: this test must run)")
        pytest.skip(message)
    result = subprocess.run(
        [npx, "-y", INSPECTOR, "--cli", url, "--transport", "http", *args],
        capture_output=True,
        text=True,
        timeout=NPX_TIMEOUT,
        env={**os.environ, "npm_config_update_notifier": "false"},
    )
    assert result.returncode == 0, f"inspector failed:\n{result.stdout}\n{result.stderr}"
    return json.loads(result.stdout)


@pytest.mark.timeout(2 * NPX_TIMEOUT + 60)
def test_the_inspector_lists_and_calls_the_signup_tool(tmp_path: Path) -> None:
    host = McpHost(make_settings(tmp_path))
    host.put("srv_signup", SIGNUP, unique_namespace())
    with running(host) as base:
        url = f"{base}/srv_signup/mcp"
        listed = inspector(url, "--method", "tools/list")
        assert [t["name"] for t in listed["tools"]] == ["signup_api"]
        assert listed["tools"][0]["inputSchema"]["required"] == ["email", "password"]
        assert listed["tools"][0]["annotations"]["readOnlyHint"] is False

        call = (
            "--method",
            "tools/call",
            "--tool-name",
            "signup_api",
            "--tool-arg",
            "email=ada@example.com",
            "password=hunter2hunter2",
        )
        first = inspector(url, *call)
        assert first.get("isError") is not True, first
        assert first["structuredContent"]["token"].count(".") == 2
        assert json.loads(first["content"][0]["text"]) == first["structuredContent"]

        again = inspector(url, *call)
        assert again["isError"] is True
        assert set(again["structuredContent"]) == {"error", "details"}

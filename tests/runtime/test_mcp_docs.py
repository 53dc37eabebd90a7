"""docs/mcp.md's examples work as the page says."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from orchestrix.runtime.mcp import call_result
from orchestrix.settings import get_settings
from tests.servers import serve_asgi

ROOT = Path(__file__).resolve().parents[2]
PAGE = (ROOT / "docs" / "mcp.md").read_text(encoding="utf-8")


def block_after(marker: str, language: str) -> str:
    return PAGE.split(marker, 1)[1].split(f"```{language}\n", 1)[1].split("```", 1)[0]


async def test_the_mount_example_serves_signup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)  # the example loads examples/signup.yaml
    monkeypatch.setenv("ORCHESTRIX_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("ORCHESTRIX_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    namespace: dict[str, Any] = {}
    try:
        exec(
            compile(block_after("<!-- mcp_mount example -->", "python"), "mcp.md", "exec"),
            namespace,
        )
        with serve_asgi(namespace["app"]) as base:
            async with Client(f"{base}/signup/mcp") as client:
                assert [t.name for t in (await client.list_tools()).tools] == ["signup_api"]
                args = {"email": "ada@example.com", "password": "correct-horse-1"}
                assert (await client.call_tool("signup_api", args)).is_error is False
                again = await client.call_tool("signup_api", args)
    finally:
        get_settings.cache_clear()
    # The page shows this answer (the SDK may add its own ``_meta`` keys).
    shown = json.loads(block_after("a duplicate signup answers", "json"))
    answer = again.model_dump(mode="json", by_alias=True, exclude_none=True)
    meta = answer.pop("_meta")
    assert meta["dev.orchestrix/status"] == shown.pop("_meta")["dev.orchestrix/status"] == 409
    assert answer == {**shown, "resultType": "complete"}


def test_the_shown_error_is_what_the_adapter_builds() -> None:
    shown = json.loads(block_after("a duplicate signup answers", "json"))
    built = call_result(409, shown["structuredContent"])
    assert built.model_dump(mode="json", by_alias=True, exclude_none=True) == {
        **shown,
        "resultType": "complete",
    }


def test_the_settings_the_page_names_exist() -> None:
    import re

    from orchestrix.settings import Settings

    named = set(re.findall(r"ORCHESTRIX_(MCP_[A-Z_]+)", PAGE))
    assert named >= {"MCP_ALLOWED_HOSTS", "MCP_ALLOWED_ORIGINS", "MCP_OAUTH_ISSUER"}
    assert {n.lower() for n in named} <= set(Settings.model_fields)

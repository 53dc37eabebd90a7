"""ORCHESTRIX_AUTH=tokens: the owner comes from an API token made with `orchestrix token`."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.conftest import example_spec, serve_app
from tests.factories import make_settings, server_env


def cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "orchestrix", "token", *args],
        env=server_env(tmp_path, None),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def make_token(tmp_path: Path, owner: str) -> dict[str, Any]:
    done = cli(tmp_path, "create", "--owner", owner, "--name", "test", "--json")
    assert done.returncode == 0, done.stderr
    created: dict[str, Any] = json.loads(done.stdout)
    return created


@pytest.fixture
def tokens_url(tmp_path: Path) -> Iterator[str]:
    settings = make_settings(tmp_path, auth="tokens")
    with serve_app(settings) as base:
        yield base


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_tokens_decide_the_owner(tmp_path: Path, tokens_url: str) -> None:
    ada = make_token(tmp_path, "ada")
    bob = make_token(tmp_path, "bob")
    assert ada["token"].startswith("orx_")
    with httpx.Client(base_url=tokens_url) as c:
        missing = c.get("/mcp/servers")
        assert missing.status_code == 401
        assert missing.headers["www-authenticate"] == "Bearer"
        assert set(missing.json()) == {"error", "details"}
        assert c.get("/mcp/servers", headers=bearer("orx_made_up")).status_code == 401
        assert c.get("/mcp/servers", headers=bearer(ada["token"] + "x")).status_code == 401

        created = c.post(
            "/mcp/servers", json={"spec": example_spec()}, headers=bearer(ada["token"])
        )
        assert created.status_code == 201, created.text
        server = created.json()
        assert server["ownerId"] == "ada"
        sid = server["id"]

        same = c.get(f"/mcp/servers/{sid}", params={"ownerId": "ada"}, headers=bearer(ada["token"]))
        assert same.status_code == 200
        spoofed = c.get(
            f"/mcp/servers/{sid}", params={"ownerId": "bob"}, headers=bearer(ada["token"])
        )
        assert spoofed.status_code == 403
        spoofed_body = c.post(
            "/mcp/servers",
            json={"spec": example_spec(), "ownerId": "bob"},
            headers=bearer(ada["token"]),
        )
        assert spoofed_body.status_code == 403

        # bob's token does not see ada's server: 404, never its contents
        assert c.get(f"/mcp/servers/{sid}", headers=bearer(bob["token"])).status_code == 404
        assert c.get("/mcp/servers", headers=bearer(bob["token"])).json() == []
        assert [s["id"] for s in c.get("/mcp/servers", headers=bearer(ada["token"])).json()] == [
            sid
        ]

        listed = cli(tmp_path, "list", "--owner", "ada", "--json")
        assert listed.returncode == 0, listed.stderr
        tokens = json.loads(listed.stdout)
        assert [t["id"] for t in tokens] == [ada["id"]]
        assert tokens[0]["lastUsedAt"] is not None
        assert ada["token"] not in listed.stdout

        revoked = cli(tmp_path, "revoke", ada["id"])
        assert revoked.returncode == 0, revoked.stderr
        assert c.get("/mcp/servers", headers=bearer(ada["token"])).status_code == 401
        assert c.get("/mcp/servers", headers=bearer(bob["token"])).status_code == 200


def test_token_cli_errors_are_one_line(tmp_path: Path) -> None:
    unknown = cli(tmp_path, "revoke", "tok_nope")
    assert unknown.returncode == 1
    assert "Token not found" in unknown.stderr
    assert "Traceback" not in unknown.stderr
    empty = cli(tmp_path, "create", "--owner", " ")
    assert empty.returncode == 1
    assert "--owner" in empty.stderr


def test_serve_refuses_an_open_interface_without_tokens(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "orchestrix", "serve", "--host", "0.0.0.0", "--port", "9"],
        env=server_env(tmp_path, None),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert "ORCHESTRIX_AUTH=tokens" in done.stderr

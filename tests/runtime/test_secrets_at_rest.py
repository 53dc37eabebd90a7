"""Secrets at rest and in logs, on SQLite and PostgreSQL: JWT signing keys encrypted (a key read
from the database forges nothing), named secrets of a deployment, and redaction by role and
by schema hint whatever a field is called."""

from __future__ import annotations

import json
from typing import Any

import jwt
from sqlalchemy import select, update

from orchestrix.runtime.database import secrets as secrets_table
from orchestrix.runtime.executor import Executor
from orchestrix.spec.models import Workflow
from orchestrix.tools.base import Services
from tests.conftest import unique_namespace

TOKENS: dict[str, Any] = {
    "name": "Tokens",
    "inputSchema": {"type": "object", "properties": {"token": {"type": "string"}}},
    "tools": [
        {"id": "verify", "type": "jwtVerify", "config": {"token": "{{ input.token }}"}},
        {
            "id": "response",
            "type": "response",
            "config": {"body": {"sub": "{{ steps.verify.subject }}"}},
        },
    ],
}


async def _stored(services: Services, namespace: str) -> dict[str, str]:
    engine = services.datastore.engine  # type: ignore[attr-defined]
    stmt = select(secrets_table.c.name, secrets_table.c.value).where(
        secrets_table.c.namespace == namespace
    )
    async with engine.connect() as conn:
        return {str(r.name): str(r.value) for r in (await conn.execute(stmt)).all()}


async def test_a_jwt_key_read_from_the_database_forges_nothing(any_services: Services) -> None:
    ns = unique_namespace()
    key = await any_services.secrets.get_or_create(ns, "jwt")
    row = (await _stored(any_services, ns))["jwt"]
    assert row.startswith("fernet:") and key not in row
    executor = Executor(Workflow.model_validate(TOKENS))
    payload = {"sub": "admin", "exp": 9_999_999_999}
    forged = jwt.encode(payload, row, algorithm="HS256")
    refused = await executor.run({"token": forged}, any_services, namespace=ns)
    assert refused.status == 401
    genuine = jwt.encode(payload, key, algorithm="HS256")
    accepted = await executor.run({"token": genuine}, any_services, namespace=ns)
    assert (accepted.status, accepted.body) == (200, {"sub": "admin"})


async def test_a_plain_text_key_of_before_is_encrypted_on_first_read(
    any_services: Services,
) -> None:
    ns = unique_namespace()
    await any_services.secrets.get_or_create(ns, "jwt")
    engine = any_services.datastore.engine  # type: ignore[attr-defined]
    async with engine.begin() as conn:
        await conn.execute(
            update(secrets_table)
            .where(secrets_table.c.namespace == ns)
            .values(value="legacy-plain-key-0123456789")
        )
    fresh = type(any_services.secrets)(engine, any_services.secrets.cipher)  # type: ignore[call-arg,attr-defined]
    assert await fresh.get_or_create(ns, "jwt") == "legacy-plain-key-0123456789"
    row = (await _stored(any_services, ns))["jwt"]
    assert row.startswith("fernet:") and "legacy-plain-key" not in row


async def test_named_secrets_of_a_namespace_are_encrypted_and_replaced(
    any_services: Services,
) -> None:
    ns = unique_namespace()
    await any_services.secrets.replace_named(ns, {"API_KEY": "v1-secret-value", "OTHER": "o"})
    await any_services.secrets.replace_named(ns, {"API_KEY": "v2-secret-value"})
    assert await any_services.secrets.named(ns) == {"API_KEY": "v2-secret-value"}
    rows = await _stored(any_services, ns)
    assert set(rows) == {"env:API_KEY"}
    assert "secret-value" not in json.dumps(rows)
    # a run reads them from the namespace when it is not handed them
    spec = {
        "name": "Reader",
        "tools": [
            {"id": "response", "type": "response", "config": {"body": "{{ secrets.API_KEY }}"}}
        ],
    }
    result = await Executor(Workflow.model_validate(spec)).run({}, any_services, namespace=ns)
    assert (result.status, result.body) == (200, "v2-secret-value")
    assert "v2-secret-value" not in json.dumps([e.to_dict() for e in result.logs])
    assert result.redact({"body": result.body}) == {"body": "***"}


ROLES: dict[str, Any] = {
    "name": "Roles",
    "inputSchema": {
        "type": "object",
        "properties": {
            "pw": {"type": "string"},
            "pin": {"type": "string", "format": "password"},
            "code": {"type": "string", "writeOnly": True},
            "card": {
                "type": "object",
                "properties": {"number": {"type": "string", "writeOnly": True}},
            },
            "note": {"type": "string"},
        },
    },
    "tools": [
        {"id": "input", "type": "input"},
        {"id": "hashPassword", "type": "hashPassword", "config": {"value": "{{ input.pw }}"}},
        {
            "id": "echo",
            "type": "transform",
            "config": {
                "output": {
                    "mixed": "{{ input.note }} / {{ input.pin }} / {{ input.code }}",
                    "n": "{{ input.card.number }}",
                    "copy": "{{ input.pw }}",
                }
            },
        },
        {"id": "response", "type": "response", "config": {"body": {"ok": True}}},
    ],
}


async def test_sensitive_by_role_and_schema_hint_whatever_the_name(
    any_services: Services,
) -> None:
    values = {
        "pw": "hunter2-plain",
        "pin": "4711",
        "code": "993",  # short: masked where a whole value equals it
        "card": {"number": "4111111111111111"},
        "note": "hello",
    }
    executor = Executor(Workflow.model_validate(ROLES))
    result = await executor.run(
        values,
        any_services,
        namespace=unique_namespace(),
        headers={"X-Upstream-Auth": "upstream-credential-xyz"},
    )
    assert result.status == 200, result.body
    logs = json.dumps([e.to_dict() for e in result.logs])
    for secret in ("hunter2-plain", "4711", "4111111111111111", "upstream-credential-xyz"):
        assert secret not in logs
    assert '"993"' not in logs
    assert "hello" in logs  # what is not secret stays readable
    stored_input = result.redact(values)
    assert stored_input["pw"] == "***" and stored_input["pin"] == "***"
    assert stored_input["code"] == "***" and stored_input["card"] == {"number": "***"}
    assert stored_input["note"] == "hello"
    assert result.redact({"x-upstream-auth": "upstream-credential-xyz"}) == {
        "x-upstream-auth": "***"
    }


async def test_production_refuses_to_start_without_a_key(tmp_path: Any) -> None:
    import pytest

    from orchestrix.errors import ConfigurationError
    from orchestrix.runtime.services import open_services
    from orchestrix.settings import Settings

    settings = Settings(  # type: ignore[call-arg]
        data_dir=tmp_path, require_encryption_key=True, encryption_key=None, _env_file=None
    )
    with pytest.raises(ConfigurationError) as refused:
        async with open_services(settings):
            pass
    assert "ORCHESTRIX_ENCRYPTION_KEY is required" in refused.value.message
    assert not (tmp_path / "encryption.key").exists()
    keyed = Settings(  # type: ignore[call-arg]
        data_dir=tmp_path, require_encryption_key=True, encryption_key="k" * 40, _env_file=None
    )
    async with open_services(keyed) as services:
        ns = unique_namespace()
        key = await services.secrets.get_or_create(ns, "jwt")
        await services.secrets.replace_named(ns, {"API_KEY": "value-under-key-k"})
    # the same key in another process reads them back; a different key cannot, and a run
    # that needs them answers a clean 500 that says why
    async with open_services(keyed) as services:
        assert await services.secrets.get_or_create(ns, "jwt") == key
    other = Settings(data_dir=tmp_path, encryption_key="other", _env_file=None)  # type: ignore[call-arg]
    spec = {
        "name": "Reader",
        "tools": [
            {"id": "response", "type": "response", "config": {"body": "{{ secrets.API_KEY }}"}}
        ],
    }
    async with open_services(other) as services:
        result = await Executor(Workflow.model_validate(spec)).run({}, services, namespace=ns)
    assert result.status == 500
    assert "cannot be decrypted" in result.body["error"]


def test_the_embedded_default_generates_one_key_file(tmp_path: Any) -> None:
    import stat

    from orchestrix.runtime.cipher import SecretCipher
    from orchestrix.settings import Settings

    settings = Settings(data_dir=tmp_path, encryption_key=None, _env_file=None)  # type: ignore[call-arg]
    token = SecretCipher(settings).encrypt("value-1")
    key_file = tmp_path / "encryption.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert SecretCipher(settings).decrypt(token) == "value-1"  # a second process reads it
    assert len(list(tmp_path.iterdir())) == 1  # no temporary file left behind


def test_static_checks_of_secret_references() -> None:
    from orchestrix.runtime.checks import check_workflow, referenced_secrets

    spec = {
        "name": "Refs",
        "inputSchema": {"type": "object", "properties": {"which": {"type": "string"}}},
        "tools": [
            {
                "id": "t",
                "type": "transform",
                "config": {
                    "output": {
                        "a": "{{ secrets.API_KEY }}",
                        "b": "{{ secrets[input.which] }}",
                        "c": "{{ secrets }}",
                        "d": "{{ secrets['OTHER'] }}",
                    }
                },
            }
        ],
    }
    workflow = Workflow.model_validate(spec)
    assert referenced_secrets(workflow) == {"API_KEY", "OTHER"}
    problems = [str(p) for p in check_workflow(workflow, secret_names={"API_KEY"})]
    assert sum("read by its name" in p for p in problems) == 2
    assert any("the secret 'OTHER' is not set for this server" in p for p in problems)
    assert not any("'API_KEY'" in p for p in problems)
    # without the server's names, only the shape is checked
    assert len(check_workflow(workflow)) == 2

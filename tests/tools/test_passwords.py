"""hashPassword and verifyPassword: argon2id hashes, constant-time checks, one 401 for all."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from argon2 import PasswordHasher, Type, extract_parameters
from argon2.profiles import RFC_9106_LOW_MEMORY

from orchestrix.errors import Unauthorized, ValidationFailed
from orchestrix.passwords import passwords_for
from orchestrix.runtime.executor import Executor
from orchestrix.settings import Settings
from orchestrix.spec.io import load_workflow
from orchestrix.spec.models import Workflow
from orchestrix.tools.base import RunContext, Services
from orchestrix.tools.hash_password import HashPassword, HashPasswordConfig
from orchestrix.tools.verify_password import VerifyPassword, VerifyPasswordConfig
from tests.conftest import unique_namespace
from tests.factories import CHEAP_ARGON2, cheap_argon2_env, make_settings


def _ctx(services: Services) -> RunContext:
    return RunContext(
        workflow=Workflow(name="Passwords"),
        input={},
        services=services,
        namespace=unique_namespace(),
    )


async def _hash(services: Services, value: str | None) -> str:
    out = await HashPassword().run(_ctx(services), HashPasswordConfig(value=value))
    return out.hash


async def _verify(services: Services, password: str | None, hash_: str | None, **kw: str) -> bool:
    config = VerifyPasswordConfig.model_validate({"password": password, "hash": hash_, **kw})
    out = await VerifyPassword().run(_ctx(services), config)
    return out.valid


async def test_the_hash_is_argon2id_and_verifies(services: Services) -> None:
    hashed = await _hash(services, "correct-horse-1")
    assert hashed.startswith("$argon2id$")
    assert extract_parameters(hashed).type is Type.ID
    assert "correct-horse-1" not in hashed
    assert PasswordHasher().verify(hashed, "correct-horse-1")
    # a fresh salt every time
    assert await _hash(services, "correct-horse-1") != hashed


async def test_an_empty_password_is_refused(services: Services) -> None:
    for value in ("", None):
        with pytest.raises(ValidationFailed) as info:
            await _hash(services, value)
        assert info.value.status == 400


async def test_the_right_password_verifies(services: Services) -> None:
    hashed = await _hash(services, "s3cret-pass")
    assert await _verify(services, "s3cret-pass", hashed) is True


@pytest.mark.parametrize("given", ["S3cret-pass", "s3cret-pas", "", None])
async def test_a_wrong_password_is_401(services: Services, given: str | None) -> None:
    hashed = await _hash(services, "s3cret-pass")
    with pytest.raises(Unauthorized) as info:
        await _verify(services, given, hashed)
    assert (info.value.status, info.value.message) == (401, "Invalid credentials")


@pytest.mark.parametrize("stored", [None, "", "not-a-hash", "$argon2id$v=19$m=1,t=1,p=1$broken"])
async def test_a_missing_or_malformed_hash_is_the_same_401(
    services: Services, stored: str | None
) -> None:
    with pytest.raises(Unauthorized) as info:
        await _verify(services, "anything", stored, message="Invalid email or password")
    assert info.value.message == "Invalid email or password"
    # without a hash the password is still checked, against the dummy hash made up front
    dummy = passwords_for(services.settings).dummy_hash
    assert dummy.startswith("$argon2id$")
    assert extract_parameters(dummy) == extract_parameters(await _hash(services, "x"))


def test_production_hashes_have_argon2_cffis_rfc_9106_parameters(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The one test that pays for production-strength hashes: with no argon2 setting given,
    hashes are argon2id with RFC 9106's low-memory profile (argon2-cffi's defaults)."""
    for name in cheap_argon2_env():
        monkeypatch.delenv(name, raising=False)
    settings = Settings(_env_file=None, data_dir=tmp_path)  # type: ignore[call-arg]
    passwords = passwords_for(settings)
    assert extract_parameters(passwords.hash_sync("pw-12345")) == RFC_9106_LOW_MEMORY
    assert extract_parameters(passwords.dummy_hash) == RFC_9106_LOW_MEMORY


def test_the_parameters_come_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ORCHESTRIX_ARGON2_TIME_COST", "2")
    monkeypatch.setenv("ORCHESTRIX_ARGON2_MEMORY_COST", "16")
    monkeypatch.setenv("ORCHESTRIX_ARGON2_PARALLELISM", "2")
    settings = Settings(_env_file=None, data_dir=tmp_path)  # type: ignore[call-arg]
    found = extract_parameters(passwords_for(settings).hash_sync("pw"))
    assert (found.type, found.time_cost, found.memory_cost, found.parallelism) == (
        Type.ID,
        2,
        16,
        2,
    )


def test_too_little_memory_for_the_lanes_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="ORCHESTRIX_ARGON2_MEMORY_COST"):
        Settings(  # type: ignore[call-arg]
            _env_file=None, data_dir=tmp_path, argon2_memory_cost=8, argon2_parallelism=2
        )


async def test_hashing_and_verifying_leave_the_event_loop_free(services: Services) -> None:
    """The hash runs in a worker thread: while it runs, other coroutines go on."""
    assert services.settings.argon2_time_cost == CHEAP_ARGON2["argon2_time_cost"]
    done = False
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while not done:
            ticks += 1
            await asyncio.sleep(0)

    async def hash_then_verify() -> None:
        nonlocal done
        hashed = await _hash(services, "pw-12345")
        assert await _verify(services, "pw-12345", hashed)
        done = True

    await asyncio.gather(hash_then_verify(), ticker())
    assert ticks > 0


LOGIN = Workflow.model_validate(
    {
        "name": "Login",
        "inputSchema": {
            "type": "object",
            "required": ["email", "password"],
            "properties": {"email": {"type": "string"}, "password": {"type": "string"}},
        },
        "tools": [
            {"id": "input", "type": "input"},
            {
                "id": "user",
                "type": "dbFind",
                "config": {
                    "collection": "users",
                    "where": {"email": "{{ input.email }}"},
                    "required": False,
                },
            },
            {
                "id": "check",
                "type": "verifyPassword",
                "config": {
                    "password": "{{ input.password }}",
                    "hash": "{{ steps.user.passwordHash }}",
                    "message": "Invalid email or password",
                },
            },
            {"id": "ok", "type": "response", "config": {"body": {"id": "{{ steps.user.id }}"}}},
        ],
    }
)


async def test_login_through_the_executor(any_services: Services) -> None:
    ns = unique_namespace()
    user = await any_services.datastore.insert(
        ns,
        "users",
        {"email": "ada@example.com", "passwordHash": await _hash(any_services, "pw-12345")},
        ["email"],
    )
    executor = Executor(LOGIN)
    ok = await executor.run(
        {"email": "ada@example.com", "password": "pw-12345"}, any_services, namespace=ns
    )
    assert (ok.status, ok.body) == (200, {"id": user["id"]})
    wrong = await executor.run(
        {"email": "ada@example.com", "password": "nope"}, any_services, namespace=ns
    )
    unknown = await executor.run(
        {"email": "bob@example.com", "password": "pw-12345"}, any_services, namespace=ns
    )
    for result in (wrong, unknown):
        assert result.status == 401
        assert result.body == {"error": "Invalid email or password", "details": None}


SIGNUP = load_workflow(Path(__file__).resolve().parents[2] / "examples" / "signup.yaml")


async def test_a_taken_email_answers_409_before_the_hash_is_paid(any_services: Services) -> None:
    ns = unique_namespace()
    executor = Executor(SIGNUP)
    first = await executor.run(
        {"email": "ada@example.com", "password": "pw-123456"}, any_services, namespace=ns
    )
    assert first.status == 201, first.body
    again = await executor.run(
        {"email": "ADA@example.com", "password": "pw-123456"}, any_services, namespace=ns
    )
    # the insert's own answer, given by the hash step: no hash made, no insert tried
    assert again.status == 409
    assert again.body == {
        "error": "A user with this email already exists",
        "details": {"field": "email"},
    }
    steps = {entry.id: entry for entry in again.logs}
    assert steps["hashPassword"].status == "error"
    assert steps["hashPassword"].output is None
    assert "dbInsert" not in steps
    _, count = await any_services.datastore.query(ns, "users", {})
    assert count == 1


async def test_without_a_known_insert_the_hash_is_made_and_the_insert_decides(
    any_services: Services,
) -> None:
    """A guard on the insert: the early answer cannot be sure, so the insert gives it."""
    spec = SIGNUP.to_wire()
    for tool in spec["tools"]:
        if tool["type"] == "dbInsert":
            tool["when"] = "{{ input.email != '' }}"
    guarded = Executor(Workflow.model_validate(spec))
    ns = unique_namespace()
    body = {"email": "bob@example.com", "password": "pw-123456"}
    assert (await guarded.run(body, any_services, namespace=ns)).status == 201
    again = await guarded.run(body, any_services, namespace=ns)
    assert again.status == 409
    steps = {entry.id: entry.status for entry in again.logs}
    assert (steps["hashPassword"], steps["dbInsert"]) == ("success", "error")


async def test_the_dummy_hash_is_made_when_the_services_open(tmp_path: Path) -> None:
    """Before the first login: the first unknown user costs what every other one does."""
    from orchestrix import passwords
    from orchestrix.runtime.services import open_services

    settings = make_settings(tmp_path, argon2_time_cost=2, argon2_memory_cost=16)
    parameters = passwords.Argon2Parameters.of(settings)
    assert parameters not in passwords._made  # these parameters are this test's own
    async with open_services(settings):
        made = passwords._made[parameters]
        assert extract_parameters(made.dummy_hash).time_cost == 2

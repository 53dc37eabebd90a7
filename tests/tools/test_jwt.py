"""jwtGenerate and jwtVerify: signed with the namespace's own secret, 401 on anything wrong."""

from __future__ import annotations

import base64
import json
import time
from datetime import datetime
from typing import Any

import jwt
import pytest
from pydantic import ValidationError

from orchestrix.errors import Unauthorized
from orchestrix.runtime.executor import Executor
from orchestrix.spec.models import Workflow
from orchestrix.tools.base import RunContext, Services
from orchestrix.tools.jwt_generate import JwtGenerate, JwtGenerateConfig
from orchestrix.tools.jwt_verify import JwtVerify, JwtVerifyConfig
from tests.conftest import unique_namespace


def _ctx(services: Services, namespace: str | None = None) -> RunContext:
    return RunContext(
        workflow=Workflow(name="Tokens"),
        input={},
        services=services,
        namespace=namespace or unique_namespace(),
    )


async def _generate(ctx: RunContext, **config: Any) -> dict[str, Any]:
    out = await JwtGenerate().run(ctx, JwtGenerateConfig.model_validate(config))
    return out.model_dump(by_alias=True)


async def _verify(ctx: RunContext, token: str | None, **config: Any) -> dict[str, Any]:
    out = await JwtVerify().run(ctx, JwtVerifyConfig.model_validate({"token": token, **config}))
    return out.model_dump(by_alias=True)


async def test_round_trip(any_services: Services) -> None:
    ctx = _ctx(any_services)
    before = int(time.time())
    made = await _generate(
        ctx,
        subject=42,
        claims={"role": "admin", "sub": "evil", "exp": 1, "iat": 1},
        expiresIn=600,
        issuer="orchestrix",
        audience="todo-api",
    )
    assert made["tokenType"] == "Bearer" and made["expiresIn"] == 600
    secret = await any_services.secrets.get_or_create(ctx.namespace, "jwt")
    claims = jwt.decode(
        made["token"], secret, algorithms=["HS256"], audience="todo-api", issuer="orchestrix"
    )
    assert claims["sub"] == "42" and claims["role"] == "admin"
    assert before <= claims["iat"] <= claims["exp"] - 600 + 1
    assert len(claims["jti"]) == 32
    expires_at = datetime.fromisoformat(made["expiresAt"].replace("Z", "+00:00"))
    assert int(expires_at.timestamp()) == claims["exp"]

    checked = await _verify(ctx, made["token"], issuer="orchestrix", audience="todo-api")
    assert checked["subject"] == "42"
    assert checked["claims"] == claims
    # a leading "Bearer " (any case) is stripped
    assert (await _verify(ctx, f"bearer  {made['token']} ", audience="todo-api"))["subject"] == "42"


async def test_each_token_is_unique(services: Services) -> None:
    ctx = _ctx(services)
    a = await _generate(ctx, subject="u1")
    b = await _generate(ctx, subject="u1")
    assert a["token"] != b["token"]


@pytest.mark.parametrize("algorithm", ["HS384", "HS512"])
async def test_other_algorithms(services: Services, algorithm: str) -> None:
    ctx = _ctx(services)
    made = await _generate(ctx, subject="u1", algorithm=algorithm)
    assert jwt.get_unverified_header(made["token"])["alg"] == algorithm
    assert (await _verify(ctx, made["token"], algorithm=algorithm))["subject"] == "u1"
    with pytest.raises(Unauthorized, match="Invalid token"):
        await _verify(ctx, made["token"])  # expects HS256


def test_unsupported_algorithms_are_refused() -> None:
    with pytest.raises(ValidationError):
        JwtGenerateConfig.model_validate({"subject": "u", "algorithm": "none"})
    with pytest.raises(ValidationError):
        JwtVerifyConfig.model_validate({"algorithm": "RS256"})


@pytest.mark.parametrize("token", [None, "", "   ", "Bearer ", "Bearer"])
async def test_a_missing_token_is_401(services: Services, token: str | None) -> None:
    with pytest.raises(Unauthorized) as info:
        await _verify(_ctx(services), token)
    assert (info.value.status, info.value.message) == (401, "Missing token")


async def test_an_expired_token_is_401(services: Services) -> None:
    ctx = _ctx(services)
    secret = await services.secrets.get_or_create(ctx.namespace, "jwt")
    now = int(time.time())
    token = jwt.encode({"sub": "u1", "iat": now - 120, "exp": now - 60}, secret, "HS256")
    with pytest.raises(Unauthorized) as info:
        await _verify(ctx, token)
    assert (info.value.status, info.value.message) == (401, "Token expired")
    # within the configured leeway it still passes
    assert (await _verify(ctx, token, leeway=120))["subject"] == "u1"


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


async def test_a_tampered_token_is_401(services: Services) -> None:
    ctx = _ctx(services)
    token = (await _generate(ctx, subject="user-1"))["token"]
    header, payload, signature = token.split(".")
    claims = jwt.decode(token, options={"verify_signature": False})
    forged_payload = _b64({**claims, "sub": "admin"})
    flipped = signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")
    unsigned = jwt.encode({**claims, "sub": "admin"}, key=None, algorithm="none")
    for bad in (
        f"{header}.{forged_payload}.{signature}",
        f"{header}.{payload}.{flipped}",
        unsigned,
        "not.a.token",
        "garbage",
    ):
        with pytest.raises(Unauthorized) as info:
            await _verify(ctx, bad)
        assert info.value.message == "Invalid token", bad


async def test_a_token_of_another_namespace_is_401(services: Services) -> None:
    token = (await _generate(_ctx(services), subject="u1"))["token"]
    with pytest.raises(Unauthorized, match="Invalid token"):
        await _verify(_ctx(services), token)


async def test_issuer_and_audience_are_enforced(services: Services) -> None:
    ctx = _ctx(services)
    token = (await _generate(ctx, subject="u1", issuer="a", audience=["x", "y"]))["token"]
    assert (await _verify(ctx, token, issuer="a", audience="y"))["subject"] == "u1"
    for config in ({"issuer": "b", "audience": "x"}, {"audience": "z"}, {}):
        with pytest.raises(Unauthorized, match="Invalid token"):
            await _verify(ctx, token, **config)


async def test_a_token_without_exp_is_401(services: Services) -> None:
    ctx = _ctx(services)
    secret = await services.secrets.get_or_create(ctx.namespace, "jwt")
    with pytest.raises(Unauthorized, match="Invalid token"):
        await _verify(ctx, jwt.encode({"sub": "u1"}, secret, "HS256"))


PROTECTED = Workflow.model_validate(
    {
        "name": "Me",
        "tools": [
            {"id": "auth", "type": "jwtVerify", "config": {"token": "{{ headers.authorization }}"}},
            {
                "id": "me",
                "type": "response",
                "config": {
                    "body": {
                        "id": "{{ steps.auth.subject }}",
                        "role": "{{ steps.auth.claims.role }}",
                    }
                },
            },
        ],
    }
)

LOGIN = Workflow.model_validate(
    {
        "name": "Issue",
        "tools": [
            {
                "id": "token",
                "type": "jwtGenerate",
                "config": {"subject": "{{ input.user }}", "claims": {"role": "{{ input.role }}"}},
            }
        ],
    }
)


async def test_tokens_through_the_executor(any_services: Services) -> None:
    ns = unique_namespace()
    issued = await Executor(LOGIN).run({"user": "u7", "role": "editor"}, any_services, namespace=ns)
    assert issued.status == 200
    token = issued.body["token"]
    # the token never shows in the step logs
    assert token not in json.dumps([entry.to_dict() for entry in issued.logs])
    protected = Executor(PROTECTED)
    me = await protected.run(
        {}, any_services, namespace=ns, headers={"Authorization": f"Bearer {token}"}
    )
    assert (me.status, me.body) == (200, {"id": "u7", "role": "editor"})
    anonymous = await protected.run({}, any_services, namespace=ns)
    assert (anonymous.status, anonymous.body["error"]) == (401, "Missing token")
    forged = await protected.run(
        {}, any_services, namespace=ns, headers={"Authorization": f"Bearer {token}x"}
    )
    assert (forged.status, forged.body["error"]) == (401, "Invalid token")

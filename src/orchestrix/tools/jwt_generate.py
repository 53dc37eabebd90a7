"""``jwtGenerate``: a signed JWT for a subject.

The signing key is a per-namespace secret created on first use and kept by the secret store,
never in the spec. ``sub``, ``iat`` and ``exp`` always come from the tool, not from ``claims``.
"""

from __future__ import annotations

import time
import uuid
from typing import Any, Literal

import jwt
from pydantic import Field

from orchestrix.timefmt import iso_z
from orchestrix.tools.base import RunContext, Tool, ToolConfig, ToolOutput

Algorithm = Literal["HS256", "HS384", "HS512"]
SECRET_NAME = "jwt"
RESERVED_CLAIMS = frozenset({"sub", "iat", "exp"})


class JwtGenerateConfig(ToolConfig):
    subject: str | int = Field(
        description="Who the token is for (the `sub` claim), e.g. `{{ steps.dbInsert.id }}`."
    )
    claims: dict[str, Any] = Field(
        default_factory=dict,
        description="Extra claims, e.g. `{role: admin}`; cannot replace sub, iat or exp.",
    )
    expires_in: int = Field(
        default=3600, ge=1, le=31_536_000, description="Lifetime in seconds (at most a year)."
    )
    issuer: str | None = Field(default=None, description="The `iss` claim.")
    audience: str | list[str] | None = Field(default=None, description="The `aud` claim.")
    algorithm: Algorithm = Field(default="HS256", description="HMAC algorithm.")


class JwtGenerateOutput(ToolOutput):
    token: str = Field(description="The signed JWT.")
    token_type: Literal["Bearer"] = Field(default="Bearer", description="Always `Bearer`.")
    expires_in: int = Field(description="Lifetime in seconds.")
    expires_at: str = Field(description="Expiry time, ISO 8601 in UTC.")


class JwtGenerate(Tool):
    type = "jwtGenerate"
    summary = "Signs a JWT for a subject with the server's own secret key."
    Config = JwtGenerateConfig
    Output = JwtGenerateOutput

    async def run(self, ctx: RunContext, config: JwtGenerateConfig) -> JwtGenerateOutput:
        secret = await ctx.services.secrets.get_or_create(ctx.namespace, SECRET_NAME)
        now = int(time.time())
        expires_at = now + config.expires_in
        payload: dict[str, Any] = {"jti": uuid.uuid4().hex}
        payload.update({k: v for k, v in config.claims.items() if k not in RESERVED_CLAIMS})
        if config.issuer is not None:
            payload["iss"] = config.issuer
        if config.audience is not None:
            payload["aud"] = config.audience
        payload.update({"sub": str(config.subject), "iat": now, "exp": expires_at})
        token = jwt.encode(payload, secret, algorithm=config.algorithm)
        return JwtGenerateOutput(
            token=token,
            expires_in=config.expires_in,
            expires_at=iso_z(expires_at, "auto"),
        )

"""``jwtVerify``: checks a JWT signed by ``jwtGenerate`` with this server's secret."""

from __future__ import annotations

import re
from typing import Any

import jwt
from pydantic import Field

from orchestrix.errors import Unauthorized
from orchestrix.tools.base import RunContext, Tool, ToolConfig, ToolOutput
from orchestrix.tools.jwt_generate import SECRET_NAME, Algorithm

_BEARER = re.compile(r"^bearer(\s+|$)", re.IGNORECASE)


def bare_token(value: str | None) -> str:
    """The token without a leading ``Bearer `` (any case) and surrounding spaces."""
    return _BEARER.sub("", (value or "").strip(), count=1).strip()


class JwtVerifyConfig(ToolConfig):
    token: str | None = Field(
        default=None,
        description="The token, e.g. `{{ headers.authorization }}`; a leading `Bearer ` is "
        "stripped. Missing or empty answers 401.",
    )
    issuer: str | None = Field(default=None, description="Required `iss` claim, when set.")
    audience: str | list[str] | None = Field(
        default=None, description="Accepted `aud` value(s), when set."
    )
    algorithm: Algorithm = Field(default="HS256", description="The algorithm tokens must use.")
    leeway: int = Field(
        default=0, ge=0, le=300, description="Seconds of clock skew tolerated on `exp`."
    )


class JwtVerifyOutput(ToolOutput):
    subject: str | None = Field(description="The `sub` claim.")
    claims: dict[str, Any] = Field(description="Every claim of the token.")


class JwtVerify(Tool):
    type = "jwtVerify"
    summary = "Verifies a JWT (from a header or the input); 401 when missing, bad or expired."
    Config = JwtVerifyConfig
    Output = JwtVerifyOutput
    sensitive = frozenset({"token"})  # never logged, whatever the field is called

    async def run(self, ctx: RunContext, config: JwtVerifyConfig) -> JwtVerifyOutput:
        token = bare_token(config.token)
        if not token:
            raise Unauthorized("Missing token")
        secret = await ctx.services.secrets.get_or_create(ctx.namespace, SECRET_NAME)
        try:
            claims = jwt.decode(
                token,
                secret,
                algorithms=[config.algorithm],
                issuer=config.issuer,
                audience=config.audience,
                leeway=config.leeway,
                options={"require": ["exp"]},
            )
        except jwt.ExpiredSignatureError as e:
            raise Unauthorized("Token expired") from e
        except jwt.InvalidTokenError as e:
            raise Unauthorized("Invalid token", {"reason": str(e)}) from e
        subject = claims.get("sub")
        return JwtVerifyOutput(subject=None if subject is None else str(subject), claims=claims)

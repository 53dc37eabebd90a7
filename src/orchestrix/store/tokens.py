"""API tokens: the owner identity of ``ORCHESTRIX_AUTH=tokens``.

A token is ``orx_`` and 43 random URL-safe characters, shown once. Only its SHA-256 is stored:
the token has 256 random bits, so a fast hash is enough and a lookup is one indexed query.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from orchestrix.errors import NotFoundError
from orchestrix.store.models import ApiTokenRow
from orchestrix.store.records import TokenRecord
from orchestrix.store.types import new_id, utcnow

TOKEN_PREFIX = "orx_"
_SHOWN_PREFIX = 12
#: ``last_used_at`` is written at most this often per token, not on every request.
_TOUCH_EVERY = timedelta(minutes=1)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _to_token(row: ApiTokenRow) -> TokenRecord:
    return TokenRecord(
        id=row.id,
        owner_id=row.owner_id,
        name=row.name,
        prefix=row.prefix,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
    )


class TokenRepository:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def create(self, owner_id: str, name: str = "") -> tuple[TokenRecord, str]:
        """A new token for ``owner_id``: its record and the token itself (shown once)."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        row = ApiTokenRow(
            id=new_id("tok_", 9),
            owner_id=owner_id,
            name=name,
            token_hash=hash_token(token),
            prefix=token[:_SHOWN_PREFIX],
            created_at=utcnow(),
        )
        async with self._sessions.begin() as session:
            session.add(row)
            await session.flush()
            record = _to_token(row)
        return record, token

    async def list_all(self, owner_id: str | None = None) -> list[TokenRecord]:
        query = select(ApiTokenRow).order_by(ApiTokenRow.created_at.desc())
        if owner_id is not None:
            query = query.where(ApiTokenRow.owner_id == owner_id)
        async with self._sessions() as session:
            rows = (await session.scalars(query)).all()
        return [_to_token(row) for row in rows]

    async def revoke(self, token_id: str) -> TokenRecord:
        """Revoke a token (idempotent); NotFoundError for an unknown id."""
        async with self._sessions.begin() as session:
            row = await session.get(ApiTokenRow, token_id)
            if row is None:
                raise NotFoundError("Token not found", {"tokenId": token_id})
            if row.revoked_at is None:
                row.revoked_at = utcnow()
            record = _to_token(row)
        return record

    async def authenticate(self, token: str) -> str | None:
        """The owner of an active token, or None."""
        if not token.startswith(TOKEN_PREFIX):
            return None
        digest = hash_token(token)
        async with self._sessions.begin() as session:
            row = (
                await session.scalars(select(ApiTokenRow).where(ApiTokenRow.token_hash == digest))
            ).first()
            if row is None or row.revoked_at is not None:
                return None
            if not hmac.compare_digest(row.token_hash, digest):  # pragma: no cover
                return None
            now = utcnow()
            if row.last_used_at is None or now - row.last_used_at > _TOUCH_EVERY:
                row.last_used_at = now
            return row.owner_id

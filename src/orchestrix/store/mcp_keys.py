"""API keys of a server's MCP endpoints, and whether the server demands one.

A key is ``orxk_`` and 43 random URL-safe characters, shown once; only its SHA-256 is kept (256
random bits need no slow hash, and a lookup is one indexed query). Keys belong to a server, not
to an owner: every agent deployed from the server accepts them, and revoking one refuses it on
the next request everywhere that reads this database (``orchestrix serve`` and a host over the
same database). ``mcp_access.require_key`` is the server's own say: when true, its deployed
agents' MCP endpoints refuse a request without a valid key.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Boolean, String, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from orchestrix.errors import NotFoundError
from orchestrix.store.models import Base
from orchestrix.store.tokens import hash_token
from orchestrix.store.types import UTCDateTime, new_id, utcnow

KEY_PREFIX = "orxk_"
_SHOWN_PREFIX = 12
#: ``last_used_at`` is written at most this often per key, not on every request.
_TOUCH_EVERY = timedelta(minutes=1)


class McpKeyRow(Base):
    """One API key of one server's MCP endpoints."""

    __tablename__ = "mcp_keys"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    server_id: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class McpAccessRow(Base):
    """Whether a server's deployed MCP endpoints demand a key (no row: they do not)."""

    __tablename__ = "mcp_access"

    server_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    require_key: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


@dataclass(frozen=True)
class McpKeyRecord:
    id: str
    server_id: str
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


def _record(row: McpKeyRow) -> McpKeyRecord:
    return McpKeyRecord(
        id=row.id,
        server_id=row.server_id,
        name=row.name,
        prefix=row.prefix,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
    )


class McpKeyRepository:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def create(self, server_id: str, name: str = "") -> tuple[McpKeyRecord, str]:
        """A new key for ``server_id``: its record and the key itself (shown once)."""
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        row = McpKeyRow(
            id=new_id("mk_", 9),
            server_id=server_id,
            name=name,
            key_hash=hash_token(key),
            prefix=key[:_SHOWN_PREFIX],
            created_at=utcnow(),
        )
        async with self._sessions.begin() as session:
            session.add(row)
            await session.flush()
            record = _record(row)
        return record, key

    async def list(self, server_id: str) -> list[McpKeyRecord]:
        query = (
            select(McpKeyRow)
            .where(McpKeyRow.server_id == server_id)
            .order_by(McpKeyRow.created_at.desc())
        )
        async with self._sessions() as session:
            rows = (await session.scalars(query)).all()
        return [_record(row) for row in rows]

    async def revoke(self, server_id: str, key_id: str) -> McpKeyRecord:
        """Revoke a key (idempotent); NotFoundError for a key that is not this server's."""
        async with self._sessions.begin() as session:
            row = await session.get(McpKeyRow, key_id)
            if row is None or row.server_id != server_id:
                raise NotFoundError("MCP key not found", {"keyId": key_id})
            if row.revoked_at is None:
                row.revoked_at = utcnow()
            record = _record(row)
        return record

    async def delete_all(self, server_id: str) -> None:
        """Forget a server's keys and its setting (the server was deleted)."""
        async with self._sessions.begin() as session:
            for row in (
                await session.scalars(select(McpKeyRow).where(McpKeyRow.server_id == server_id))
            ).all():
                await session.delete(row)
            access = await session.get(McpAccessRow, server_id)
            if access is not None:
                await session.delete(access)

    async def authenticate(self, server_id: str, key: str) -> bool:
        """True when ``key`` is an active key of ``server_id``."""
        if not key.startswith(KEY_PREFIX):
            return False
        digest = hash_token(key)
        async with self._sessions.begin() as session:
            row = (
                await session.scalars(select(McpKeyRow).where(McpKeyRow.key_hash == digest))
            ).first()
            # The lookup is by the hash of a 256-bit secret: equality of the digest is the check.
            if row is None or row.revoked_at is not None or row.server_id != server_id:
                return False
            now = utcnow()
            if row.last_used_at is None or now - row.last_used_at > _TOUCH_EVERY:
                row.last_used_at = now
            return True

    async def required(self, server_id: str) -> bool:
        async with self._sessions() as session:
            row = await session.get(McpAccessRow, server_id)
        return bool(row is not None and row.require_key)

    async def set_required(self, server_id: str, required: bool) -> bool:
        async with self._sessions.begin() as session:
            row = await session.get(McpAccessRow, server_id)
            if row is None:
                session.add(
                    McpAccessRow(server_id=server_id, require_key=required, updated_at=utcnow())
                )
            else:
                row.require_key = required
                row.updated_at = utcnow()
        return required


class ServerKeys:
    """The MCP keys of endpoints that belong to a server (a deployed agent's, say):
    ``server_of`` names the server of an endpoint (None: an endpoint of no server, which no
    key opens and which demands none). ``sessions`` is read on each call, so the store may
    open after this is made."""

    def __init__(
        self,
        sessions: Callable[[], async_sessionmaker[AsyncSession]],
        server_of: Callable[[str], str | None],
    ) -> None:
        self._sessions = sessions
        self._server_of = server_of

    def _repo(self) -> McpKeyRepository:
        return McpKeyRepository(self._sessions())

    async def required(self, endpoint: str) -> bool:
        server_id = self._server_of(endpoint)
        return server_id is not None and await self._repo().required(server_id)

    async def authenticate(self, endpoint: str, key: str) -> bool:
        server_id = self._server_of(endpoint)
        return server_id is not None and await self._repo().authenticate(server_id, key)

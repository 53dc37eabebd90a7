"""Server secrets: named values a server's specs reference as ``{{ secrets.NAME }}``.

Values are encrypted before they reach the database (:class:`SecretCipher`) and decrypted only
for a run or a deployment; listing gives names and times, never values. The owner check is
the caller's (the routes read the server with its owner first), as for every repository here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from orchestrix.errors import ValidationFailed
from orchestrix.runtime.cipher import SecretCipher
from orchestrix.store.models import ServerSecretRow
from orchestrix.store.types import utcnow

SECRET_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,55}$")
MAX_SECRET_BYTES = 16 * 1024
MAX_SECRETS_PER_SERVER = 100


@dataclass(frozen=True)
class SecretInfo:
    """What may be shown of a secret: its name and when it was set. Never its value."""

    name: str
    created_at: datetime
    updated_at: datetime


def check_secret_name(name: str) -> str:
    if not isinstance(name, str) or not SECRET_NAME.match(name):
        raise ValidationFailed(
            "A secret name is a letter or _ followed by up to 55 letters, digits or _",
            {"name": name},
        )
    return name


def check_secret_value(value: str) -> str:
    if not isinstance(value, str) or not value:
        raise ValidationFailed("A secret value is non-empty text", {"field": "value"})
    if len(value.encode("utf-8", "surrogatepass")) > MAX_SECRET_BYTES:
        raise ValidationFailed(
            f"A secret value is at most {MAX_SECRET_BYTES} bytes", {"field": "value"}
        )
    if "\x00" in value or any("\ud800" <= c <= "\udfff" for c in value):
        raise ValidationFailed("A secret value may not hold NUL or lone surrogates", None)
    return value


class ServerSecretRepository:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], cipher: SecretCipher) -> None:
        self._sessions = sessions
        self._cipher = cipher

    async def set(self, server_id: str, name: str, value: str) -> tuple[SecretInfo, bool]:
        """Create or replace a secret; ``(info, created)``."""
        check_secret_name(name)
        stored = self._cipher.encrypt(check_secret_value(value))
        now = utcnow()
        for _ in range(3):  # a concurrent first set of one name: the loser updates
            async with self._sessions.begin() as session:
                result = await session.execute(
                    update(ServerSecretRow)
                    .where(ServerSecretRow.server_id == server_id, ServerSecretRow.name == name)
                    .values(value=stored, updated_at=now)
                    .execution_options(synchronize_session=False)
                )
                if getattr(result, "rowcount", 0) == 1:
                    row = await session.get(ServerSecretRow, (server_id, name))
                    assert row is not None
                    return SecretInfo(name, row.created_at, row.updated_at), False
            count = len(await self.names(server_id))
            if count >= MAX_SECRETS_PER_SERVER:
                raise ValidationFailed(
                    f"A server holds at most {MAX_SECRETS_PER_SERVER} secrets", {"name": name}
                )
            try:
                async with self._sessions.begin() as session:
                    session.add(
                        ServerSecretRow(
                            server_id=server_id,
                            name=name,
                            value=stored,
                            created_at=now,
                            updated_at=now,
                        )
                    )
                return SecretInfo(name, now, now), True
            except IntegrityError:
                continue
        raise ValidationFailed("The secret is being changed concurrently; try again", None)

    async def names(self, server_id: str) -> list[SecretInfo]:
        query = (
            select(ServerSecretRow.name, ServerSecretRow.created_at, ServerSecretRow.updated_at)
            .where(ServerSecretRow.server_id == server_id)
            .order_by(ServerSecretRow.name)
        )
        async with self._sessions() as session:
            rows = (await session.execute(query)).all()
        return [SecretInfo(r.name, r.created_at, r.updated_at) for r in rows]

    async def delete(self, server_id: str, name: str) -> bool:
        check_secret_name(name)
        async with self._sessions.begin() as session:
            result = await session.execute(
                delete(ServerSecretRow).where(
                    ServerSecretRow.server_id == server_id, ServerSecretRow.name == name
                )
            )
        return bool(getattr(result, "rowcount", 0))

    async def values(self, server_id: str) -> dict[str, str]:
        """Every secret of the server, decrypted: for a run or a deployment, never an answer."""
        query = select(ServerSecretRow.name, ServerSecretRow.value).where(
            ServerSecretRow.server_id == server_id
        )
        async with self._sessions() as session:
            rows = (await session.execute(query)).all()
        return {r.name: self._cipher.decrypt(r.value) for r in rows}

"""Column types and helpers that hide what differs between SQLite and PostgreSQL.

SQLite keeps datetimes without a zone; :class:`UTCDateTime` stores UTC and always gives back an
aware UTC datetime, so records read the same on both databases. JSON columns use the plain
``json`` type on PostgreSQL (not ``jsonb``) so a stored spec keeps its key order.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Integer
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

#: Auto-increment integer keys: BIGINT on PostgreSQL, INTEGER (the rowid) on SQLite.
BigIntKey = BigInteger().with_variant(Integer(), "sqlite")

JSONColumn = JSON(none_as_null=True)


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id(prefix: str, length: int = 16) -> str:
    """``prefix`` + URL-safe random text (16 bytes give 22 characters)."""
    return prefix + secrets.token_urlsafe(length)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every dialect."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(
        self,
        value: Any,
        dialect: Dialect,  # noqa: ARG002 (the TypeDecorator signature)
    ) -> datetime | None:
        if value is None:
            return None
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        if moment.tzinfo is None:
            return moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC)

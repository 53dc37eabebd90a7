"""The data-plane database: engine creation and the tables that tool graphs read and write.

One module holds what differs between SQLite (the embedded default) and PostgreSQL, so the
rest of the runtime is written once. Tables are created at start (``ensure_schema``); they are
fixed, so collections need no DDL: a collection is rows of ``records`` and its unique fields are
rows of ``unique_keys`` under a real unique index.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    event,
    inspect,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

metadata = MetaData()

JSONType = JSON().with_variant(JSONB(), "postgresql")

records = Table(
    "orx_records",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("namespace", String(128), nullable=False),
    Column("collection", String(64), nullable=False),
    Column("data", JSONType, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    # Grows by one on every update: ``expectVersion`` compares it (compare-and-set).
    Column("version", Integer, nullable=False, server_default=text("1")),
    Index("ix_orx_records_ns_coll_created", "namespace", "collection", "created_at"),
)

unique_keys = Table(
    "orx_unique_keys",
    metadata,
    Column("namespace", String(128), nullable=False),
    Column("collection", String(64), nullable=False),
    Column("field", String(64), nullable=False),
    # sha256 of the canonical JSON of the value: fixed width, any value type.
    Column("value_hash", String(64), nullable=False),
    Column(
        "record_id",
        String(36),
        ForeignKey("orx_records.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    PrimaryKeyConstraint("namespace", "collection", "field", "value_hash"),
)

secrets = Table(
    "orx_secrets",
    metadata,
    Column("namespace", String(128), nullable=False),
    Column("name", String(64), nullable=False),
    Column("value", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("namespace", "name"),
)

outbox = Table(
    "orx_outbox",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("namespace", String(128), nullable=False, index=True),
    Column("recipients", JSONType, nullable=False),
    Column("cc", JSONType, nullable=False),
    Column("sender", String(320), nullable=False),
    Column("reply_to", String(320), nullable=True),
    Column("subject", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("html", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine; SQLite gets WAL, a busy timeout and foreign keys."""
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 40)
    kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(url, **kwargs)


#: Key of the PostgreSQL advisory lock that serializes ``ensure_schema`` across processes.
SCHEMA_LOCK_KEY = 0x6F72785F736368  # "orx_sch"


async def ensure_schema(engine: AsyncEngine) -> None:
    """Create the data-plane tables that are missing (safe to call from many processes).

    On PostgreSQL, concurrent ``CREATE TABLE``s of one name fail on the catalog's unique
    index, so each caller first takes a transaction-scoped advisory lock: the first creates
    the tables, the others then find them.
    """
    async with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK_KEY})
        await conn.run_sync(metadata.create_all, checkfirst=True)
        await conn.run_sync(_add_missing_columns)


def _add_missing_columns(conn: Any) -> None:
    """Columns added to a table after it was first created (``create_all`` adds none)."""
    present = {c["name"] for c in inspect(conn).get_columns(records.name)}
    if "version" not in present:
        conn.execute(
            text(f"ALTER TABLE {records.name} ADD COLUMN version INTEGER NOT NULL DEFAULT 1")
        )

"""The data-plane database: engine creation and the tables that tool graphs read and write.

One module holds what differs between SQLite (the embedded default) and PostgreSQL, so the
rest of the runtime is written once. Tables are created at start (``ensure_schema``); they are
fixed, so collections need no DDL: a collection is rows of ``records`` and its unique fields are
rows of ``unique_keys`` under a real unique index.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
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
    exc,
    inspect,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from orchestrix.errors import OrchestrixError

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


#: Pool defaults (``ORCHESTRIX_DB_POOL_SIZE`` and ``ORCHESTRIX_DB_MAX_OVERFLOW`` in the host).
POOL_SIZE = 10
MAX_OVERFLOW = 10
#: A pooled connection is replaced after this many seconds (servers and proxies drop old ones).
POOL_RECYCLE = 1800.0
#: A connection idle in the pool longer than this is pinged once before it is handed out.
IDLE_PING_AFTER = 30.0


class DatabaseUnavailable(OrchestrixError):
    """The database cannot be reached now (down, restarting, out of connections): 503."""

    status = 503
    code = "database_unavailable"
    #: Seconds a client should wait before trying again (the ``Retry-After`` header).
    retry_after = 1


#: SQLSTATE classes of a server that cannot serve now: connection exception, insufficient
#: resources (too many connections), operator intervention (shutdown, starting up).
_UNREACHABLE_STATES = ("08", "53", "57P")


def _sqlstate(error: BaseException) -> str:
    for cause in (getattr(error, "orig", None), error.__cause__):
        for candidate in (cause, getattr(cause, "__cause__", None)):
            state = getattr(candidate, "sqlstate", None)
            if isinstance(state, str):
                return state
    return ""


def is_unreachable(error: BaseException) -> bool:
    """True for a failure to reach the database, as opposed to a failed statement."""
    if isinstance(error, exc.DBAPIError):
        if error.connection_invalidated or error.statement is None:  # None: while connecting
            return True
        if isinstance(error, exc.OperationalError | exc.InterfaceError):
            return True
        return _sqlstate(error).startswith(_UNREACHABLE_STATES)
    return isinstance(error, exc.TimeoutError | OSError | ConnectionError)


def unavailable(error: BaseException) -> DatabaseUnavailable:
    return DatabaseUnavailable(
        "The database is unavailable; try again shortly",
        {"reason": type(error).__name__, "retryAfterSeconds": DatabaseUnavailable.retry_after},
    )


def _ping_idle_connections(engine: AsyncEngine) -> None:
    """Instead of a ping on every checkout (``pool_pre_ping``: one more round trip per
    request), ping only a connection that sat idle in the pool for a while; a dead one is
    dropped and the pool hands out a fresh one (SQLAlchemy retries a ``DisconnectionError``
    raised from ``checkout``)."""

    @event.listens_for(engine.sync_engine.pool, "checkin")
    def _checked_in(_dbapi_conn: Any, record: Any) -> None:
        if record is not None:
            record.info["orx_idle_since"] = time.monotonic()

    @event.listens_for(engine.sync_engine.pool, "checkout")
    def _checked_out(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("orx_idle_since")
        if since is None or time.monotonic() - since < IDLE_PING_AFTER:
            return
        try:
            dbapi_conn.ping()
        except Exception as e:
            raise exc.DisconnectionError("an idle pooled connection was dead") from e


def make_engine(
    url: str, *, pool_size: int | None = None, max_overflow: int | None = None, **kwargs: Any
) -> AsyncEngine:
    """An async engine; SQLite gets WAL, a busy timeout and foreign keys. PostgreSQL gets a
    pool of ``pool_size`` (+ ``max_overflow``) connections, recycled, and pinged only after
    sitting idle."""
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
    kwargs["pool_size"] = POOL_SIZE if pool_size is None else pool_size
    kwargs["max_overflow"] = MAX_OVERFLOW if max_overflow is None else max_overflow
    kwargs.setdefault("pool_recycle", POOL_RECYCLE)
    kwargs.setdefault("pool_timeout", 10)
    engine = create_async_engine(url, **kwargs)
    if not kwargs.get("pool_pre_ping"):
        _ping_idle_connections(engine)
    return engine


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


# --- sizing the pools of several workers ------------------------------------------------------


@dataclass(frozen=True)
class PoolPlan:
    """Connections per worker: ``pool_size`` kept open, ``max_overflow`` more under load, and
    one for LISTEN. ``limit`` is what the server allows us (None: not known)."""

    pool_size: int
    max_overflow: int
    workers: int
    limit: int | None

    @property
    def per_worker(self) -> int:
        return self.pool_size + self.max_overflow + 1

    @property
    def total(self) -> int:
        return self.per_worker * self.workers


def plan_pools(pool_size: int, max_overflow: int, workers: int, limit: int | None) -> PoolPlan:
    """Pools for ``workers`` processes whose connections together stay within ``limit``.

    Each worker may open ``pool_size + max_overflow`` connections plus one for LISTEN; when N
    of them would exceed the limit, the pool shrinks first to what fits, then the overflow.
    """
    if limit is None:
        return PoolPlan(pool_size, max_overflow, workers, None)
    share = limit // workers - 1  # the pool's share of one worker's connections
    if share < 1:
        raise ValueError(
            f"{workers} workers need at least {2 * workers} PostgreSQL connections; "
            f"the server allows {limit} more"
        )
    pool = min(pool_size, share)
    overflow = min(max_overflow, share - pool)
    return PoolPlan(pool, overflow, workers, limit)


async def connections_left(engine: AsyncEngine) -> int | None:
    """How many more client connections PostgreSQL accepts now: ``max_connections`` less the
    reserved ones and those already open (None on SQLite)."""
    if engine.dialect.name != "postgresql":
        return None
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                text(
                    "SELECT current_setting('max_connections')::int, "
                    "current_setting('superuser_reserved_connections')::int, "
                    "(SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')"
                )
            )
        ).one()
    maximum, reserved, in_use = int(row[0]), int(row[1]), int(row[2])
    # ``in_use`` counts this connection, which closes before the workers start.
    return max(0, maximum - reserved - (in_use - 1))

"""Building the services a run uses, once per process, and closing them cleanly."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncEngine

from orchestrix import __version__
from orchestrix.passwords import prepare
from orchestrix.runtime.cipher import SecretCipher
from orchestrix.runtime.database import ensure_schema, make_engine
from orchestrix.runtime.datastore import SqlDataStore, SqlSecretStore
from orchestrix.runtime.egress import EgressPolicy, egress_client
from orchestrix.runtime.mail import build_mailer
from orchestrix.runtime.ratelimit import build_limiter
from orchestrix.settings import Settings
from orchestrix.tools.base import Services


@asynccontextmanager
async def open_services(
    settings: Settings, *, engine: AsyncEngine | None = None
) -> AsyncIterator[Services]:
    """Services over ``settings``' database (or a given engine, which the caller owns)."""
    own_engine = engine is None
    if engine is None:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = make_engine(
            settings.resolved_database_url,
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
        )
    http = egress_client(
        EgressPolicy.from_settings(settings), user_agent=f"orchestrix/{__version__}"
    )
    limiter = build_limiter(settings)
    cipher = SecretCipher(settings)
    try:
        cipher.check()  # a required ORCHESTRIX_ENCRYPTION_KEY that is missing fails at start
        await ensure_schema(engine)
        await prepare(settings)  # the hasher and its dummy hash, before the first login
        yield Services(
            settings=settings,
            datastore=SqlDataStore(engine),
            secrets=SqlSecretStore(engine, cipher),
            mailer=build_mailer(settings, engine),
            limiter=limiter,
            http=http,
        )
    finally:
        await http.aclose()
        await limiter.aclose()
        if own_engine:
            await engine.dispose()

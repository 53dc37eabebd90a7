"""The control-plane store: one engine, one session factory, a repository per table."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from orchestrix.runtime.cipher import SecretCipher
from orchestrix.runtime.database import make_engine
from orchestrix.settings import Settings, get_settings
from orchestrix.store.deployments import DeploymentRepository
from orchestrix.store.executions import ExecutionRepository
from orchestrix.store.mcp_keys import McpKeyRepository
from orchestrix.store.migrate import migrate
from orchestrix.store.secrets import ServerSecretRepository
from orchestrix.store.servers import ServerRepository
from orchestrix.store.tokens import TokenRepository


class Store:
    """Repositories over one engine. The engine is the caller's (see :meth:`open`)."""

    def __init__(self, engine: AsyncEngine, *, cipher: SecretCipher | None = None) -> None:
        """``cipher`` encrypts server secrets; None: the default settings' (see
        :class:`~orchestrix.runtime.cipher.SecretCipher`)."""
        self.engine = engine
        self.sessions: async_sessionmaker[AsyncSession] = async_sessionmaker(
            engine, expire_on_commit=False
        )
        self.servers = ServerRepository(self.sessions)
        self.versions = self.servers  # versions live with their server
        self.deployments = DeploymentRepository(self.sessions)
        self.executions = ExecutionRepository(self.sessions)
        self.tokens = TokenRepository(self.sessions)
        self.cipher = cipher or SecretCipher(get_settings())
        self.secrets = ServerSecretRepository(self.sessions, self.cipher)
        self.mcp_keys = McpKeyRepository(self.sessions)

    async def migrate(self) -> None:
        self.cipher.check()  # a required ORCHESTRIX_ENCRYPTION_KEY that is missing fails here
        await migrate(self.engine)

    @classmethod
    @asynccontextmanager
    async def open(cls, settings: Settings) -> AsyncIterator[Store]:
        """A migrated store over the settings' database, disposed on exit."""
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = make_engine(settings.resolved_database_url)
        try:
            store = cls(engine, cipher=SecretCipher(settings))
            await store.migrate()
            yield store
        finally:
            await engine.dispose()

"""The control-plane FastAPI app: ``create_app(settings)``.

What ``app.state`` holds, for every router (this package's and ``orchestrix.api.deploy``):
``settings``, ``engine`` (the async engine of the database), ``store`` (the control-plane
:class:`~orchestrix.store.Store`), ``runner`` (runs stored servers, executors cached),
``services`` (the runtime services, once started) and ``mcp`` (the MCP bridge, or None).

At start the lifespan runs the Alembic migrations, opens the runtime services over the same
engine and enters the MCP mount; at the end it closes them and disposes the engine.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import FastAPI
from sqlalchemy import text

from orchestrix import __version__
from orchestrix.api import catalog, deploy, mcp_keys, runtime, secrets, servers
from orchestrix.api.errors import UnexpectedErrors, install_error_handlers
from orchestrix.api.limits import BodySizeLimit
from orchestrix.api.mcp import mount_mcp
from orchestrix.api.runner import Runner
from orchestrix.api.schemas import Health
from orchestrix.dashboard import mount_dashboard
from orchestrix.host import mount_host
from orchestrix.runtime import rest
from orchestrix.runtime.cipher import SecretCipher
from orchestrix.runtime.database import make_engine
from orchestrix.runtime.services import open_services
from orchestrix.settings import Settings, get_settings
from orchestrix.store import Store


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.resolved_database_url)
    store = Store(engine, cipher=SecretCipher(settings))
    runner = Runner(store)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await store.migrate()
        try:
            async with AsyncExitStack() as stack:
                services = await stack.enter_async_context(open_services(settings, engine=engine))
                app.state.services = runner.services = services
                if app.state.mcp is not None:
                    await stack.enter_async_context(app.state.mcp.running())
                yield
        finally:
            runner.services = None
            await engine.dispose()

    app = FastAPI(
        title="Orchestrix",
        version=__version__,
        summary="Describe an API in plain words; get a tested tool graph that runs, speaks MCP "
        "and REST, and deploys.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.store = store
    app.state.runner = runner
    app.state.services = None
    install_error_handlers(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(
        rest.TrustedHosts,
        hosts=settings.trusted_hosts,
        origins=settings.trusted_origins,
        public_urls=[settings.public_url, settings.host_public_url],
    )
    app.add_middleware(UnexpectedErrors)  # added last: the outermost of ours

    @app.get("/healthz", response_model=Health, tags=["health"])
    async def healthz() -> Health:
        """Liveness and database reachability."""
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        return Health(status="ok", version=__version__)

    app.include_router(servers.router)
    app.include_router(runtime.router)
    app.include_router(runtime.public)  # outside /mcp/servers
    app.include_router(deploy.router)
    app.include_router(secrets.router)
    app.include_router(catalog.router)
    app.include_router(mcp_keys.router)
    app.include_router(mcp_keys.public)  # /.well-known/oauth-protected-resource
    app.state.mcp = mount_mcp(app, store, runner)  # after the REST routes under /runtime
    # the `local` target: the host's serving routes (/agents/...); its management API is not
    # mounted here, the target deploys in process
    host = mount_host(app, settings, engine=engine)
    runner.telemetry = host.telemetry
    mount_dashboard(app)  # last: the API's routes take precedence over the page's
    return app

"""``orchestrix serve`` (the control-plane API) and ``orchestrix token`` (API tokens)."""

from __future__ import annotations

import os
from typing import Annotated, Any

import typer
from rich.table import Table

from orchestrix.cli.app import (
    app,
    console,
    database_label,
    ensure_database,
    ensure_port_free,
    fail,
    print_json,
    run_async,
)
from orchestrix.net import is_loopback
from orchestrix.settings import Settings, get_settings

BANNER = (
    "Orchestrix: the dashboard at http://{host}:{port}/, the API under /mcp/servers "
    "(docs at /docs); database {database}"
)

token_app = typer.Typer(
    help="API tokens: the owner identity when ORCHESTRIX_AUTH=tokens.", no_args_is_help=True
)
app.add_typer(token_app, name="token")


async def _pool_plan(settings: Settings, workers: int) -> Any:
    from orchestrix.runtime.database import connections_left, make_engine, plan_pools

    engine = make_engine(settings.resolved_database_url, pool_size=1, max_overflow=0)
    try:
        left = await connections_left(engine)
    finally:
        await engine.dispose()
    return plan_pools(settings.db_pool_size, settings.db_max_overflow, workers, left)


def size_worker_pools(workers: int) -> None:
    """Size each worker's PostgreSQL pool so that ``workers`` of them stay within the
    connections the server has left (``max_connections`` less reserved and open ones): the
    workers read ``ORCHESTRIX_DB_POOL_SIZE`` and ``ORCHESTRIX_DB_MAX_OVERFLOW`` set here."""
    settings = get_settings()
    try:
        plan = run_async(_pool_plan(settings, workers))
    except ValueError as e:
        fail(f"{e}: run fewer --workers or raise max_connections")
    if plan.limit is None:
        return
    os.environ["ORCHESTRIX_DB_POOL_SIZE"] = str(plan.pool_size)
    os.environ["ORCHESTRIX_DB_MAX_OVERFLOW"] = str(plan.max_overflow)
    get_settings.cache_clear()
    console.print(
        f"PostgreSQL pools: {workers} worker(s) x ({plan.pool_size} + {plan.max_overflow} "
        f"overflow + 1 listener) = at most {plan.total} of the {plan.limit} connections left",
        soft_wrap=True,
    )


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
    allow_unauthenticated: Annotated[
        bool,
        typer.Option(
            help="Bind a non-loopback interface without API tokens (anyone who can reach it "
            "can act as any owner)."
        ),
    ] = False,
) -> None:
    """Start the API: SQLite in the data directory unless ORCHESTRIX_DATABASE_URL is set."""
    import uvicorn

    settings = get_settings()
    if settings.auth == "none" and not is_loopback(host) and not allow_unauthenticated:
        fail(
            f"refusing to serve on {host} without authentication: set ORCHESTRIX_AUTH=tokens "
            "(and create tokens with `orchestrix token create`), bind 127.0.0.1, or pass "
            "--allow-unauthenticated"
        )
    settings.resolved_database_url  # noqa: B018  (a bad URL fails here, as one line)
    ensure_port_free(host, port)
    ensure_database()
    console.print(BANNER.format(host=host, port=port, database=database_label()), soft_wrap=True)
    uvicorn.run(
        "orchestrix.api:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        proxy_headers=False,
    )


async def _token_create(owner: str, name: str) -> dict[str, Any]:
    from orchestrix.store import Store

    async with Store.open(get_settings()) as store:
        record, token = await store.tokens.create(owner, name)
    return {"id": record.id, "ownerId": record.owner_id, "name": record.name, "token": token}


async def _token_list(owner: str | None) -> list[dict[str, Any]]:
    from orchestrix.store import Store

    async with Store.open(get_settings()) as store:
        records = await store.tokens.list_all(owner)
    return [
        {
            "id": r.id,
            "ownerId": r.owner_id,
            "name": r.name,
            "prefix": r.prefix,
            "createdAt": r.created_at.isoformat(),
            "lastUsedAt": r.last_used_at.isoformat() if r.last_used_at else None,
            "revokedAt": r.revoked_at.isoformat() if r.revoked_at else None,
        }
        for r in records
    ]


async def _token_revoke(token_id: str) -> str:
    from orchestrix.store import Store

    async with Store.open(get_settings()) as store:
        record = await store.tokens.revoke(token_id)
    return record.id


@token_app.command("create")
def token_create(
    owner: Annotated[str, typer.Option("--owner", help="The owner id the token acts as.")],
    name: Annotated[str, typer.Option(help="A label, e.g. the machine it is for.")] = "",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Create a token for OWNER; it is printed once and only its hash is kept."""
    owner = owner.strip()
    if not owner or len(owner) > 200 or "\x00" in owner:
        fail("--owner must be 1 to 200 characters")
    if len(name) > 200:
        fail("--name must be at most 200 characters")
    created = run_async(_token_create(owner, name))
    if as_json:
        print_json(created)
        return
    console.print(f"token {created['id']} for owner {created['ownerId']!r} (shown only once):")
    console.print(created["token"], soft_wrap=True)


@token_app.command("list")
def token_list(
    owner: Annotated[str | None, typer.Option("--owner", help="Only this owner's.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List tokens (never the tokens themselves: their first characters)."""
    tokens = run_async(_token_list(owner))
    if as_json:
        print_json(tokens)
        return
    if not tokens:
        console.print("No tokens.")
        return
    table = Table(title="API tokens")
    table.add_column("id", no_wrap=True, min_width=16)  # `token revoke` needs all of it
    for column in ("owner", "name", "prefix", "created", "last used", "status"):
        table.add_column(column)
    for t in tokens:
        table.add_row(
            t["id"],
            t["ownerId"],
            t["name"],
            t["prefix"] + "…",
            t["createdAt"][:19],
            (t["lastUsedAt"] or "never")[:19],
            "revoked" if t["revokedAt"] else "active",
        )
    console.print(table)


@token_app.command("revoke")
def token_revoke(
    token_id: Annotated[str, typer.Argument(help="The token's id (tok_...).")],
) -> None:
    """Revoke a token: requests with it answer 401 from now on."""
    revoked = run_async(_token_revoke(token_id))
    console.print(f"revoked {revoked}")

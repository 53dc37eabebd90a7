"""``orchestrix secret set/list/delete SERVER NAME``: a server's secrets, on the database.

A value is read from ``--value``, from standard input when it is piped, or from a hidden
prompt; it is stored encrypted and never printed (``list`` shows names and times only).
"""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer
from rich.table import Table

from orchestrix.cli.app import app, console, fail, print_json, run_async
from orchestrix.errors import NotFoundError
from orchestrix.settings import get_settings

secret_app = typer.Typer(
    help="A server's secrets, read by its specs as {{ secrets.NAME }}; stored encrypted.",
    no_args_is_help=True,
)
app.add_typer(secret_app, name="secret")

ServerArg = Annotated[str, typer.Argument(help="The server id (mcp_...).")]
NameArg = Annotated[str, typer.Argument(help="The secret's name, e.g. WEATHER_API_KEY.")]
OwnerOption = Annotated[
    str | None, typer.Option("--owner", help="Refuse unless the server is this owner's.")
]


async def _server(store: Any, server_id: str, owner: str | None) -> None:
    await store.servers.get(server_id, owner)


async def _set(server_id: str, name: str, value: str, owner: str | None) -> bool:
    from orchestrix.store import Store

    async with Store.open(get_settings()) as store:
        await _server(store, server_id, owner)
        _, created = await store.secrets.set(server_id, name, value)
    return created


async def _list(server_id: str, owner: str | None) -> list[dict[str, str]]:
    from orchestrix.store import Store

    async with Store.open(get_settings()) as store:
        await _server(store, server_id, owner)
        infos = await store.secrets.names(server_id)
    return [
        {
            "name": i.name,
            "createdAt": i.created_at.isoformat(),
            "updatedAt": i.updated_at.isoformat(),
        }
        for i in infos
    ]


async def _delete(server_id: str, name: str, owner: str | None) -> None:
    from orchestrix.store import Store

    async with Store.open(get_settings()) as store:
        await _server(store, server_id, owner)
        if not await store.secrets.delete(server_id, name):
            raise NotFoundError(f"Server {server_id} has no secret {name}")


def _read_value(value: str | None) -> str:
    if value is not None:
        return value
    if not sys.stdin.isatty():
        text = sys.stdin.read()
        return text[:-1] if text.endswith("\n") else text
    entered: str = typer.prompt("value", hide_input=True)
    return entered


@secret_app.command("set")
def secret_set(
    server: ServerArg,
    name: NameArg,
    value: Annotated[
        str | None,
        typer.Option(
            "--value", help="The value (visible in shell history: prefer stdin or the prompt)."
        ),
    ] = None,
    owner: OwnerOption = None,
) -> None:
    """Set NAME for SERVER (created or replaced); the value is never shown again."""
    text = _read_value(value)
    if not text:
        fail("the secret's value is empty")
    created = run_async(_set(server, name, text, owner))
    console.print(f"secret {name} {'set' if created else 'replaced'} for {server}")


@secret_app.command("list")
def secret_list(
    server: ServerArg,
    owner: OwnerOption = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The names of SERVER's secrets and when they were set (never their values)."""
    items = run_async(_list(server, owner))
    if json_out:
        print_json(items)
        return
    if not items:
        console.print(f"No secrets for {server}.")
        return
    table = Table(title=f"Secrets of {server}")
    for column in ("name", "updated"):
        table.add_column(column)
    for item in items:
        table.add_row(item["name"], item["updatedAt"])
    console.print(table)


@secret_app.command("delete")
def secret_delete(server: ServerArg, name: NameArg, owner: OwnerOption = None) -> None:
    """Remove NAME from SERVER."""
    run_async(_delete(server, name, owner))
    console.print(f"secret {name} deleted from {server}")

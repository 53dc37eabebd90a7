"""Commands of the builder: ``new`` (prompt to spec), ``mutate`` (one chat change) and ``chat``."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated, Any

import typer

from orchestrix.cli.app import app, console, describe_error, err_console, fail, print_json
from orchestrix.errors import OrchestrixError
from orchestrix.settings import get_settings
from orchestrix.spec.io import load_workflow, save_workflow
from orchestrix.spec.models import Workflow


def _one_line(error: OrchestrixError) -> str:
    from orchestrix.agents import NotUnderstood

    if isinstance(error, NotUnderstood) and error.examples:
        shown = " or ".join(f"'{e}'" for e in error.examples[:3])
        return f"{error.message.removesuffix(' Try one of the examples.')} Try {shown}."
    return describe_error(error)


def _run(coro: Any) -> Any:
    try:
        return asyncio.run(coro)
    except OrchestrixError as e:
        fail(_one_line(e))
    except KeyboardInterrupt:
        fail("interrupted", 130)


def _load(path: Path) -> Workflow:
    try:
        return load_workflow(path)
    except OrchestrixError as e:
        fail(describe_error(e))


def _save(workflow: Workflow, path: Path) -> None:
    try:
        save_workflow(workflow, path)
    except OSError as e:
        fail(f"cannot write {path}: {e.strerror}")


@app.command()
def new(
    prompt: Annotated[str, typer.Argument(help='What the API should do, e.g. "a sign up api".')],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Where to write the spec (default: <name>.yaml)."),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the spec as JSON on stdout, and nothing else.")
    ] = False,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Build a tested workflow from plain words and write it as a spec file."""
    from orchestrix.agents import BuilderAgent

    result = _run(BuilderAgent(get_settings()).generate(prompt))
    workflow: Workflow = result.workflow
    target = output
    if target is None and not as_json:
        target = Path(f"{workflow.slug}.yaml")
    if target is not None:
        if target.exists() and not force:
            fail(f"{target} exists; pass --force to overwrite it or -o to write elsewhere")
        _save(workflow, target)
    others: list[Workflow] = list(getattr(result, "others", []))
    if target is not None:
        for other in others:
            # The other endpoints of a whole backend, each in its own file beside the first.
            _save(other, target.with_name(f"{other.slug}.yaml"))
    if as_json:
        print_json(workflow.to_wire())
        return
    console.print(f"[green]wrote[/] {target} [dim]({result.planner} planner)[/]")
    for other in others:
        console.print(f"[green]wrote[/] {target.with_name(f'{other.slug}.yaml')}")  # type: ignore[union-attr]
    console.print(result.summary, soft_wrap=True)
    for note in result.assumptions:
        if note.startswith("not covered: "):
            continue
        console.print(f"  [yellow]assumed:[/] {note}", soft_wrap=True)
    for item in getattr(result, "not_covered", []):
        console.print(f"  [red]not covered:[/] {item}", soft_wrap=True)
    console.print(
        f'[dim]next: orchestrix test {target}  ·  orchestrix mutate {target} "..."[/]',
        soft_wrap=True,
    )


@app.command()
def mutate(
    spec: Annotated[Path, typer.Argument(help="The spec file to change (written back in place).")],
    message: Annotated[str, typer.Argument(help='The change, e.g. "add a phone number field".')],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the new spec as JSON on stdout, and nothing else.")
    ] = False,
) -> None:
    """Apply one chat change to a spec file: a real edit of the graph, with a diff."""
    from orchestrix.agents import BuilderAgent

    workflow = _load(spec)
    result = _run(BuilderAgent(get_settings()).mutate(workflow, message))
    _save(result.workflow, spec)
    if as_json:
        print_json(result.workflow.to_wire())
        return
    console.print(result.summary, soft_wrap=True)
    lines = result.diff.lines()
    for line in lines:
        color = {"+": "green", "-": "red"}.get(line[:1], "yellow")
        console.print(f"  [{color}]{line}[/]", soft_wrap=True)
    if not lines:
        console.print("  [dim]no change[/]")


@app.command()
def chat(
    spec: Annotated[
        Path | None,
        typer.Argument(help="A spec file to work on; without one, the first message builds it."),
    ] = None,
) -> None:
    """Talk to the builder: create, change, run, explain. Changes are saved to the file."""
    workflow = _load(spec) if spec is not None and spec.exists() else None
    try:
        asyncio.run(_chat(spec, workflow))
    except KeyboardInterrupt:
        console.print()


async def _chat(path: Path | None, workflow: Workflow | None) -> None:
    from orchestrix.agents import SupervisorAgent

    supervisor = SupervisorAgent(settings=get_settings())
    name = workflow.name if workflow else "nothing yet"
    console.print(f"[bold]orchestrix chat[/] — working on {name}. Type 'exit' to leave.")
    while True:
        try:
            message = await asyncio.to_thread(console.input, "[bold cyan]you>[/] ")
        except EOFError:
            console.print()
            return
        if message.strip().lower() in {"exit", "quit", "bye", ":q"}:
            return
        if not message.strip():
            continue
        try:
            reply = await supervisor.handle(message, workflow)
        except OrchestrixError as e:
            err_console.print(f"[red]{_one_line(e)}[/]", soft_wrap=True)
            continue
        console.print(f"[bold magenta]orchestrix>[/] {reply.message}", soft_wrap=True)
        if reply.intent in {"create", "mutate"} and reply.workflow is not None:
            workflow = reply.workflow
            path = path or _free_name(workflow)
            _save(workflow, path)
            console.print(f"[dim]saved {path}[/]")
        elif reply.intent == "run" and workflow is not None:
            await _run_in_chat(workflow, reply.run_input)
        elif reply.intent == "deploy" and path is not None:
            console.print(f"[dim]deploy it with: orchestrix deploy {path}[/]")


def _free_name(workflow: Workflow) -> Path:
    path = Path(f"{workflow.slug}.yaml")
    n = 2
    while path.exists():
        path = Path(f"{workflow.slug}_{n}.yaml")
        n += 1
    return path


async def _run_in_chat(workflow: Workflow, run_input: dict[str, Any] | None) -> None:
    from orchestrix.cli.run import spec_namespace
    from orchestrix.runtime.executor import Executor
    from orchestrix.runtime.services import open_services
    from orchestrix.runtime.testing import run_workflow_tests

    try:
        async with open_services(get_settings()) as services:
            if run_input is None:
                report = await run_workflow_tests(workflow, services)
                for item in report.results:
                    mark = "[green]PASS[/]" if item.passed else "[red]FAIL[/]"
                    console.print(f"  {mark} {item.name} [dim](status {item.status})[/]")
                console.print(f"  {report.passed} passed, {report.failed} failed")
                return
            result = await Executor(workflow).run(
                run_input, services, namespace=spec_namespace(workflow)
            )
    except OrchestrixError as e:
        err_console.print(f"[red]{describe_error(e)}[/]", soft_wrap=True)
        return
    text = json.dumps({"status": result.status, "body": result.body}, indent=2, default=str)
    console.print(text, soft_wrap=True, markup=False)


__all__ = ["chat", "mutate", "new"]

"""Commands that work on a spec file: check, run, test, schema, tools, outbox."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from orchestrix.cli.app import app, console, describe_error, fail, print_json, run_async
from orchestrix.errors import SpecError
from orchestrix.settings import get_settings
from orchestrix.spec.io import load_workflow
from orchestrix.spec.models import Workflow, workflow_json_schema

SpecFile = Annotated[Path, typer.Argument(help="A workflow spec (.yaml, .yml or .json).")]


def _load(path: Path) -> Workflow:
    try:
        return load_workflow(path)
    except SpecError as e:
        fail(describe_error(e))


def _parse_json_object(text: str, what: str) -> dict[str, Any]:
    """JSON given inline, as @file, or - for standard input."""
    if text == "-":
        text = sys.stdin.read()
    elif text.startswith("@"):
        try:
            text = Path(text[1:]).read_text(encoding="utf-8")
        except OSError as e:
            fail(f"cannot read {what} file {text[1:]}: {e.strerror}", 2)
    try:
        value = json.loads(text)
    except json.JSONDecodeError as e:
        fail(f"{what} is not valid JSON: {e.msg} (line {e.lineno}, column {e.colno})", 2)
    if not isinstance(value, dict):
        fail(f"{what} must be a JSON object", 2)
    return value


@app.command()
def check(spec: SpecFile) -> None:
    """Check a spec: every problem is listed at once; exit 1 when there is any."""
    from orchestrix.runtime.checks import check_workflow  # the tool catalog: not for --help

    workflow = _load(spec)
    problems = check_workflow(workflow)
    if problems:
        count = len(problems)
        lines = [f"{spec}: {count} problem{'s' if count != 1 else ''}"]
        lines += [f"  - {p}" + (f" (tool {p.tool_id})" if p.tool_id else "") for p in problems]
        fail("\n".join(lines))
    console.print(
        f"[green]ok[/] {spec}: {workflow.name!r}, {len(workflow.tools)} tools, "
        f"{len(workflow.tests)} tests"
    )


def _step_table(logs: list[dict[str, Any]]) -> Table:
    table = Table(title="steps", show_lines=False)
    for column in ("#", "tool", "type", "status", "ms", "detail"):
        table.add_column(column, justify="right" if column in {"#", "ms"} else "left")
    colors = {"success": "green", "skipped": "yellow", "error": "red"}
    for i, entry in enumerate(logs, 1):
        detail = ""
        if entry.get("error"):
            detail = str(entry["error"].get("error", ""))
        table.add_row(
            str(i),
            entry["id"],
            entry["type"],
            f"[{colors.get(entry['status'], 'white')}]{entry['status']}[/]",
            f"{entry['durationMs']:.2f}",
            detail,
        )
    return table


@app.command()
def run(
    spec: SpecFile,
    input: Annotated[
        str, typer.Option("--input", "-i", help="Request body: JSON, @file.json, or - for stdin.")
    ] = "{}",
    header: Annotated[
        list[str] | None, typer.Option("--header", "-H", help="Request header 'Name: value'.")
    ] = None,
    logs: Annotated[bool, typer.Option("--logs", help="Also print the step table.")] = False,
    namespace: Annotated[
        str | None,
        typer.Option(help="Data namespace (default: metadata.namespace, else the name's slug)."),
    ] = None,
) -> None:
    """Run a spec once and print {status, body} as JSON; exit 1 when the status is 400 or more."""
    workflow = _load(spec)
    body = _parse_json_object(input, "--input")
    headers: dict[str, str] = {}
    for item in header or []:
        name, sep, value = item.partition(":")
        if not sep or not name.strip():
            fail(f"--header must look like 'Name: value', got {item!r}", 2)
        headers[name.strip()] = value.strip()
    result = run_async(_run(workflow, body, headers, namespace or spec_namespace(workflow)))
    print_json({"status": result["status"], "body": result["body"]})
    if logs:
        console.print(_step_table(result["logs"]))
    if result["status"] >= 400:
        raise typer.Exit(1)


def spec_namespace(workflow: Workflow) -> str:
    """Where a spec file run from the CLI keeps its data: specs that share
    ``metadata.namespace`` (signup and login, say) share their collections."""
    value = workflow.metadata.get("namespace")
    return value if isinstance(value, str) and value else workflow.slug


async def _run(
    workflow: Workflow, body: dict[str, Any], headers: dict[str, str], namespace: str
) -> dict[str, Any]:
    from orchestrix.runtime.executor import Executor
    from orchestrix.runtime.services import open_services

    executor = Executor(workflow)
    async with open_services(get_settings()) as services:
        result = await executor.run(body, services, namespace=namespace, headers=headers)
    return result.to_dict()


@app.command("test")
def test_command(
    spec: SpecFile,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Run the spec's own tests (in a fresh, temporary namespace); exit 1 on a failure."""
    workflow = _load(spec)
    if not workflow.tests:
        fail(f"{spec} has no tests")
    report = run_async(_test(workflow))
    if as_json:
        print_json(report)
    else:
        for item in report["results"]:
            mark = "[green]PASS[/]" if item["passed"] else "[red]FAIL[/]"
            console.print(f"{mark} {item['name']} [dim](status {item['status']})[/]")
            for problem in item["problems"]:
                console.print(f"     [red]{problem}[/]")
        console.print(f"{report['passed']} passed, {report['failed']} failed")
    if not report["ok"]:
        raise typer.Exit(1)


async def _test(workflow: Workflow) -> dict[str, Any]:
    from orchestrix.runtime.services import open_services
    from orchestrix.runtime.testing import run_workflow_tests

    async with open_services(get_settings()) as services:
        report = await run_workflow_tests(workflow, services)
    return report.to_dict()


@app.command()
def schema(
    tools: Annotated[
        bool, typer.Option("--tools", help="Print every tool type's config schema instead.")
    ] = False,
) -> None:
    """Print the JSON Schema of the orchestrix/v1 spec format."""
    if tools:
        from orchestrix.tools import registry

        print_json({name: cls.config_schema() for name, cls in sorted(registry().items())})
    else:
        print_json(workflow_json_schema())


@app.command("tools")
def list_tools() -> None:
    """List the tool catalog."""
    from orchestrix.tools import registry

    table = Table(title="tool catalog")
    table.add_column("type")
    table.add_column("what it does")
    for name, cls in sorted(registry().items()):
        table.add_row(name, cls.summary)
    console.print(table)


@app.command()
def outbox(
    namespace: Annotated[
        str | None, typer.Option(help="Only mail of this server or workflow (its namespace).")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="How many messages.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List mail kept in the local outbox (sendEmail with no SMTP server configured)."""
    messages = run_async(_outbox(namespace, limit))
    if as_json:
        print_json(messages)
        return
    if not messages:
        console.print("The outbox is empty.")
        return
    table = Table(title="outbox (newest first)")
    for column in ("when", "namespace", "to", "subject"):
        table.add_column(column)
    for m in messages:
        to = m.get("recipients") or m.get("to") or []
        table.add_row(
            str(m.get("createdAt", m.get("created_at", ""))),
            str(m.get("namespace", "")),
            ", ".join(to) if isinstance(to, list) else str(to),
            str(m.get("subject", "")),
        )
    console.print(table)


async def _outbox(namespace: str | None, limit: int) -> list[dict[str, Any]]:
    from orchestrix.runtime.database import ensure_schema, make_engine
    from orchestrix.runtime.mail import list_outbox

    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.resolved_database_url)
    try:
        await ensure_schema(engine)
        return await list_outbox(engine, namespace, limit)
    finally:
        await engine.dispose()

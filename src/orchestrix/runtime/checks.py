"""Static checks: does a workflow hold together before it runs?

Every problem is listed at once, each with its path (``tools[3].config.document.password``)
and tool id, so a user or the builder's repair loop can fix them all in one go.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from orchestrix.errors import SpecError
from orchestrix.spec import budget
from orchestrix.spec.expressions import (
    FUNCTIONS,
    Expression,
    ExpressionError,
    Template,
    compile_template,
    parse_guard,
)
from orchestrix.spec.models import Workflow
from orchestrix.tools import registry
from orchestrix.tools.validation import check_input_schema

ROOTS = frozenset({"input", "steps", "headers", "client", "secrets"})
#: Tools that store documents, and the config key holding the stored fields.
STORING_TOOLS = {"dbInsert": "document", "dbUpdate": "set"}


@dataclass
class Problem:
    path: str
    message: str
    tool_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "message": self.message, "toolId": self.tool_id}

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


def _loc(base: str, loc: tuple[str | int, ...]) -> str:
    path = base
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def _has_template_on_path(value: Any, loc: tuple[Any, ...]) -> bool:
    """True when the raw config value at ``loc`` (or a parent of it) is a ``{{ }}`` string."""
    current = value
    for part in loc:
        if isinstance(current, str):
            return "{{" in current
        in_dict = isinstance(current, dict) and part in current
        in_list = isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current)
        if in_dict or in_list:
            current = current[part]
        else:
            return False
    return isinstance(current, str) and "{{" in current


def _workflow_expressions(workflow: Workflow) -> Iterator[str]:
    """The text of every ``{{ }}`` and guard, before anything is parsed."""
    for tool in workflow.tools:
        if tool.when is not None:
            yield tool.when
        stack: list[Any] = [tool.config]
        while stack:
            value = stack.pop()
            if isinstance(value, str):
                start = value.find("{{")
                while start >= 0:
                    end = value.find("}}", start + 2)
                    yield value[start + 2 : end if end >= 0 else len(value)]
                    if end < 0:
                        break
                    start = value.find("{{", end + 2)
            elif isinstance(value, dict):
                stack.extend(value.values())
            elif isinstance(value, list):
                stack.extend(value)


def _size_problems(workflow: Workflow) -> list[Problem]:
    """Bounds checked before any expression is parsed, so a huge spec is refused quickly."""
    if len(workflow.tools) > budget.MAX_TOOLS:
        return [Problem("tools", f"a workflow holds at most {budget.MAX_TOOLS} tools")]
    total = 0
    for count, text in enumerate(_workflow_expressions(workflow), start=1):
        total += len(text)
        if count > budget.MAX_EXPRESSIONS:
            return [
                Problem("tools", f"a workflow holds at most {budget.MAX_EXPRESSIONS} expressions")
            ]
        if total > budget.MAX_EXPRESSION_TEXT:
            return [
                Problem(
                    "tools",
                    f"the expressions of a workflow are at most {budget.MAX_EXPRESSION_TEXT} "
                    "characters in all",
                )
            ]
    return []


def _unknown_key(base: str, loc: tuple[Any, ...], tool_id: str, cls: Any) -> Problem:
    """An invented config key, named with the tool and the keys it does know."""
    known = sorted(cls.config_schema().get("properties", {})) if len(loc) == 1 else []
    keys = f"; known keys: {', '.join(known)}" if known else ""
    return Problem(
        _loc(f"{base}.config", loc),
        f"unknown config key {str(loc[-1])!r} for tool {tool_id!r}{keys}",
        tool_id,
    )


def check_workflow(
    workflow: Workflow, *, secret_names: Collection[str] | None = None
) -> list[Problem]:
    """Every problem of ``workflow``. With ``secret_names`` (the server's secrets), a
    ``{{ secrets.NAME }}`` of a name that is not set is one too."""
    problems: list[Problem] = _size_problems(workflow)
    if problems:
        return problems
    catalog = registry()
    ids = [t.id for t in workflow.tools]

    problems.extend(Problem("inputSchema", p) for p in check_input_schema(workflow.input_schema))
    if workflow.input_schema.get("type", "object") != "object":
        problems.append(Problem("inputSchema.type", "the input schema must describe an object"))
    declared = workflow.input_schema.get("properties")
    input_fields = set(declared) if isinstance(declared, dict) and declared else None

    seen: set[str] = set()
    templates: dict[str, Template] = {}
    guards: dict[str, Expression] = {}
    for i, tool in enumerate(workflow.tools):
        base = f"tools[{i}]"
        if tool.id in seen:
            problems.append(Problem(f"{base}.id", f"duplicate tool id {tool.id!r}", tool.id))
        seen.add(tool.id)
        cls = catalog.get(tool.type)
        if cls is None:
            hint = difflib.get_close_matches(tool.type, list(catalog), n=1)
            suffix = f" (did you mean {hint[0]!r}?)" if hint else ""
            problems.append(
                Problem(f"{base}.type", f"unknown tool type {tool.type!r}{suffix}", tool.id)
            )
        try:
            templates[tool.id] = compile_template(tool.config)
        except ExpressionError as e:
            problems.append(Problem(f"{base}.config", str(e), tool.id))
        if tool.when is not None:
            try:
                guards[tool.id] = parse_guard(tool.when)
            except ExpressionError as e:
                problems.append(Problem(f"{base}.when", str(e), tool.id))
        if cls is not None:
            try:
                cls.Config.model_validate(tool.config)
            except ValidationError as e:
                for err in e.errors():
                    loc = tuple(err["loc"])
                    if err["type"] == "extra_forbidden":
                        # An unknown key fails whatever its value, templates included.
                        problems.append(_unknown_key(base, loc, tool.id, cls))
                        continue
                    if _has_template_on_path(tool.config, loc):
                        continue  # checked after rendering, at run time
                    problems.append(Problem(_loc(f"{base}.config", loc), err["msg"], tool.id))

    order_seen: set[str] = set()
    for j, entry in enumerate(workflow.execution_order):
        if entry not in seen:
            problems.append(
                Problem(f"executionOrder[{j}]", f"{entry!r} names no tool of this workflow")
            )
        elif entry in order_seen:
            problems.append(Problem(f"executionOrder[{j}]", f"{entry!r} appears twice", entry))
        order_seen.add(entry)
    for i, tool in enumerate(workflow.tools):
        if tool.id not in order_seen:
            problems.append(
                Problem(
                    f"tools[{i}]",
                    f"{tool.id!r} is not in executionOrder, so it never runs",
                    tool.id,
                )
            )

    index = {t.id: i for i, t in enumerate(workflow.tools)}
    ran: set[str] = set()
    for tool in workflow.ordered_tools():
        base = f"tools[{index[tool.id]}]"
        refs: list[tuple[str, Expression]] = []
        if tool.id in guards:
            refs.append((f"{base}.when", guards[tool.id]))
        if tool.id in templates:
            refs.extend(
                (_loc(f"{base}.config", loc), expr)
                for loc, expr in templates[tool.id].expressions()
            )
        for path, expr in refs:
            problems.extend(_check_expression(path, expr, tool.id, set(ids), ran, input_fields))
            problems.extend(_check_secrets(path, expr, tool.id, secret_names))
        ran.add(tool.id)

    problems.extend(_check_stored_passwords(workflow))
    return problems


def _check_expression(
    path: str,
    expr: Expression,
    tool_id: str,
    ids: set[str],
    ran: set[str],
    input_fields: set[str] | None,
) -> list[Problem]:
    problems = [
        Problem(path, f"unknown function {name}() in {expr.source!r}", tool_id)
        for name in sorted(expr.functions_called() - set(FUNCTIONS))
    ]
    for ref in expr.references():
        root = ref[0]
        if root not in ROOTS:
            problems.append(
                Problem(
                    path, f"{root!r} is not defined (use input, steps, headers or secrets)", tool_id
                )
            )
        elif root == "steps" and len(ref) > 1:
            step = str(ref[1])
            if step not in ids:
                problems.append(
                    Problem(path, f"references step {step!r}, which does not exist", tool_id)
                )
            elif step == tool_id:
                problems.append(Problem(path, f"step {step!r} references its own output", tool_id))
            elif step not in ran:
                problems.append(
                    Problem(path, f"references step {step!r}, which has not run yet", tool_id)
                )
        elif (
            root == "input"
            and len(ref) > 1
            and input_fields is not None
            and str(ref[1]) not in input_fields
        ):
            problems.append(Problem(path, f"input.{ref[1]} is not a field of inputSchema", tool_id))
    return problems


def _check_secrets(
    path: str, expr: Expression, tool_id: str, known: Collection[str] | None
) -> list[Problem]:
    problems = []
    for ref in expr.references():
        if ref[0] != "secrets":
            continue
        if len(ref) < 2 or not isinstance(ref[1], str):
            problems.append(
                Problem(path, "a secret is read by its name, e.g. {{ secrets.API_KEY }}", tool_id)
            )
        elif known is not None and ref[1] not in known:
            problems.append(
                Problem(
                    path,
                    f"the secret {ref[1]!r} is not set for this server (set it with "
                    f"orchestrix secret set SERVER {ref[1]})",
                    tool_id,
                )
            )
    return problems


def referenced_secrets(workflow: Workflow) -> frozenset[str]:
    """The names a workflow reads as ``{{ secrets.NAME }}``."""
    names: set[str] = set()
    for tool in workflow.tools:
        exprs = [expr for _, expr in compile_template(tool.config).expressions()]
        if tool.when is not None:
            exprs.append(parse_guard(tool.when))
        for expr in exprs:
            names.update(
                str(ref[1]) for ref in expr.references() if ref[0] == "secrets" and len(ref) > 1
            )
    return frozenset(names)


def sensitive_input_paths(schema: Any) -> list[tuple[str, ...]]:
    """Input fields whose schema marks them secret: ``writeOnly: true`` or
    ``format: password`` (nested objects too)."""
    found: list[tuple[str, ...]] = []
    stack: list[tuple[Any, tuple[str, ...]]] = [(schema, ())]
    while stack:
        node, path = stack.pop()
        if not isinstance(node, dict) or len(path) > 16:
            continue
        if path and (node.get("writeOnly") is True or node.get("format") == "password"):
            found.append(path)
            continue
        properties = node.get("properties")
        if isinstance(properties, dict):
            stack.extend((sub, (*path, str(name))) for name, sub in properties.items())
    return sorted(found)


def _check_stored_passwords(workflow: Workflow) -> list[Problem]:
    """A field named like a password may only store a hashPassword output."""
    hashers = {t.id for t in workflow.tools if t.type == "hashPassword"}
    problems = []
    for i, tool in enumerate(workflow.tools):
        key = STORING_TOOLS.get(tool.type)
        fields = tool.config.get(key) if key else None
        if not isinstance(fields, dict):
            continue
        for name, value in fields.items():
            if "password" not in name.lower():
                continue
            if not _is_hash_reference(value, hashers):
                problems.append(
                    Problem(
                        f"tools[{i}].config.{key}.{name}",
                        f"stores {name!r} without hashing it: use the output of a hashPassword "
                        "step, e.g. '{{ steps.hashPassword.hash }}'",
                        tool.id,
                    )
                )
    return problems


def _is_hash_reference(value: Any, hashers: set[str]) -> bool:
    if not isinstance(value, str) or "{{" not in value:
        return False
    try:
        template = compile_template(value)
    except ExpressionError:
        return True  # reported as a bad expression already
    refs = [ref for _, expr in template.expressions() for ref in expr.references()]
    return bool(refs) and all(
        len(r) >= 3 and r[0] == "steps" and r[1] in hashers and r[2] == "hash" for r in refs
    )


def ensure_valid(workflow: Workflow, *, secret_names: Collection[str] | None = None) -> None:
    problems = check_workflow(workflow, secret_names=secret_names)
    if problems:
        count = len(problems)
        raise SpecError(
            f"The workflow has {count} problem{'s' if count != 1 else ''}",
            [p.to_dict() for p in problems],
        )

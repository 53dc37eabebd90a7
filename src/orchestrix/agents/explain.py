"""A graph told in plain words, step by step, from its spec alone."""

from __future__ import annotations

import re
from typing import Any

from orchestrix.agents.fields import FieldSpec
from orchestrix.spec.models import ToolSpec, Workflow


def _refs(value: Any) -> str:
    text = str(value)
    return re.sub(r"\{\{\s*(.*?)\s*\}\}", r"\1", text)


def _step(tool: ToolSpec) -> str:
    c = tool.config
    t = tool.type
    if t == "input":
        return "reads the request"
    if t == "validation":
        return "checks the request against the input schema (400 listing every problem)"
    if t == "hashPassword":
        return f"hashes {_refs(c.get('value'))} with argon2id"
    if t == "verifyPassword":
        message = c.get("message", "Invalid credentials")
        return f"checks the password against the stored hash (401 {message!r} on a mismatch)"
    if t == "dbInsert":
        unique = c.get("unique") or []
        keys = ", ".join(c.get("document") or {})
        tail = f"; {', '.join(unique)} must be unique (409 otherwise)" if unique else ""
        return f"stores {keys} in {c.get('collection')}{tail}"
    if t == "dbFind":
        where = ", ".join(f"{k} = {_refs(v)}" for k, v in (c.get("where") or {}).items())
        tail = (
            " (404 when there is none)"
            if c.get("required", True)
            else " (nothing if there is none)"
        )
        return f"finds one record in {c.get('collection')} where {where}{tail}"
    if t == "dbQuery":
        return f"lists records of {c.get('collection')}, a page at a time"
    if t == "dbUpdate":
        changed = ", ".join(c.get("set") or {})
        return f"changes {changed} of a record in {c.get('collection')} (404 when there is none)"
    if t == "dbDelete":
        return f"deletes a record from {c.get('collection')} (404 when there is none)"
    if t == "jwtGenerate":
        return (
            f"signs a JWT for {_refs(c.get('subject'))}, valid {c.get('expiresIn', 3600)} seconds"
        )
    if t == "jwtVerify":
        return "checks the bearer token (401 when it is missing, bad or expired)"
    if t == "httpRequest":
        return f"calls {c.get('method', 'GET')} {c.get('url')} (502 when it fails)"
    if t == "transform":
        return "builds a value from earlier steps"
    if t == "sendEmail":
        return f"emails {_refs(c.get('to'))}: {c.get('subject', '')!r}"
    if t == "rateLimit":
        window = c.get("window", 60)
        return f"allows {c.get('limit')} requests per {window} seconds per client (429 beyond)"
    if t == "response":
        body = c.get("body")
        keys = (
            f" with {', '.join(body)}"
            if isinstance(body, dict) and body
            else (f" with {_refs(body)}" if body else "")
        )
        return f"answers {c.get('status', 200)}{keys}"
    return f"runs a {t} step"


def explain(workflow: Workflow) -> str:
    """Several lines: what it is, what it takes, each step, and its tests."""
    required = set(workflow.input_schema.get("required") or [])
    props = workflow.input_schema.get("properties") or {}
    fields = [
        FieldSpec.from_schema(n, s if isinstance(s, dict) else {}, required=n in required)
        for n, s in props.items()
    ]
    lines = [f"{workflow.name}: {workflow.description or 'no description'}."]
    if fields:
        lines.append("It takes " + "; ".join(f.describe() for f in fields) + ".")
    lines.append("Step by step:")
    for i, tool in enumerate(workflow.ordered_tools(), 1):
        guard = f" — only when {tool.when}" if tool.when else ""
        lines.append(f"  {i}. {tool.id} ({tool.type}) {_step(tool)}{guard}")
    if workflow.tests:
        cases = ", ".join(f"{t.name} ({t.expect.status})" for t in workflow.tests[:8])
        more = f" and {len(workflow.tests) - 8} more" if len(workflow.tests) > 8 else ""
        lines.append(f"Its {len(workflow.tests)} tests: {cases}{more}.")
    return "\n".join(lines)

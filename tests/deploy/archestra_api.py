"""Archestra's own API description (1.2.76, ``data/archestra_api/``) as JSON Schema validators.

The description is the live backend's ``GET /openapi.json``, kept verbatim. OpenAPI 3.0 is not
quite JSON Schema: ``nullable: true`` becomes "or null" here, and the ``$ref``s into
``#/components/schemas`` resolve against the document's own components. :func:`operation_for`
finds the operation of a method and a path (literal segments before parameters, as Fastify
routes them); :func:`request_problems` checks path and query parameters and the JSON body
(required fields, enums, formats, and, as a separate finding, properties the description does
not name); :func:`response_problems` checks an answer against the operation's response schema.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

DATA = Path(__file__).parent / "data" / "archestra_api"
DESCRIPTION_FILE = DATA / "openapi-1.2.76.json"
API: dict[str, Any] = json.loads(DESCRIPTION_FILE.read_text())
VERSION = str(API["info"]["version"])


def json_schema(node: Any) -> Any:
    """OpenAPI 3.0 schema -> JSON Schema: ``nullable: true`` becomes "or null"."""
    if isinstance(node, list):
        return [json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: json_schema(v) for k, v in node.items() if k != "nullable"}
    if node.get("nullable"):
        return {"anyOf": [out, {"type": "null"}]}
    return out


def closed(node: Any) -> Any:
    """The same schema with every object closed to the properties it names."""
    if isinstance(node, list):
        return [closed(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: closed(v) for k, v in node.items()}
    if "properties" in out and "additionalProperties" not in out:
        out["additionalProperties"] = False
    return out


_COMPONENTS = json_schema(API["components"])


def _rooted(schema: dict[str, Any]) -> dict[str, Any]:
    """A schema that carries the components its ``$ref``s point into."""
    return {"allOf": [schema], "components": _COMPONENTS}


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    template: str
    pattern: re.Pattern[str]
    params: dict[str, dict[str, Any]]  # "path:id" / "query:name" -> parameter
    body: dict[str, Any] | None
    body_required: bool
    responses: dict[str, dict[str, Any]]  # status -> JSON Schema of the JSON answer

    @property
    def literal_segments(self) -> int:
        return sum(1 for s in self.template.split("/") if s and not s.startswith("{"))


def _operations() -> list[Operation]:
    ops = []
    for template, methods in API["paths"].items():
        regex = "^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template)) + "$"
        for method, op in methods.items():
            params = {f"{p['in']}:{p['name']}": p for p in op.get("parameters", [])}
            request_body = op.get("requestBody")
            body = None
            if request_body is not None:
                body = json_schema(request_body["content"]["application/json"]["schema"])
            responses = {
                status: json_schema(answer["content"]["application/json"]["schema"])
                for status, answer in op["responses"].items()
                if "application/json" in answer.get("content", {})
            }
            name = op.get("operationId") or f"{method.upper()} {template}"
            ops.append(
                Operation(
                    name,
                    method.upper(),
                    template,
                    re.compile(regex),
                    params,
                    body,
                    bool(request_body and request_body.get("required")),
                    responses,
                )
            )
    # Fastify matches static segments before parameters: /labels/keys before /{id}.
    ops.sort(key=lambda o: -o.literal_segments)
    return ops


OPERATIONS = _operations()
BY_ID = {op.operation_id: op for op in OPERATIONS}


def operation_for(method: str, path: str) -> tuple[Operation, dict[str, str]] | None:
    for op in OPERATIONS:
        match = op.pattern.match(path)
        if match and op.method == method.upper():
            return op, match.groupdict()
    return None


@cache
def _validator(key: str, kind: str) -> jsonschema.Draft202012Validator:
    op_id, _, part = key.partition("|")
    op = BY_ID[op_id]
    if part == "body":
        schema = op.body
    elif part.startswith("param:"):
        schema = json_schema(op.params[part[6:]]["schema"])
    else:
        schema = op.responses[part]
    assert schema is not None
    if kind == "closed":
        schema = closed(schema)
    return jsonschema.Draft202012Validator(
        _rooted(schema), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def _errors(validator: jsonschema.Draft202012Validator, value: Any) -> list[str]:
    found = []
    for error in validator.iter_errors(value):
        # "not valid under any of the given schemas" (a nullable value): say which part failed.
        while error.context:
            branches = [e for e in error.context if e.validator_value != "null"] or error.context
            error = max(branches, key=lambda e: len(e.absolute_path))
        where = "/".join(str(p) for p in error.absolute_path) or "(root)"
        found.append(f"{where}: {error.message}")
    return found


def body_problems(operation_id: str, body: Any, *, strict: bool = False) -> list[str]:
    """What the operation's request schema refuses in ``body``; with ``strict``, also every
    property it does not name (which Archestra's zod schemas drop without a word)."""
    found = _errors(_validator(f"{operation_id}|body", "open"), body)
    if strict and not found:
        found = [
            f"undescribed: {p}" for p in _errors(_validator(f"{operation_id}|body", "closed"), body)
        ]
    return found


def param_problems(operation_id: str, where: str, value: Any) -> list[str]:
    """``where`` is ``path:<name>`` or ``query:<name>``."""
    return _errors(_validator(f"{operation_id}|param:{where}", "open"), value)


def response_problems(operation_id: str, status: int | str, body: Any) -> list[str]:
    op = BY_ID[operation_id]
    if str(status) not in op.responses:
        return [f"{operation_id} describes no JSON answer for {status}"]
    return _errors(_validator(f"{operation_id}|{status}", "open"), body)


def coerce_query(schema: dict[str, Any], value: str) -> Any:
    """A query string value as the type its schema names (Fastify's coercion)."""
    kind = schema.get("type")
    if kind == "integer" and re.fullmatch(r"-?\d+", value):
        return int(value)
    if kind == "boolean" and value in {"true", "false"}:
        return value == "true"
    if kind == "array":
        return value.split(",")
    return value


@dataclass
class RequestCheck:
    """The outcome of checking one request against the description."""

    operation: Operation | None
    path_params: dict[str, str]
    query: dict[str, Any]
    refused: list[str]  # what Archestra itself answers 400 for
    undescribed: list[str]  # what it would silently drop


def check_request(
    method: str, path: str, query: dict[str, str], body: Any, has_body: bool
) -> RequestCheck:
    found = operation_for(method, path)
    if found is None:
        return RequestCheck(None, {}, {}, [f"{method} {path}: no such operation"], [])
    op, path_params = found
    refused: list[str] = []
    undescribed: list[str] = []
    for name, value in path_params.items():
        bad = param_problems(op.operation_id, f"path:{name}", value)
        refused += [f"params/{name} {b.split(': ', 1)[1]}" for b in bad]
    coerced: dict[str, Any] = {}
    for name, value in query.items():
        param = op.params.get(f"query:{name}")
        if param is None:
            undescribed.append(f"query parameter {name!r}")
            continue
        coerced[name] = coerce_query(param["schema"], value)
        refused += [
            f"querystring/{name} {b.split(': ', 1)[1]}"
            for b in param_problems(op.operation_id, f"query:{name}", coerced[name])
        ]
    if op.body is None:
        if has_body:
            undescribed.append("a body where the operation takes none")
    elif not has_body:
        if op.body_required:
            refused.append("body must be object")
    else:
        bad = body_problems(op.operation_id, body)
        refused += [f"body/{b}" for b in bad]
        if not bad:
            undescribed += body_problems(op.operation_id, body, strict=True)
    return RequestCheck(op, path_params, coerced, refused, undescribed)

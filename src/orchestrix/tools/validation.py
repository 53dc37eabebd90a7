"""``validation``: JSON Schema (draft 2020-12) validation of the request, plus extra rules.

Every violation is listed at once as ``{field, message}`` with a readable message
("email must be a valid email address"), so a client can show them all next to the fields.
Patterns (``pattern``, ``patternProperties``) run on RE2, a linear-time engine, so no pattern
can stall a run. Formats are really checked: ``email`` with ``email-validator``, ``date``,
``date-time``, ``time``, ``uri``, ``uuid``, ``hostname``, ``ipv4``/``ipv6`` and ``regex``.

:func:`validator_for` and :func:`check_input_schema` are also used by the static checks and by
the MCP and REST adapters, so a schema is compiled once per process.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import date, datetime, time
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email
from jsonschema import Draft202012Validator, FormatChecker, validators
from jsonschema.exceptions import ValidationError, best_match
from jsonschema.protocols import Validator
from pydantic import Field, field_validator

from orchestrix.errors import ValidationFailed
from orchestrix.spec.expressions import ExpressionError, parse_guard
from orchestrix.spec.patterns import PatternError, pattern_problem
from orchestrix.spec.patterns import search as pattern_search
from orchestrix.tools.base import RunContext, Tool, ToolConfig, ToolOutput

# --- formats ------------------------------------------------------------------------------

FORMAT_CHECKER = FormatChecker()

_RFC3339_DATE_TIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$", re.ASCII
)
_RFC3339_TIME = re.compile(r"^\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})?$", re.ASCII)
_HOSTNAME_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$", re.ASCII)
_URI_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*$", re.ASCII)


@FORMAT_CHECKER.checks("email", raises=EmailNotValidError)
def _is_email(value: object) -> bool:
    if not isinstance(value, str):
        return True
    validate_email(value, check_deliverability=False, allow_smtputf8=False)
    return True


@FORMAT_CHECKER.checks("idn-email", raises=EmailNotValidError)
def _is_idn_email(value: object) -> bool:
    if not isinstance(value, str):
        return True
    validate_email(value, check_deliverability=False)
    return True


@FORMAT_CHECKER.checks("date-time", raises=ValueError)
def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _RFC3339_DATE_TIME.match(value):
        return False
    datetime.fromisoformat(value.upper().replace("Z", "+00:00").replace(" ", "T"))
    return True


@FORMAT_CHECKER.checks("date", raises=ValueError)
def _is_date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value, re.ASCII):
        return False
    date.fromisoformat(value)
    return True


@FORMAT_CHECKER.checks("time", raises=ValueError)
def _is_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _RFC3339_TIME.match(value):
        return False
    time.fromisoformat(value.upper().replace("Z", "+00:00"))
    return True


@FORMAT_CHECKER.checks("uri", raises=ValueError)
def _is_uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if any(c.isspace() for c in value) or ":" not in value:
        return False
    parts = urlsplit(value)
    if not _URI_SCHEME.match(parts.scheme):
        return False
    if parts.scheme.lower() in {"http", "https", "ftp", "ws", "wss"}:
        return bool(parts.hostname)
    return bool(parts.netloc or parts.path)


@FORMAT_CHECKER.checks("hostname")
def _is_hostname(value: object) -> bool:
    if not isinstance(value, str):
        return True
    name = value[:-1] if value.endswith(".") else value
    return 0 < len(name) <= 253 and all(_HOSTNAME_LABEL.match(p) for p in name.split("."))


FORMAT_NAMES = {
    "email": "a valid email address",
    "idn-email": "a valid email address",
    "date": "a valid date (YYYY-MM-DD)",
    "date-time": "a valid date and time (e.g. 2024-05-01T12:00:00Z)",
    "time": "a valid time (HH:MM:SS)",
    "uri": "a valid URI",
    "uuid": "a valid UUID",
    "hostname": "a valid host name",
    "idn-hostname": "a valid host name",
    "ipv4": "a valid IPv4 address",
    "ipv6": "a valid IPv6 address",
    "regex": "a valid regular expression",
}


# --- compiling schemas --------------------------------------------------------------------


def _matches(pattern: Any, text: str) -> bool:
    try:
        return pattern_search(pattern, text)
    except PatternError:
        return False  # refused by the static checks; a schema given at run time fails closed


def _pattern(validator: Any, pattern: Any, instance: Any, _schema: Any) -> Iterable[Any]:
    if validator.is_type(instance, "string") and not _matches(pattern, instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _pattern_properties(validator: Any, patterns: Any, instance: Any, _schema: Any) -> Any:
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in patterns.items():
        for key, value in instance.items():
            if _matches(pattern, key):
                yield from validator.descend(value, subschema, path=key, schema_path=pattern)


#: Draft 2020-12 with patterns on RE2 (jsonschema's own use Python's backtracking ``re``).
LinearDraft202012Validator = validators.extend(  # type: ignore[no-untyped-call]  # untyped upstream
    Draft202012Validator,
    {"pattern": _pattern, "patternProperties": _pattern_properties},
)


@lru_cache(maxsize=512)
def _compiled(canonical: str) -> Validator:
    validator: Validator = LinearDraft202012Validator(
        json.loads(canonical), format_checker=FORMAT_CHECKER
    )
    return validator


def _pattern_problems(schema: Any, path: str = "") -> list[str]:
    """Patterns of a schema that the linear-time engine cannot run."""
    problems: list[str] = []
    stack: list[tuple[Any, str]] = [(schema, path)]
    while stack:
        node, where = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                here = _join(where, key)
                if key == "pattern" and isinstance(value, str):
                    reason = pattern_problem(value)
                    if reason:
                        problems.append(f"{here}: {reason}")
                elif key == "patternProperties" and isinstance(value, dict):
                    for pattern, sub in value.items():
                        reason = pattern_problem(pattern)
                        if reason:
                            problems.append(f"{_join(here, pattern)}: {reason}")
                        stack.append((sub, _join(here, pattern)))
                    continue
                if key not in ("const", "enum", "default", "examples"):
                    stack.append((value, here))
        elif isinstance(node, list):
            stack.extend((item, _join(where, i)) for i, item in enumerate(node))
    return sorted(problems)


def validator_for(schema: dict[str, Any]) -> Validator:
    """A draft 2020-12 validator with format checking, compiled once per distinct schema."""
    return _compiled(json.dumps(schema, sort_keys=True, separators=(",", ":"), default=str))


def _schema_path(parts: Iterable[Any]) -> str:
    path = ""
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def check_input_schema(schema: Any) -> list[str]:
    """Problems with a JSON Schema itself (against the 2020-12 meta-schema); empty when fine."""
    if not isinstance(schema, dict):
        return ["the input schema must be a JSON object"]
    meta = Draft202012Validator(
        Draft202012Validator.META_SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    problems = []
    for error in sorted(meta.iter_errors(schema), key=lambda e: list(map(str, e.absolute_path))):
        detail = best_match(error.context) if error.context else error
        where = _schema_path(error.absolute_path)
        message = detail.message
        problems.append(f"{where}: {message}" if where else message)
    return problems or _pattern_problems(schema)


# --- readable violations ------------------------------------------------------------------


def _plural(count: Any, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _describe(error: ValidationError, name: str) -> str:
    keyword = error.validator
    value: Any = error.validator_value
    match keyword:
        case "format":
            return f"{name} must be {FORMAT_NAMES.get(str(value), f'a valid {value}')}"
        case "type":
            kinds = value if isinstance(value, list) else [value]
            return f"{name} must be {' or '.join(_article(str(k)) for k in kinds)}"
        case "minLength":
            return f"{name} must be at least {_plural(value, 'character')}"
        case "maxLength":
            return f"{name} must be at most {_plural(value, 'character')}"
        case "minimum":
            return f"{name} must be at least {value}"
        case "maximum":
            return f"{name} must be at most {value}"
        case "exclusiveMinimum":
            return f"{name} must be greater than {value}"
        case "exclusiveMaximum":
            return f"{name} must be less than {value}"
        case "multipleOf":
            return f"{name} must be a multiple of {value}"
        case "enum":
            return f"{name} must be one of: {', '.join(json.dumps(v) for v in value)}"
        case "const":
            return f"{name} must be {json.dumps(value)}"
        case "pattern":
            return f"{name} must match the pattern {value}"
        case "minItems":
            return f"{name} must have at least {_plural(value, 'item')}"
        case "maxItems":
            return f"{name} must have at most {_plural(value, 'item')}"
        case "uniqueItems":
            return f"{name} must not contain duplicate items"
        case "minProperties":
            return f"{name} must have at least {_plural(value, 'field')}"
        case "maxProperties":
            return f"{name} must have at most {_plural(value, 'field')}"
        case "not":
            return f"{name} is not allowed to match this schema"
        case "anyOf" | "oneOf":
            return f"{name} does not match any of the allowed forms"
    return f"{name}: {error.message}"


def _article(kind: str) -> str:
    return {
        "object": "an object",
        "array": "an array",
        "integer": "an integer",
        "null": "null",
    }.get(kind, f"a {kind}")


def _join(base: str, key: Any) -> str:
    if isinstance(key, int):
        return f"{base}[{key}]"
    return f"{base}.{key}" if base else str(key)


def _extra_fields(instance: dict[str, Any], schema: Any) -> list[str]:
    if not isinstance(schema, dict):
        return []
    known = set(schema.get("properties") or {})
    patterns = list(schema.get("patternProperties") or {})
    return [k for k in instance if k not in known and not any(_matches(p, k) for p in patterns)]


def _violations(error: ValidationError) -> list[dict[str, str]]:
    path = _schema_path(error.absolute_path)
    instance = error.instance
    value: Any = error.validator_value
    if error.validator == "required" and isinstance(instance, dict):
        return [
            {"field": _join(path, key), "message": f"{_join(path, key)} is required"}
            for key in value
            if key not in instance
        ]
    if error.validator == "dependentRequired" and isinstance(instance, dict):
        return [
            {
                "field": _join(path, needed),
                "message": f"{_join(path, needed)} is required when {_join(path, key)} is given",
            }
            for key, needs in value.items()
            if key in instance
            for needed in needs
            if needed not in instance
        ]
    extra = _extra_fields(instance, error.schema) if isinstance(instance, dict) else []
    if error.validator in {"additionalProperties", "unevaluatedProperties"} and extra:
        return [
            {"field": _join(path, key), "message": f"{_join(path, key)} is not an allowed field"}
            for key in extra
        ]
    if error.validator in {"anyOf", "oneOf"} and error.context:
        return _violations(best_match(error.context))
    return [{"field": path, "message": _describe(error, path or "the input")}]


def schema_violations(schema: dict[str, Any], instance: Any) -> list[dict[str, str]]:
    """Every violation of ``schema`` by ``instance``, as ``{field, message}``, in field order."""
    found: list[dict[str, str]] = []
    seen: set[tuple[str, str]] = set()
    for error in validator_for(schema).iter_errors(instance):
        for item in _violations(error):
            if (item["field"], item["message"]) not in seen:
                seen.add((item["field"], item["message"]))
                found.append(item)
    return sorted(found, key=lambda v: v["field"])


# --- the tool -----------------------------------------------------------------------------


class Rule(ToolConfig):
    """An extra check: a guard expression over ``input``, ``steps`` and ``headers``."""

    check: str | bool = Field(
        description="Expression that must be true, e.g. `input.password == input.confirm` "
        "(without `{{ }}`). A value already rendered from `{{ }}` is used as is."
    )
    message: str = Field(description="What to tell the client when the check is false.")
    field: str = Field(default="", description="The field the violation is reported on.")

    @field_validator("check")
    @classmethod
    def _parses(cls, value: str | bool) -> str | bool:
        if isinstance(value, str):
            try:
                parse_guard(value)
            except ExpressionError as e:
                raise ValueError(f"not a valid expression: {e.message}") from e
        return value


class ValidationConfig(ToolConfig):
    schema_: dict[str, Any] | None = Field(
        default=None,
        alias="schema",
        description="JSON Schema (draft 2020-12) the input must match. Default: the "
        "workflow's `inputSchema`.",
    )
    rules: list[Rule] = Field(
        default_factory=list,
        description="Extra checks beyond the schema, e.g. two fields that must be equal.",
    )

    @field_validator("schema_")
    @classmethod
    def _valid_schema(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None:
            problems = check_input_schema(value)
            if problems:
                raise ValueError("; ".join(problems))
        return value


class ValidationOutput(ToolOutput):
    valid: bool = Field(description="Always true: an invalid input ends the run with 400.")


@lru_cache(maxsize=1024)
def _guard(source: str) -> Any:
    return parse_guard(source)


class Validation(Tool):
    type = "validation"
    summary = (
        "Validates the input against the workflow's inputSchema (or a given schema) and extra "
        "rules; answers 400 listing every violation."
    )
    Config = ValidationConfig
    Output = ValidationOutput

    async def run(self, ctx: RunContext, config: ValidationConfig) -> ValidationOutput:
        schema = config.schema_ if config.schema_ is not None else ctx.workflow.input_schema
        violations = schema_violations(schema, ctx.input)
        if config.rules:
            scope = ctx.scope()
            for rule in config.rules:
                if isinstance(rule.check, bool):
                    ok = rule.check
                else:
                    try:
                        ok = bool(_guard(rule.check).evaluate(scope))
                    except ExpressionError:
                        ok = False  # a rule that cannot be evaluated on this input fails
                if not ok:
                    violations.append({"field": rule.field, "message": rule.message})
        if violations:
            raise ValidationFailed("Validation failed", violations)
        return ValidationOutput(valid=True)


__all__ = [
    "FORMAT_CHECKER",
    "Validation",
    "ValidationConfig",
    "check_input_schema",
    "schema_violations",
    "validator_for",
]

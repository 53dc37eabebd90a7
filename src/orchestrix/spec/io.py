"""Reading and writing spec files (YAML or JSON)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from orchestrix.errors import SpecError
from orchestrix.spec.models import Workflow
from orchestrix.spec.values import value_size


def pydantic_problems(error: ValidationError, prefix: str = "") -> list[dict[str, Any]]:
    """Pydantic errors as the spec problem list (``path`` and ``message``)."""
    problems = []
    for item in error.errors():
        path = ".".join(str(p) for p in item["loc"])
        problems.append(
            {"path": f"{prefix}{path}" if path else prefix.rstrip("."), "message": item["msg"]}
        )
    return problems


def _kind(data: Any) -> str:
    if data is None:
        return "nothing (the document is empty)"
    if isinstance(data, list):
        return "a list"
    if isinstance(data, str):
        return "a string"
    return f"a {type(data).__name__}"


def parse_workflow(data: Any) -> Workflow:
    """Validate a decoded document as a workflow; every shape problem is listed at once."""
    if not isinstance(data, dict):
        raise SpecError(
            f"A workflow spec must be a mapping (apiVersion, name, tools...), got {_kind(data)}"
        )
    try:
        return Workflow.model_validate(data)
    except ValidationError as e:
        raise SpecError("The workflow spec is not valid", pydantic_problems(e)) from e


def syntax_problem(error: yaml.YAMLError | json.JSONDecodeError) -> str:
    """A YAML or JSON syntax error as one line: where, then what."""
    if isinstance(error, json.JSONDecodeError):
        return f"line {error.lineno}, column {error.colno}: {error.msg}"
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or str(error).splitlines()[0]
    context = getattr(error, "context", None)
    what = f"{problem} ({context})" if context else str(problem)
    if mark is not None:
        return f"line {mark.line + 1}, column {mark.column + 1}: {what}"
    return what


#: The largest spec accepted, counted once parsed (as JSON text would be).
MAX_SPEC_BYTES = 1024 * 1024


class _SpecLoader(yaml.SafeLoader):
    """The safe loader, refusing aliases (``*name``) as it meets them: a few hundred bytes of
    aliases expand to gigabytes once walked, and specs need none."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]  # untyped in types-PyYAML
            raise _AliasRefused(event.start_mark)
        return super().compose_node(parent, index)


class _AliasRefused(Exception):
    """An alias met while composing; :func:`safe_yaml` answers it as a SpecError."""

    def __init__(self, mark: Any) -> None:
        self.mark = mark


def safe_yaml(text: str) -> Any:
    """YAML with the safe loader, aliases refused (no alias bomb can expand)."""
    try:
        return yaml.load(text, Loader=_SpecLoader)  # a SafeLoader
    except _AliasRefused as e:
        where = f"line {e.mark.line + 1}, column {e.mark.column + 1}: " if e.mark else ""
        raise SpecError(
            "The spec uses YAML aliases (*name), which are not allowed in a spec",
            [{"path": "", "message": f"{where}write the repeated value out instead"}],
        ) from None


def loads_workflow(text: str, *, fmt: str = "yaml", max_bytes: int = MAX_SPEC_BYTES) -> Workflow:
    """Parse YAML (a superset of JSON) or JSON text into a workflow; a document past
    ``max_bytes`` once parsed is refused."""
    try:
        data = json.loads(text) if fmt == "json" else safe_yaml(text)
    except (yaml.YAMLError, json.JSONDecodeError) as e:
        raise SpecError(
            f"The spec is not valid {fmt.upper()}", [{"path": "", "message": syntax_problem(e)}]
        ) from e
    except RecursionError as e:
        raise SpecError(
            "The spec is nested too deeply", [{"path": "", "message": "too deep"}]
        ) from e
    if value_size(data, max_bytes) > max_bytes:
        raise SpecError(
            f"The spec is larger than {max_bytes} bytes once parsed",
            [{"path": "", "message": f"at most {max_bytes} bytes"}],
        )
    return parse_workflow(data)


def load_workflow(path: str | Path) -> Workflow:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise SpecError(f"Cannot read {p}: it is not UTF-8 text") from e
    except OSError as e:
        raise SpecError(f"Cannot read {p}: {e.strerror or e}") from e
    try:
        return loads_workflow(text, fmt="json" if p.suffix.lower() == ".json" else "yaml")
    except SpecError as e:
        raise SpecError(f"{p}: {e.message[:1].lower()}{e.message[1:]}", e.details) from e


def dumps_workflow(workflow: Workflow, *, fmt: str = "yaml") -> str:
    data = workflow.to_wire()
    if fmt == "json":
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def save_workflow(workflow: Workflow, path: str | Path) -> None:
    """Write atomically: a crash never leaves a half-written spec."""
    p = Path(path)
    text = dumps_workflow(workflow, fmt="json" if p.suffix.lower() == ".json" else "yaml")
    tmp = p.with_name(f".{p.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(p)

"""Between the model's fields and the blueprints' :class:`FieldSpec`: one set of facts."""

from __future__ import annotations

from typing import Any

from orchestrix.agents.fields import FieldSpec
from orchestrix.agents.model.schema import ApiField


def _num(value: float | None, kind: str) -> float | int | None:
    if value is None:
        return None
    return int(value) if kind == "integer" or float(value).is_integer() else value


def to_spec(field: ApiField) -> FieldSpec:
    return FieldSpec(
        name=field.name,
        type=field.type,
        format=field.format,
        required=field.required,
        unique=field.unique,
        minimum=_num(field.minimum, field.type),
        maximum=_num(field.maximum, field.type),
        min_length=field.min_length,
        max_length=field.max_length,
        enum=list(field.enum) if field.enum is not None else None,
        default=field.default,
        pattern=field.pattern,
        items=field.items or "string",
        secret=field.secret,
        exclusive_minimum=_num(field.exclusive_minimum, field.type),
        exclusive_maximum=_num(field.exclusive_maximum, field.type),
    )


def from_spec(spec: FieldSpec) -> ApiField:
    values: dict[str, Any] = {
        "name": spec.name,
        "type": spec.type if spec.type in _TYPES else "string",
        "format": spec.format,
        "required": spec.required,
        "unique": spec.unique,
        "default": spec.default,
        "minimum": spec.minimum,
        "maximum": spec.maximum,
        "minLength": spec.min_length,
        "maxLength": spec.max_length,
        "pattern": spec.pattern,
        "enum": list(spec.enum) if spec.enum is not None else None,
        "items": spec.items if spec.type == "array" else None,
        "secret": spec.secret,
        "exclusiveMinimum": spec.exclusive_minimum,
        "exclusiveMaximum": spec.exclusive_maximum,
    }
    return ApiField.model_validate(values)


_TYPES = {"string", "integer", "number", "boolean", "array", "object"}

"""``where`` filters of the data store as SQL on the JSON column of ``orx_records``.

A filter maps fields to a value (equality) or to operators (``$ne``, ``$gt``, ``$gte``,
``$lt``, ``$lte``, ``$in``); ``id``, ``createdAt``, ``updatedAt`` and ``version`` are columns,
every other field is read from the JSON. Each dialect reads a field its own way (SQLite
``json_extract``/``json_type``, PostgreSQL ``jsonb`` operators) with typed comparisons that
agree on both databases: ``true`` is not ``1``, ``"1"`` is not ``1``, strings compare by code
point. The same per-dialect reading gives the sort keys of a query.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, false, func, not_, or_, type_coerce
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncEngine

from orchestrix.errors import ValidationFailed
from orchestrix.runtime.database import records

OPERATORS = ("$ne", "$gt", "$gte", "$lt", "$lte", "$in")
MAX_NAME = 64

_COMPARE: dict[str, Callable[[Any, Any], ColumnElement[bool]]] = {
    "$gt": lambda a, b: a > b,
    "$gte": lambda a, b: a >= b,
    "$lt": lambda a, b: a < b,
    "$lte": lambda a, b: a <= b,
}


def canonical(value: Any) -> Any:
    """The value as plain JSON with object keys sorted at every level (stable to compare)."""
    if isinstance(value, Mapping):
        return {str(k): canonical(value[k]) for k in sorted(value, key=str)}
    if isinstance(value, list | tuple):
        return [canonical(v) for v in value]
    return value


def _is_whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_field(field: Any, where: str) -> str:
    """A top-level field name (of a filter, a sort or a document); ``where`` names the place."""
    if not isinstance(field, str) or not field or len(field) > MAX_NAME or '"' in field:
        raise ValidationFailed(
            f"{where}: a field name is a string of 1 to {MAX_NAME} characters without quotes",
            {"field": field},
        )
    return field


def _parse_moment(field: str, value: Any) -> datetime:
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
    raise ValidationFailed(
        f"where.{field} must be an ISO-8601 date-time", {"field": field, "value": value}
    )


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


# --- SQL on the JSON column, one class per dialect ------------------------------------------


class JsonSql:
    """How a dialect reads one top-level field of ``data``."""

    def is_null(self, field: str) -> ColumnElement[bool]:
        raise NotImplementedError

    def equals(self, field: str, value: Any) -> ColumnElement[bool]:
        raise NotImplementedError

    def compare(self, field: str, op: str, value: Any) -> ColumnElement[bool]:
        raise NotImplementedError

    def sort_keys(self, field: str) -> list[ColumnElement[Any]]:
        raise NotImplementedError


class _SqliteJson(JsonSql):
    """``json_type`` tells the kinds apart (``true`` is not 1, ``"1"`` is not 1)."""

    NUMBER = ("integer", "real")

    @staticmethod
    def _path(field: str) -> str:
        return f'$."{field}"'

    def _type(self, field: str) -> ColumnElement[Any]:
        return func.json_type(records.c.data, self._path(field))

    def _value(self, field: str) -> ColumnElement[Any]:
        return func.json_extract(records.c.data, self._path(field))

    def is_null(self, field: str) -> ColumnElement[bool]:
        kind = self._type(field)
        return or_(kind.is_(None), kind == "null")

    def equals(self, field: str, value: Any) -> ColumnElement[bool]:
        kind, extracted = self._type(field), self._value(field)
        if value is None:
            return self.is_null(field)
        if isinstance(value, bool):
            return kind == ("true" if value else "false")
        if _is_number(value):
            return and_(kind.in_(self.NUMBER), extracted == value)
        if isinstance(value, str):
            return and_(kind == "text", extracted == value)
        # Arrays and objects: both sides are minified JSON text with sorted keys.
        text = json.dumps(canonical(value))
        return and_(kind.in_(("array", "object")), extracted == func.json(text))

    def compare(self, field: str, op: str, value: Any) -> ColumnElement[bool]:
        kind = self._type(field)
        wanted = kind.in_(self.NUMBER) if _is_number(value) else kind == "text"
        return and_(wanted, _COMPARE[op](self._value(field), value))

    def sort_keys(self, field: str) -> list[ColumnElement[Any]]:
        kind = self._type(field)
        rank = case(
            (or_(kind.is_(None), kind == "null"), 0),
            (kind.in_(self.NUMBER), 1),
            (kind == "text", 2),
            else_=3,
        )
        return [rank, self._value(field)]


class _PostgresJson(JsonSql):
    """``jsonb`` operators: ``@>`` for equality, typed ``->``/``->>`` for ranges."""

    @staticmethod
    def _data() -> ColumnElement[Any]:
        return type_coerce(records.c.data, JSONB)

    def _item(self, field: str) -> Any:
        return self._data()[field]

    def _type(self, field: str) -> ColumnElement[Any]:
        return func.jsonb_typeof(self._item(field))

    def is_null(self, field: str) -> ColumnElement[bool]:
        item = self._item(field)
        return or_(item.is_(None), func.jsonb_typeof(item) == "null")

    def equals(self, field: str, value: Any) -> ColumnElement[bool]:
        if value is None:
            return self.is_null(field)
        if isinstance(value, Mapping | list | tuple):
            same: ColumnElement[bool] = self._item(field) == type_coerce(canonical(value), JSONB)
            return same
        return self._data().contains({field: value})

    def compare(self, field: str, op: str, value: Any) -> ColumnElement[bool]:
        if _is_number(value):
            # jsonb compares numbers as numbers.
            item = self._item(field)
            return and_(
                self._type(field) == "number", _COMPARE[op](item, type_coerce(value, JSONB))
            )
        # Strings by code point, as SQLite does (the "C" collation).
        text = self._item(field).astext.collate("C")
        return and_(self._type(field) == "string", _COMPARE[op](text, value))

    def sort_keys(self, field: str) -> list[ColumnElement[Any]]:
        item, kind = self._item(field), self._type(field)
        rank = case(
            (or_(item.is_(None), kind == "null"), 0),
            (kind == "number", 1),
            (kind == "string", 2),
            else_=3,
        )
        number = case((kind == "number", item))
        text = case((kind == "string", item.astext)).collate("C")
        return [rank, number, text, item]


def json_sql(engine: AsyncEngine) -> JsonSql:
    return _PostgresJson() if engine.dialect.name == "postgresql" else _SqliteJson()


# --- where ---------------------------------------------------------------------------------


class Where:
    """Turns a ``where`` mapping into one SQL condition."""

    def __init__(self, json_sql: JsonSql) -> None:
        self.json = json_sql

    def build(self, namespace: str, collection: str, where: Any) -> ColumnElement[bool]:
        if where is None:
            where = {}
        if not isinstance(where, Mapping):
            raise ValidationFailed("where must be an object of field: value", {"where": where})
        conditions = [records.c.namespace == namespace, records.c.collection == collection]
        for raw_field, spec in where.items():
            field = check_field(raw_field, "where")
            conditions.append(self._field(field, spec))
        return and_(*conditions)

    def _field(self, field: str, spec: Any) -> ColumnElement[bool]:
        if isinstance(spec, Mapping) and any(str(k).startswith("$") for k in spec):
            if not all(str(k).startswith("$") for k in spec):
                raise ValidationFailed(
                    f"where.{field} mixes operators and fields; use one operator per value",
                    {"field": field},
                )
            return and_(*(self._operator(field, str(op), v) for op, v in spec.items()))
        return self._equals(field, spec)

    def _operator(self, field: str, op: str, value: Any) -> ColumnElement[bool]:
        if op == "$ne":
            return not_(func.coalesce(self._equals(field, value), false()))
        if op == "$in":
            if not isinstance(value, list | tuple):
                raise ValidationFailed(
                    f"where.{field}.$in needs a list of values", {"field": field, "value": value}
                )
            if not value:
                return false()
            return or_(*(self._equals(field, v) for v in value))
        if op in _COMPARE:
            return self._compare(field, op, value)
        raise ValidationFailed(
            f"Unknown operator {op} in where.{field}; use one of {', '.join(OPERATORS)}",
            {"field": field, "operator": op},
        )

    def _equals(self, field: str, value: Any) -> ColumnElement[bool]:
        if field == "id":
            return records.c.id == value if isinstance(value, str) else false()
        if field == "version":
            return records.c.version == value if _is_whole(value) else false()
        if field in ("createdAt", "updatedAt"):
            if value is None:
                return false()
            column = records.c.created_at if field == "createdAt" else records.c.updated_at
            return column == _parse_moment(field, value)
        return self.json.equals(field, value)

    def _compare(self, field: str, op: str, value: Any) -> ColumnElement[bool]:
        if field in ("createdAt", "updatedAt"):
            column = records.c.created_at if field == "createdAt" else records.c.updated_at
            return _COMPARE[op](column, _parse_moment(field, value))
        if not (_is_number(value) or isinstance(value, str)):
            raise ValidationFailed(
                f"where.{field}.{op} compares numbers or strings, not {json.dumps(value)}",
                {"field": field, "operator": op},
            )
        if isinstance(value, float) and not math.isfinite(value):
            raise ValidationFailed(f"where.{field}.{op} needs a finite number", {"field": field})
        if field == "id":
            return _COMPARE[op](records.c.id, value) if isinstance(value, str) else false()
        if field == "version":
            return _COMPARE[op](records.c.version, value) if _is_number(value) else false()
        return self.json.compare(field, op, value)


__all__ = ["MAX_NAME", "OPERATORS", "JsonSql", "Where", "canonical", "check_field", "json_sql"]

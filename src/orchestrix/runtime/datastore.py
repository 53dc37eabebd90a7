"""Collections of JSON documents and per-server secrets, over the data-plane tables.

A document is a row of ``orx_records`` (its fields in the JSON column ``data``; ``id``,
``createdAt`` and ``updatedAt`` in columns). A unique field is a row of ``orx_unique_keys``
under a real primary key, written in the same transaction as the record: the database, not a
check-then-insert, decides who gets a value, so concurrent inserts of one email give one
document and conflicts. ``where`` filters are translated to SQL on the JSON column (SQLite
``json_extract``/``json_type``, PostgreSQL ``jsonb`` operators) with typed comparisons that
agree on both databases.
"""

from __future__ import annotations

import hashlib
import json
import math
import secrets as _secrets
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    delete,
    false,
    func,
    insert,
    not_,
    or_,
    select,
    type_coerce,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from orchestrix.errors import Conflict, ValidationFailed
from orchestrix.runtime.database import records, unique_keys
from orchestrix.runtime.database import secrets as secrets_table

SYSTEM_FIELDS = ("id", "createdAt", "updatedAt")
OPERATORS = ("$ne", "$gt", "$gte", "$lt", "$lte", "$in")
MAX_NAMESPACE = 128
MAX_NAME = 64

_COMPARE: dict[str, Callable[[Any, Any], ColumnElement[bool]]] = {
    "$gt": lambda a, b: a > b,
    "$gte": lambda a, b: a >= b,
    "$lt": lambda a, b: a < b,
    "$lte": lambda a, b: a <= b,
}


# --- values --------------------------------------------------------------------------------


def _canonical(value: Any) -> Any:
    """The value as plain JSON with object keys sorted at every level (stable to compare)."""
    if isinstance(value, Mapping):
        return {str(k): _canonical(value[k]) for k in sorted(value, key=str)}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    return value


def canonical_json(value: Any) -> str:
    """Canonical JSON text: sorted keys, no spaces, integral floats written as integers."""

    def normalize(v: Any) -> Any:
        if isinstance(v, float) and v.is_integer():
            return int(v)
        if isinstance(v, Mapping):
            return {str(k): normalize(x) for k, x in v.items()}
        if isinstance(v, list | tuple):
            return [normalize(x) for x in v]
        return v

    return json.dumps(normalize(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def unique_hash(field: str, value: Any) -> str:
    """sha256 of the canonical JSON of a unique value; email-like fields ignore case."""
    if isinstance(value, str) and "email" in field.lower():
        value = value.lower()
    return hashlib.sha256(canonical_json(value).encode()).hexdigest()


def singular(collection: str) -> str:
    """``users`` -> ``user``, ``entries`` -> ``entry``, ``addresses`` -> ``address``."""
    if collection.endswith("ies") and len(collection) > 3:
        return collection[:-3] + "y"
    if collection.endswith(("sses", "xes", "ches", "shes", "zzes")):
        return collection[:-2]
    if collection.endswith("s") and not collection.endswith("ss") and len(collection) > 1:
        return collection[:-1]
    return collection


def _now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """ISO-8601 in UTC with microseconds and a ``Z`` (SQLite hands back naive UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


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


# --- checks on what callers pass -----------------------------------------------------------


def _check_names(namespace: str, collection: str) -> None:
    if not isinstance(namespace, str) or len(namespace) > MAX_NAMESPACE:
        raise ValidationFailed(
            f"A namespace is a string of at most {MAX_NAMESPACE} characters",
            {"namespace": namespace},
        )
    if not isinstance(collection, str) or not collection or len(collection) > MAX_NAME:
        raise ValidationFailed(
            f"A collection name is a string of 1 to {MAX_NAME} characters",
            {"collection": collection},
        )


def _check_field(field: Any, where: str) -> str:
    if not isinstance(field, str) or not field or len(field) > MAX_NAME or '"' in field:
        raise ValidationFailed(
            f"{where}: a field name is a string of 1 to {MAX_NAME} characters without quotes",
            {"field": field},
        )
    return field


def _fields(document: Any, what: str) -> dict[str, Any]:
    """A JSON object's fields, canonicalized, without the system fields (which we set)."""
    if not isinstance(document, Mapping):
        raise ValidationFailed(f"The {what} must be an object", {what: document})
    out: dict[str, Any] = {}
    for key, value in document.items():
        name = _check_field(key, what)
        if name in SYSTEM_FIELDS:
            continue
        out[name] = _canonical(value)
    try:
        json.dumps(out, allow_nan=False)
    except (TypeError, ValueError) as e:
        raise ValidationFailed(f"The {what} is not valid JSON: {e}", None) from e
    return out


def _unique_fields(unique: Any) -> list[str]:
    if not isinstance(unique, list | tuple):
        raise ValidationFailed("unique must be a list of field names", {"unique": unique})
    return [_check_field(f, "unique") for f in unique]


# --- SQL on the JSON column, one class per dialect ------------------------------------------


class _JsonSql:
    """How a dialect reads one top-level field of ``data``."""

    def is_null(self, field: str) -> ColumnElement[bool]:
        raise NotImplementedError

    def equals(self, field: str, value: Any) -> ColumnElement[bool]:
        raise NotImplementedError

    def compare(self, field: str, op: str, value: Any) -> ColumnElement[bool]:
        raise NotImplementedError

    def sort_keys(self, field: str) -> list[ColumnElement[Any]]:
        raise NotImplementedError


class _SqliteJson(_JsonSql):
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
        text = json.dumps(_canonical(value))
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


class _PostgresJson(_JsonSql):
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
            same: ColumnElement[bool] = self._item(field) == type_coerce(_canonical(value), JSONB)
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


def _json_sql(engine: AsyncEngine) -> _JsonSql:
    return _PostgresJson() if engine.dialect.name == "postgresql" else _SqliteJson()


# --- where ---------------------------------------------------------------------------------


class _Where:
    """Turns a ``where`` mapping into one SQL condition."""

    def __init__(self, json_sql: _JsonSql) -> None:
        self.json = json_sql

    def build(self, namespace: str, collection: str, where: Any) -> ColumnElement[bool]:
        if where is None:
            where = {}
        if not isinstance(where, Mapping):
            raise ValidationFailed("where must be an object of field: value", {"where": where})
        conditions = [records.c.namespace == namespace, records.c.collection == collection]
        for raw_field, spec in where.items():
            field = _check_field(raw_field, "where")
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
        return self.json.compare(field, op, value)


# --- the stores ----------------------------------------------------------------------------


def _document(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        **(row.data or {}),
        "createdAt": iso(row.created_at),
        "updatedAt": iso(row.updated_at),
    }


@asynccontextmanager
async def _writing(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A write transaction. SQLite takes the write lock up front (``BEGIN IMMEDIATE``) so a
    read-then-write never fails on a stale snapshot and concurrent writers queue."""
    async with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            await conn.exec_driver_sql("BEGIN IMMEDIATE")
        yield conn


class SqlDataStore:
    """The ``DataStore`` of :mod:`orchestrix.tools.base` on SQLite or PostgreSQL."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._where = _Where(_json_sql(engine))
        self._json = self._where.json

    # reading

    def _select(self, namespace: str, collection: str, where: Any) -> Select[Any]:
        _check_names(namespace, collection)
        condition = self._where.build(namespace, collection, where)
        return select(
            records.c.id, records.c.data, records.c.created_at, records.c.updated_at
        ).where(condition)

    def _order(self, sort: str | None, descending: bool) -> list[Any]:
        keys: list[Any]
        if sort in (None, "", "createdAt"):
            keys = [records.c.created_at]
        elif sort == "updatedAt":
            keys = [records.c.updated_at, records.c.created_at]
        elif sort == "id":
            keys = []
        else:
            keys = [*self._json.sort_keys(_check_field(sort, "sort")), records.c.created_at]
        keys.append(records.c.id)
        return [k.desc() if descending else k.asc() for k in keys]

    async def find_one(
        self, namespace: str, collection: str, where: Mapping[str, Any]
    ) -> dict[str, Any] | None:
        stmt = self._select(namespace, collection, where).order_by(*self._order(None, False))
        async with self.engine.connect() as conn:
            row = (await conn.execute(stmt.limit(1))).first()
        return _document(row) if row is not None else None

    async def query(
        self,
        namespace: str,
        collection: str,
        where: Mapping[str, Any],
        *,
        limit: int = 50,
        offset: int = 0,
        sort: str | None = None,
        descending: bool = False,
    ) -> tuple[list[dict[str, Any]], int]:
        if not isinstance(limit, int) or limit < 0:
            raise ValidationFailed("limit must be a whole number of 0 or more", {"limit": limit})
        if not isinstance(offset, int) or offset < 0:
            raise ValidationFailed("offset must be a whole number of 0 or more", {"offset": offset})
        stmt = self._select(namespace, collection, where)
        page = stmt.order_by(*self._order(sort, descending)).limit(limit).offset(offset)
        counting = select(func.count()).select_from(stmt.subquery())
        async with self.engine.connect() as conn:
            rows = (await conn.execute(page)).all()
            total = (await conn.execute(counting)).scalar_one()
        return [_document(r) for r in rows], int(total)

    # writing

    async def insert(
        self,
        namespace: str,
        collection: str,
        document: Mapping[str, Any],
        unique: list[str],
        *,
        record_id: str | None = None,
    ) -> dict[str, Any]:
        _check_names(namespace, collection)
        data = _fields(document, "document")
        unique_fields = _unique_fields(unique)
        record_id = record_id or str(uuid.uuid4())
        now = _now()
        async with _writing(self.engine) as conn:
            await conn.execute(
                insert(records).values(
                    id=record_id,
                    namespace=namespace,
                    collection=collection,
                    data=data,
                    created_at=now,
                    updated_at=now,
                )
            )
            for field in unique_fields:
                if data.get(field) is not None:
                    await self._claim(conn, namespace, collection, field, data[field], record_id)
        return {"id": record_id, **data, "createdAt": iso(now), "updatedAt": iso(now)}

    async def _claim(
        self,
        conn: AsyncConnection,
        namespace: str,
        collection: str,
        field: str,
        value: Any,
        record_id: str,
    ) -> None:
        """Take a unique value for a record; the primary key refuses a taken one."""
        try:
            await conn.execute(
                insert(unique_keys).values(
                    namespace=namespace,
                    collection=collection,
                    field=field,
                    value_hash=unique_hash(field, value),
                    record_id=record_id,
                )
            )
        except IntegrityError as e:
            raise Conflict(
                f"A {singular(collection)} with this {field} already exists", {"field": field}
            ) from e

    async def update(
        self,
        namespace: str,
        collection: str,
        where: Mapping[str, Any],
        changes: Mapping[str, Any],
        unique: list[str],
    ) -> dict[str, Any] | None:
        stmt = self._select(namespace, collection, where).order_by(*self._order(None, False))
        fields = _fields(changes, "changes")
        unique_fields = _unique_fields(unique)
        async with _writing(self.engine) as conn:
            row = (await conn.execute(stmt.limit(1).with_for_update())).first()
            if row is None:
                return None
            data = {**(row.data or {}), **fields}
            now = _now()
            await conn.execute(
                update(records).where(records.c.id == row.id).values(data=data, updated_at=now)
            )
            for field in unique_fields:
                if field not in fields:
                    continue
                await conn.execute(
                    delete(unique_keys).where(
                        unique_keys.c.namespace == namespace,
                        unique_keys.c.collection == collection,
                        unique_keys.c.field == field,
                        unique_keys.c.record_id == row.id,
                    )
                )
                if data[field] is not None:
                    await self._claim(conn, namespace, collection, field, data[field], row.id)
        return {"id": row.id, **data, "createdAt": iso(row.created_at), "updatedAt": iso(now)}

    async def delete(
        self, namespace: str, collection: str, where: Mapping[str, Any], *, many: bool = False
    ) -> int:
        _check_names(namespace, collection)
        condition = self._where.build(namespace, collection, where)
        async with _writing(self.engine) as conn:
            if many:
                result = await conn.execute(delete(records).where(condition))
            else:
                first = (
                    select(records.c.id)
                    .where(condition)
                    .order_by(*self._order(None, False))
                    .limit(1)
                    .with_for_update()
                )
                record_id = (await conn.execute(first)).scalar_one_or_none()
                if record_id is None:
                    return 0
                result = await conn.execute(delete(records).where(records.c.id == record_id))
        return int(result.rowcount)


class SqlSecretStore:
    """Per-namespace random secrets (JWT keys...), created once and kept in ``orx_secrets``.

    A secret never changes once created, so each process keeps the ones it has read: a run
    that signs a token does not read the database for the key every time.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._known: dict[tuple[str, str], str] = {}

    async def _read(self, namespace: str, name: str) -> str | None:
        stmt = select(secrets_table.c.value).where(
            secrets_table.c.namespace == namespace, secrets_table.c.name == name
        )
        async with self.engine.connect() as conn:
            value = (await conn.execute(stmt)).scalar_one_or_none()
        return str(value) if value is not None else None

    async def get_or_create(self, namespace: str, name: str) -> str:
        if not isinstance(name, str) or not name or len(name) > MAX_NAME:
            raise ValidationFailed(
                f"A secret name is a string of 1 to {MAX_NAME} characters", {"name": name}
            )
        _check_names(namespace, name)
        known = self._known.get((namespace, name))
        if known is not None:
            return known
        existing = await self._read(namespace, name)
        if existing is not None:
            self._known[(namespace, name)] = existing
            return existing
        value = _secrets.token_urlsafe(48)
        try:
            async with _writing(self.engine) as conn:
                await conn.execute(
                    insert(secrets_table).values(
                        namespace=namespace, name=name, value=value, created_at=_now()
                    )
                )
        except IntegrityError:
            # Someone else created it first: theirs is the secret.
            winner = await self._read(namespace, name)
            if winner is None:  # pragma: no cover - the row that refused ours is gone
                raise
            self._known[(namespace, name)] = winner
            return winner
        self._known[(namespace, name)] = value
        return value


__all__ = ["SqlDataStore", "SqlSecretStore", "canonical_json", "singular", "unique_hash"]

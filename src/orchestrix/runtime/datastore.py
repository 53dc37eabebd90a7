"""Collections of JSON documents and per-server secrets, over the data-plane tables.

A document is a row of ``orx_records`` (its fields in the JSON column ``data``; ``id``,
``createdAt`` and ``updatedAt`` in columns). A unique field is a row of ``orx_unique_keys``
under a real primary key, written in the same transaction as the record: the database, not a
check-then-insert, decides who gets a value, so concurrent inserts of one email give one
document and conflicts. ``where`` filters and sort keys are SQL on the JSON column, made by
:mod:`orchestrix.runtime.where`.
"""

from __future__ import annotations

import hashlib
import json
import math
import secrets as _secrets
import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Select,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from orchestrix.errors import Conflict, ValidationFailed
from orchestrix.runtime.cipher import SecretCipher
from orchestrix.runtime.database import records, unique_keys
from orchestrix.runtime.database import secrets as secrets_table
from orchestrix.runtime.where import MAX_NAME, Where, canonical, check_field, json_sql

SYSTEM_FIELDS = ("id", "createdAt", "updatedAt", "version")
MAX_NAMESPACE = 128


# --- values --------------------------------------------------------------------------------


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


def _fields(document: Any, what: str) -> dict[str, Any]:
    """A JSON object's fields, canonicalized, without the system fields (which we set)."""
    if not isinstance(document, Mapping):
        raise ValidationFailed(f"The {what} must be an object", {what: document})
    out: dict[str, Any] = {}
    for key, value in document.items():
        name = check_field(key, what)
        if name in SYSTEM_FIELDS:
            continue
        out[name] = canonical(value)
    try:
        json.dumps(out, allow_nan=False)
    except (TypeError, ValueError) as e:
        raise ValidationFailed(f"The {what} is not valid JSON: {e}", None) from e
    return out


def _unique_fields(unique: Any) -> list[str]:
    if not isinstance(unique, list | tuple):
        raise ValidationFailed("unique must be a list of field names", {"unique": unique})
    return [check_field(f, "unique") for f in unique]


# --- the stores ----------------------------------------------------------------------------


def _document(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        **(row.data or {}),
        "createdAt": iso(row.created_at),
        "updatedAt": iso(row.updated_at),
        "version": int(row.version),
    }


def _increments(increment: Any, fields: Mapping[str, Any]) -> dict[str, int | float]:
    if not isinstance(increment, Mapping):
        raise ValidationFailed("increment must be an object of field: number", None)
    out: dict[str, int | float] = {}
    for key, delta in increment.items():
        name = check_field(key, "increment")
        if name in SYSTEM_FIELDS:
            raise ValidationFailed(f"increment: {name} is set by the store", {"field": name})
        if name in fields:
            raise ValidationFailed(f"{name} is both set and incremented; use one", {"field": name})
        if (
            not isinstance(delta, int | float)
            or isinstance(delta, bool)
            or not math.isfinite(delta)
        ):
            raise ValidationFailed(f"increment.{name} must be a finite number", {"field": name})
        out[name] = delta
    return out


def _apply_increments(
    data: dict[str, Any], increments: Mapping[str, int | float], collection: str
) -> None:
    for name, delta in increments.items():
        current = data.get(name)
        if current is None:
            current = 0
        if not isinstance(current, int | float) or isinstance(current, bool):
            raise ValidationFailed(
                f"{name} of this {singular(collection)} is not a number, so it cannot be "
                "incremented",
                {"field": name},
            )
        result = current + delta
        if not math.isfinite(result) or abs(result) > 2**53:
            raise ValidationFailed(f"{name} would be out of range", {"field": name})
        data[name] = result


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
        self._where = Where(json_sql(engine))
        self._json = self._where.json

    # reading

    def _select(self, namespace: str, collection: str, where: Any) -> Select[Any]:
        _check_names(namespace, collection)
        condition = self._where.build(namespace, collection, where)
        return select(
            records.c.id,
            records.c.data,
            records.c.created_at,
            records.c.updated_at,
            records.c.version,
        ).where(condition)

    def _order(self, sort: str | None, descending: bool) -> list[Any]:
        keys: list[Any]
        if sort in (None, "", "createdAt"):
            keys = [records.c.created_at]
        elif sort == "updatedAt":
            keys = [records.c.updated_at, records.c.created_at]
        elif sort == "id":
            keys = []
        elif sort == "version":
            keys = [records.c.version, records.c.created_at]
        else:
            keys = [*self._json.sort_keys(check_field(sort, "sort")), records.c.created_at]
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
                    version=1,
                )
            )
            for field in unique_fields:
                if data.get(field) is not None:
                    await self._claim(conn, namespace, collection, field, data[field], record_id)
        return {
            "id": record_id,
            **data,
            "createdAt": iso(now),
            "updatedAt": iso(now),
            "version": 1,
        }

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
        *,
        increment: Mapping[str, int | float] | None = None,
        expect_version: int | None = None,
    ) -> dict[str, Any] | None:
        """Change the first match in one transaction that holds its row: ``changes`` set
        fields, ``increment`` adds to numbers (atomically: concurrent increments all count),
        and ``expect_version`` refuses (409) a record whose version moved on."""
        stmt = self._select(namespace, collection, where).order_by(*self._order(None, False))
        fields = _fields(changes, "changes")
        increments = _increments(increment or {}, fields)
        unique_fields = _unique_fields(unique)
        if expect_version is not None and (
            not isinstance(expect_version, int) or isinstance(expect_version, bool)
        ):
            raise ValidationFailed("expectVersion must be a whole number", None)
        async with _writing(self.engine) as conn:
            row = (await conn.execute(stmt.limit(1).with_for_update())).first()
            if row is None:
                return None
            if expect_version is not None and row.version != expect_version:
                raise Conflict(
                    f"This {singular(collection)} was changed since version {expect_version} "
                    f"(it is at version {row.version}); read it again and retry",
                    {"expectedVersion": expect_version, "version": int(row.version)},
                )
            data = {**(row.data or {}), **fields}
            _apply_increments(data, increments, collection)
            now = _now()
            version = int(row.version) + 1
            result = await conn.execute(
                update(records)
                .where(records.c.id == row.id, records.c.version == row.version)
                .values(data=data, updated_at=now, version=version)
            )
            if result.rowcount != 1:  # pragma: no cover - the row lock makes this impossible
                raise Conflict(f"This {singular(collection)} changed during the update", None)
            for field in unique_fields:
                if field not in fields and field not in increments:
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
        return {
            "id": row.id,
            **data,
            "createdAt": iso(row.created_at),
            "updatedAt": iso(now),
            "version": version,
        }

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


#: Name prefix of the named secrets a deployment gives a namespace (``{{ secrets.NAME }}``).
NAMED_PREFIX = "env:"
MAX_NAMED_SECRETS = 100


class SqlSecretStore:
    """Per-namespace secrets in ``orx_secrets``, encrypted at rest with ``cipher``.

    Two kinds share the table: random keys created on first use (the JWT signing key, name
    ``jwt``) and the named secrets a deployment hands over (``env:NAME``). A generated key never
    changes once created, so each process keeps the ones it has read: a run that signs a token
    does not read the database for the key every time. A plain-text value written before
    encryption is encrypted in place on first read.
    """

    def __init__(self, engine: AsyncEngine, cipher: SecretCipher) -> None:
        self.engine = engine
        self.cipher = cipher
        self._known: dict[tuple[str, str], str] = {}

    async def _read(self, namespace: str, name: str) -> str | None:
        stmt = select(secrets_table.c.value).where(
            secrets_table.c.namespace == namespace, secrets_table.c.name == name
        )
        async with self.engine.connect() as conn:
            value = (await conn.execute(stmt)).scalar_one_or_none()
        if value is None:
            return None
        stored = str(value)
        if self.cipher.is_encrypted(stored):
            return self.cipher.decrypt(stored)
        # Written before secrets were encrypted: encrypt it now, keep using it.
        async with _writing(self.engine) as conn:
            await conn.execute(
                update(secrets_table)
                .where(
                    secrets_table.c.namespace == namespace,
                    secrets_table.c.name == name,
                    secrets_table.c.value == stored,
                )
                .values(value=self.cipher.encrypt(stored))
            )
        return stored

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
                        namespace=namespace,
                        name=name,
                        value=self.cipher.encrypt(value),
                        created_at=_now(),
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

    async def named(self, namespace: str) -> dict[str, str]:
        stmt = select(secrets_table.c.name, secrets_table.c.value).where(
            secrets_table.c.namespace == namespace,
            secrets_table.c.name.startswith(NAMED_PREFIX, autoescape=True),
        )
        async with self.engine.connect() as conn:
            rows = (await conn.execute(stmt)).all()
        return {str(r.name)[len(NAMED_PREFIX) :]: self.cipher.decrypt(str(r.value)) for r in rows}

    async def replace_named(self, namespace: str, values: Mapping[str, str]) -> None:
        if not isinstance(values, Mapping) or len(values) > MAX_NAMED_SECRETS:
            raise ValidationFailed(
                f"secrets must be an object of at most {MAX_NAMED_SECRETS} names", None
            )
        rows = []
        for name, value in values.items():
            full = NAMED_PREFIX + str(name)
            if not isinstance(name, str) or not name or len(full) > MAX_NAME:
                raise ValidationFailed("A secret name is too long or empty", {"name": name})
            if not isinstance(value, str):
                raise ValidationFailed("A secret value is text", {"name": name})
            rows.append({"name": full, "value": self.cipher.encrypt(value)})
        _check_names(namespace, "secrets")
        async with _writing(self.engine) as conn:
            await conn.execute(
                delete(secrets_table).where(
                    secrets_table.c.namespace == namespace,
                    secrets_table.c.name.startswith(NAMED_PREFIX, autoescape=True),
                )
            )
            now = _now()
            for row in rows:
                await conn.execute(
                    insert(secrets_table).values(namespace=namespace, created_at=now, **row)
                )


__all__ = ["SqlDataStore", "SqlSecretStore", "canonical_json", "singular", "unique_hash"]

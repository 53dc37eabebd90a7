"""The data store and the secret store on real SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from orchestrix.errors import Conflict, ValidationFailed
from orchestrix.runtime.cipher import SecretCipher
from orchestrix.runtime.database import ensure_schema, make_engine
from orchestrix.runtime.datastore import SqlDataStore, SqlSecretStore, singular, unique_hash
from orchestrix.runtime.services import open_services
from orchestrix.settings import Settings, async_database_url
from orchestrix.tools.base import Services
from tests.conftest import unique_namespace

PEOPLE: list[dict[str, Any]] = [
    {"name": "a", "age": 30, "city": "Oslo", "score": 1.5, "active": True, "tags": ["x", "y"]},
    {"name": "b", "age": 25, "city": "oslo", "score": 2, "active": False},
    {"name": "c", "age": "30", "city": "Bergen", "score": None},
    {"name": "d", "age": 40, "city": "Zurich", "active": True, "address": {"zip": 1, "at": "x"}},
    {"name": "e"},
]


async def _people(services: Services) -> tuple[str, list[dict[str, Any]]]:
    ns = unique_namespace()
    stored = [await services.datastore.insert(ns, "people", p, []) for p in PEOPLE]
    return ns, stored


async def _names(services: Services, ns: str, where: dict[str, Any], **kw: Any) -> list[str]:
    items, total = await services.datastore.query(ns, "people", where, limit=100, **kw)
    assert total == len(items)
    return [item["name"] for item in items]


# --- insert and read ---------------------------------------------------------------------


async def test_insert_returns_the_document_with_id_and_timestamps(any_services: Services) -> None:
    ns = unique_namespace()
    doc = await any_services.datastore.insert(
        ns, "users", {"email": "a@b.co", "id": "mine", "createdAt": "yesterday"}, ["email"]
    )
    uuid.UUID(doc["id"])  # our id, not the caller's
    assert doc["email"] == "a@b.co"
    assert doc["createdAt"] == doc["updatedAt"]
    assert doc["createdAt"].endswith("Z")
    assert datetime.fromisoformat(doc["createdAt"]).utcoffset() is not None
    assert await any_services.datastore.find_one(ns, "users", {"id": doc["id"]}) == doc
    assert await any_services.datastore.find_one(ns, "users", {"email": "a@b.co"}) == doc
    assert await any_services.datastore.find_one(ns, "users", {"email": "A@b.co"}) is None
    assert await any_services.datastore.find_one(ns, "users", {"id": "mine"}) is None
    assert await any_services.datastore.find_one(ns, "users", {"id": 5}) is None


async def test_nested_values_round_trip(any_services: Services) -> None:
    ns = unique_namespace()
    value = {"b": [1, 2.5, "é", None, True], "a": {"z": {"y": 1}}}
    doc = await any_services.datastore.insert(ns, "things", {"v": value, "n": None}, [])
    found = await any_services.datastore.find_one(ns, "things", {"id": doc["id"]})
    assert found is not None
    assert found["v"] == value
    assert found["n"] is None
    # Objects are equal whatever the key order, on both databases.
    assert await any_services.datastore.find_one(ns, "things", {"v": dict(reversed(value.items()))})


# --- where -------------------------------------------------------------------------------

WHERE_CASES: list[tuple[dict[str, Any], list[str]]] = [
    ({}, ["a", "b", "c", "d", "e"]),
    ({"age": 30}, ["a"]),  # the number, not the string "30"
    ({"age": "30"}, ["c"]),
    ({"city": "oslo"}, ["b"]),  # strings are case-sensitive
    ({"active": True}, ["a", "d"]),
    ({"active": False}, ["b"]),  # false is not 0, not missing
    ({"score": None}, ["c", "d", "e"]),  # null or missing
    ({"score": 2}, ["b"]),
    ({"score": 2.0}, ["b"]),
    ({"tags": ["x", "y"]}, ["a"]),
    ({"tags": ["y", "x"]}, []),
    ({"address": {"at": "x", "zip": 1}}, ["d"]),
    ({"name": "a", "age": 30}, ["a"]),
    ({"name": "a", "age": 31}, []),
    ({"age": {"$ne": 30}}, ["b", "c", "d", "e"]),
    ({"score": {"$ne": None}}, ["a", "b"]),
    ({"active": {"$ne": True}}, ["b", "c", "e"]),
    ({"age": {"$gt": 25}}, ["a", "d"]),  # numbers only: "30" is a string
    ({"age": {"$gte": 30}}, ["a", "d"]),
    ({"age": {"$lt": 30}}, ["b"]),
    ({"age": {"$lte": 30}}, ["a", "b"]),
    ({"age": {"$gte": 26, "$lt": 40}}, ["a"]),
    ({"score": {"$gt": 1}}, ["a", "b"]),
    ({"score": {"$lt": 1.6}}, ["a"]),
    ({"age": {"$gt": "29"}}, ["c"]),  # strings only
    ({"city": {"$gt": "Oslo"}}, ["b", "d"]),  # code point order: "oslo" > "Oslo"
    ({"city": {"$lt": "Oslo"}}, ["c"]),
    ({"city": {"$gte": "Oslo", "$lte": "Zurich"}}, ["a", "d"]),
    ({"city": {"$in": ["Oslo", "Bergen"]}}, ["a", "c"]),
    ({"age": {"$in": [25, "30"]}}, ["b", "c"]),
    ({"score": {"$in": [None, 2]}}, ["b", "c", "d", "e"]),
    ({"age": {"$in": []}}, []),
    ({"name": {"$ne": "a"}, "city": {"$lt": "a"}}, ["c", "d"]),
]


@pytest.mark.parametrize(("where", "expected"), WHERE_CASES, ids=[str(w) for w, _ in WHERE_CASES])
async def test_where_operators(
    any_services: Services, where: dict[str, Any], expected: list[str]
) -> None:
    ns, _ = await _people(any_services)
    assert await _names(any_services, ns, where, sort="name") == expected


async def test_where_on_id_and_timestamps(any_services: Services) -> None:
    ns, stored = await _people(any_services)
    a, b, c = stored[0], stored[1], stored[2]
    assert await _names(any_services, ns, {"id": a["id"]}) == ["a"]
    assert await _names(any_services, ns, {"id": {"$in": [a["id"], c["id"], 7]}}) == ["a", "c"]
    assert "a" not in await _names(any_services, ns, {"id": {"$ne": a["id"]}})
    assert await _names(any_services, ns, {"createdAt": b["createdAt"]}) == ["b"]
    after_b = await _names(any_services, ns, {"createdAt": {"$gt": b["createdAt"]}})
    assert after_b == ["c", "d", "e"]
    assert await _names(any_services, ns, {"createdAt": {"$lte": b["createdAt"]}}) == ["a", "b"]
    with pytest.raises(ValidationFailed, match="ISO-8601"):
        await any_services.datastore.query(ns, "people", {"createdAt": {"$gt": "last week"}})


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ({"age": {"$regex": "^3"}}, r"Unknown operator \$regex in where.age; use one of \$ne"),
        ({"age": {"$gt": 1, "x": 2}}, "mixes operators and fields"),
        ({"age": {"$in": 30}}, r"\$in needs a list"),
        ({"age": {"$gt": True}}, "compares numbers or strings"),
        ({"age": {"$gt": [1]}}, "compares numbers or strings"),
        ({"age": {"$gt": float("nan")}}, "finite"),
        ({'a"b': 1}, "field name"),
        ({"": 1}, "field name"),
    ],
)
async def test_bad_where_is_a_clear_validation_error(
    any_services: Services, where: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationFailed, match=message) as info:
        await any_services.datastore.query(unique_namespace(), "people", where)
    assert info.value.status == 400


# --- query: sort and pages ----------------------------------------------------------------


async def test_sort_is_typed_and_the_same_on_both_databases(any_services: Services) -> None:
    ns, _ = await _people(any_services)
    # Missing/null first, then numbers by value, then strings by code point.
    assert await _names(any_services, ns, {}, sort="age") == ["e", "b", "a", "d", "c"]
    assert await _names(any_services, ns, {}, sort="city") == ["e", "c", "a", "d", "b"]
    assert await _names(any_services, ns, {}, sort="city", descending=True) == [
        "b",
        "d",
        "a",
        "c",
        "e",
    ]
    assert await _names(any_services, ns, {}) == ["a", "b", "c", "d", "e"]  # createdAt
    assert await _names(any_services, ns, {}, descending=True) == ["e", "d", "c", "b", "a"]


async def test_ties_keep_insertion_order(any_services: Services) -> None:
    ns = unique_namespace()
    for i in range(6):
        await any_services.datastore.insert(ns, "people", {"name": str(i), "group": 1}, [])
    assert await _names(any_services, ns, {}, sort="group") == ["0", "1", "2", "3", "4", "5"]
    assert await _names(any_services, ns, {}, sort="group", descending=True) == [
        "5",
        "4",
        "3",
        "2",
        "1",
        "0",
    ]
    by_id = await _names(any_services, ns, {}, sort="id")
    assert by_id == await _names(any_services, ns, {}, sort="id")  # deterministic
    assert sorted(by_id) == ["0", "1", "2", "3", "4", "5"]


async def test_pages_and_total(any_services: Services) -> None:
    ns, _ = await _people(any_services)
    items, total = await any_services.datastore.query(
        ns, "people", {}, limit=2, offset=1, sort="name"
    )
    assert [i["name"] for i in items] == ["b", "c"]
    assert total == 5
    items, total = await any_services.datastore.query(
        ns, "people", {"age": {"$gte": 30}}, limit=1, offset=0, sort="age", descending=True
    )
    assert [i["name"] for i in items] == ["d"]
    assert total == 2
    items, total = await any_services.datastore.query(ns, "people", {}, limit=10, offset=50)
    assert (items, total) == ([], 5)
    with pytest.raises(ValidationFailed, match="offset"):
        await any_services.datastore.query(ns, "people", {}, offset=-1)


# --- unique fields ------------------------------------------------------------------------


async def test_a_duplicate_unique_value_is_409_and_nothing_is_written(
    any_services: Services,
) -> None:
    ns = unique_namespace()
    store = any_services.datastore
    first = await store.insert(ns, "users", {"email": "a@b.co", "username": "bob"}, ["email"])
    with pytest.raises(Conflict) as info:
        await store.insert(ns, "users", {"email": "A@B.CO", "username": "x"}, ["email"])
    assert info.value.status == 409
    assert info.value.to_body() == {
        "error": "A user with this email already exists",
        "details": {"field": "email"},
    }
    items, total = await store.query(ns, "users", {})
    assert (items, total) == ([first], 1)


async def test_a_conflict_on_a_later_field_releases_the_earlier_ones(
    any_services: Services,
) -> None:
    ns = unique_namespace()
    store = any_services.datastore
    unique = ["email", "username"]
    await store.insert(ns, "users", {"email": "a@b.co", "username": "bob"}, unique)
    with pytest.raises(Conflict, match="A user with this username already exists"):
        await store.insert(ns, "users", {"email": "c@d.co", "username": "bob"}, unique)
    # c@d.co was not left claimed by the refused insert.
    await store.insert(ns, "users", {"email": "c@d.co", "username": "Bob"}, unique)
    assert (await store.query(ns, "users", {}))[1] == 2


async def test_unique_values_compare_by_type_and_skip_null(any_services: Services) -> None:
    ns = unique_namespace()
    store = any_services.datastore
    await store.insert(ns, "codes", {"code": 1}, ["code"])
    await store.insert(ns, "codes", {"code": "1"}, ["code"])  # a string is another value
    await store.insert(ns, "codes", {"code": None}, ["code"])
    await store.insert(ns, "codes", {}, ["code"])  # missing and null are never taken
    await store.insert(ns, "codes", {"code": None}, ["code"])
    with pytest.raises(Conflict, match="A code with this code already exists"):
        await store.insert(ns, "codes", {"code": 1.0}, ["code"])
    assert (await store.query(ns, "codes", {}))[1] == 5


async def test_namespaces_and_collections_are_isolated(any_services: Services) -> None:
    store = any_services.datastore
    ns1, ns2 = unique_namespace(), unique_namespace()
    await store.insert(ns1, "users", {"email": "a@b.co"}, ["email"])
    await store.insert(ns2, "users", {"email": "a@b.co"}, ["email"])
    await store.insert(ns1, "admins", {"email": "a@b.co"}, ["email"])
    assert (await store.query(ns1, "users", {}))[1] == 1
    assert (await store.query(ns2, "users", {}))[1] == 1
    assert await store.delete(ns2, "users", {}, many=True) == 1
    assert await store.find_one(ns1, "users", {"email": "a@b.co"}) is not None


async def test_concurrent_inserts_of_one_email_make_one_document(any_services: Services) -> None:
    ns = unique_namespace()

    async def signup(i: int) -> dict[str, Any] | Conflict:
        try:
            return await any_services.datastore.insert(
                ns, "users", {"email": "same@example.com", "n": i}, ["email"]
            )
        except Conflict as e:
            return e

    results = await asyncio.gather(*(signup(i) for i in range(50)))
    stored = [r for r in results if isinstance(r, dict)]
    conflicts = [r for r in results if isinstance(r, Conflict)]
    assert (len(stored), len(conflicts)) == (1, 49)
    items, total = await any_services.datastore.query(ns, "users", {})
    assert total == 1
    assert items == stored


# --- update -------------------------------------------------------------------------------


async def test_update_merges_the_oldest_match(any_services: Services) -> None:
    ns = unique_namespace()
    store = any_services.datastore
    first = await store.insert(ns, "todos", {"title": "a", "done": False, "tag": "x"}, [])
    second = await store.insert(ns, "todos", {"title": "b", "done": False, "tag": "x"}, [])
    updated = await store.update(ns, "todos", {"tag": "x"}, {"done": True, "id": "nope"}, [])
    assert updated is not None
    assert updated["id"] == first["id"]
    assert updated["done"] is True
    assert updated["title"] == "a"
    assert updated["createdAt"] == first["createdAt"]
    assert updated["updatedAt"] > first["updatedAt"]
    assert await store.find_one(ns, "todos", {"id": first["id"]}) == updated
    assert await store.find_one(ns, "todos", {"id": second["id"]}) == second
    assert await store.update(ns, "todos", {"title": "zzz"}, {"done": True}, []) is None


async def test_update_moves_unique_values(any_services: Services) -> None:
    ns = unique_namespace()
    store = any_services.datastore
    alice = await store.insert(ns, "users", {"email": "alice@x.co"}, ["email"])
    bob = await store.insert(ns, "users", {"email": "bob@x.co"}, ["email"])

    with pytest.raises(Conflict, match="A user with this email already exists"):
        await store.update(
            ns, "users", {"id": bob["id"]}, {"email": "ALICE@x.co", "n": 1}, ["email"]
        )
    assert await store.find_one(ns, "users", {"id": bob["id"]}) == bob  # nothing written

    moved = await store.update(ns, "users", {"id": bob["id"]}, {"email": "robert@x.co"}, ["email"])
    assert moved is not None
    assert moved["email"] == "robert@x.co"
    # The old value is free again, the new one is taken.
    await store.insert(ns, "users", {"email": "bob@x.co"}, ["email"])
    with pytest.raises(Conflict):
        await store.insert(ns, "users", {"email": "robert@x.co"}, ["email"])
    # Setting a record's own value again is no conflict.
    again = await store.update(ns, "users", {"id": alice["id"]}, {"email": "alice@x.co"}, ["email"])
    assert again is not None


async def test_concurrent_updates_to_one_value_let_one_win(any_services: Services) -> None:
    ns = unique_namespace()
    store = any_services.datastore
    ids = [
        (await store.insert(ns, "users", {"email": f"u{i}@x.co"}, ["email"]))["id"]
        for i in range(10)
    ]

    async def rename(record_id: str) -> bool:
        try:
            await store.update(ns, "users", {"id": record_id}, {"email": "star@x.co"}, ["email"])
        except Conflict:
            return False
        return True

    outcomes = await asyncio.gather(*(rename(i) for i in ids))
    assert outcomes.count(True) == 1
    assert (await store.query(ns, "users", {"email": "star@x.co"}))[1] == 1


# --- delete -------------------------------------------------------------------------------


async def test_delete_one_or_many(any_services: Services) -> None:
    ns, stored = await _people(any_services)
    store = any_services.datastore
    assert await store.delete(ns, "people", {"active": True}) == 1  # the oldest: a
    assert await _names(any_services, ns, {}) == ["b", "c", "d", "e"]
    assert await store.delete(ns, "people", {"name": "zzz"}) == 0
    assert await store.delete(ns, "people", {"age": {"$gte": 0}}, many=True) == 2
    assert await _names(any_services, ns, {}) == ["c", "e"]
    assert await store.delete(ns, "people", {"id": stored[2]["id"]}, many=True) == 1


async def test_deleting_a_record_frees_its_unique_values(any_services: Services) -> None:
    ns = unique_namespace()
    store = any_services.datastore
    doc = await store.insert(ns, "users", {"email": "a@b.co"}, ["email"])
    assert await store.delete(ns, "users", {"id": doc["id"]}) == 1
    again = await store.insert(ns, "users", {"email": "a@b.co"}, ["email"])
    assert again["id"] != doc["id"]
    assert await store.delete(ns, "users", {}, many=True) == 1
    await store.insert(ns, "users", {"email": "a@b.co"}, ["email"])


# --- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("collection", "document", "unique", "message"),
    [
        ("users", ["not", "an", "object"], [], "document must be an object"),
        ("users", {"when": {1, 2}}, [], "not valid JSON"),
        ("users", {"x": float("inf")}, [], "not valid JSON"),
        ("", {"a": 1}, [], "collection name"),
        ("x" * 65, {"a": 1}, [], "collection name"),
        ("users", {"a": 1}, "email", "unique must be a list"),
    ],
)
async def test_bad_documents_are_refused_before_anything_is_written(
    any_services: Services, collection: str, document: Any, unique: Any, message: str
) -> None:
    ns = unique_namespace()
    with pytest.raises(ValidationFailed, match=message):
        await any_services.datastore.insert(ns, collection, document, unique)
    assert (await any_services.datastore.query(ns, "users", {}))[1] == 0


def test_names_and_hashes() -> None:
    assert [singular(c) for c in ("users", "entries", "addresses", "boxes", "data", "s")] == [
        "user",
        "entry",
        "address",
        "box",
        "data",
        "s",
    ]
    assert unique_hash("email", "A@B.co") == unique_hash("userEmail", "a@b.co")
    assert unique_hash("username", "Bob") != unique_hash("username", "bob")
    assert unique_hash("n", 1) == unique_hash("n", 1.0) != unique_hash("n", "1")
    assert unique_hash("o", {"a": 1, "b": 2}) == unique_hash("o", {"b": 2, "a": 1})


# --- secrets ------------------------------------------------------------------------------


async def test_secrets_are_created_once_even_under_concurrency(any_services: Services) -> None:
    ns = unique_namespace()
    values = await asyncio.gather(
        *(any_services.secrets.get_or_create(ns, "jwt") for _ in range(20))
    )
    assert len(set(values)) == 1
    assert len(values[0]) >= 64
    assert await any_services.secrets.get_or_create(ns, "jwt") == values[0]
    assert await any_services.secrets.get_or_create(ns, "other") != values[0]
    assert await any_services.secrets.get_or_create(unique_namespace(), "jwt") != values[0]


async def test_secrets_from_separate_engines_agree(any_settings: Settings) -> None:
    """Two engines are two pools of connections, as two processes would have."""
    url = any_settings.resolved_database_url
    engines = [make_engine(url) for _ in range(3)]
    try:
        await ensure_schema(engines[0])
        ns = unique_namespace()
        stores = [SqlSecretStore(e, SecretCipher(any_settings)) for e in engines]
        values = await asyncio.gather(*(s.get_or_create(ns, "jwt") for s in stores * 5))
        assert len(set(values)) == 1
    finally:
        for engine in engines:
            await engine.dispose()


async def test_data_and_secrets_survive_a_restart(any_settings: Settings) -> None:
    ns = unique_namespace()
    async with open_services(any_settings) as services:
        doc = await services.datastore.insert(ns, "users", {"email": "a@b.co"}, ["email"])
        secret = await services.secrets.get_or_create(ns, "jwt")
    async with open_services(any_settings) as services:
        assert await services.datastore.find_one(ns, "users", {"email": "a@b.co"}) == doc
        assert await services.secrets.get_or_create(ns, "jwt") == secret
        with pytest.raises(Conflict):
            await services.datastore.insert(ns, "users", {"email": "a@b.co"}, ["email"])


async def test_ensure_schema_from_many_processes_at_once_on_postgres(postgres_url: str) -> None:
    """A fresh database, eight engines creating the tables at the same moment."""
    name = f"orx_schema_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(postgres_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        url = async_database_url(postgres_url.rsplit("/", 1)[0] + f"/{name}", Path())
        engines = [make_engine(url) for _ in range(8)]
        try:
            await asyncio.gather(*(ensure_schema(e) for e in engines))
            store = SqlDataStore(engines[0])
            await store.insert("ns", "users", {"email": "a@b.co"}, ["email"])
        finally:
            for engine in engines:
                await engine.dispose()
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()

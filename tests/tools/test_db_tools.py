"""dbInsert, dbFind, dbQuery, dbUpdate and dbDelete on real SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from orchestrix.errors import Conflict, RecordNotFound
from orchestrix.runtime.executor import Executor
from orchestrix.spec.models import Workflow
from orchestrix.tools import get_tool
from orchestrix.tools.base import RunContext, Services
from orchestrix.tools.db_find import singular
from tests.conftest import unique_namespace


class Db:
    """Runs data tools by type name in one namespace, as the executor would."""

    def __init__(self, services: Services) -> None:
        self.ctx = RunContext(
            workflow=Workflow(name="Db"), input={}, services=services, namespace=unique_namespace()
        )

    async def __call__(self, type_name: str, **config: Any) -> Any:
        cls = get_tool(type_name)
        assert cls is not None
        out = await cls().run(self.ctx, cls.Config.model_validate(config))
        return out.model_dump(by_alias=True) if hasattr(out, "model_dump") else out


async def test_insert_returns_the_stored_document(any_services: Services) -> None:
    db = Db(any_services)
    doc = await db("dbInsert", collection="users", document={"email": "a@b.co", "n": 1})
    assert doc["email"] == "a@b.co" and doc["n"] == 1
    assert {"id", "createdAt", "updatedAt"} <= set(doc)
    found = await db("dbFind", collection="users", where={"id": doc["id"]})
    assert found == doc


async def test_a_taken_unique_value_is_409_and_stores_nothing(any_services: Services) -> None:
    db = Db(any_services)
    await db("dbInsert", collection="users", document={"email": "a@b.co"}, unique=["email"])
    with pytest.raises(Conflict) as info:
        await db("dbInsert", collection="users", document={"email": "a@b.co"}, unique=["email"])
    assert info.value.status == 409
    page = await db("dbQuery", collection="users")
    assert page["count"] == 1


def test_a_unique_field_must_be_in_the_document() -> None:
    cls = get_tool("dbInsert")
    assert cls is not None
    with pytest.raises(ValidationError, match="email"):
        cls.Config.model_validate(
            {"collection": "users", "document": {"n": 1}, "unique": ["email"]}
        )


async def test_find_answers_404_naming_the_thing(any_services: Services) -> None:
    db = Db(any_services)
    with pytest.raises(RecordNotFound) as info:
        await db("dbFind", collection="users", where={"email": "x@y.co"})
    assert (info.value.status, info.value.message) == (404, "User not found")
    with pytest.raises(RecordNotFound, match="No such account"):
        await db("dbFind", collection="users", where={"id": "x"}, message="No such account")
    assert await db("dbFind", collection="users", where={"id": "x"}, required=False) is None


async def test_query_pages_sorts_and_counts(any_services: Services) -> None:
    db = Db(any_services)
    for n in (3, 1, 2, 5, 4):
        await db("dbInsert", collection="items", document={"n": n, "even": n % 2 == 0})
    page = await db("dbQuery", collection="items", sort="n", order="desc", limit=2, offset=1)
    assert [d["n"] for d in page["items"]] == [4, 3]
    assert (page["count"], page["limit"], page["offset"]) == (5, 2, 1)
    evens = await db("dbQuery", collection="items", where={"even": True}, sort="n")
    assert [d["n"] for d in evens["items"]] == [2, 4] and evens["count"] == 2
    big = await db("dbQuery", collection="items", where={"n": {"$gte": 3}}, sort="n")
    assert [d["n"] for d in big["items"]] == [3, 4, 5]
    empty = await db("dbQuery", collection="nothing")
    assert empty == {"items": [], "count": 0, "limit": 50, "offset": 0}


@pytest.mark.parametrize("limit", [0, 1001])
def test_query_limit_is_bounded(limit: int) -> None:
    cls = get_tool("dbQuery")
    assert cls is not None
    with pytest.raises(ValidationError):
        cls.Config.model_validate({"collection": "items", "limit": limit})
    with pytest.raises(ValidationError):
        cls.Config.model_validate({"collection": "items", "order": "up"})


async def test_update_changes_the_match_404_and_409(any_services: Services) -> None:
    db = Db(any_services)
    a = await db("dbInsert", collection="users", document={"email": "a@b.co", "name": "A"})
    await db("dbInsert", collection="users", document={"email": "b@b.co"}, unique=["email"])
    updated = await db("dbUpdate", collection="users", where={"id": a["id"]}, set={"name": "Ada"})
    assert updated["name"] == "Ada" and updated["email"] == "a@b.co"
    assert updated["id"] == a["id"]
    with pytest.raises(RecordNotFound, match="User not found"):
        await db("dbUpdate", collection="users", where={"id": "missing"}, set={"name": "x"})
    assert (
        await db(
            "dbUpdate", collection="users", where={"id": "missing"}, set={"x": 1}, required=False
        )
        is None
    )
    with pytest.raises(Conflict):
        await db(
            "dbUpdate",
            collection="users",
            where={"id": a["id"]},
            set={"email": "b@b.co"},
            unique=["email"],
        )
    still = await db("dbFind", collection="users", where={"id": a["id"]})
    assert still["email"] == "a@b.co"


async def test_delete_one_many_and_404(any_services: Services) -> None:
    db = Db(any_services)
    for tag in ("x", "x", "x", "y"):
        await db("dbInsert", collection="todos", document={"tag": tag})
    assert await db("dbDelete", collection="todos", where={"tag": "x"}) == {"deleted": 1}
    assert await db("dbDelete", collection="todos", where={"tag": "x"}, many=True) == {"deleted": 2}
    with pytest.raises(RecordNotFound, match="Todo not found"):
        await db("dbDelete", collection="todos", where={"tag": "x"})
    assert await db("dbDelete", collection="todos", where={"tag": "x"}, required=False) == {
        "deleted": 0
    }
    assert (await db("dbQuery", collection="todos"))["count"] == 1


TODO = Workflow.model_validate(
    {
        "name": "Todo",
        "inputSchema": {
            "type": "object",
            "properties": {"id": {"type": "string"}, "title": {"type": "string"}},
        },
        "tools": [
            {"id": "input", "type": "input"},
            {
                "id": "create",
                "type": "dbInsert",
                "when": "input.id == null",
                "config": {"collection": "todos", "document": {"title": "{{ input.title }}"}},
            },
            {
                "id": "created",
                "type": "response",
                "when": "input.id == null",
                "config": {"status": 201, "body": "{{ steps.create }}"},
            },
            {
                "id": "rename",
                "type": "dbUpdate",
                "config": {
                    "collection": "todos",
                    "where": {"id": "{{ input.id }}"},
                    "set": {"title": "{{ input.title }}"},
                },
            },
            {"id": "done", "type": "response", "config": {"body": "{{ steps.rename }}"}},
        ],
    }
)


async def test_data_tools_through_the_executor(any_services: Services) -> None:
    ns = unique_namespace()
    executor = Executor(TODO)
    created = await executor.run({"title": "Buy milk"}, any_services, namespace=ns)
    assert created.status == 201
    todo_id = created.body["id"]
    renamed = await executor.run(
        {"id": todo_id, "title": "Buy oat milk"}, any_services, namespace=ns
    )
    assert (renamed.status, renamed.body["title"]) == (200, "Buy oat milk")
    missing = await executor.run({"id": "nope", "title": "x"}, any_services, namespace=ns)
    assert missing.status == 404
    assert missing.body["error"] == "Todo not found"
    # another namespace sees nothing
    elsewhere = await executor.run({"id": todo_id, "title": "x"}, any_services, namespace="other")
    assert elsewhere.status == 404


@pytest.mark.parametrize(
    ("collection", "thing"),
    [
        ("users", "User"),
        ("categories", "Category"),
        ("addresses", "Address"),
        ("boxes", "Box"),
        ("order_items", "Order item"),
        ("blogPosts", "Blog post"),
        ("analysis", "Analysis"),
        ("status", "Status"),
    ],
)
def test_singular(collection: str, thing: str) -> None:
    assert singular(collection) == thing

"""The tests a model implies, added beside the blueprint's: one 400 per field rule, a 404 per
relation, another owner's record not visible. Tests already there (same status and the same
field in their name) are not repeated."""

from __future__ import annotations

import copy
from typing import Any

from orchestrix.agents.edits import OWNER, _distinct
from orchestrix.agents.fields import FieldSpec
from orchestrix.agents.graph import Draft
from orchestrix.agents.model.fieldspec import to_spec
from orchestrix.agents.model.schema import ApiModel

OTHER_OWNER = "user-2"


def _covered(draft: Draft, status: int, words: str) -> bool:
    return any(
        t.get("expect", {}).get("status") == status and words in str(t.get("name", ""))
        for t in draft.tests
    )


def write_model_tests(draft: Draft, model: ApiModel) -> None:
    success = draft.success_test()
    if success is None:
        return
    base = success.get("input", {})
    headers = success.get("headers")
    counted = _counted_field(draft)
    n = 10
    for field in model.fields:
        if field.name not in draft.properties or field.name not in base:
            continue
        spec = to_spec(field)
        for value, why in _violations(spec):
            if _covered(draft, 400, why):
                continue
            values = {**base, field.name: value}
            if counted is not None and counted in base and counted != field.name:
                # A limit counted per this field: each test is another caller.
                n += 1
                values[counted] = _distinct(draft.field(counted) or spec, n)
            test = draft.add_test(f"rejects {why}", values, 400)
            if headers:
                test["headers"] = copy.deepcopy(headers)
    _relation_tests(draft, model, success)
    if model.kind == "crud" and model.ownership:
        _ownership_test(draft)


def _counted_field(draft: Draft) -> str | None:
    for tool in draft.of_type("rateLimit"):
        key = str(tool.get("config", {}).get("key", ""))
        if "input." in key:
            return key.split("input.", 1)[1].split(" ", 1)[0]
    return None


def _violations(spec: FieldSpec) -> list[tuple[Any, str]]:
    """A bad value for each rule of a field, with the words a test name gives it."""
    out: list[tuple[Any, str]] = []
    w = spec.words
    if spec.type in {"integer", "number"}:
        if spec.minimum is not None:
            out.append((spec.minimum - 1, f"a {w} below {_n(spec.minimum)}"))
        if spec.maximum is not None:
            out.append((spec.maximum + 1, f"a {w} above {_n(spec.maximum)}"))
        if spec.type == "integer":
            low = spec.minimum if spec.minimum is not None else 0
            out.append((low + 0.5, f"a {w} that is not a whole number"))
    if spec.type == "string" and not spec.enum and not spec.format:
        if spec.min_length and spec.min_length > 1:
            out.append(("x" * (spec.min_length - 1), f"a {w} shorter than {spec.min_length}"))
        if spec.max_length and spec.max_length <= 300:
            out.append(("x" * (spec.max_length + 1), f"a {w} longer than {spec.max_length}"))
    if spec.enum:
        out.append(("not-a-choice", f"a {w} that is not one of the choices"))
    if spec.format in {"email", "date", "date-time", "uri"}:
        bad, why = spec.invalid()
        out.append((bad, why))
    if spec.type == "array":
        out.append(("not-a-list", f"a {w} that is not a list"))
        if spec.items in {"integer", "number"}:
            out.append((["x"], f"a {w} with an item that is not a number"))
        elif spec.items == "string":
            out.append(([1], f"a {w} with an item that is not text"))
    return out


def _n(value: float | int) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _relation_tests(draft: Draft, model: ApiModel, success: dict[str, Any]) -> None:
    base = success.get("input", {})
    for relation in model.relations:
        value = base.get(relation.field)
        if value is None:
            continue
        # Records stay for the tests that follow, so the first test seeds them once.
        first = draft.tests[0]
        docs = first.setdefault("seed", {}).setdefault(relation.collection, [])
        if not any(d.get(relation.key) == value for d in docs):
            doc: dict[str, Any] = {relation.key: value}
            if relation.key != "id":
                doc["id"] = f"{relation.collection}-1"
            docs.append(doc)
        thing = relation.collection.rstrip("s").replace("_", " ")
        test = draft.add_test(
            f"answers 404 when the {thing} does not exist",
            {**base, relation.field: f"{value}-missing"},
            404,
        )
        if success.get("headers"):
            test["headers"] = copy.deepcopy(success["headers"])


def _ownership_test(draft: Draft) -> None:
    """A record of another owner is not found by this one's token."""
    finder = draft.first("dbFind", "dbUpdate", "dbDelete")
    if finder is None or "ownerId" not in (finder.get("config", {}).get("where") or {}):
        return
    found = next(
        (
            t
            for t in draft.tests
            if t.get("seed")
            and 200 <= int(t.get("expect", {}).get("status", 0)) < 300
            and any(
                v == d.get("id")
                for docs in t["seed"].values()
                for d in docs
                for v in t.get("input", {}).values()
            )
        ),
        None,
    )
    if found is None or _covered(draft, 404, "another user"):
        return
    test = copy.deepcopy(found)
    test["name"] = "does not show another user's record"
    renamed: dict[Any, str] = {}
    for docs in test["seed"].values():
        for doc in docs:
            if doc.get("ownerId") == OWNER:
                doc["ownerId"] = OTHER_OWNER
            if "id" in doc:
                renamed[doc["id"]] = f"{doc['id']}-other"
                doc["id"] = renamed[doc["id"]]
    test["input"] = {
        k: renamed.get(v, v) if isinstance(v, str) else v for k, v in test["input"].items()
    }
    test["expect"] = {"status": 404}
    draft.tests.append(test)

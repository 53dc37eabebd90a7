"""A list operation compiled: filters (required, optional, ranges, fixed values), sort, page.

Required and fixed filters and ranges go into one ``where``; optional equality filters (at most
two) each split the query in two, guarded by whether the caller sent the value, because a
``where`` cannot leave out a field whose value is missing.
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from typing import Any

from orchestrix.agents.crud import PAGE_LIMIT, PAGE_OFFSET, seed_document
from orchestrix.agents.entities import Entity
from orchestrix.agents.fields import FieldSpec, infer
from orchestrix.agents.graph import Draft, field_path, literal, ref
from orchestrix.agents.model.fieldspec import to_spec
from orchestrix.agents.model.schema import ApiModel, Filter, Operation

_WIDE = {"gt": "-1e15", "gte": "-1e15", "lt": "1e15", "lte": "1e15"}
_WIDE_TEXT = {"gt": "''", "gte": "''", "lt": "'~~~~'", "lte": "'~~~~'"}
MAX_OPTIONAL = 2


def _param_spec(model: ApiModel, flt: Filter) -> FieldSpec:
    name = flt.param or flt.field
    field = model.field(name)
    if field is not None:
        return to_spec(field)
    spec = infer(flt.field)
    return replace(spec, name=name, required=False, unique=False, default=None)


def list_graph(model: ApiModel, entity: Entity, op: Operation, record: list[FieldSpec]) -> Draft:
    draft = Draft.new(
        f"List {entity.plural_title} API",
        f"Lists {entity.plural_label}" + (f" sorted by {op.sort}" if op.sort else ", newest first"),
    )
    page_size = op.page_size or 20
    paged_by_page = bool(model.field("page") or model.field("page_size") or model.field("pageSize"))
    params: list[FieldSpec] = []
    for flt in op.filters:
        if flt.value is not None:
            continue
        spec = _param_spec(model, flt)
        if spec.name not in {p.name for p in params}:
            params.append(spec)
    for field in model.fields:
        if field.name not in {p.name for p in params} and field.name in {
            "page",
            "page_size",
            "pageSize",
        }:
            params.append(to_spec(field))
    for spec in params:
        draft.add_field(replace(spec, unique=False))
    if not paged_by_page:
        draft.add_field(replace(PAGE_LIMIT, default=page_size, maximum=max(100, page_size)))
        draft.add_field(PAGE_OFFSET)
        limit, offset = ref(f"input.limit ?? {page_size}"), ref("input.offset ?? 0")
    else:
        size = "page_size" if model.field("page_size") else "pageSize"
        if size not in draft.properties:
            draft.add_field(FieldSpec(name=size, type="integer", minimum=1, maximum=100))
        for name in ("page", size):
            schema = draft.properties[name]
            schema["type"] = "integer"
            schema.setdefault("minimum", 1)
            schema.setdefault("default", 1 if name == "page" else page_size)
            if name in draft.required:
                draft.required.remove(name)
        limit = ref(f"input.{size} ?? {page_size}")
        offset = ref(f"((input.page ?? 1) - 1) * (input.{size} ?? {page_size})")
    draft.add("input", "input")
    draft.add("validation", "validation")
    where: dict[str, Any] = {}
    optional: list[Filter] = []
    for flt in op.filters:
        path = field_path("input", flt.param or flt.field)
        if flt.value is not None:
            where[flt.field] = flt.value if flt.op == "eq" else {f"${flt.op}": flt.value}
        elif flt.op != "eq":
            schema = draft.properties.get(flt.param or flt.field, {})
            wide = _WIDE if schema.get("type") in {"integer", "number"} else _WIDE_TEXT
            where[flt.field] = {f"${flt.op}": ref(f"{path} ?? {wide[flt.op]}")}
        elif (flt.param or flt.field) in draft.required or len(optional) >= MAX_OPTIONAL:
            where[flt.field] = ref(path)
            if (flt.param or flt.field) not in draft.required:
                draft.required.append(flt.param or flt.field)
        else:
            optional.append(flt)
    page: dict[str, Any] = {"limit": limit, "offset": offset}
    page["sort"] = op.sort or "createdAt"
    page["order"] = op.order if op.sort else "desc"
    steps: list[str] = []
    base = entity.step("list", many=True)
    for chosen in _combinations(optional):
        wanted = dict(where)
        guards = []
        for flt in optional:
            path = field_path("input", flt.param or flt.field)
            if flt in chosen:
                wanted[flt.field] = ref(path)
                guards.append(f"{path} != null")
            else:
                guards.append(f"{path} == null")
        suffix = "".join(
            f"By{(f.param or f.field)[:1].upper()}{(f.param or f.field)[1:]}" for f in chosen
        )
        step = draft.unique_id(base + suffix.replace("_", ""))
        draft.add(
            step,
            "dbQuery",
            {"collection": entity.collection, "where": wanted, **page},
            when=" and ".join(guards) or None,
        )
        steps.append(step)
    body = ref(" ?? ".join(f"steps.{s}" for s in steps))
    draft.add("response", "response", {"status": 200, "body": body})
    _tests(draft, entity, op, record, params, optional)
    return draft


def _combinations(optional: list[Filter]) -> list[tuple[Filter, ...]]:
    combos: list[tuple[Filter, ...]] = []
    for size in range(len(optional), -1, -1):
        combos.extend(itertools.combinations(optional, size))
    return combos


def _tests(
    draft: Draft,
    entity: Entity,
    op: Operation,
    record: list[FieldSpec],
    params: list[FieldSpec],
    optional: list[Filter],
) -> None:
    """One seed of two records (kept for the tests after it): both listed, one filtered."""
    given: dict[str, Any] = {}
    docs = [seed_document(entity, record, 1), seed_document(entity, record, 2)]
    for flt in op.filters:
        name = flt.param or flt.field
        spec = next((p for p in params if p.name == name), None)
        if flt.value is not None:
            for doc in docs:
                doc[flt.field] = flt.value
            continue
        if spec is None:
            continue
        value = spec.sample(0)
        for doc in docs:
            doc[flt.field] = value
        if name in draft.required:
            given[name] = value
    filtered = None
    if optional:
        flt = optional[0]
        spec = next(p for p in params if p.name == (flt.param or flt.field))
        if spec.sample(1) != spec.sample(0):
            docs[1][flt.field] = spec.sample(1)
            filtered = (spec, flt)
    draft.add_test(
        f"lists the {entity.plural_label}",
        given,
        200,
        {"count": 2},
        seed={entity.collection: docs},
    )
    if filtered is not None:
        spec, flt = filtered
        draft.add_test(
            f"filters by {spec.words}", {**given, spec.name: spec.sample(0)}, 200, {"count": 1}
        )
    if "limit" in draft.properties:
        draft.add_test("rejects a limit above the page size", {**given, "limit": 100000}, 400)
    required = [p for p in params if p.name in draft.required]
    if required:
        draft.add_test(f"rejects a missing {required[0].words}", {}, 400)


__all__ = ["list_graph", "literal"]

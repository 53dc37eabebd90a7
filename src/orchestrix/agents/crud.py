"""Graphs that create, read, list, update and delete records of an entity the user names.

Each builder returns a :class:`Draft` with its tests: a success case, a validation failure and,
where it applies, a duplicate (409) or not-found (404) case. Records that a test looks up are
seeded with fixed ids (``product-1``) so the tests are the same on every run.
"""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import Any

from orchestrix.agents.edits import _distinct
from orchestrix.agents.entities import Entity
from orchestrix.agents.fields import MISSING, FieldSpec
from orchestrix.agents.graph import Draft, field_path, literal, ref
from orchestrix.agents.text import sentence

ID_FIELD = FieldSpec(name="id", min_length=1, max_length=64, required=True)
PAGE_LIMIT = FieldSpec(name="limit", type="integer", minimum=1, maximum=100, default=20)
PAGE_OFFSET = FieldSpec(name="offset", type="integer", minimum=0, default=0)
ACTIONS = ("create", "get", "list", "update", "delete")


def stored_value(spec: FieldSpec) -> str:
    path = field_path("input", spec.name)
    if spec.default is not None:
        return ref(f"{path} ?? {literal(spec.default)}")
    return ref(path)


def document_for(
    draft: Draft, fields: list[FieldSpec], before: str | None = None
) -> dict[str, Any]:
    """The stored fields; a password becomes ``<name>Hash`` from a hashPassword step."""
    doc: dict[str, Any] = {}
    for spec in fields:
        if spec.secret:
            hasher = draft.unique_id(
                "hashPassword"
                if spec.name == "password"
                else f"hash{spec.name[:1].upper()}{spec.name[1:]}"
            )
            draft.add(
                hasher,
                "hashPassword",
                {"value": ref(field_path("input", spec.name))},
                before=before,
            )
            doc[f"{spec.name}Hash"] = ref(f"steps.{hasher}.hash")
        else:
            doc[spec.name] = stored_value(spec)
    return doc


def public_body(step: str, fields: list[FieldSpec]) -> str | dict[str, Any]:
    """The stored record as the answer; spelled out when a password hash must stay out."""
    if not any(f.secret for f in fields):
        return ref(f"steps.{step}")
    body: dict[str, Any] = {"id": ref(f"steps.{step}.id")}
    for spec in fields:
        if not spec.secret:
            body[spec.name] = ref(field_path(f"steps.{step}", spec.name))
    body["createdAt"] = ref(f"steps.{step}.createdAt")
    return body


def sample_input(fields: list[FieldSpec], variant: int = 0) -> dict[str, Any]:
    return {f.name: f.sample(variant) for f in fields}


def seed_document(entity: Entity, fields: list[FieldSpec], n: int) -> dict[str, Any]:
    doc: dict[str, Any] = {"id": f"{entity.id_prefix}-{n}"}
    for spec in fields:
        if spec.secret:
            doc[f"{spec.name}Hash"] = f"{{{{ hashPassword({literal(spec.sample(n - 1))}) }}}}"
        else:
            doc[spec.name] = _distinct(spec, n) if spec.unique else spec.sample(n - 1)
    return doc


def write_create_tests(
    draft: Draft,
    fields: list[FieldSpec],
    *,
    status: int,
    thing: str,
    echo: bool,
    body: dict[str, Any] | None = None,
) -> None:
    """Success, duplicates (409), a missing field and bad values (400)."""
    values = sample_input(fields)
    expected = dict(body or {})
    if echo:
        expected.update({f.name: values[f.name] for f in fields if f.required and not f.secret})
        expected["id"] = "*"
    draft.add_test(f"creates {thing}", values, status, expected or None)
    unique = [f for f in fields if f.unique]
    for spec in unique:
        dup = dict(values)
        for other in unique:
            if other.name != spec.name:
                dup[other.name] = _distinct(other, 7)
        draft.add_test(f"refuses a duplicate {spec.words}", dup, 409)
    defaulted = [f for f in fields if f.default is not None and not f.required]
    if defaulted and echo:
        minimal = {f.name: values[f.name] for f in fields if f.required}
        for spec in unique:
            minimal[spec.name] = _distinct(spec, 2)
        draft.add_test(
            f"defaults the {defaulted[0].words}",
            minimal,
            status,
            {defaulted[0].name: defaulted[0].default},
        )
    required = [f for f in fields if f.required]
    if required:
        first = required[0]
        draft.add_test(f"rejects a missing {first.words}", {**values, first.name: MISSING}, 400)
    constrained = [
        f
        for f in fields
        if f.format or f.enum or f.pattern or f.type != "string" or (f.min_length or 0) > 1
    ]
    for spec in constrained[:2]:
        bad, why = spec.invalid()
        draft.add_test(f"rejects {why}", {**values, spec.name: bad}, 400)


def create(entity: Entity, fields: list[FieldSpec]) -> Draft:
    draft = Draft.new(
        f"Create {entity.title} API",
        f"Creates {entity.a_label} in the {entity.collection} collection",
    )
    for spec in fields:
        draft.add_field(spec)
    draft.add("input", "input")
    draft.add("validation", "validation")
    step = entity.step("create")
    document = document_for(draft, fields)
    config: dict[str, Any] = {"collection": entity.collection, "document": document}
    unique = [f.name for f in fields if f.unique]
    if unique:
        config["unique"] = unique
    draft.add(step, "dbInsert", config)
    draft.add("response", "response", {"status": 201, "body": public_body(step, fields)})
    write_create_tests(draft, fields, status=201, thing=entity.a_label, echo=True)
    return draft


def get(entity: Entity, fields: list[FieldSpec], key: FieldSpec | None = None) -> Draft:
    key = key or ID_FIELD
    by = "" if key.name == "id" else f" by {key.words}"
    draft = Draft.new(
        f"Get {entity.title} API",
        f"Finds one {entity.label}{by} in the {entity.collection} collection",
    )
    draft.add_field(replace(key, required=True, unique=False, default=None))
    draft.add("input", "input")
    draft.add("validation", "validation")
    step = entity.step("get")
    draft.add(
        step,
        "dbFind",
        {
            "collection": entity.collection,
            "where": {key.name: ref(field_path("input", key.name))},
            "message": f"{entity.title[:1].upper()}{entity.label[1:]} not found",
        },
    )
    draft.add("response", "response", {"status": 200, "body": public_body(step, fields)})
    seed = seed_document(entity, fields, 1)
    seed.setdefault(key.name, key.sample(0))
    shown = next((f for f in fields if f.required and not f.secret), None)
    expected: dict[str, Any] = {"id": seed["id"]}
    if shown is not None:
        expected[shown.name] = seed[shown.name]
    draft.add_test(
        f"finds {entity.a_label}",
        {key.name: seed[key.name]},
        200,
        expected,
        seed={entity.collection: [seed]},
    )
    unknown = f"{entity.id_prefix}-404" if key.name == "id" else key.sample(1)
    if key.name != "id" and key.format is None and isinstance(unknown, str):
        unknown = f"{unknown}-missing"
    draft.add_test(f"answers 404 for an unknown {entity.label}", {key.name: unknown}, 404)
    draft.add_test(f"rejects a missing {key.words}", {}, 400)
    return draft


def list_(entity: Entity, fields: list[FieldSpec], filter_by: FieldSpec | None = None) -> Draft:
    draft = Draft.new(
        f"List {entity.plural_title} API",
        f"Lists {entity.plural_label}, newest first, a page at a time",
    )
    draft.add_field(PAGE_LIMIT)
    draft.add_field(PAGE_OFFSET)
    draft.add("input", "input")
    draft.add("validation", "validation")
    step = entity.step("list", many=True)
    page = {
        "limit": ref("input.limit ?? 20"),
        "offset": ref("input.offset ?? 0"),
        "sort": "createdAt",
        "order": "desc",
    }
    first = seed_document(entity, fields, 1)
    second = seed_document(entity, fields, 2)
    if filter_by is not None:
        filt = replace(filter_by, required=False, unique=False, default=None)
        draft.add_field(filt)
        path = field_path("input", filt.name)
        filtered = entity.step("filter", many=True)
        draft.add(
            filtered,
            "dbQuery",
            {"collection": entity.collection, "where": {filt.name: ref(path)}, **page},
            when=f"{path} != null",
        )
        draft.add(
            step,
            "dbQuery",
            {"collection": entity.collection, "where": {}, **page},
            when=f"{path} == null",
        )
        body: Any = ref(f"steps.{filtered} ?? steps.{step}")
        draft.data["description"] += f", optionally only those with a given {filt.words}"
    else:
        draft.add(step, "dbQuery", {"collection": entity.collection, "where": {}, **page})
        body = ref(f"steps.{step}")
    draft.add("response", "response", {"status": 200, "body": body})
    draft.add_test(
        f"lists the {entity.plural_label}",
        {},
        200,
        {"count": 2, "limit": 20, "offset": 0},
        seed={entity.collection: [first, second]},
    )
    draft.add_test("pages with a limit", {"limit": 1, "offset": 1}, 200, {"count": 2, "limit": 1})
    if filter_by is not None and first.get(filter_by.name) != second.get(filter_by.name):
        draft.add_test(
            f"filters by {filter_by.words}",
            {filter_by.name: first[filter_by.name]},
            200,
            {"count": 1},
        )
    draft.add_test("rejects a limit above 100", {"limit": 1000}, 400)
    return draft


def update(entity: Entity, fields: list[FieldSpec]) -> Draft:
    draft = Draft.new(
        f"Update {entity.title} API",
        f"Changes the given fields of {entity.a_label}; the others keep their values",
    )
    editable = [replace(f, required=False, default=None) for f in fields if not f.secret]
    draft.add_field(ID_FIELD)
    for spec in editable:
        draft.add_field(spec)
    draft.add("input", "input")
    draft.add("validation", "validation")
    find = entity.step("find")
    step = entity.step("update")
    label = f"{entity.title[:1].upper()}{entity.label[1:]} not found"
    draft.add(
        find,
        "dbFind",
        {"collection": entity.collection, "where": {"id": "{{ input.id }}"}, "message": label},
    )
    changes = {
        f.name: ref(f"{field_path('input', f.name)} ?? {field_path('steps.' + find, f.name)}")
        for f in editable
    }
    config: dict[str, Any] = {
        "collection": entity.collection,
        "where": {"id": "{{ input.id }}"},
        "set": changes,
    }
    unique = [f.name for f in fields if f.unique and not f.secret]
    if unique:
        config["unique"] = unique
    draft.add(step, "dbUpdate", config)
    draft.add("response", "response", {"status": 200, "body": public_body(step, fields)})
    first = seed_document(entity, fields, 1)
    second = seed_document(entity, fields, 2)
    target = next((f for f in editable if not f.unique and f.type == "string" and not f.enum), None)
    target = target or next(
        (f for f in editable if not f.unique), editable[0] if editable else None
    )
    change: dict[str, Any] = {}
    if target is not None:
        change[target.name] = target.sample(1)
        if target.type == "string" and not target.enum:
            change[target.name] = _distinct(target, 5)
        if change[target.name] == first.get(target.name):
            change[target.name] = target.sample(0)
    draft.add_test(
        f"updates {entity.a_label}",
        {"id": first["id"], **change},
        200,
        {"id": first["id"], **change},
        seed={entity.collection: [first, second]},
    )
    draft.add_test(
        f"answers 404 for an unknown {entity.label}",
        {"id": f"{entity.id_prefix}-404", **change},
        404,
    )
    for spec in [f for f in editable if f.unique][:1]:
        draft.add_test(
            f"refuses a {spec.words} that another {entity.label} has",
            {"id": first["id"], spec.name: second[spec.name]},
            409,
        )
    constrained = [f for f in editable if f.format or f.enum or f.type != "string" or f.pattern]
    for spec in constrained[:1]:
        bad, why = spec.invalid()
        draft.add_test(f"rejects {why}", {"id": first["id"], spec.name: bad}, 400)
    draft.add_test("rejects a missing id", change, 400)
    return draft


def delete(entity: Entity, fields: list[FieldSpec]) -> Draft:
    draft = Draft.new(f"Delete {entity.title} API", f"Deletes {entity.a_label} by its id")
    draft.add_field(ID_FIELD)
    draft.add("input", "input")
    draft.add("validation", "validation")
    step = entity.step("delete")
    label = f"{entity.title[:1].upper()}{entity.label[1:]} not found"
    draft.add(
        step,
        "dbDelete",
        {"collection": entity.collection, "where": {"id": "{{ input.id }}"}, "message": label},
    )
    draft.add(
        "response",
        "response",
        {"status": 200, "body": {"deleted": True, "id": "{{ input.id }}"}},
    )
    first = seed_document(entity, fields, 1)
    draft.add_test(
        f"deletes {entity.a_label}",
        {"id": first["id"]},
        200,
        {"deleted": True, "id": first["id"]},
        seed={entity.collection: [first]},
    )
    draft.add_test(f"answers 404 once the {entity.label} is gone", {"id": first["id"]}, 404)
    draft.add_test("rejects a missing id", {}, 400)
    return draft


def manage(entity: Entity, fields: list[FieldSpec], actions: list[str]) -> Draft:
    """One endpoint for several operations, chosen by ``action``; ``when`` guards route it."""
    actions = [a for a in ACTIONS if a in actions] or list(ACTIONS)
    draft = Draft.new(
        f"{entity.plural_title} API",
        f"{sentence(_VERB_FORMS[a] for a in actions).capitalize()} {entity.plural_label}; the"
        " `action` field picks the operation",
    )
    schema = draft.schema
    draft.add_field(FieldSpec(name="action", enum=list(actions), required=True))
    needs_id = [a for a in actions if a in {"get", "update", "delete"}]
    if needs_id:
        draft.add_field(replace(ID_FIELD, required=False))
    editable = [
        replace(f, required=False, unique=False, default=None) for f in fields if not f.secret
    ]
    for spec in editable:
        draft.add_field(spec)
    if "list" in actions:
        draft.add_field(PAGE_LIMIT)
        draft.add_field(PAGE_OFFSET)
    rules: list[dict[str, Any]] = []
    required = [f.name for f in fields if f.required and not f.secret]
    if "create" in actions and required:
        rules.append(_when_action(["create"], required))
    if needs_id:
        rules.append(_when_action(needs_id, ["id"]))
    if rules:
        schema["allOf"] = rules
    draft.add("input", "input")
    draft.add("validation", "validation")
    collection = entity.collection
    label = f"{entity.title[:1].upper()}{entity.label[1:]} not found"
    unique = [f.name for f in fields if f.unique and not f.secret]

    def guard(action: str) -> str:
        return f"input.action == '{action}'"

    if "create" in actions:
        step = entity.step("create")
        config: dict[str, Any] = {
            "collection": collection,
            "document": {f.name: stored_value(f) for f in fields if not f.secret},
        }
        if unique:
            config["unique"] = unique
        draft.add(step, "dbInsert", config, when=guard("create"))
        draft.add(
            "created",
            "response",
            {"status": 201, "body": ref(f"steps.{step}")},
            when=guard("create"),
        )
    if "get" in actions:
        step = entity.step("get")
        where = {"id": "{{ input.id }}"}
        draft.add(
            step,
            "dbFind",
            {"collection": collection, "where": where, "message": label},
            when=guard("get"),
        )
        draft.add(
            "found", "response", {"status": 200, "body": ref(f"steps.{step}")}, when=guard("get")
        )
    if "list" in actions:
        step = entity.step("list", many=True)
        page = {
            "limit": ref("input.limit ?? 20"),
            "offset": ref("input.offset ?? 0"),
            "sort": "createdAt",
            "order": "desc",
        }
        draft.add(
            step, "dbQuery", {"collection": collection, "where": {}, **page}, when=guard("list")
        )
        draft.add(
            "listed", "response", {"status": 200, "body": ref(f"steps.{step}")}, when=guard("list")
        )
    if "update" in actions:
        find = entity.step("find")
        step = entity.step("update")
        where = {"id": "{{ input.id }}"}
        draft.add(
            find,
            "dbFind",
            {"collection": collection, "where": where, "message": label},
            when=guard("update"),
        )
        changes = {
            f.name: ref(f"{field_path('input', f.name)} ?? {field_path('steps.' + find, f.name)}")
            for f in editable
        }
        update_config: dict[str, Any] = {"collection": collection, "where": where, "set": changes}
        if unique:
            update_config["unique"] = unique
        draft.add(step, "dbUpdate", update_config, when=guard("update"))
        draft.add(
            "updated",
            "response",
            {"status": 200, "body": ref(f"steps.{step}")},
            when=guard("update"),
        )
    if "delete" in actions:
        step = entity.step("delete")
        draft.add(
            step,
            "dbDelete",
            {"collection": collection, "where": {"id": "{{ input.id }}"}, "message": label},
            when=guard("delete"),
        )
        draft.add(
            "deleted",
            "response",
            {"status": 200, "body": {"deleted": True, "id": "{{ input.id }}"}},
            when=guard("delete"),
        )
    _manage_tests(draft, entity, fields, actions)
    return draft


_VERB_FORMS = {
    "create": "creates",
    "get": "gets",
    "list": "lists",
    "update": "updates",
    "delete": "deletes",
}


def _when_action(actions: list[str], required: list[str]) -> dict[str, Any]:
    condition: dict[str, Any] = (
        {"const": actions[0]} if len(actions) == 1 else {"enum": list(actions)}
    )
    return {
        "if": {"properties": {"action": condition}, "required": ["action"]},
        "then": {"required": required},
    }


def _manage_tests(
    draft: Draft, entity: Entity, fields: list[FieldSpec], actions: list[str]
) -> None:
    plain = [f for f in fields if not f.secret]
    seeded = seed_document(entity, plain, 1)
    seed_used = False

    def seed() -> dict[str, list[dict[str, Any]]] | None:
        nonlocal seed_used
        if seed_used:
            return None
        seed_used = True
        return {entity.collection: [copy.deepcopy(seeded)]}

    if "create" in actions:
        values = sample_input(plain, 1)
        for spec in plain:
            if spec.unique:
                values[spec.name] = _distinct(spec, 3)
        shown = {f.name: values[f.name] for f in plain if f.required}
        draft.add_test(
            f"creates {entity.a_label}", {"action": "create", **values}, 201, {**shown, "id": "*"}
        )
        required = [f for f in plain if f.required]
        if required:
            draft.add_test(
                f"rejects a create without {required[0].words}",
                {"action": "create", **{k: v for k, v in values.items() if k != required[0].name}},
                400,
            )
    if "get" in actions:
        draft.add_test(
            f"gets {entity.a_label}",
            {"action": "get", "id": seeded["id"]},
            200,
            {"id": seeded["id"]},
            seed=seed(),
        )
        draft.add_test(
            f"answers 404 for an unknown {entity.label}",
            {"action": "get", "id": f"{entity.id_prefix}-404"},
            404,
        )
    if "list" in actions:
        draft.add_test(
            f"lists the {entity.plural_label}", {"action": "list"}, 200, {"limit": 20}, seed=seed()
        )
    if "update" in actions:
        target = next(
            (
                f
                for f in plain
                if not f.unique and f.type == "string" and not (f.enum or f.format or f.pattern)
            ),
            None,
        )
        other = next(
            (f for f in plain if not f.unique and not f.enum and f.sample(1) != f.sample(0)), None
        )
        change = (
            {target.name: f"{target.sample(0)} (changed)"[: target.max_length or 200]}
            if target
            else {other.name: other.sample(1)}
            if other
            else {}
        )
        draft.add_test(
            f"updates {entity.a_label}",
            {"action": "update", "id": seeded["id"], **change},
            200,
            {"id": seeded["id"], **change},
            seed=seed(),
        )
    if "delete" in actions:
        draft.add_test(
            f"deletes {entity.a_label}",
            {"action": "delete", "id": seeded["id"]},
            200,
            {"deleted": True},
            seed=seed(),
        )
        draft.add_test(
            f"answers 404 once the {entity.label} is gone",
            {"action": "delete", "id": seeded["id"]},
            404,
        )
    draft.add_test("rejects an unknown action", {"action": "explode"}, 400)


# --- keeping some operations of an action graph ------------------------------------------

OPERATION_WORDS = {
    "create": "create",
    "creating": "create",
    "add": "create",
    "insert": "create",
    "get": "get",
    "read": "get",
    "fetch": "get",
    "find": "get",
    "lookup": "get",
    "list": "list",
    "listing": "list",
    "browse": "list",
    "update": "update",
    "updating": "update",
    "edit": "update",
    "change": "update",
    "delete": "delete",
    "deleting": "delete",
    "remove": "delete",
}


def _entity_of(draft: Draft) -> Entity | None:
    """The entity an action graph stores, from its collection (``blog_posts`` -> blog post)."""
    from orchestrix.agents.text import singular

    for tool in draft.of_type("dbInsert", "dbFind", "dbQuery", "dbUpdate", "dbDelete"):
        collection = tool.get("config", {}).get("collection")
        if isinstance(collection, str) and collection:
            words = [w for w in collection.split("_") if w]
            return Entity([*words[:-1], singular(words[-1])])
    return None


def _stored_default(draft: Draft, name: str) -> Any:
    """The default a create stores for ``name`` (``{{ input.done ?? false }}`` -> False)."""
    import json
    import re

    store = draft.first("dbInsert")
    value = (store or {}).get("config", {}).get("document", {}).get(name)
    match = re.fullmatch(r"\{\{.*\?\?\s*(.+?)\s*\}\}", value) if isinstance(value, str) else None
    if match is None:
        return None
    text = match.group(1)
    if text.startswith("'") and text.endswith("'"):
        return text[1:-1]
    try:
        return json.loads(text)
    except ValueError:
        return None


def _record_fields(draft: Draft) -> list[FieldSpec]:
    from orchestrix.agents.edits import _create_rule

    required = set(_create_rule(draft) or [])
    unique = set(draft.unique_fields())
    fields = []
    for name, schema in draft.properties.items():
        if name in {"action", "id", "limit", "offset"} or not isinstance(schema, dict):
            continue
        spec = FieldSpec.from_schema(name, schema, required=name in required, unique=name in unique)
        default = _stored_default(draft, name)
        if default is not None:
            spec = replace(spec, default=default)
        fields.append(spec)
    return fields


def keep_operations(draft: Draft, keep: list[str]) -> str:
    """Turn a graph whose ``action`` picks the operation into one that does only ``keep``.

    The graph is built again for those operations (the same graph "create a todo" gives), and
    what it had besides (a token check, a rate limit, emails, its name) is put back.
    """
    from orchestrix.agents.edits import EditRefused, add_auth, add_email, set_rate_limit

    action = draft.properties.get("action")
    current = action.get("enum") if isinstance(action, dict) else None
    entity = _entity_of(draft)
    if not isinstance(current, list) or entity is None:
        raise EditRefused(
            "This graph does one thing already; ask for a new API to do something else."
        )
    keep = [a for a in ACTIONS if a in keep]
    if not keep:
        raise EditRefused("At least one operation has to stay.")
    absent = [a for a in keep if a not in current]
    if absent:
        raise EditRefused(
            f"This graph cannot {absent[0]}; it does {', '.join(str(a) for a in current)}."
        )
    if keep == [a for a in ACTIONS if a in current]:
        return f"It already does only {', '.join(keep)}."
    fields = _record_fields(draft)
    if not fields:
        fields = entity.default_fields()
    op = keep[0] if len(keep) == 1 else "manage"
    if op == "create" and not any(f.required for f in fields):
        fields = [replace(fields[0], required=True), *fields[1:]]
    if op == "create":
        new = create(entity, fields)
    elif op == "get":
        new = get(entity, fields)
    elif op == "list":
        new = list_(entity, fields)
    elif op == "update":
        new = update(entity, fields)
    elif op == "delete":
        new = delete(entity, fields)
    else:
        new = manage(entity, fields, keep)
    if draft.first("jwtVerify") is not None:
        add_auth(new)
    limit = draft.first("rateLimit")
    if limit is not None:
        config = limit.get("config", {})
        set_rate_limit(new, int(config.get("limit") or 10), int(config.get("window") or 60))
    for mail in draft.of_type("sendEmail"):
        to = mail.get("config", {}).get("to")
        try:
            if "welcome" in str(mail["id"]).lower():
                add_email(new, "welcome")
            else:
                add_email(new, "notify", to if isinstance(to, str) and "{{" not in to else None)
        except EditRefused:
            continue
    if draft.data.get("name") != f"{entity.plural_title} API":
        new.data["name"] = draft.data.get("name")
    new.data["metadata"] = copy.deepcopy(draft.data.get("metadata") or {})
    new.set_meta(intent=op)
    dropped = [a for a in current if a not in keep]
    draft.data.clear()
    draft.data.update(new.data)
    return (
        f"It now does only {_and(keep)} (no {_and([str(a) for a in dropped], 'or')}); its steps "
        "and tests were written again for that."
    )


def _and(words: list[str], last: str = "and") -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} {last} {words[-1]}"

"""Edits of a graph: the operations a chat message asks for, each returning what it did.

They change a :class:`Draft` in place: the input schema, the tools that store and answer, and
the tests that go with them, so the edited graph still passes its own tests. The blueprints use
the same edits for extras ("and send a welcome email"), so a graph built in one sentence and one
built in two turns come out alike.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import replace
from typing import Any

from orchestrix.agents.fields import MISSING, FieldSpec
from orchestrix.agents.graph import Draft, field_path, literal, ref
from orchestrix.agents.results import NotUnderstood
from orchestrix.agents.text import label

CLIENT_HEADER = "x-forwarded-for"
CLIENT_KEY = "{{ client.ip ?? 'anonymous' }}"
BEARER = "Bearer {{ jwt('user-1') }}"
OWNER = "user-1"
OWNER_ACCOUNTS = {"users", "accounts", "members"}


class EditRefused(NotUnderstood):
    """A change that cannot be made to this graph; the message says why (and what to say
    instead), so it carries no examples of new APIs."""

    def __init__(self, message: str, examples: list[str] | None = None) -> None:
        super().__init__(message, examples if examples is not None else [])


# --- helpers -----------------------------------------------------------------------------


def _mentions(value: Any, pattern: re.Pattern[str]) -> bool:
    if isinstance(value, str):
        return bool(pattern.search(value))
    if isinstance(value, dict):
        return any(_mentions(v, pattern) for v in value.values())
    if isinstance(value, list):
        return any(_mentions(v, pattern) for v in value)
    return False


def _input_ref(name: str) -> re.Pattern[str]:
    return re.compile(rf"\binput\.{re.escape(name)}\b|\binput\[[\"']{re.escape(name)}[\"']\]")


def _rewrite(value: Any, old: re.Pattern[str], new: str) -> Any:
    if isinstance(value, str):
        return old.sub(new, value)
    if isinstance(value, dict):
        return {k: _rewrite(v, old, new) for k, v in value.items()}
    if isinstance(value, list):
        return [_rewrite(v, old, new) for v in value]
    return value


def _stored_value(spec: FieldSpec, draft: Draft) -> str:
    path = field_path("input", spec.name)
    if spec.default is not None:
        return ref(f"{path} ?? {literal(spec.default)}")
    find = _prior_find(draft)
    if find is not None and draft.primary_store() is not None:
        store = draft.primary_store()
        if store is not None and store["type"] == "dbUpdate":
            return ref(f"{path} ?? {field_path('steps.' + find['id'], spec.name)}")
    return ref(path)


def _prior_find(draft: Draft) -> dict[str, Any] | None:
    """The dbFind that loads the record an update changes (same collection)."""
    store = draft.primary_store()
    if store is None or store["type"] != "dbUpdate":
        return None
    collection = store.get("config", {}).get("collection")
    for tool in draft.of_type("dbFind"):
        if tool.get("config", {}).get("collection") == collection:
            return tool
    return None


def _is_update_graph(draft: Draft) -> bool:
    store = draft.primary_store()
    return store is not None and store["type"] == "dbUpdate"


def _action_graph(draft: Draft) -> bool:
    """One endpoint for several operations, picked by the ``action`` field."""
    action = draft.properties.get("action")
    return isinstance(action, dict) and isinstance(action.get("enum"), list)


def _updates_of_action_graph(draft: Draft) -> list[dict[str, Any]]:
    """The dbUpdate steps of an action graph, each with the dbFind that loads its record."""
    if not _action_graph(draft):
        return []
    return [
        t for t in draft.of_type("dbUpdate") if isinstance(t.get("config", {}).get("set"), dict)
    ]


def _and_guard(*guards: str | None) -> str | None:
    present = [g for g in guards if g]
    if len(present) > 1:
        return " && ".join(f"({g})" for g in present)
    return present[0] if present else None


def _rule_lists(draft: Draft) -> list[list[str]]:
    """The ``required`` lists of the schema's conditional rules (``allOf`` if/then)."""
    lists: list[list[str]] = []
    for rule in draft.schema.get("allOf") or []:
        then = rule.get("then") if isinstance(rule, dict) else None
        if isinstance(then, dict) and isinstance(then.get("required"), list):
            lists.append(then["required"])
    return lists


def _find_before(draft: Draft, update: dict[str, Any]) -> str | None:
    collection = update.get("config", {}).get("collection")
    guard = update.get("when")
    for tool in draft.of_type("dbFind"):
        config = tool.get("config", {})
        if config.get("collection") == collection and tool.get("when") == guard:
            return str(tool["id"])
    return None


def _whole_document_body(draft: Draft) -> str | None:
    """The step id when the success response returns a stored document as is."""
    response = draft.success_response()
    body = (response or {}).get("config", {}).get("body")
    if isinstance(body, str):
        match = re.fullmatch(r"\{\{\s*steps\.([A-Za-z_]\w*)\s*\}\}", body)
        if match:
            return match.group(1)
    return None


def _status(test: dict[str, Any]) -> int:
    return int(test.get("expect", {}).get("status") or 0)


def _about(test: dict[str, Any], spec: FieldSpec) -> bool:
    """A 400 test that is about this field ("rejects a bad email")."""
    name = str(test.get("name", "")).lower()
    return _status(test) == 400 and (spec.words in name or spec.name.lower() in name)


def _record_inputs(draft: Draft) -> list[dict[str, Any]]:
    """Tests whose input is a whole record (not just an id or nothing)."""
    keys = set(draft.properties)
    return [t for t in draft.tests if len(set(t.get("input", {})) & keys) >= 1]


def _accepts(draft: Draft, name: str, value: Any) -> bool:
    from orchestrix.tools.validation import schema_violations

    schema = {"type": "object", "properties": {name: draft.properties.get(name, {})}}
    return not schema_violations(schema, {name: value})


def _invalid_test(draft: Draft, spec: FieldSpec) -> None:
    base = draft.success_test()
    if base is None or any(_about(t, spec) for t in draft.tests):
        return
    plain = not (spec.format or spec.enum or spec.pattern or spec.type != "string")
    if plain and spec.min_length in (None, 0, 1) and spec.max_length is None:
        return
    value, why = spec.invalid()
    test = copy.deepcopy({k: v for k, v in base.items() if k not in {"seed", "name", "expect"}})
    test["input"][spec.name] = value
    draft.add_test(f"rejects {why}", test["input"], 400, headers=test.get("headers"))


def _missing_test(draft: Draft, spec: FieldSpec) -> None:
    base = draft.success_test()
    name = f"rejects a missing {spec.words}"
    if base is None or any(t.get("name") == name for t in draft.tests):
        return
    values = {k: v for k, v in base.get("input", {}).items() if k != spec.name}
    draft.add_test(name, values, 400, headers=base.get("headers"))


# --- fields ------------------------------------------------------------------------------


def add_field(draft: Draft, spec: FieldSpec) -> str:
    if spec.name in draft.properties:
        raise EditRefused(f"There is already a field called {spec.name}.")
    if _is_update_graph(draft):
        spec = FieldSpec(**{**spec.__dict__, "required": False, "unique": spec.unique})
    unique = spec.unique
    spec.unique = False
    required_to_create = _action_graph(draft) and spec.required
    if required_to_create:
        # Only a create needs it; get, list and delete go on without it.
        spec.required = False
    draft.add_field(spec)
    also: list[str] = []
    if not spec.secret:
        for update in _updates_of_action_graph(draft):
            also.append(str(update["id"]))
            find = _find_before(draft, update)
            path = field_path("input", spec.name)
            kept = f" ?? {field_path('steps.' + find, spec.name)}" if find else ""
            update["config"]["set"][spec.name] = ref(f"{path}{kept}")
    store = draft.primary_store()
    if store is not None:
        key = "document" if store["type"] == "dbInsert" else "set"
        target = store.setdefault("config", {}).setdefault(key, {})
        if spec.secret:
            hasher = draft.unique_id(f"hash{spec.name[:1].upper()}{spec.name[1:]}")
            draft.add(
                hasher,
                "hashPassword",
                {"value": ref(field_path("input", spec.name))},
                before=store["id"],
            )
            target[f"{spec.name}Hash"] = ref(f"steps.{hasher}.hash")
        else:
            target[spec.name] = _stored_value(spec, draft)
    whole = _whole_document_body(draft)
    success = draft.success_test()
    for test in draft.tests:
        inputs = test.setdefault("input", {})
        if spec.required and inputs and spec.name not in inputs:
            inputs[spec.name] = spec.sample()
    if success is not None and spec.name not in success.get("input", {}):
        success.setdefault("input", {})[spec.name] = spec.sample()
    if success is not None and whole and not spec.secret and store is not None:
        body = success.setdefault("expect", {}).setdefault("body", {})
        if isinstance(body, dict):
            body[spec.name] = success["input"][spec.name]
    if spec.required:
        _missing_test(draft, spec)
    _invalid_test(draft, spec)
    if required_to_create:
        set_required(draft, spec.name, True)
        spec.required = True
    words = f"{spec.name} ({spec.kind_words()}, {'required' if spec.required else 'optional'})"
    summary = f"Added the field {words}"
    if store is not None:
        summary += f", stored by {' and '.join([str(store['id']), *also])}"
    if unique:
        summary += "; " + set_unique(draft, spec.name, True).rstrip(".")
    return summary + "."


def _require_field(draft: Draft, name: str) -> FieldSpec:
    spec = draft.field(name)
    if spec is None:
        known = ", ".join(draft.properties) or "none"
        raise EditRefused(f"There is no field called {name}. The fields are: {known}.")
    return spec


def remove_field(draft: Draft, name: str) -> str:
    spec = _require_field(draft, name)
    pattern = _input_ref(name)
    hashers = {
        t["id"] for t in draft.of_type("hashPassword") if _mentions(t.get("config"), pattern)
    }
    hash_refs = [re.compile(rf"\bsteps\.{re.escape(h)}\b") for h in hashers]
    store = draft.primary_store()
    generated: set[str] = set()
    for tool in draft.ordered():
        if tool["id"] in hashers:
            continue
        config = tool.get("config", {})
        if tool is store or tool["type"] in {"dbInsert", "dbUpdate"}:
            key = "document" if tool["type"] == "dbInsert" else "set"
            values = config.get(key, {})
            for field_name in list(values):
                value = values[field_name]
                fallback = _fallback(value, name) if tool["type"] == "dbInsert" else None
                if fallback is not None:
                    values[field_name] = fallback  # "input.code ?? shortId(7)": always generated
                    generated.add(field_name)
                    continue
                if (
                    field_name == name
                    or _mentions(value, pattern)
                    or any(_mentions(value, h) for h in hash_refs)
                ):
                    del values[field_name]
                    config["unique"] = [u for u in config.get("unique", []) if u != field_name]
            if not config.get("unique"):
                config.pop("unique", None)
            rest = {k: v for k, v in config.items() if k != key}
            if _mentions(rest, pattern):
                raise EditRefused(
                    f"{name} is used by {tool['id']} to find records, so it cannot be removed."
                )
            continue
        if tool["type"] == "response":
            body = config.get("body")
            if isinstance(body, dict):
                config["body"] = {
                    k: v
                    for k, v in body.items()
                    if (k != name or k in generated) and not _mentions(v, pattern)
                }
            continue
        if tool["type"] == "sendEmail":
            for key in ("text", "html", "subject"):
                if isinstance(config.get(key), str):
                    config[key] = _drop_refs(config[key], pattern)
            if _mentions(config, pattern):
                raise EditRefused(f"{tool['id']} sends mail to {name}; remove that email first.")
            continue
        if _mentions(config, pattern) or _mentions(tool.get("when"), pattern):
            raise EditRefused(
                f"{name} is used by {tool['id']} ({tool['type']}), so it cannot be removed."
            )
    for hasher in hashers:
        draft.remove(hasher)
    draft.properties.pop(name, None)
    draft.schema["required"] = [r for r in draft.required if r != name]
    for names in _rule_lists(draft):
        names[:] = [r for r in names if r != name]
    draft.data["tests"] = [
        t for t in draft.tests if not _about(t, spec) and not _relied_on(t, name, generated)
    ]
    for test in draft.tests:
        test.get("input", {}).pop(name, None)
        body = test.get("expect", {}).get("body")
        if isinstance(body, dict):
            body.pop(name, None)
    return f"Removed the field {name} from the input, the stored record and the tests."


def _fallback(value: Any, name: str) -> str | None:
    """``{{ input.code ?? shortId(7) }}`` -> ``{{ shortId(7) }}``: what is stored without it."""
    if not isinstance(value, str):
        return None
    match = re.fullmatch(
        r"\{\{\s*input\." + re.escape(name) + r"\s*\?\?\s*(.+?)\s*\}\}", value.strip()
    )
    if match is None or _mentions(match.group(1), _input_ref(name)):
        return None
    if re.search(r"\b(?:steps|input)\.", match.group(1)):
        return None  # "input.title ?? steps.findTodo.title": an update keeping the old value
    return "{{ " + match.group(1) + " }}"


def _relied_on(test: dict[str, Any], name: str, generated: set[str]) -> bool:
    """A test that gave a value the graph now generates itself, and checked what it gave."""
    if not generated or name not in test.get("input", {}):
        return False
    given = test["input"][name]
    if _status(test) == 409:
        return True
    body = test.get("expect", {}).get("body")
    return isinstance(body, dict) and any(
        isinstance(v, str) and str(given) in v for v in body.values()
    )


def _drop_refs(text: str, pattern: re.Pattern[str]) -> str:
    def drop(match: re.Match[str]) -> str:
        return "" if pattern.search(match.group(0)) else match.group(0)

    cleaned = re.sub(r"\{\{.*?\}\}", drop, text)
    return re.sub(r"[ \t]+([,.!?])", r"\1", re.sub(r"[ \t]{2,}", " ", cleaned)).strip()


def rename_field(draft: Draft, old: str, new: str) -> str:
    _require_field(draft, old)
    if new in draft.properties:
        raise EditRefused(f"There is already a field called {new}.")
    props = draft.properties
    draft.schema["properties"] = {(new if k == old else k): v for k, v in props.items()}
    draft.schema["required"] = [new if r == old else r for r in draft.required]
    for names in _rule_lists(draft):
        names[:] = [new if r == old else r for r in names]
    old_input = _input_ref(old)
    old_step_field = re.compile(rf"(\bsteps\.[A-Za-z_]\w*)\.{re.escape(old)}\b")
    for tool in draft.tools:
        config = tool.get("config", {})
        config = _rewrite(config, old_input, f"input.{new}")
        config = _rewrite(config, old_step_field, rf"\1.{new}")
        for key in ("document", "set", "body", "where"):
            if isinstance(config.get(key), dict) and old in config[key]:
                config[key] = {(new if k == old else k): v for k, v in config[key].items()}
        if isinstance(config.get("unique"), list):
            config["unique"] = [new if u == old else u for u in config["unique"]]
        if config:
            tool["config"] = config
        if tool.get("when"):
            tool["when"] = old_input.sub(f"input.{new}", tool["when"])
    for test in draft.tests:
        for key in ("input",):
            values = test.get(key, {})
            if old in values:
                test[key] = {(new if k == old else k): v for k, v in values.items()}
        body = test.get("expect", {}).get("body")
        if isinstance(body, dict) and old in body:
            test["expect"]["body"] = {(new if k == old else k): v for k, v in body.items()}
        for docs in test.get("seed", {}).values():
            for i, doc in enumerate(docs):
                if old in doc:
                    docs[i] = {(new if k == old else k): v for k, v in doc.items()}
        test["name"] = re.sub(rf"\b{re.escape(label(old))}\b", label(new), test["name"])
    return f"Renamed the field {old} to {new} everywhere it is used."


def _create_rule(draft: Draft, *, make: bool = False) -> list[str] | None:
    """In a graph whose ``action`` picks the operation, the fields a create requires."""
    for rule in draft.schema.get("allOf") or []:
        cond = rule.get("if", {}).get("properties", {}).get("action", {})
        if cond.get("const") == "create" and isinstance(rule.get("then"), dict):
            required: list[str] = rule["then"].setdefault("required", [])
            return required
    if make and "create" in (draft.properties.get("action") or {}).get("enum", []):
        fresh: list[str] = []
        draft.schema.setdefault("allOf", []).insert(
            0,
            {
                "if": {"properties": {"action": {"const": "create"}}, "required": ["action"]},
                "then": {"required": fresh},
            },
        )
        return fresh
    return None


def set_required(draft: Draft, name: str, required: bool) -> str:
    spec = _require_field(draft, name)
    create_required = _create_rule(draft, make=required and _action_graph(draft))
    if create_required is not None and "action" in draft.properties:
        if (name in create_required) == required:
            return f"{name} was already {'required' if required else 'optional'} to create."
        if required:
            create_required.append(name)
            for test in draft.tests:
                inputs = test.get("input", {})
                if inputs.get("action") == "create" and _status(test) != 400:
                    inputs.setdefault(name, spec.sample())
            success = draft.success_test()
            missing = f"rejects a create without {spec.words}"
            if success is not None and not any(t.get("name") == missing for t in draft.tests):
                values = {k: v for k, v in success.get("input", {}).items() if k != name}
                draft.add_test(missing, values, 400, headers=success.get("headers"))
            return f"Made {name} required to create."
        create_required.remove(name)
        draft.data["tests"] = [
            t
            for t in draft.tests
            if not (_status(t) == 400 and spec.words in str(t.get("name", "")).lower())
        ]
        return f"Made {name} optional to create."
    if spec.required == required:
        return f"{name} was already {'required' if required else 'optional'}."
    if required:
        draft.required.append(name)
        for test in _record_inputs(draft):
            if name not in test["input"]:
                test["input"][name] = spec.sample()
        spec.required = True
        _missing_test(draft, spec)
        return f"Made {name} required."
    draft.schema["required"] = [r for r in draft.required if r != name]
    missing = f"rejects a missing {spec.words}"
    draft.data["tests"] = [t for t in draft.tests if t.get("name") != missing]
    if name in draft.unique_fields():
        set_unique(draft, name, False)
        return f"Made {name} optional (and no longer unique, since an empty value cannot be)."
    return f"Made {name} optional."


def _distinct(spec: FieldSpec, k: int) -> Any:
    value = spec.sample(1 if k == 1 else 0)
    if k <= 1:
        return value
    if isinstance(value, str):
        if "@" in value:
            local, domain = value.split("@", 1)
            return f"{local}{k}@{domain}"
        return f"{value}-{k}"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value + k
    return value


def set_unique(draft: Draft, name: str, unique: bool) -> str:
    spec = _require_field(draft, name)
    inserts = [
        t
        for t in draft.of_type("dbInsert", "dbUpdate")
        if name in t.get("config", {}).get("document" if t["type"] == "dbInsert" else "set", {})
    ]
    if not inserts:
        raise EditRefused(f"{name} is not stored by this graph, so it cannot be unique.")
    if not unique:
        for tool in inserts:
            config = tool["config"]
            config["unique"] = [u for u in config.get("unique", []) if u != name]
            if not config["unique"]:
                del config["unique"]
        draft.data["tests"] = [
            t
            for t in draft.tests
            if not (_status(t) == 409 and spec.words in str(t.get("name", "")).lower())
        ]
        return f"{name} no longer has to be unique."
    if all(name in tool["config"].get("unique", []) for tool in inserts):
        return f"{name} was already unique."
    for tool in inserts:
        config = tool["config"]
        if name not in config.setdefault("unique", []):
            config["unique"].append(name)
    if _action_graph(draft):
        if name not in (_create_rule(draft) or []):
            set_required(draft, name, True)
    elif not spec.required and not _is_update_graph(draft):
        draft.required.append(name)
        spec.required = True
        for test in _record_inputs(draft):
            test["input"].setdefault(name, spec.sample())
    # Records the tests create must now differ in this field, except on purpose (409).
    seen: list[Any] = []
    for test in draft.tests:
        value = test.get("input", {}).get(name, MISSING)
        if value is MISSING or _status(test) == 400:
            continue
        if _status(test) < 300 and value in seen:
            k = len(seen) + 1
            test["input"][name] = _distinct(spec, k)
            body = test.get("expect", {}).get("body")
            if isinstance(body, dict) and name in body:
                body[name] = test["input"][name]
        seen.append(test["input"][name])
    success = draft.success_test()
    if success is not None and not _is_update_graph(draft):
        dup = copy.deepcopy(success.get("input", {}))
        for other in draft.unique_fields():
            other_spec = draft.field(other)
            if other != name and other in dup and other_spec is not None:
                dup[other] = _distinct(other_spec, 7)
        draft.add_test(
            f"refuses a duplicate {spec.words}", dup, 409, headers=success.get("headers")
        )
    return f"{name} must now be unique: a second record with the same {spec.words} answers 409."


def require_https(draft: Draft, name: str) -> str:
    """A URL field that must start with https://, with a test of a plain http URL."""
    spec = _require_field(draft, name)
    summary = change_field(draft, name, replace(spec, pattern="^https://", notes=[]))
    success = draft.success_test()
    if success is not None and name in success.get("input", {}):
        given = dict(success["input"])
        given[name] = "http://example.com/plain"
        headers = success.get("headers")
        draft.add_test(
            f"rejects a {label(name)} that is not https", given, 400, headers=dict(headers or {})
        )
    return summary


def set_default(draft: Draft, name: str, value: Any) -> str:
    old = _require_field(draft, name)
    if old.secret:
        raise EditRefused(f"{name} is a password; it cannot have a default.")
    if old.enum and value not in old.enum:
        raise EditRefused(f"{name} is one of {', '.join(map(str, old.enum))}; not {value!r}.")
    if not _accepts(draft, name, value):
        raise EditRefused(f"{value!r} is not a valid {name} ({old.kind_words()}).")
    new = replace(old, default=value, required=False)
    summary = change_field(draft, name, new)
    if old.required:
        set_required(draft, name, False)
    del summary
    return f"{name} now defaults to {json.dumps(value)} when it is left out."


def change_field(draft: Draft, name: str, new: FieldSpec) -> str:
    old = _require_field(draft, name)
    schema = new.schema()
    extra = {k: v for k, v in draft.properties[name].items() if k in {"description", "title"}}
    draft.properties[name] = {**schema, **extra}
    store = draft.primary_store()
    if store is not None:
        key = "document" if store["type"] == "dbInsert" else "set"
        values = store.get("config", {}).get(key, {})
        generated = _fallback(values.get(name), name)
        if generated is not None:
            # "{{ input.code ?? shortId(7) }}": keep the fallback, sized to a fixed length.
            size = new.max_length if new.max_length and new.max_length == new.min_length else None
            if size is not None:
                values[name] = re.sub(r"shortId\(\d+\)", f"shortId({size})", values[name])
        elif name in values and not old.secret:
            values[name] = _stored_value(new, draft)
    new.required, new.unique = old.required, old.unique
    for test in draft.tests:
        inputs = test.get("input", {})
        if name not in inputs:
            continue
        if _about(test, old):
            inputs[name] = new.invalid()[0]
            continue
        if not _accepts(draft, name, inputs[name]):
            given = inputs[name]
            inputs[name] = new.sample()
            if not _accepts(draft, name, inputs[name]):
                # "make the email a date": a sample by the new kind, not by the old name.
                inputs[name] = replace(new, name=new.format or new.type).sample()
            body = test.get("expect", {}).get("body")
            if isinstance(body, dict) and name in body:
                body[name] = inputs[name]
            if isinstance(body, dict) and isinstance(given, str) and given:
                for key, value in body.items():
                    if key != name and isinstance(value, str) and given in value:
                        body[key] = value.replace(given, str(inputs[name]))
    _invalid_test(draft, new)
    return f"{name} is now {new.kind_words()}{new.length_words()}."


# --- tools -------------------------------------------------------------------------------


def _email_field(draft: Draft) -> str | None:
    for name, schema in draft.properties.items():
        if isinstance(schema, dict) and schema.get("format") == "email":
            return name
    return next((n for n in draft.properties if "email" in n.lower()), None)


def _name_expr(draft: Draft) -> str:
    for candidate in ("name", "fullName", "firstName", "username", "displayName"):
        if candidate in draft.properties:
            return "{{ " + f"input.{candidate} ?? 'there'" + " }}"
    return "there"


def add_email(draft: Draft, kind: str, to: str | None = None) -> str:
    """``kind`` is ``welcome`` (to the person in the request) or ``notify`` (to the owner)."""
    app = draft.data.get("name", "our service").removesuffix(" API")
    store = draft.primary_store()
    after = store["id"] if store is not None else draft.last_before_response()
    # In a graph whose action picks the operation, mail goes out when a record is created.
    guard = store.get("when") if store is not None and _action_graph(draft) else None
    if kind == "copy":
        recipient = _email_field(draft)
        if recipient is None:
            raise EditRefused("There is no email field to send a copy to.")
        tool_id = draft.unique_id("sendCopy")
        lines = [
            f"{n}: {ref(field_path('input', n))}" for n in draft.properties if "password" not in n
        ]
        draft.add(
            tool_id,
            "sendEmail",
            {
                "to": ref(f"input.{recipient}"),
                "subject": f"We got your message - {app}",
                "text": f"Hi {_name_expr(draft)}, this is a copy of what you sent us:\n\n"
                + "\n".join(lines),
            },
            after=after,
            when=_and_guard(
                guard, None if recipient in draft.required else f"input.{recipient} != null"
            ),
        )
        return f"Added {tool_id}: a copy of the request to {recipient} after {after}."
    if kind == "welcome":
        recipient = _email_field(draft)
        if recipient is None:
            raise EditRefused(
                "There is no email field to send that email to. Add one first, for example "
                "'add a required email field', or say who should get it ('email me at ...')."
            )
        tool_id = draft.unique_id("sendWelcomeEmail")
        draft.add(
            tool_id,
            "sendEmail",
            {
                "to": ref(f"input.{recipient}"),
                "subject": f"Welcome to {app}!",
                "text": f"Hi {_name_expr(draft)}, thanks for signing up to {app}.",
            },
            after=after,
            when=_and_guard(
                guard, None if recipient in draft.required else f"input.{recipient} != null"
            ),
        )
        return f"Added {tool_id}: a welcome email to {recipient} after {after}."
    address = to or "owner@example.com"
    lines = [f"{n}: {ref(field_path('input', n))}" for n in draft.properties if "password" not in n]
    config: dict[str, Any] = {
        "to": address,
        "subject": f"New request on {app}",
        "text": "\n".join(lines) or f"A new request arrived on {app}.",
    }
    email = _email_field(draft)
    if email is not None:
        config["replyTo"] = ref(f"input.{email}")
    tool_id = draft.unique_id("notifyOwner")
    draft.add(tool_id, "sendEmail", config, after=after, when=guard)
    return f"Added {tool_id}: an email to {address} with the request's fields."


def change_recipient(draft: Draft, to: str) -> str:
    """ "notify me at x@y.z instead": the owner's emails go to the new address."""
    tools = [
        t
        for t in draft.of_type("sendEmail")
        if "welcome" not in t["id"].lower() and "{{" not in str(t.get("config", {}).get("to", ""))
    ]
    if not tools:
        return add_email(draft, "notify", to)
    olds = sorted({str(t.get("config", {}).get("to")) for t in tools})
    for tool in tools:
        tool.setdefault("config", {})["to"] = to
    ids = ", ".join(t["id"] for t in tools)
    return f"{ids} now emails {to} (was {', '.join(olds)})."


def set_token_lifetime(draft: Draft, seconds: int) -> str:
    tool = draft.first("jwtGenerate")
    if tool is None:
        raise EditRefused("This graph issues no token; say 'return a token too' to add one.")
    if seconds < 1:
        raise EditRefused("A token must last at least a second.")
    config = tool.setdefault("config", {})
    old = config.get("expiresIn")
    config["expiresIn"] = seconds
    was = f" (was {_duration(int(old))})" if isinstance(old, int) else ""
    return f"{tool['id']}'s tokens now last {_duration(seconds)}{was}."


def _duration(seconds: int) -> str:
    """``86400`` -> ``24 hours``, ``604800`` -> ``7 days``, ``90`` -> ``90 seconds``."""
    for size, word in ((86400, "day"), (3600, "hour"), (60, "minute"), (1, "second")):
        if seconds % size == 0 and (seconds // size < 48 or size == 86400):
            n = seconds // size
            return f"{n} {word}" + ("" if n == 1 else "s")
    return f"{seconds} seconds"


def remove_email(draft: Draft, kind: str | None = None) -> str:
    tools = draft.of_type("sendEmail")
    if kind == "welcome":
        tools = [t for t in tools if "welcome" in t["id"].lower()] or tools
    elif kind == "notify":
        tools = [t for t in tools if "welcome" not in t["id"].lower()] or tools
    if not tools:
        raise EditRefused("This graph sends no email.")
    for tool in tools:
        draft.remove(tool["id"])
    return f"Removed {', '.join(t['id'] for t in tools)}: no email is sent any more."


def set_rate_limit(draft: Draft, limit: int, window: int, per: str | None = None) -> str:
    """``per`` names an input field to count by ("per email"); otherwise each client counts."""
    if limit < 1 or window < 1:
        raise EditRefused("A rate limit needs at least one request per window.")
    if per is not None and per not in draft.properties:
        raise EditRefused(f"There is no {per} field to count requests by.")
    key = CLIENT_KEY if per is None else CLIENT_KEY.replace("{{ ", "{{ input." + per + " ?? ", 1)
    config = {
        "key": key,
        "limit": limit,
        "window": window,
        "message": "Too many requests, please try again later",
    }
    existing = draft.first("rateLimit")
    if existing is not None:
        existing["config"] = {**existing.get("config", {}), **config}
        draft.data["tests"] = [t for t in draft.tests if not t.get("name", "").startswith("limit:")]
        verb = "Changed"
    else:
        after = draft.after_input()
        draft.add("rateLimit", "rateLimit", config, after=after) if after else draft.add(
            "rateLimit", "rateLimit", config, before=draft.order[0] if draft.order else None
        )
        verb = "Added"
    fit_rate_limit_tests(draft)
    who = "per client" if per is None else f"per {per} (per client when there is none)"
    return f"{verb} a rate limit of {limit} requests per {_window_words(window)} {who}."


def _window_words(seconds: int) -> str:
    for size, word in ((86400, "day"), (3600, "hour"), (60, "minute"), (1, "second")):
        if seconds % size == 0:
            n = seconds // size
            return word if n == 1 else f"{n} {word}s"
    return f"{seconds} seconds"


def remove_rate_limit(draft: Draft) -> str:
    tools = draft.of_type("rateLimit")
    if not tools:
        raise EditRefused("This graph has no rate limit.")
    for tool in tools:
        draft.remove(tool["id"])
    draft.data["tests"] = [t for t in draft.tests if not t.get("name", "").startswith("limit:")]
    for test in draft.tests:
        headers = test.get("headers", {})
        headers.pop(CLIENT_HEADER, None)
        if not headers:
            test.pop("headers", None)
    return "Removed the rate limit."


def fit_rate_limit_tests(draft: Draft) -> None:
    """Give each test its own client so the limit does not trip them, then show it tripping."""
    tool = draft.first("rateLimit")
    if tool is None:
        return
    limit = int(tool.get("config", {}).get("limit") or 1)
    plain = [t for t in draft.tests if not t.get("name", "").startswith("limit:")]
    for i, test in enumerate(plain):
        test.setdefault("headers", {})[CLIENT_HEADER] = f"203.0.113.{i + 1}"
    key = str(tool.get("config", {}).get("key", ""))
    counted = key.split("input.", 1)[1].split(" ", 1)[0] if "input." in key else None
    spec = draft.field(counted) if counted else None
    if counted and spec is not None:
        # Counted per a field: tests that only need a valid value are each another caller.
        success = draft.success_test() or {}
        taken = success.get("input", {}).get(counted)
        for i, test in enumerate(plain):
            given = test.get("input", {})
            if _status(test) == 400 and given.get(counted) == taken and taken is not None:
                given[counted] = _distinct(spec, 20 + i)
    if limit > 5 or any(t.get("name", "").startswith("limit:") for t in draft.tests):
        return
    status = _status_of_empty_request(draft)
    if status is None:
        return
    client = {CLIENT_HEADER: "198.51.100.7"}
    for n in range(1, limit + 1):
        draft.add_test(f"limit: request {n} of {limit} gets through", {}, status, headers=client)
    draft.add_test(f"limit: request {limit + 1} is refused with 429", {}, 429, headers=dict(client))


def _status_of_empty_request(draft: Draft) -> int | None:
    """What an empty request without a token answers, if it stops before touching data."""
    for tool in draft.ordered():
        if tool["type"] in {"input", "rateLimit"}:
            continue
        if tool["type"] == "jwtVerify" and not tool.get("when"):
            return 401
        if tool["type"] == "validation" and draft.schema.get("required"):
            return 400
        return None
    return None


def add_auth(draft: Draft) -> str:
    if draft.first("jwtVerify") is not None:
        return "It already requires a token."
    after = (draft.first("rateLimit") or draft.first("input") or {}).get("id")
    draft.add(
        "auth",
        "jwtVerify",
        {"token": "{{ headers.authorization }}"},
        after=after,
        before=None if after else (draft.order[0] if draft.order else None),
    )
    owned: set[str] = set()
    for tool in draft.ordered():
        config = tool.get("config", {})
        collection = config.get("collection")
        if not isinstance(collection, str) or collection in OWNER_ACCOUNTS:
            continue
        owned.add(collection)
        if tool["type"] == "dbInsert":
            config.setdefault("document", {})["ownerId"] = "{{ steps.auth.subject }}"
        elif tool["type"] in {"dbFind", "dbUpdate", "dbDelete", "dbQuery"}:
            config.setdefault("where", {})["ownerId"] = "{{ steps.auth.subject }}"
    for test in draft.tests:
        test.setdefault("headers", {})["authorization"] = BEARER
        for collection, docs in test.get("seed", {}).items():
            if collection in owned:
                for doc in docs:
                    doc.setdefault("ownerId", OWNER)
    base = draft.success_test()
    values = copy.deepcopy(base.get("input", {})) if base else {}
    draft.add_test("refuses a request without a token", values, 401, index=0)
    fit_rate_limit_tests(draft)
    scoped = f"; records are kept per user ({', '.join(sorted(owned))})" if owned else ""
    return f"Requests now need a bearer token (Authorization header), checked by auth{scoped}."


def remove_auth(draft: Draft) -> str:
    tools = draft.of_type("jwtVerify")
    if not tools:
        raise EditRefused("This graph does not require a token.")
    subject = re.compile(r"\bsteps\.(" + "|".join(re.escape(t["id"]) for t in tools) + r")\b")
    for tool in draft.ordered():
        if tool in tools:
            continue
        config = tool.get("config", {})
        for key in ("document", "where", "set"):
            values = config.get(key)
            if isinstance(values, dict):
                for k in [k for k, v in values.items() if _mentions(v, subject)]:
                    if k != "ownerId":
                        raise EditRefused(
                            f"{tool['id']} finds the record by the token's subject, so the "
                            "token cannot be removed."
                        )
                    del values[k]
        if _mentions(config, subject) or _mentions(tool.get("when"), subject):
            raise EditRefused(f"{tool['id']} uses the token, so it cannot be removed.")
    for tool in tools:
        draft.remove(tool["id"])
    kept = []
    for test in draft.tests:
        headers = test.get("headers", {})
        if _status(test) == 401 and "authorization" not in headers:
            continue
        headers.pop("authorization", None)
        if not headers:
            test.pop("headers", None)
        kept.append(test)
    draft.data["tests"] = kept
    return "Removed the token check: the API is public now."


def add_token(draft: Draft) -> str:
    if draft.first("jwtGenerate") is not None:
        return "It already returns a token."
    source = draft.first("dbInsert") or draft.first("dbFind")
    if source is None:
        raise EditRefused("There is no stored user or record to issue a token for.")
    draft.add(
        "issueToken",
        "jwtGenerate",
        {"subject": ref(f"steps.{source['id']}.id"), "expiresIn": 3600},
        after=source["id"],
    )
    response = draft.success_response()
    if response is not None:
        config = response.setdefault("config", {})
        body = config.get("body")
        if not isinstance(body, dict):
            body = _body_as_fields(draft, source["id"])
        body["token"] = "{{ steps.issueToken.token }}"
        config["body"] = body
    success = draft.success_test()
    if success is not None:
        expected = success.setdefault("expect", {}).setdefault("body", {})
        expected["token"] = "*"
    return f"Added issueToken: answers with a signed JWT for the new {source['id']} record."


def _body_as_fields(draft: Draft, step: str) -> dict[str, Any]:
    body: dict[str, Any] = {"id": ref(f"steps.{step}.id")}
    for name in draft.properties:
        if "password" not in name.lower():
            body[name] = ref(field_path(f"steps.{step}", name))
    return body


def remove_token(draft: Draft) -> str:
    tools = draft.of_type("jwtGenerate")
    if not tools:
        raise EditRefused("This graph returns no token.")
    ids = [t["id"] for t in tools]
    pattern = re.compile(r"\bsteps\.(" + "|".join(re.escape(i) for i in ids) + r")\b")
    for tool in draft.ordered():
        if tool["id"] in ids:
            continue
        config = tool.get("config", {})
        if tool["type"] == "response" and isinstance(config.get("body"), dict):
            config["body"] = {k: v for k, v in config["body"].items() if not _mentions(v, pattern)}
        elif _mentions(config, pattern):
            raise EditRefused(f"{tool['id']} uses the token, so it cannot be removed.")
    for tool_id in ids:
        draft.remove(tool_id)
    for test in draft.tests:
        body = test.get("expect", {}).get("body")
        if isinstance(body, dict):
            body.pop("token", None)
    return "Removed the token: the answer no longer carries a JWT."


# --- name and response -------------------------------------------------------------------


def rename_api(draft: Draft, name: str) -> str:
    name = name.strip().strip(".")
    if not name:
        raise EditRefused("Say the new name, e.g. 'rename the API to Customer Signup'.")
    old = draft.data.get("name")
    draft.data["name"] = name[:120]
    return f"Renamed the API from {old!r} to {name!r}."


def set_status(draft: Draft, status: int) -> str:
    if not 100 <= status <= 599:
        raise EditRefused(f"{status} is not an HTTP status.")
    response = draft.success_response()
    if response is None:
        raise EditRefused("This graph has no response step to change.")
    guarded = [r["id"] for r in draft.of_type("response") if r.get("when")]
    if len(guarded) > 1:
        raise EditRefused(
            f"This graph answers from several steps ({', '.join(guarded)}); change the status "
            "in the one you mean."
        )
    config = response.setdefault("config", {})
    old = int(config.get("status", 200))
    if old == status:
        raise EditRefused(f"It already answers {status} on success.")
    config["status"] = status
    for test in draft.tests:
        if _status(test) == old:
            test["expect"]["status"] = status
    return f"The success answer is now {status} (was {old})."


def respond_with(draft: Draft, names: list[str], *, only: bool) -> str:
    response = draft.success_response()
    if response is None:
        raise EditRefused("This graph has no response step to change.")
    config = response.setdefault("config", {})
    body = config.get("body")
    source = (draft.primary_store() or draft.first("dbFind") or {}).get("id")
    if not isinstance(body, dict):
        body = _body_as_fields(draft, source) if source else {}
    if not only and all(n in body for n in names):
        raise EditRefused(f"The answer already carries {', '.join(names)}.")
    new_body = {} if only else dict(body)
    for name in names:
        if name in body:
            new_body[name] = body[name]
        elif name == "id" and source:
            new_body[name] = ref(f"steps.{source}.id")
        elif name in draft.properties and "password" not in name.lower():
            new_body[name] = ref(field_path(f"steps.{source}", name) if source else f"input.{name}")
        elif source and draft.primary_store() is None and "password" not in name.lower():
            new_body[name] = ref(field_path(f"steps.{source}", name))  # the found record's
        else:
            raise EditRefused(f"There is no {name} to return.")
    config["body"] = new_body
    for test in draft.tests:
        expected = test.get("expect", {}).get("body")
        if isinstance(expected, dict) and 200 <= _status(test) < 300:
            for key in [k for k in expected if k not in new_body]:
                del expected[key]
    return f"The answer now {'carries only' if only else 'also carries'} {', '.join(names)}."


def stop_returning(draft: Draft, names: list[str]) -> str:
    response = draft.success_response()
    if response is None:
        raise EditRefused("This graph has no response step to change.")
    config = response.setdefault("config", {})
    body = config.get("body")
    source = (draft.primary_store() or draft.first("dbFind") or {}).get("id")
    if not isinstance(body, dict):
        body = _body_as_fields(draft, source) if source else {}
    missing = [n for n in names if n not in body]
    if missing:
        raise EditRefused(f"The answer does not carry {', '.join(missing)}.")
    config["body"] = {k: v for k, v in body.items() if k not in names}
    for test in draft.tests:
        expected = test.get("expect", {}).get("body")
        if isinstance(expected, dict):
            for name in names:
                expected.pop(name, None)
    return f"The answer no longer carries {', '.join(names)}."


def set_message(draft: Draft, message: str) -> str:
    response = draft.success_response()
    if response is None:
        raise EditRefused("This graph has no response step to change.")
    config = response.setdefault("config", {})
    body = config.get("body")
    if not isinstance(body, dict):
        source = (draft.primary_store() or {}).get("id")
        body = _body_as_fields(draft, source) if source else {}
    body["message"] = message
    config["body"] = body
    return f"The answer's message is now {message!r}."

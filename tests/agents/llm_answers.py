"""Answers in the shape small models give them (the API-model envelope, compact JSON, no prose),
replayed by the scripted servers of ``llm_servers``. Hand-written, not recorded: no model could be
run on this machine (see docs/llm.md, "What was measured"). Replace them with recorded answers
from ``tests/agents/test_llm_real.py`` runs when a model is available."""

from __future__ import annotations

from typing import Any

SIGNUP: dict[str, Any] = {
    "api": {
        "kind": "signup",
        "fields": [
            {"name": "email", "format": "email", "required": True, "unique": True},
            {"name": "password", "secret": True, "required": True, "minLength": 8},
            {"name": "name"},
        ],
    },
    "essentials": [
        {"what": "required", "name": "email"},
        {"what": "secret", "name": "password"},
        {"what": "status", "status": 409},
    ],
    "summary": "Registers users with a hashed password.",
}

PRODUCTS: dict[str, Any] = {
    "api": {
        "kind": "crud",
        "entity": "product",
        "fields": [
            {"name": "name", "required": True, "minLength": 1, "maxLength": 200},
            {"name": "price", "type": "number", "required": True, "minimum": 0},
            {"name": "sku", "required": True, "unique": True},
        ],
        "operations": [{"action": "create"}],
        "notCovered": ["sync the catalog to the shop every night"],
    },
    "essentials": [
        {"what": "unique", "name": "sku"},
        {"what": "required", "name": "price"},
    ],
    "summary": "Creates products with a unique sku.",
}

#: Fails the schema: an invented kind and a field type that does not exist.
BAD_SCHEMA: dict[str, Any] = {
    "api": {
        "kind": "userSignup",
        "fields": [{"name": "email", "type": "email"}],
    },
    "essentials": [],
}

#: Compiles and passes the static checks, but its own create test fails (lengths swapped).
FAILS_ITS_TEST: dict[str, Any] = {
    "api": {
        "kind": "crud",
        "entity": "note",
        "fields": [{"name": "title", "required": True, "minLength": 80, "maxLength": 1}],
        "operations": [{"action": "create"}, {"action": "list"}],
    },
    "essentials": [{"what": "required", "name": "title"}],
}
NOTES_FIXED: dict[str, Any] = {
    "api": {
        "kind": "crud",
        "entity": "note",
        "fields": [{"name": "title", "required": True, "minLength": 1, "maxLength": 80}],
        "operations": [{"action": "create"}, {"action": "list"}],
    },
    "essentials": [{"what": "required", "name": "title"}],
    "summary": "Notes with a title of 1 to 80 characters.",
}

#: Its own checklist says phone is required, but the model leaves it optional.
MISSES_ITS_CHECKLIST: dict[str, Any] = {
    "api": {
        "kind": "form",
        "form": "contact",
        "fields": [
            {"name": "email", "format": "email", "required": True},
            {"name": "phone"},
            {"name": "message", "required": True},
        ],
    },
    "essentials": [{"what": "required", "name": "phone"}],
}

REFUSAL: dict[str, Any] = {"refusal": "a poem is not an API"}
QUESTION: dict[str, Any] = {"question": "Should the phone number be required or optional?"}

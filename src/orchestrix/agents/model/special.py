"""Graphs of the model that no older blueprint makes: deleting one's own account (and what it
owns), an owner check that answers 403, and a webhook's secret header."""

from __future__ import annotations

import copy
import re

from orchestrix.agents.accounts import BEARER, USERS, _seed_user, verify_token
from orchestrix.agents.graph import Draft, literal
from orchestrix.agents.text import plural, singular

SECRETS = "webhook_secrets"
TEST_SECRET = "test-webhook-secret"


def cascade_of(text: str) -> list[str]:
    """ "and also all my notes" -> ``["notes"]``."""
    return [
        plural(singular(m.group(1)))
        for m in re.finditer(r"\ball (?:of )?(?:my|their|his|her) ([a-z]+)", text)
    ]


def account_delete(owned: list[str]) -> tuple[Draft, list[str]]:
    """ "delete my account (and all my notes)": the token's user, then what they own."""
    draft = Draft.new("Delete Account API", "Deletes the signed-in user's account")
    draft.add("input", "input")
    verify_token(draft)
    for collection in owned:
        step = draft.unique_id(f"delete{collection.title().replace('_', '')}")
        draft.add(
            step,
            "dbDelete",
            {
                "collection": collection,
                "where": {"ownerId": "{{ steps.auth.subject }}"},
                "many": True,
                "required": False,
            },
        )
    draft.add(
        "deleteUser",
        "dbDelete",
        {
            "collection": USERS,
            "where": {"id": "{{ steps.auth.subject }}"},
            "message": "Account not found",
        },
    )
    draft.add("response", "response", {"status": 200, "body": {"deleted": True}})
    draft.add_test(
        "deletes the account", {}, 200, {"deleted": True}, seed=_seed_user(), headers=BEARER
    )
    draft.add_test("refuses a request without a token", {}, 401)
    draft.add_test("answers 404 when the account is already gone", {}, 404, headers=BEARER)
    notes = [f"Also deletes the signed-in user's {', '.join(owned)}."] if owned else []
    return draft, notes


def owner_forbidden(draft: Draft, collection: str) -> None:
    """Another owner's record answers 403, not 404: find it by id, then compare owners."""
    target = next((t for t in draft.of_type("dbUpdate", "dbDelete")), None)
    auth = draft.first("jwtVerify")
    if target is None or auth is None:
        return
    where = target.setdefault("config", {}).setdefault("where", {})
    where.pop("ownerId", None)
    find = draft.unique_id("findRecord")
    draft.add(
        find,
        "dbFind",
        {"collection": collection, "where": dict(where)},
        before=target["id"],
    )
    draft.add(
        "notYours",
        "response",
        {"status": 403, "body": {"error": "This record belongs to someone else"}},
        when=f"steps.{find}.ownerId != steps.{auth['id']}.subject",
        before=target["id"],
    )
    success = next(
        (
            t
            for t in draft.tests
            if 200 <= int(t.get("expect", {}).get("status", 0)) < 300 and t.get("seed")
        ),
        None,
    )
    if success is None:
        return
    ids = {d["id"]: f"{d['id']}-other" for v in success["seed"].values() for d in v if "id" in d}
    other = {
        **success,
        "name": "refuses another user's record with 403",
        "seed": {
            k: [{**d, "ownerId": "user-2", "id": ids.get(d.get("id"), d.get("id"))} for d in v]
            for k, v in success["seed"].items()
        },
        "input": {
            k: ids.get(v, v) if isinstance(v, str) else v for k, v in success["input"].items()
        },
        "expect": {"status": 403},
    }
    draft.tests.append(other)


def webhook_secret(draft: Draft, header: str, source: str | None) -> None:
    """The secret header checked against the server's stored secret (hashed); 401 otherwise."""
    name = header.lower()
    after = "input"
    draft.add(
        "findSecret",
        "dbFind",
        {"collection": SECRETS, "where": {"name": source or "default"}, "required": False},
        after=after,
    )
    draft.add(
        "checkSecret",
        "verifyPassword",
        {
            "password": "{{ headers[" + literal(name) + "] }}",
            "hash": "{{ steps.findSecret.secretHash }}",
            "message": "Bad or missing webhook secret",
        },
        after="findSecret",
    )
    seed = {
        SECRETS: [
            {
                "id": "secret-1",
                "name": source or "default",
                "secretHash": "{{ hashPassword('" + TEST_SECRET + "') }}",
            }
        ]
    }
    for test in draft.tests:
        test.setdefault("headers", {})[name] = TEST_SECRET
    if draft.tests:
        draft.tests[0].setdefault("seed", {}).update(copy.deepcopy(seed))
    base = draft.success_test()
    draft.add_test(
        "refuses a wrong secret",
        dict(base.get("input", {})) if base else {},
        401,
        headers={name: "wrong"},
    )

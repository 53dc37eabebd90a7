"""Account graphs: sign up, log in, the profile behind a token, password reset and change.

They share the ``users`` collection and the ``accounts`` namespace, so from the CLI a user
who signed up with one graph can log in with another. Passwords only ever reach the store
through ``hashPassword``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from orchestrix.agents.crud import document_for, write_create_tests
from orchestrix.agents.fields import FieldSpec, infer
from orchestrix.agents.graph import Draft, field_path, ref
from orchestrix.agents.text import article

USERS = "users"
#: The id of the user a verified token names (after the ``auth`` step).
SIGNED_IN = "{{ steps.auth.subject }}"
NAMESPACE = "accounts"
SEEDED_PASSWORD = "correct-horse-1"


def identity(fields: list[FieldSpec], text: str) -> FieldSpec:
    """The field people sign in with: email, unless the request says username."""
    for spec in fields:
        if spec.format == "email" or spec.name == "username":
            return replace(spec, required=True, unique=True)
    if "username" in text or "user name" in text:
        return replace(infer("username"), required=True, unique=True)
    return replace(infer("email"), required=True, unique=True)


def _password(fields: list[FieldSpec]) -> FieldSpec:
    found = next((f for f in fields if f.secret), None)
    spec = found or infer("password")
    return replace(spec, name="password", required=True, unique=False, secret=True)


def signup(fields: list[FieldSpec], text: str, token: bool) -> tuple[Draft, list[str]]:
    assumptions: list[str] = []
    ident = identity(fields, text)
    password = _password(fields)
    others = [f for f in fields if f.name not in {ident.name, password.name} and not f.secret]
    if not fields:
        others = [replace(infer("name"), required=False)]
        assumptions.append("Asked for an optional name besides the email and password.")
    elif not any(f.secret for f in fields):
        assumptions.append("Added a password (at least 8 characters, stored hashed).")
    ordered = [ident, password, *others]
    draft = Draft.new(
        "Signup API", f"Registers a user with a hashed password{' and a JWT' if token else ''}"
    )
    for spec in ordered:
        draft.add_field(spec)
    draft.add("input", "input")
    draft.add("validation", "validation")
    document = document_for(draft, ordered)
    draft.add(
        "createUser",
        "dbInsert",
        {"collection": USERS, "unique": [ident.name], "document": document},
    )
    body: dict[str, Any] = {
        "id": "{{ steps.createUser.id }}",
        ident.name: ref(f"steps.createUser.{ident.name}"),
    }
    for spec in others:
        body[spec.name] = ref(field_path("steps.createUser", spec.name))
    if token:
        draft.add(
            "issueToken", "jwtGenerate", {"subject": "{{ steps.createUser.id }}", "expiresIn": 3600}
        )
        body["token"] = "{{ steps.issueToken.token }}"
    draft.add("response", "response", {"status": 201, "body": body})
    expected: dict[str, Any] = {"token": "*"} if token else {"id": "*"}
    write_create_tests(draft, ordered, status=201, thing="an account", echo=False, body=expected)
    success = draft.success_test()
    if success is not None:
        success["name"] = "signs up"
        success["expect"]["body"][ident.name] = success["input"][ident.name]
    if token:
        assumptions.append("Answers with a JWT (1 hour) so the new user is signed in right away.")
    return draft, assumptions


def login(fields: list[FieldSpec], text: str) -> tuple[Draft, list[str]]:
    ident = identity(fields, text)
    ident = replace(ident, unique=False, min_length=1 if ident.format != "email" else None)
    password = replace(_password([]), min_length=1)
    draft = Draft.new(
        "Login API",
        f"Checks {article(ident.words)} {ident.words} and password and answers with a JWT",
    )
    draft.add_field(ident)
    draft.add_field(password)
    draft.add("input", "input")
    draft.add("validation", "validation")
    message = f"Invalid {ident.words} or password"
    draft.add(
        "findUser",
        "dbFind",
        {"collection": USERS, "where": {ident.name: ref(f"input.{ident.name}")}, "required": False},
    )
    draft.add(
        "verifyPassword",
        "verifyPassword",
        {
            "password": "{{ input.password }}",
            "hash": "{{ steps.findUser.passwordHash }}",
            "message": message,
        },
    )
    draft.add(
        "issueToken", "jwtGenerate", {"subject": "{{ steps.findUser.id }}", "expiresIn": 3600}
    )
    draft.add(
        "response",
        "response",
        {
            "status": 200,
            "body": {
                "token": "{{ steps.issueToken.token }}",
                "user": {
                    "id": "{{ steps.findUser.id }}",
                    ident.name: ref(f"steps.findUser.{ident.name}"),
                },
            },
        },
    )
    who = ident.sample()
    other = ident.sample(1)
    seed = {
        USERS: [
            {
                "id": "user-1",
                ident.name: who,
                "passwordHash": f"{{{{ hashPassword('{SEEDED_PASSWORD}') }}}}",
            }
        ]
    }
    draft.add_test(
        "logs in",
        {ident.name: who, "password": SEEDED_PASSWORD},
        200,
        {"token": "*", "user": {ident.name: who}},
        seed=seed,
    )
    draft.add_test(
        "refuses a wrong password",
        {ident.name: who, "password": "wrong-password"},
        401,
        {"error": message},
    )
    draft.add_test(
        f"refuses an unknown {ident.words} the same way",
        {ident.name: other, "password": SEEDED_PASSWORD},
        401,
        {"error": message},
    )
    bad, why = ident.invalid() if ident.format == "email" else ("", f"an empty {ident.words}")
    draft.add_test(f"rejects {why}", {ident.name: bad, "password": SEEDED_PASSWORD}, 400)
    return draft, []


def _seed_user(extra: dict[str, Any] | None = None) -> dict[str, list[dict[str, Any]]]:
    user = {
        "id": "user-1",
        "email": "ada@example.com",
        "name": "Ada Lovelace",
        "passwordHash": f"{{{{ hashPassword('{SEEDED_PASSWORD}') }}}}",
        **(extra or {}),
    }
    return {USERS: [user]}


BEARER = {"authorization": "Bearer {{ jwt('user-1') }}"}


def verify_token(draft: Draft) -> None:
    """The ``auth`` step: the bearer token of the request, verified (401 otherwise)."""
    draft.add("auth", "jwtVerify", {"token": "{{ headers.authorization }}"})


def _find_signed_in_user(draft: Draft) -> None:
    """The ``findUser`` step: the user the verified token names (404 when it is gone)."""
    draft.add(
        "findUser",
        "dbFind",
        {"collection": USERS, "where": {"id": SIGNED_IN}, "message": "User not found"},
    )


def profile(fields: list[FieldSpec]) -> tuple[Draft, list[str]]:
    draft = Draft.new(
        "Profile API", "Answers with the signed-in user's profile, found by the token's subject"
    )
    draft.add("input", "input")
    verify_token(draft)
    _find_signed_in_user(draft)
    shown = [
        "email",
        "name",
        *[f.name for f in fields if f.name not in {"email", "name"} and not f.secret],
    ]
    body: dict[str, Any] = {"id": "{{ steps.findUser.id }}"}
    for name in shown:
        body[name] = ref(field_path("steps.findUser", name))
    draft.add("response", "response", {"status": 200, "body": body})
    draft.add_test(
        "shows the profile",
        {},
        200,
        {"id": "user-1", "email": "ada@example.com"},
        seed=_seed_user(),
        headers=dict(BEARER),
    )
    draft.add_test("refuses a request without a token", {}, 401)
    draft.add_test("refuses a bad token", {}, 401, headers={"authorization": "Bearer not-a-token"})
    draft.add_test(
        "answers 404 when the user is gone",
        {},
        404,
        headers={"authorization": "Bearer {{ jwt('user-404') }}"},
    )
    return draft, [
        "The user is found by the token's subject (the id the login API puts in the JWT)."
    ]


def update_profile(fields: list[FieldSpec]) -> tuple[Draft, list[str]]:
    assumptions = []
    editable = [
        replace(f, required=False, unique=False)
        for f in fields
        if not f.secret and f.format != "email"
    ]
    if not editable:
        editable = [replace(infer("name"), required=False), replace(infer("bio"), required=False)]
        assumptions.append("Lets the user change their name and bio.")
    draft = Draft.new("Update Profile API", "Changes the signed-in user's profile fields")
    for spec in editable:
        draft.add_field(spec)
    draft.add("input", "input")
    verify_token(draft)
    draft.add("validation", "validation")
    _find_signed_in_user(draft)
    changes = {
        f.name: ref(f"{field_path('input', f.name)} ?? {field_path('steps.findUser', f.name)}")
        for f in editable
    }
    draft.add(
        "updateUser",
        "dbUpdate",
        {"collection": USERS, "where": {"id": SIGNED_IN}, "set": changes},
    )
    body: dict[str, Any] = {
        "id": "{{ steps.updateUser.id }}",
        "email": "{{ steps.updateUser.email }}",
    }
    for spec in editable:
        body[spec.name] = ref(field_path("steps.updateUser", spec.name))
    draft.add("response", "response", {"status": 200, "body": body})
    target = editable[0]
    value = target.sample(1)
    draft.add_test(
        "updates the profile",
        {target.name: value},
        200,
        {"id": "user-1", target.name: value},
        seed=_seed_user(),
        headers=dict(BEARER),
    )
    draft.add_test("refuses a request without a token", {target.name: value}, 401)
    bad, why = target.invalid()
    draft.add_test(f"rejects {why}", {target.name: bad}, 400, headers=dict(BEARER))
    return draft, assumptions


def reset_request() -> tuple[Draft, list[str]]:
    email = replace(infer("email"), required=True)
    draft = Draft.new(
        "Password Reset Request API", "Emails a one-time reset token to a registered address"
    )
    draft.add_field(email)
    draft.add("input", "input")
    draft.add("validation", "validation")
    draft.add(
        "findUser",
        "dbFind",
        {"collection": USERS, "where": {"email": "{{ input.email }}"}, "required": False},
    )
    draft.add(
        "saveResetToken",
        "dbInsert",
        {
            "collection": "password_resets",
            "unique": ["token"],
            "document": {
                "email": "{{ input.email }}",
                "userId": "{{ steps.findUser.id }}",
                "token": "{{ randomToken(32) }}",
                "requestedAt": "{{ now() }}",
            },
        },
        when="steps.findUser != null",
    )
    draft.add(
        "sendResetEmail",
        "sendEmail",
        {
            "to": "{{ input.email }}",
            "subject": "Reset your password",
            "text": "Use this code to choose a new password: {{ steps.saveResetToken.token }}\n"
            "If you did not ask for it, ignore this email.",
        },
        when="steps.findUser != null",
    )
    message = "If that email is registered, a reset link is on its way"
    draft.add("response", "response", {"status": 202, "body": {"message": message}})
    draft.add_test(
        "sends a reset token to a registered user",
        {"email": "ada@example.com"},
        202,
        {"message": message},
        seed=_seed_user(),
    )
    draft.add_test(
        "answers the same for an unknown email",
        {"email": "nobody@example.com"},
        202,
        {"message": message},
    )
    draft.add_test("rejects a bad email", {"email": "not-an-email"}, 400)
    return draft, [
        "Answers 202 whether or not the email is registered, so the API does not reveal who"
        " has an account.",
        "This is the first half of a reset; say 'reset a password with a token' for the second.",
    ]


def reset_confirm() -> tuple[Draft, list[str]]:
    draft = Draft.new(
        "Password Reset API", "Sets a new password with a reset token from the reset email"
    )
    draft.add_field(FieldSpec(name="token", min_length=8, required=True))
    draft.add_field(replace(infer("newPassword"), required=True))
    draft.add("input", "input")
    draft.add("validation", "validation")
    draft.add(
        "findReset",
        "dbFind",
        {
            "collection": "password_resets",
            "where": {"token": "{{ input.token }}"},
            "message": "This reset token is not valid",
        },
    )
    draft.add("hashPassword", "hashPassword", {"value": "{{ input.newPassword }}"})
    draft.add(
        "updateUser",
        "dbUpdate",
        {
            "collection": USERS,
            "where": {"email": "{{ steps.findReset.email }}"},
            "set": {"passwordHash": "{{ steps.hashPassword.hash }}"},
            "message": "User not found",
        },
    )
    draft.add(
        "useToken",
        "dbDelete",
        {"collection": "password_resets", "where": {"token": "{{ input.token }}"}},
    )
    draft.add(
        "response", "response", {"status": 200, "body": {"message": "Your password was changed"}}
    )
    seed = {
        **_seed_user(),
        "password_resets": [{"email": "ada@example.com", "token": "reset-token-0001"}],
    }
    draft.add_test(
        "sets a new password",
        {"token": "reset-token-0001", "newPassword": "new-secret-pass"},
        200,
        {"message": "Your password was changed"},
        seed=seed,
    )
    draft.add_test(
        "refuses a token that was used",
        {"token": "reset-token-0001", "newPassword": "new-secret-pass"},
        404,
    )
    draft.add_test(
        "rejects a short password", {"token": "reset-token-0001", "newPassword": "short"}, 400
    )
    return draft, ["A token works once: it is deleted when the password changes."]


def change_password() -> tuple[Draft, list[str]]:
    draft = Draft.new(
        "Change Password API",
        "Changes the signed-in user's password after checking the current one",
    )
    draft.add_field(replace(infer("currentPassword"), required=True, min_length=1))
    draft.add_field(replace(infer("newPassword"), required=True))
    draft.add("input", "input")
    verify_token(draft)
    draft.add("validation", "validation")
    _find_signed_in_user(draft)
    draft.add(
        "verifyPassword",
        "verifyPassword",
        {
            "password": "{{ input.currentPassword }}",
            "hash": "{{ steps.findUser.passwordHash }}",
            "message": "The current password is wrong",
        },
    )
    draft.add("hashPassword", "hashPassword", {"value": "{{ input.newPassword }}"})
    draft.add(
        "updateUser",
        "dbUpdate",
        {
            "collection": USERS,
            "where": {"id": SIGNED_IN},
            "set": {"passwordHash": "{{ steps.hashPassword.hash }}"},
        },
    )
    draft.add(
        "response", "response", {"status": 200, "body": {"message": "Your password was changed"}}
    )
    draft.add_test(
        "changes the password",
        {"currentPassword": SEEDED_PASSWORD, "newPassword": "new-secret-pass"},
        200,
        seed=_seed_user(),
        headers=dict(BEARER),
    )
    draft.add_test(
        "refuses a wrong current password",
        {"currentPassword": "wrong-password", "newPassword": "another-secret"},
        401,
        headers=dict(BEARER),
    )
    draft.add_test(
        "refuses a request without a token",
        {"currentPassword": SEEDED_PASSWORD, "newPassword": "another-secret"},
        401,
    )
    draft.add_test(
        "rejects a short new password",
        {"currentPassword": "new-secret-pass", "newPassword": "short"},
        400,
        headers=dict(BEARER),
    )
    return draft, []

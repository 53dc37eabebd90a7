"""Small graphs that store nothing: a health check, a greeting, an echo, the server time, a
logout behind a token, and taking an email off the newsletter.

They are asked for in a few words ("ping endpoint", "hello world api", "logout"), and a record
store with a name and a description would be a wrong answer to each of them.
"""

from __future__ import annotations

import re
from dataclasses import replace

from orchestrix.agents.accounts import SIGNED_IN, verify_token
from orchestrix.agents.fields import FieldSpec, infer
from orchestrix.agents.graph import Draft
from orchestrix.agents.results import NotUnderstood
from orchestrix.agents.text import has_any

#: Where the newsletter form and the unsubscribe graph keep their subscribers (one namespace,
#: so from the CLI an address subscribed by one can be removed by the other).
NEWSLETTER_NAMESPACE = "newsletter"
#: The plan kinds built here.
KINDS = frozenset({"health", "ping", "hello", "echo", "time", "logout", "unsubscribe"})
_BEARER = {"authorization": "Bearer {{ jwt('user-1') }}"}


def kind_of(core: str) -> str | None:
    """Which small graph the words ask for, if any."""
    if has_any(
        core,
        "logout",
        "log out",
        "logs out",
        "logging out",
        "sign out",
        "signout",
        "signs out",
        "log off",
        "logoff",
    ):
        return "logout"
    if has_any(core, "unsubscribe", "unsubscribes", "unsubscribing", "opt out", "unsub"):
        return "unsubscribe"
    if has_any(
        core,
        "health check",
        "healthcheck",
        "health checks",
        "health endpoint",
        "health api",
        "health route",
        "health status",
        "liveness",
        "readiness",
        "uptime check",
        "is it up",
        "heartbeat",
    ):
        return "health"
    if has_any(core, "ping", "pings", "pong") and not has_any(core, "ping me", "ping us"):
        return "ping"
    if has_any(core, "hello world", "hello api", "hello endpoint", "say hello", "says hello"):
        return "hello"
    if has_any(core, "greeting api", "greeting endpoint", "greets", "greet"):
        return "hello"
    if has_any(core, "echo", "echoes", "echos", "echo back", "mirror the request"):
        return "echo"
    if re.search(
        r"\b(?:returns?|return|send|sends|give|gives) (?:back )?(?:the |my )?(?:input|request"
        r" body|same body|what it (?:gets|receives))\b",
        core,
    ):
        return "echo"
    if has_any(
        core,
        "server time",
        "current time",
        "current date",
        "current timestamp",
        "time now",
        "what time",
        "time endpoint",
        "time api",
        "clock api",
        "unix time",
        "epoch time",
        "timestamp endpoint",
        "timestamp api",
    ) or re.search(r"\b(?:returns?|return|tells?|gives?|answers?) (?:the )?(?:time|date)\b", core):
        return "time"
    return None


def build(kind: str) -> tuple[Draft, list[str]]:
    return {
        "health": health,
        "ping": ping,
        "hello": hello,
        "echo": echo,
        "time": server_time,
        "logout": logout,
        "unsubscribe": unsubscribe,
    }[kind]()


def _status(name: str, description: str, test: str) -> Draft:
    draft = Draft.new(name, description)
    draft.add("input", "input")
    draft.add(
        "response", "response", {"status": 200, "body": {"status": "ok", "time": "{{ now() }}"}}
    )
    draft.add_test(test, {}, 200, {"status": "ok", "time": "*"})
    draft.add_test("ignores a request body", {"anything": 1}, 200, {"status": "ok"})
    return draft


def health(*_: object) -> tuple[Draft, list[str]]:
    draft = _status(
        "Health Check API", "Answers that the service is up, with the server time", "is up"
    )
    return draft, [
        "Answers 200 {status: ok, time} whenever the server runs; it checks nothing else."
    ]


def ping(*_: object) -> tuple[Draft, list[str]]:
    draft = _status("Ping API", "Answers ok with the server time", "answers ok")
    return draft, ["Answers 200 {status: ok, time}; it stores nothing."]


def hello(*_: object) -> tuple[Draft, list[str]]:
    draft = Draft.new("Hello API", "Greets the name it is given, or the world")
    draft.add_field(FieldSpec(name="name", min_length=1, max_length=100))
    draft.add("input", "input")
    draft.add("validation", "validation")
    draft.add(
        "response",
        "response",
        {"status": 200, "body": {"message": "{{ 'Hello, ' + (input.name ?? 'world') + '!' }}"}},
    )
    draft.add_test("greets the world", {}, 200, {"message": "Hello, world!"})
    draft.add_test("greets a name", {"name": "Ada"}, 200, {"message": "Hello, Ada!"})
    draft.add_test("rejects an empty name", {"name": ""}, 400)
    return draft, ["The name is optional: without one it says 'Hello, world!'."]


def echo(*_: object) -> tuple[Draft, list[str]]:
    draft = Draft.new("Echo API", "Answers with the JSON object it is sent")
    draft.add("input", "input")
    draft.add("validation", "validation")
    draft.add("response", "response", {"status": 200, "body": "{{ input }}"})
    sample = {"message": "hello", "count": 3, "tags": ["a", "b"]}
    draft.add_test("echoes the body", sample, 200, sample)
    draft.add_test("echoes one field", {"ping": True}, 200, {"ping": True})
    return draft, ["Answers with the request body as it came; it stores nothing."]


def server_time(*_: object) -> tuple[Draft, list[str]]:
    draft = Draft.new("Server Time API", "Answers with the server's current time")
    draft.add("input", "input")
    draft.add(
        "response",
        "response",
        {
            "status": 200,
            "body": {
                "time": "{{ now() }}",
                "date": "{{ today() }}",
                "timestamp": "{{ timestamp() }}",
            },
        },
    )
    draft.add_test("tells the time", {}, 200, {"time": "*", "date": "*", "timestamp": "*"})
    return draft, ["Answers the UTC time (ISO 8601), the date and the seconds since the epoch."]


def logout(*_: object) -> tuple[Draft, list[str]]:
    draft = Draft.new(
        "Logout API",
        "Checks the caller's token and confirms the logout; the client drops the token",
    )
    draft.add("input", "input")
    verify_token(draft)
    draft.add(
        "response",
        "response",
        {"status": 200, "body": {"loggedOut": True, "userId": SIGNED_IN}},
    )
    draft.add_test(
        "logs out", {}, 200, {"loggedOut": True, "userId": "user-1"}, headers=dict(_BEARER)
    )
    draft.add_test("refuses a request without a token", {}, 401)
    draft.add_test("refuses a bad token", {}, 401, headers={"authorization": "Bearer not-a-token"})
    return draft, [
        "JWTs are stateless, so logging out verifies the token and answers {loggedOut: true}; "
        "the client throws the token away. Nothing is revoked on the server: a copy of the "
        "token stays valid until it expires (1 hour for the login API's tokens)."
    ]


def unsubscribe(*_: object) -> tuple[Draft, list[str]]:
    draft = Draft.new(
        "Newsletter Unsubscribe API", "Takes an email address off the newsletter (404 when unknown)"
    )
    email = replace(infer("email"), required=True)
    draft.add_field(email)
    draft.add("input", "input")
    draft.add("validation", "validation")
    draft.add(
        "removeSubscriber",
        "dbDelete",
        {
            "collection": "subscribers",
            "where": {"email": "{{ input.email }}"},
            "message": "No subscriber with that email",
        },
    )
    draft.add("response", "response", {"status": 200, "body": {"unsubscribed": True}})
    seed = {"subscribers": [{"id": "subscriber-1", "email": "ada@example.com", "name": "Ada"}]}
    draft.add_test(
        "unsubscribes", {"email": "ada@example.com"}, 200, {"unsubscribed": True}, seed=seed
    )
    draft.add_test(
        "answers 404 for an unknown email",
        {"email": "grace@example.com"},
        404,
        {"error": "No subscriber with that email"},
        seed=seed,
    )
    draft.add_test("rejects a missing email", {}, 400)
    draft.add_test("rejects an invalid email", {"email": "not-an-email"}, 400)
    return draft, [
        "Deletes the subscriber from the newsletter's subscribers collection (namespace "
        f"{NEWSLETTER_NAMESPACE!r}, shared with the newsletter signup API)."
    ]


_PROVIDERS = (
    "google",
    "github",
    "gitlab",
    "facebook",
    "apple",
    "microsoft",
    "twitter",
    "linkedin",
    "discord",
    "slack",
    "auth0",
    "okta",
    "azure",
)
_SIGN_IN = r"(?:log ?in|login|logon|sign ?in|signin|sign ?up|signup|register|auth|authenticate)"


def third_party_login(core: str) -> NotUnderstood | None:
    """An honest refusal of "login with google", "oauth", "sso": the catalog has no OAuth."""
    providers = "|".join(_PROVIDERS)
    provider = re.search(
        rf"\b{_SIGN_IN} (?:with|via|through|using) ({providers})\b|\b({providers}) "
        rf"(?:{_SIGN_IN}|oauth|sso|account)\b",
        core,
    )
    generic = has_any(
        core,
        "oauth",
        "oauth2",
        "openid",
        "openid connect",
        "oidc",
        "sso",
        "single sign on",
        "social login",
        "social sign in",
        "saml",
    )
    if provider is None and not generic:
        return None
    who = (provider.group(1) or provider.group(2)).capitalize() if provider else None
    what = f"Signing in with {who}" if who else "Third-party sign-in (OAuth, OpenID Connect, SSO)"
    return NotUnderstood(
        f"{what} is not something Orchestrix can build: its tool catalog has no OAuth step "
        "(no redirect to the provider, no exchange of its code for a token). It can build an "
        "email and password login that answers a JWT.",
        [
            "a login endpoint that returns a JWT",
            "create a sign up api with email, password and name",
        ],
    )

"""Forms (contact, feedback, newsletter, waitlist, RSVP, booking), webhooks, calls to an HTTP
service and a URL shortener: the other shapes of API people ask for by name."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from orchestrix.agents.crud import document_for, write_create_tests
from orchestrix.agents.edits import _distinct, add_email
from orchestrix.agents.fields import FieldSpec, infer
from orchestrix.agents.graph import Draft, field_path, ref


def _req(name: str, **overrides: Any) -> FieldSpec:
    return replace(infer(name), required=True, **overrides)


def _opt(name: str, **overrides: Any) -> FieldSpec:
    return replace(infer(name), required=False, **overrides)


@dataclass
class Form:
    kind: str
    title: str
    description: str
    collection: str
    fields: list[FieldSpec]
    body: dict[str, Any]
    email: str | None  # "welcome" (to the sender) | "notify" (to the owner)
    thing: str


FORMS: dict[str, Form] = {
    "contact": Form(
        "contact",
        "Contact Form API",
        "Stores a contact message and emails it to the site owner",
        "contact_messages",
        [
            _req("name"),
            _req("email"),
            _opt("subject", min_length=None),
            _req("message", min_length=1),
        ],
        {"received": True},
        "notify",
        "a message",
    ),
    "feedback": Form(
        "feedback",
        "Feedback API",
        "Collects a rating from 1 to 5 with an optional comment",
        "feedback",
        [_req("rating"), _opt("comment"), _opt("email")],
        {"thanks": True},
        None,
        "feedback",
    ),
    "newsletter": Form(
        "newsletter",
        "Newsletter Signup API",
        "Subscribes an email address to the newsletter and sends a confirmation",
        "subscribers",
        [replace(infer("email"), required=True, unique=True), _opt("name")],
        {"subscribed": True},
        "welcome",
        "a subscription",
    ),
    "waitlist": Form(
        "waitlist",
        "Waitlist API",
        "Puts an email address on the waitlist and answers with its place in the queue",
        "waitlist",
        [replace(infer("email"), required=True, unique=True), _opt("name")],
        {"joined": True},
        None,
        "a waitlist entry",
    ),
    "rsvp": Form(
        "rsvp",
        "RSVP API",
        "Records whether a guest is coming and with how many people",
        "rsvps",
        [
            _req("name"),
            replace(infer("email"), required=True, unique=True),
            replace(infer("attending"), required=True, default=None),
            _opt("guests", maximum=10, default=0),
        ],
        {"received": True},
        None,
        "an RSVP",
    ),
    "booking": Form(
        "booking",
        "Booking API",
        "Books a table or appointment slot; a taken slot answers 409",
        "bookings",
        [
            _req("name"),
            _req("email"),
            _req("date"),
            _req("time"),
            _req("partySize", minimum=1, maximum=20),
        ],
        {"booked": True},
        "welcome",
        "a booking",
    ),
}


def form(
    kind: str, fields: list[FieldSpec], address: str | None, email: str | None
) -> tuple[Draft, list[str]]:
    spec = FORMS[kind]
    assumptions: list[str] = []
    chosen = list(spec.fields)
    if fields:
        names = {f.name for f in chosen}
        extra = [f for f in fields if f.name not in names]
        chosen = [*chosen, *extra]
        if extra:
            assumptions.append(
                f"Kept the usual {kind} fields and added {', '.join(f.name for f in extra)}."
            )
    draft = Draft.new(spec.title, spec.description)
    for field in chosen:
        draft.add_field(field)
    draft.add("input", "input")
    draft.add("validation", "validation")
    store = {
        "contact": "saveMessage",
        "feedback": "saveFeedback",
        "newsletter": "subscribe",
        "waitlist": "joinWaitlist",
        "rsvp": "saveRsvp",
        "booking": "createBooking",
    }[kind]
    document = document_for(draft, chosen)
    config: dict[str, Any] = {"collection": spec.collection, "document": document}
    unique = [f.name for f in chosen if f.unique]
    if kind == "booking":
        document["slot"] = "{{ input.date + ' ' + input.time }}"
        unique.append("slot")
    if unique:
        config["unique"] = unique
    draft.add(store, "dbInsert", config)
    body: dict[str, Any] = {"id": ref(f"steps.{store}.id"), **spec.body}
    if kind == "waitlist":
        draft.add("countWaitlist", "dbQuery", {"collection": spec.collection, "limit": 1})
        body["position"] = "{{ steps.countWaitlist.count }}"
    if kind == "booking":
        body.update(
            {"date": "{{ steps.createBooking.date }}", "time": "{{ steps.createBooking.time }}"}
        )
    draft.add("response", "response", {"status": 201, "body": body})
    write_create_tests(
        draft, chosen, status=201, thing=spec.thing, echo=False, body=dict(spec.body)
    )
    if kind == "waitlist":
        success = draft.success_test()
        if success is not None:
            success["expect"]["body"]["position"] = 1
        second = {"email": _distinct(chosen[0], 2)}
        draft.add_test("the next person is second in line", second, 201, {"position": 2}, index=1)
    if kind == "booking":
        success = draft.success_test()
        if success is not None:
            taken = {**success["input"], "email": "grace@example.com", "name": "Grace Hopper"}
            draft.add_test("refuses a slot that is taken", taken, 409, index=1)
            assumptions.append("One booking per date and time: the slot is a unique key.")
    wanted = email or spec.email
    if wanted == "notify" or (wanted and address):
        add_email(draft, "notify", address)
        if address is None:
            assumptions.append(
                "Sends the notification to owner@example.com; change the address in the"
                " notifyOwner step."
            )
    elif wanted == "welcome":
        add_email(draft, "welcome")
    return draft, assumptions


def webhook(fields: list[FieldSpec], source: str | None) -> tuple[Draft, list[str]]:
    assumptions = ["Stores each event as it arrives; the sender's signature is not verified."]
    name = f"{source.capitalize()} Webhook API" if source else "Webhook API"
    collection = f"{source}_events" if source else "webhook_events"
    event_type = _req("type", min_length=1, max_length=200)
    data = FieldSpec(name="data", type="object", required=False)
    chosen = fields if fields else [event_type, data]
    if fields:
        assumptions.append("Stores the fields you listed as the event.")
    draft = Draft.new(
        name,
        f"Receives events{' from ' + source.capitalize() if source else ''} and stores them in"
        f" {collection}",
    )
    for field in chosen:
        draft.add_field(field)
    draft.add("input", "input")
    draft.add("validation", "validation")
    document = document_for(draft, chosen)
    if source:
        document["source"] = source
    document["receivedAt"] = "{{ now() }}"
    draft.add("storeEvent", "dbInsert", {"collection": collection, "document": document})
    draft.add(
        "response",
        "response",
        {"status": 202, "body": {"received": True, "id": "{{ steps.storeEvent.id }}"}},
    )
    write_create_tests(
        draft, chosen, status=202, thing="an event", echo=False, body={"received": True}
    )
    return draft, assumptions


def http_call(
    fields: list[FieldSpec], url: str | None, method: str, topic: str | None
) -> tuple[Draft, list[str]]:
    assumptions: list[str] = []
    if url is None:
        url = f"https://api.example.com/{topic or 'data'}"
        assumptions.append(f"No URL was given: it calls {url}; set the real one in callService.")
    chosen = fields or [
        _req("city" if topic == "weather" else "query", min_length=1, max_length=200)
    ]
    draft = Draft.new(
        f"{(topic or 'external').capitalize()} Service API",
        f"Calls {url} and answers with what it returns",
    )
    for field in chosen:
        draft.add_field(field)
    draft.add("input", "input")
    draft.add("validation", "validation")
    values = {f.name: ref(field_path("input", f.name)) for f in chosen}
    config: dict[str, Any] = {"url": url, "method": method, "timeout": 10, "retries": 2}
    config["query" if method == "GET" else "body"] = values
    draft.add("callService", "httpRequest", config)
    draft.add(
        "response", "response", {"status": 200, "body": {"result": "{{ steps.callService.body }}"}}
    )
    first = next((f for f in chosen if f.required), chosen[0])
    draft.add_test(f"rejects a missing {first.words}", {}, 400)
    bad, why = first.invalid()
    draft.add_test(f"rejects {why}", {first.name: bad}, 400)
    assumptions.append(
        "Its tests check the input only: a success case needs the service to be reachable. "
        "An unreachable or failing service answers 502."
    )
    return draft, assumptions


def shortener() -> tuple[Draft, list[str]]:
    draft = Draft.new(
        "URL Shortener API", "Stores a long URL under a short code; a custom code is kept if free"
    )
    draft.add_field(replace(infer("url"), required=True))
    draft.add_field(
        FieldSpec(name="code", min_length=3, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")
    )
    draft.add("input", "input")
    draft.add("validation", "validation")
    draft.add(
        "saveLink",
        "dbInsert",
        {
            "collection": "links",
            "unique": ["code"],
            "document": {
                "code": "{{ input.code ?? shortId(7) }}",
                "url": "{{ input.url }}",
                "clicks": 0,
            },
        },
    )
    draft.add(
        "response",
        "response",
        {
            "status": 201,
            "body": {
                "code": "{{ steps.saveLink.code }}",
                "url": "{{ steps.saveLink.url }}",
                "path": "{{ '/' + steps.saveLink.code }}",
            },
        },
    )
    draft.add_test(
        "shortens a url",
        {"url": "https://example.com/a/very/long/path"},
        201,
        {"code": "*", "url": "https://example.com/a/very/long/path"},
    )
    draft.add_test(
        "keeps a custom code",
        {"url": "https://example.com/docs", "code": "docs"},
        201,
        {"code": "docs", "path": "/docs"},
    )
    draft.add_test(
        "refuses a code that is taken", {"url": "https://example.com/other", "code": "docs"}, 409
    )
    draft.add_test("rejects something that is not a url", {"url": "not a link"}, 400)
    return draft, ["Codes are 7 random letters and digits unless one is given."]


def resolver() -> tuple[Draft, list[str]]:
    draft = Draft.new(
        "Short Link Resolver API", "Finds the long URL of a short code and redirects to it"
    )
    draft.add_field(
        FieldSpec(
            name="code", min_length=3, max_length=32, required=True, pattern=r"^[A-Za-z0-9_-]+$"
        )
    )
    draft.add("input", "input")
    draft.add("validation", "validation")
    draft.add(
        "findLink",
        "dbFind",
        {
            "collection": "links",
            "where": {"code": "{{ input.code }}"},
            "message": "No link with that code",
        },
    )
    draft.add(
        "response",
        "response",
        {
            "status": 302,
            "headers": {"location": "{{ steps.findLink.url }}"},
            "body": {"url": "{{ steps.findLink.url }}"},
        },
    )
    seed = {"links": [{"code": "docs", "url": "https://example.com/docs", "clicks": 0}]}
    draft.add_test(
        "redirects to the long url",
        {"code": "docs"},
        302,
        {"url": "https://example.com/docs"},
        seed=seed,
    )
    draft.add_test("answers 404 for an unknown code", {"code": "nope"}, 404)
    draft.add_test("rejects a missing code", {}, 400)
    return draft, ["Shares the links collection with the URL shortener API."]

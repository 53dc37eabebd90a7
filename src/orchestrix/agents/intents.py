"""What a request asks for: an account flow, a form, a webhook, a call, a shortener, or records
of an entity the user names, and which operations on them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from orchestrix.agents import basics
from orchestrix.agents.entities import KNOWN, Entity
from orchestrix.agents.field_parser import parse_item
from orchestrix.agents.fields import FieldSpec, infer
from orchestrix.agents.request import EMAIL_ADDRESS, URL, Request, field_clause
from orchestrix.agents.text import NOT_NOUNS, article, corrected, has_any, singular, wordset

API_SIGNALS = (
    "api",
    "apis",
    "endpoint",
    "endpoints",
    "service",
    "backend",
    "crud",
    "server",
    "rest",
    "route",
    "microservice",
    "database",
    "collection",
    "form",
    "graphql",
    "webhook",
)
_META = re.compile(
    r"\b(?:please |can you |could you |i want to |i need to |help me |let us )?"
    r"(?:create|make|build|generate|write|give me|i need|i want|set up|setup|design|scaffold|"
    r"spin up|develop|code|need|want)\s+(?:me\s+|us\s+)?(?:a |an |the |some |one )?"
    r"(?:(?:simple|basic|small|quick|new|little|tiny|rest|restful|json|http|minimal|working|"
    r"tiny|lightweight)\s+)*(?:api|endpoint|service|backend|server|app|microservice)s?\b"
)
_EXTRA_PHRASES = re.compile(
    r"\b(?:and |that |which |then |also |, )*(?:sends?|sending|e-?mails?|notif(?:y|ies)|"
    r"alerts?)\b[^.;]*?(?:e-?mail|notification|message|alert)s?\b|"
    r"\b(?:requires?|requiring|needs?|with|behind|protected by) (?:an? |the )?(?:valid )?"
    r"(?:jwt|token|bearer token|auth|authentication|login)\b|\bonly (?:for )?(?:logged[- ]in|"
    r"signed[- ]in|authenticated)(?: users)?\b|\bfor logged[- ]in users\b|"
    r"\b(?:returns?|returning|issues?|gives?) (?:back )?(?:an? |the )?(?:jwt|token)\b|"
    r"\brate[- ]?limit\w*\b|\bthrottl\w*\b"
)
_DET = (
    r"(?:(?:a|an|the|my|our|your|their|new|all|some|single|one|existing|every|each|of|simple|"
    r"basic|list|lists|set|sets|bunch|collection|library|catalog|catalogue|database|"
    r"daily|weekly|monthly|yearly|annual|hourly|nightly)\s+)*"
)
#: "my daily expenses", "a weekly mood": how often, not part of the thing's name.
_FREQUENCY = {"daily", "weekly", "monthly", "yearly", "annual", "hourly", "nightly"}
_VERBS = wordset(
    "create creates add adds store stores save saves record records track tracks manage manages "
    "list lists get gets fetch fetches retrieve retrieves update updates edit edits delete "
    "deletes remove removes log logs submit submits book post posts insert register registers "
    "keep keeps show shows view find finds search browse upload archive catalog catalogue "
    "organize organise mark marks managing storing tracking keeping saving"
)
_P1 = re.compile(
    r"\b(?:api|apis|endpoint|endpoints|service|backend|crud|server|database|system)\s+(?:for|of|on|"
    r"to \w+|that \w+|which \w+|managing|storing|tracking|creating|listing|with)\s+"
    + _DET
    + r"([a-z]+)(?:\s+([a-z]+))?"
)
_P2 = re.compile(r"\b(?:" + "|".join(sorted(_VERBS)) + r")\s+" + _DET + r"([a-z]+)(?:\s+([a-z]+))?")
_P3 = re.compile(
    r"\b([a-z]+)(?:\s+([a-z]+))?\s+(?:api|apis|endpoint|endpoints|service|crud|backend|management|"
    r"manager|tracker|catalog|catalogue|database|db|collection|registry|inventory|app|system|"
    r"list|log|board)\b"
)
_P4 = re.compile(r"^" + _DET + r"([a-z]+)(?:\s+([a-z]+))?\s*(?:\bwith\b.*)?$")
_P5 = re.compile(r"\b([a-z]+)()\s+(?:with|having|containing)\b")
_META_ENTITY = re.compile(
    r"\b(?:create|make|build|generate|write|give me|set up|setup|design|scaffold|spin up|"
    r"develop|code)\s+(?:me\s+|us\s+)?(?:a |an |the |some |one )?((?:[a-z]+ ){1,2})"
    r"(?:api|apis|endpoint|endpoints|service|backend|server|app|microservice)\b"
)
_LIST_NOUN = re.compile(r"\b([a-z]+) (?:lists?|logs?|directory|directories|boards?)\b")
_LIST_OF = {"reading": "book", "todo": "todo", "task": "task"}
_ITEM_LISTS = {"grocery", "groceries", "bucket", "wish", "gift", "packing", "inventory"}
_NOT_LISTS = {"mailing", "email", "guest", "wait", "waiting", "beta", "short", "black", "white"}
_PEOPLE = {"user", "person", "visitor", "member", "customer", "client", "guest", "admin"}
_FILLER_NOUNS = {"item", "items", "entry", "entries", "record", "records", "info", "details"}
_CONTAINERS = {"inventory", "catalog", "catalogue", "registry", "database", "list", "log"}
_NOT_ENTITY = NOT_NOUNS | {
    "poem",
    "joke",
    "story",
    "song",
    "essay",
    "email",
    "password",
    "token",
    "jwt",
    "limit",
    "rate",
    "field",
    "fields",
    "request",
    "requests",
    "minute",
    "hour",
    "data",
    "by",
    "id",
    "ids",
    "them",
    "it",
    "way",
    "people",
    "anything",
    "everything",
    "welcome",
    "paginated",
    "sorted",
    "filtered",
    "newest",
    "oldest",
    *_CONTAINERS,
    *_FREQUENCY,
}
_OPS = {
    "create": (
        "create",
        "creates",
        "add",
        "adds",
        "new",
        "store",
        "stores",
        "save",
        "saves",
        "submit",
        "post",
        "insert",
        "record",
        "records",
        "log",
        "register",
        "track",
        "tracks",
        "upload",
        "keep",
        "storing",
        "saving",
        "creating",
        "adding",
        "recording",
    ),
    "get": (
        "get",
        "gets",
        "fetch",
        "fetches",
        "retrieve",
        "retrieves",
        "read",
        "view",
        "show",
        "find",
        "finds",
        "lookup",
        "look up",
        "details",
    ),
    "list": (
        "list",
        "lists",
        "listing",
        "all",
        "browse",
        "search",
        "paginate",
        "paginated",
        "index",
        "feed",
        "every",
    ),
    "update": (
        "update",
        "updates",
        "edit",
        "edits",
        "modify",
        "change",
        "changes",
        "patch",
        "mark",
        "marks",
        "updating",
        "editing",
    ),
    "delete": (
        "delete",
        "deletes",
        "remove",
        "removes",
        "destroy",
        "erase",
        "cancel",
        "deleting",
        "removing",
    ),
}
_MANAGE = (
    "crud",
    "manage",
    "manages",
    "managing",
    "management",
    "full",
    "all operations",
    "create read update delete",
    "cms",
    "admin",
)
ACCOUNTS = {"user", "account", "member", "customer", "person", "people", "login"}
PROVIDERS = (
    "stripe",
    "github",
    "gitlab",
    "shopify",
    "slack",
    "twilio",
    "paypal",
    "discord",
    "mailchimp",
    "sendgrid",
    "zapier",
    "calendly",
    "typeform",
    "hubspot",
)


_FORM_PHRASES = re.compile(
    r"\b(?:mailing list|email list|wait ?list|waiting list|guest list|beta list|contact us|"
    r"early access|sign ?up form|subscribe|subscription)\b"
)


@dataclass
class Plan:
    kind: str
    op: str = "create"
    actions: list[str] = field(default_factory=list)
    entity: Entity | None = None
    form: str | None = None
    key: FieldSpec | None = None
    source: str | None = None
    assumptions: list[str] = field(default_factory=list)
    #: Fields the request implies when it lists none ("movies i want to watch": watched).
    fields: list[FieldSpec] = field(default_factory=list)


def core_words(req: Request) -> str:
    """The request's words without the field list and without the extras."""
    text = req.text
    clause = field_clause(text)
    if clause:
        text = text.replace(clause, " ")
    text = URL.sub(" ", EMAIL_ADDRESS.sub(" ", text))
    text = _EXTRA_PHRASES.sub(" ", text)
    text = re.sub(r"\b\d+\s*(?:requests?|calls?)?\s*(?:per|a|an|/|every)\s*\w+", " ", text)
    text = re.sub(r"\bto-do(s?)\b|\bto do(s?)\b(?= (?:lists?|apps?|api|items?)\b|$)", _todo, text)
    return _containers(corrected(text))


def _todo(match: re.Match[str]) -> str:
    return "todo" + (match.group(1) or match.group(2) or "")


def _containers(words: str) -> str:
    """``todo list`` -> ``todo collection``: a list of things names the things, not a verb."""

    def swap(match: re.Match[str]) -> str:
        word = match.group(1)
        if word in _NOT_ENTITY or word in _VERBS or word in _NOT_LISTS or not word.isalpha():
            return match.group(0)
        thing = _LIST_OF.get(word)
        if thing is None:
            thing = f"{word} item" if word.endswith("ing") or word in _ITEM_LISTS else word
        return f"{thing} collection"

    return _LIST_NOUN.sub(swap, words)


def meta_free(core: str) -> str:
    """The core words with "build me a ... api" folded to "api", so no verb is read from it."""
    return _META_ENTITY.sub(r" \1api ", _META.sub(" api ", core))


def find_entity(words: str) -> Entity | None:
    found = entity_span(words)
    return found[0] if found else None


def entity_span(words: str) -> tuple[Entity, int, int] | None:
    """The thing the words name, with where its words start and end in ``words``."""
    found: list[tuple[int, int, list[str]]] = []
    for pattern in (_P1, _P2):
        pos = 0
        while (match := pattern.search(words, pos)) is not None:
            entity = _noun(match.group(1), match.group(2))
            if entity:
                end = match.end(2) if len(entity) == 2 else match.end(1)
                found.append((match.start(1), end, entity))
                break
            pos = match.start(1)
    for match in _P3.finditer(words):
        first, second = match.group(1), match.group(2)
        if second and singular(second) not in _NOT_ENTITY:
            head, tail = singular(first) if first else "", singular(second)
            if head and head not in _NOT_ENTITY and tail in KNOWN and head not in KNOWN:
                found.append((match.start(1), match.end(2), [head, tail]))
                break
            found.append((match.start(2), match.end(2), [singular(second)]))
            break
        if (
            first
            and singular(first) not in _NOT_ENTITY
            and (not second or second in _FILLER_NOUNS or singular(second) in _NOT_ENTITY)
        ):
            found.append((match.start(1), match.end(1), [singular(first)]))
            break
    if not found:
        # "events with a title and a date", "product reviews", "todos": a bare noun phrase.
        for pattern in (_P4, _P5):
            match = pattern.search(words)
            if match is None:
                continue
            entity = _noun(match.group(1), match.group(2))
            if entity:
                end = match.end(2) if len(entity) == 2 else match.end(1)
                found.append((match.start(1), end, entity))
                break
    if not found:
        return None
    # The first thing named, but a thing with known fields before one without.
    found.sort(key=lambda item: (not Entity(item[2]).known(), item[0]))
    start, end, nouns = found[0]
    return Entity(nouns), start, end


def _noun(first: str, second: str | None) -> list[str] | None:
    head = singular(first)
    if head in _NOT_ENTITY or len(head) < 3 or not head.isalpha():
        return None
    if first.endswith("ing") and first in _VERBS:
        return None  # "an api for storing invoices": the thing comes after the verb
    if head in _PEOPLE and second in _VERBS:
        return None  # "users post comments": the users do it; the comments are the thing
    if second:
        tail = singular(second)
        if tail in KNOWN and tail not in _FILLER_NOUNS and tail not in _NOT_ENTITY:
            return [head, tail]
        plural_noun = tail != second and len(tail) > 3 and tail.isalpha()
        if plural_noun and head not in KNOWN and tail not in _NOT_ENTITY | _FILLER_NOUNS:
            return [head, tail]
    return [head]


def operations(words: str) -> list[str]:
    if has_any(words, *_MANAGE):
        return ["create", "get", "list", "update", "delete"]
    ops = [op for op, keys in _OPS.items() if has_any(words, *keys)]
    if not ops and has_any(words, "by id", "single"):
        ops = ["get"]
    if "list" in ops and "get" in ops and not has_any(words, "by id", "single", "details"):
        ops.remove("get")
    if (
        len(ops) > 1
        and "create" in ops
        and has_any(words, "new")
        and not has_any(
            words, "create", "add", "creates", "adds", "store", "save", "insert", "post"
        )
    ):
        ops.remove("create")
    return ops


def _by_field(words: str, entity: Entity) -> FieldSpec | None:
    match = re.search(
        r"\b(?:by|filter(?:ed)? by|for a given|with a given|per)\s+(?:its |their |the"
        r" )?([a-z]+(?: [a-z]+)?)",
        words,
    )
    if not match:
        return None
    phrase = match.group(1)
    for spec in entity.default_fields():
        if spec.words == phrase or spec.name == phrase or phrase.startswith(spec.words):
            return spec
    first = phrase.split()[0]
    if first in {"id", "ids", "the", "a", "an", "default", "page"} or first in NOT_NOUNS:
        return None
    return parse_item(first)


def classify(req: Request) -> Plan | None:
    core = core_words(req)
    w = f"{core} "
    small = basics.kind_of(core)
    if small is not None and (small in {"logout", "unsubscribe"} or not req.fields):
        return Plan(small)
    plan = _accounts(req, core)
    if plan:
        return plan
    if has_any(
        core,
        "shorten",
        "shortener",
        "short url",
        "short urls",
        "short link",
        "short links",
        "tiny url",
        "tinyurl",
        "link shortener",
        "url shortening",
        "shortening",
    ):
        if has_any(
            core,
            "resolve",
            "resolves",
            "redirect",
            "redirects",
            "expand",
            "follow",
            "visit",
            "look up",
            "lookup",
        ):
            return Plan("resolver")
        return Plan("shortener")
    if has_any(
        core,
        "webhook",
        "webhooks",
        "web hook",
        "callback url",
        "receive events",
        "incoming events",
        "ingest events",
        "event ingestion",
        "receives events",
    ):
        source = next((p for p in PROVIDERS if has_any(core, p)), None)
        return Plan("webhook", source=source)
    if req.urls or has_any(
        core,
        "proxy",
        "third party",
        "external api",
        "external service",
        "upstream",
        "weather api",
        "weather service",
        "weather endpoint",
        "forecast api",
        "call an api",
        "call the api",
        "call a",
        "call the",
        "calls the",
        "calls a",
        "fetch from",
        "integrate with",
        "forward to",
        "forwards to",
    ):
        topic = "weather" if has_any(core, "weather", "forecast") else None
        return Plan("http", source=topic)
    words = meta_free(core)
    wished = _wish_list(core, req)
    if wished is not None:
        return wished
    log = _daily_log(core, words)
    if log is not None:
        return log
    span = entity_span(words)
    entity = span[0] if span else None
    verbs = _FORM_PHRASES.sub(" ", words)
    if span is not None:
        # "a blog post api": the words that name the thing are not read as verbs.
        named = re.escape(words[span[1] : span[2]])
        verbs = re.sub(rf"(?:^|(?<= )){named}(?= |$)", " ", verbs, count=1)
    form = _form(core)
    ops = operations(verbs)
    if form and (not ops or ops == ["create"]):
        return Plan("form", form=form)
    if entity is None:
        if has_any(core, *API_SIGNALS) or req.fields:
            plan = Plan("crud", op="create", entity=Entity(["item"]))
            if not has_any(core, "item", "items"):
                plan.assumptions.append("You did not say what the API stores, so it stores items.")
            return _with_ops(plan, ops, w)
        return None
    if not has_any(core, *API_SIGNALS) and not req.fields:
        data_verbs = set(ops) - {"create"}
        storage = has_any(
            core,
            "store",
            "stores",
            "save",
            "saves",
            "track",
            "tracks",
            "keep",
            "record",
            "records",
            "log",
            "manage",
            "crud",
        )
        if not data_verbs and not storage and not entity.known():
            return None
    return _with_ops(Plan("crud", entity=entity), ops, w)


#: Said when a request names a thing but no operation on it.
ALL_OPERATIONS = (
    "No operation named, so it does create, get, list, update and delete; say 'only create' "
    "to keep one."
)


def _with_ops(plan: Plan, ops: list[str], words: str) -> Plan:
    entity = plan.entity
    assert entity is not None
    if not ops:
        ops = ["create", "get", "list", "update", "delete"]
        plan.assumptions.append(ALL_OPERATIONS)
    if len(ops) >= 2:
        plan.op, plan.actions = "manage", ops
    else:
        plan.op = ops[0]
    if plan.op in {"get", "list"}:
        key = _by_field(words, entity)
        if key is not None and key.name != "id":
            plan.key = key
    return plan


_WISH = re.compile(
    r"\b([a-z]+) (?:i|we) (?:want|would like|wanna|plan|hope|mean) to (watch|read|visit|see|"
    r"try|play|buy|cook|listen to|learn)\b"
)
_DONE = {
    "watch": "watched",
    "read": "read",
    "visit": "visited",
    "see": "seen",
    "try": "tried",
    "play": "played",
    "buy": "bought",
    "cook": "cooked",
    "listen to": "listened",
    "learn": "learned",
}


def _wish_list(core: str, req: Request) -> Plan | None:
    """ "movies i want to watch", "a watchlist": the things, with a flag for done."""
    match = _WISH.search(core)
    if match is not None:
        thing, verb = singular(match.group(1)), match.group(2)
        if thing in _NOT_ENTITY or len(thing) < 3:
            return None
    elif has_any(core, "watchlist", "watchlists", "watch list", "watch lists"):
        thing, verb = "movie", "watch"
    else:
        return None
    entity = Entity([thing])
    flag = FieldSpec(name=_DONE[verb], type="boolean", default=False)
    base = [f for f in entity.default_fields() if f.name != "rating"]
    plan = Plan("crud", entity=entity)
    if not req.fields:
        plan.fields = [*base, flag]
        listed = ", ".join(f.describe() for f in plan.fields)
        plan.assumptions.append(
            f"A list of {entity.plural_label} to {verb}: each has {listed}; mark one "
            f"{flag.name} with the update."
        )
    return _with_ops(plan, [], core)


_DAILY = re.compile(
    r"\b(?:track|tracks|tracking|log|logs|logging|record|records|recording|count|counts|"
    r"monitor|monitors)\s+(?:my |our |the |a )?(daily |weekly |monthly )?([a-z]+)"
    r"(?: (intake|consumption|usage|levels?))?\b"
)


_AMOUNTS = {"water", "calorie", "step", "sleep", "protein", "caffeine", "coffee", "sugar", "weight"}
_UNITS = {"water": "ml", "calorie": "kcal", "step": "steps", "sleep": "hours", "weight": "kg"}


def _daily_log(core: str, words: str) -> Plan | None:
    """ "track my daily water intake": dated entries of an amount, not a "daily" thing."""
    match = _DAILY.search(core)
    if match is None or not (match.group(1) or match.group(3)):
        return None
    thing = singular(match.group(2))
    if not match.group(3) and thing not in _AMOUNTS:
        return None  # "log my daily mood": not an amount; the usual reading applies
    if thing in KNOWN or thing in _NOT_ENTITY or len(thing) < 3 or not thing.isalpha():
        return None
    entity = Entity([thing, "entry"])
    plan = Plan("crud", entity=entity)
    plan.fields = [
        replace(infer("amount"), required=True),
        replace(infer("date"), required=True),
        infer("note"),
    ]
    plan.assumptions.append(
        f"Each {entity.label} is an amount (in the unit you use, e.g. {_UNITS.get(thing, 'g')})"
        " on a date, with an "
        "optional note; say 'add a unit field' to record the unit."
    )
    return _with_ops(plan, operations(meta_free(core)), words)


def _form(core: str) -> str | None:
    if has_any(
        core,
        "contact form",
        "contact us",
        "get in touch",
        "contact page",
        "contact message",
        "contact messages",
        "contact request",
        "enquiry",
        "inquiry",
        "enquiries",
        "inquiries",
    ):
        return "contact"
    if has_any(core, "feedback", "survey", "rate us", "nps"):
        return "feedback"
    if has_any(core, "newsletter", "mailing list", "subscribe", "subscribes", "email list"):
        return "newsletter"
    if has_any(core, "waitlist", "wait list", "waiting list", "early access", "beta list"):
        return "waitlist"
    if has_any(core, "rsvp", "rsvps", "attendance", "will attend", "invitation response"):
        return "rsvp"
    if has_any(
        core,
        "booking",
        "bookings",
        "book a table",
        "book an appointment",
        "reservation",
        "reservations",
        "reserve",
        "appointment",
        "appointments",
        "book a slot",
    ) or re.search(
        r"^book\b(?! (?:api|collection|list|catalog|store|club)\b)|\bbook (?:a|an|the|me"
        r"|us|my|our|your|their|some|tables?|rooms?|seats?|slots?|tickets?|flights?|appointments?)\b",
        core,
    ):
        return "booking"
    return None


def _accounts(req: Request, core: str) -> Plan | None:
    password = has_any(core, "password", "passwords", "pw", "passcode")
    if password and has_any(
        core, "reset", "forgot", "forgotten", "recover", "recovery", "lost", "resets"
    ):
        confirm = has_any(
            core,
            "confirm",
            "complete",
            "finish",
            "set the new",
            "set a new",
            "with a token",
            "with the token",
            "using the token",
            "using a token",
            "with a code",
            "with the code",
            "new password",
            "from the email",
        )
        return Plan("reset_confirm" if confirm else "reset_request")
    if (
        password
        and has_any(core, "change", "update", "changes", "updates")
        and not has_any(core, "sign up", "signup", "register")
    ):
        return Plan("change_password")
    signup = has_any(
        core,
        "sign up",
        "signup",
        "signups",
        "register",
        "registration",
        "registers",
        "registering",
        "create an account",
        "create account",
        "new account",
        "new accounts",
        "create user account",
        "onboard",
        "onboarding",
        "enroll",
        "join",
    )
    login = has_any(
        core,
        "log in",
        "login",
        "logon",
        "log on",
        "sign in",
        "signin",
        "authenticate",
        "authentication",
        "logs in",
        "logging in",
        "signs in",
    )
    if signup and _form(core) in {"newsletter", "waitlist", "rsvp"}:
        signup = False
    attends = _registration_for(core) if signup else None
    if attends is not None and not any(f.secret for f in req.fields):
        # "register for an event": people sign up for a thing, no account is made.
        plan = Plan("crud", op="create", entity=Entity([attends, "registration"]))
        plan.assumptions.append(
            f"Registers people for {article(attends)} {attends}; it makes no user accounts (say "
            "'sign up api' for those)."
        )
        return plan
    if signup:
        entity = find_entity(meta_free(core))
        if (
            entity is None
            or not entity.known()
            or entity.head in ACCOUNTS
            or entity.head == "registration"
            or has_any(core, "sign up", "signup")
        ):
            plan = Plan("signup")
            if login:
                plan.assumptions.append("Built the sign-up; ask for a login API separately.")
            return plan
    if login:
        return Plan("login")
    if has_any(
        core,
        "profile",
        "profiles",
        "current user",
        "me endpoint",
        "whoami",
        "who am i",
        "my account",
        "account details",
        "user info",
        "logged in user",
    ):
        if has_any(core, "update", "edit", "change", "modify", "updates", "edits"):
            return Plan("profile_update")
        return Plan("profile")
    entity = find_entity(meta_free(core))
    has_password = any(f.secret for f in req.fields)
    if entity is not None and entity.head in ACCOUNTS and has_password:
        return Plan("signup")
    return None


_REGISTER_FOR = re.compile(
    r"\b(?:register|registers|registering|registration|registrations|sign up|signup|signups|"
    r"enroll|enrol|enrolling|join) (?:for|to|in|into) (?:a |an |the |our |my |this |upcoming )?"
    r"([a-z]+)"
)
_THING_REGISTRATION = re.compile(
    r"\b([a-z]+) (?:registration|registrations|signup|signups|sign ups?|enrollment|enrollments)\b"
)
_NOT_ATTENDED = {"newsletter", "beta", "early", "mailing", "waitlist", "app", "site", "website"}


def _registration_for(core: str) -> str | None:
    """What people register for ("register for an event" -> event), unless it is an account."""
    for pattern in (_REGISTER_FOR, _THING_REGISTRATION):
        match = pattern.search(core)
        if match is None:
            continue
        thing = singular(match.group(1))
        if (
            thing.isalpha()
            and len(thing) >= 3
            and thing not in ACCOUNTS
            and thing not in _NOT_ENTITY
            and thing not in _NOT_ATTENDED
            and thing not in {"users", "accounts", "members", "customers"}
        ):
            return thing
    return None

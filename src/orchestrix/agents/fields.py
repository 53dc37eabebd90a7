"""Fields of a request: what a name suggests, the JSON Schema, and sample values for tests.

A :class:`FieldSpec` is the planner's view of one property of ``inputSchema``. It can be made
from a few words ("due date", "unique email", "rating from 1 to 5") and read back from any
schema, so mutations work on graphs the planner did not write. Sample values are fixed, not
random: the tests the builder writes are the same from run to run.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from orchestrix.agents.text import label, split_camel


class _Missing:
    """Marks a value left out of a test input (the 'missing field' case)."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()

MONEY = {"price", "amount", "cost", "total", "salary", "balance", "fee", "budget", "subtotal"}
MEASURES = {"weight", "height", "width", "length", "distance", "latitude", "longitude", "score"}
COUNTS = {
    "quantity",
    "qty",
    "count",
    "age",
    "year",
    "stock",
    "guests",
    "seats",
    "pages",
    "duration",
    "minutes",
    "capacity",
    "servings",
    "attendees",
    "people",
    "votes",
    "size",
    "number",
    "points",
    "level",
}
FLAGS = {
    "done",
    "completed",
    "complete",
    "published",
    "active",
    "enabled",
    "attending",
    "archived",
    "paid",
    "verified",
    "subscribed",
    "available",
    "featured",
    "visible",
    "private",
    "public",
    "read",
    "pinned",
    "urgent",
    "approved",
}
LONG_TEXT = {
    "description",
    "notes",
    "note",
    "body",
    "content",
    "message",
    "comment",
    "bio",
    "text",
    "summary",
    "details",
    "instructions",
    "review",
    "feedback",
    "answer",
    "question",
    "reason",
    "payload",
}
LISTS = {"tags", "labels", "skills", "ingredients", "keywords", "topics", "interests", "steps"}
LINKS = {"url", "website", "link", "homepage", "avatar", "image", "photo", "logo", "callback"}

SAMPLES: dict[str, tuple[Any, Any]] = {
    "email": ("ada@example.com", "grace@example.com"),
    "name": ("Ada Lovelace", "Grace Hopper"),
    "fullName": ("Ada Lovelace", "Grace Hopper"),
    "firstName": ("Ada", "Grace"),
    "lastName": ("Lovelace", "Hopper"),
    "username": ("ada", "grace"),
    "password": ("correct-horse-1", "battery-staple-2"),
    "phone": ("+15551234567", "+15557654321"),
    "company": ("Analytical Engines", "Compilers Inc"),
    "title": ("First example", "Second example"),
    "subject": ("A question", "Another question"),
    "message": ("Hello! I would like to know more.", "Thanks for the quick reply."),
    "sku": ("SKU-1001", "SKU-1002"),
    "isbn": ("978-0131103627", "978-0262033848"),
    "city": ("London", "Paris"),
    "country": ("United Kingdom", "France"),
    "address": ("12 Example Street", "34 Sample Road"),
    "author": ("Mary Shelley", "Jane Austen"),
    "location": ("Main hall", "Room 2"),
    "currency": ("EUR", "USD"),
    "color": ("blue", "green"),
    "event": ("order.created", "order.paid"),
    "type": ("order.created", "order.paid"),
    "code": ("my-link", "other-link"),
    "slug": ("my-link", "other-link"),
}


@dataclass
class FieldSpec:
    """One request field, as the planner understands it."""

    name: str
    type: str = "string"  # string | integer | number | boolean | array
    format: str | None = None  # email | date | date-time | uri
    required: bool = False
    unique: bool = False
    minimum: float | int | None = None
    maximum: float | int | None = None
    min_length: int | None = None
    max_length: int | None = None
    enum: list[Any] | None = None
    default: Any = None
    pattern: str | None = None
    items: str = "string"
    secret: bool = False  # a password: hashed before it is stored, never returned
    notes: list[str] = field(default_factory=list)
    exclusive_minimum: float | int | None = None
    exclusive_maximum: float | int | None = None

    @property
    def words(self) -> str:
        return label(self.name)

    def schema(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.type}
        if self.format:
            out["format"] = self.format
        if self.enum is not None:
            out["enum"] = list(self.enum)
        if self.minimum is not None:
            out["minimum"] = self.minimum
        if self.maximum is not None:
            out["maximum"] = self.maximum
        if self.exclusive_minimum is not None:
            out["exclusiveMinimum"] = self.exclusive_minimum
        if self.exclusive_maximum is not None:
            out["exclusiveMaximum"] = self.exclusive_maximum
        if self.min_length is not None:
            out["minLength"] = self.min_length
        if self.max_length is not None:
            out["maxLength"] = self.max_length
        if self.pattern:
            out["pattern"] = self.pattern
        if self.type == "array":
            out["items"] = {"type": self.items}
        if self.default is not None:
            out["default"] = self.default
        return out

    @classmethod
    def from_schema(
        cls, name: str, schema: dict[str, Any], *, required: bool = False, unique: bool = False
    ) -> FieldSpec:
        kind = schema.get("type", "string")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), "string")
        items = schema.get("items")
        return cls(
            name=name,
            type=str(kind),
            format=schema.get("format"),
            required=required,
            unique=unique,
            minimum=schema.get("minimum"),
            maximum=schema.get("maximum"),
            min_length=schema.get("minLength"),
            max_length=schema.get("maxLength"),
            enum=list(schema["enum"]) if isinstance(schema.get("enum"), list) else None,
            default=schema.get("default"),
            pattern=schema.get("pattern"),
            items=str(items.get("type", "string")) if isinstance(items, dict) else "string",
            secret="password" in name.lower(),
            exclusive_minimum=schema.get("exclusiveMinimum"),
            exclusive_maximum=schema.get("exclusiveMaximum"),
        )

    # --- sample values ---------------------------------------------------------------------

    def sample(self, variant: int = 0) -> Any:
        """A valid value; ``variant`` 1 gives a different one (for a second record)."""
        if self.enum:
            return self.enum[min(variant, len(self.enum) - 1)]
        if self.type == "boolean":
            return variant == 0
        if self.type in {"integer", "number"}:
            return self._sample_number(variant)
        if self.type == "array":
            return [self._item_sample(variant)]
        if self.type == "object":
            return {"id": ["evt_1001", "evt_1002"][variant % 2], "amount": 100}
        return self._sample_text(variant)

    def _item_sample(self, variant: int) -> Any:
        if self.items in {"integer", "number"}:
            return variant + 1
        return ["example", "sample"][variant % 2]

    def _sample_number(self, variant: int) -> int | float:
        key = split_camel(self.name)[-1] if self.name else ""
        base: float | int
        if key in MONEY:
            base = [19.99, 5.5][variant % 2]
        elif key in {"rating", "stars"}:
            base = [5, 4][variant % 2]
        elif key == "age":
            base = [36, 28][variant % 2]
        elif key == "year":
            base = [1843, 1952][variant % 2]
        else:
            base = [2, 3][variant % 2]
        if self.minimum is not None and base < self.minimum:
            base = self.minimum + variant
        if self.maximum is not None and base > self.maximum:
            base = self.maximum
        if self.exclusive_minimum is not None and base <= self.exclusive_minimum:
            base = self.exclusive_minimum + 1 + variant
        if self.exclusive_maximum is not None and base >= self.exclusive_maximum:
            base = self.exclusive_maximum - 1
        return int(base) if self.type == "integer" else base

    def _sample_text(self, variant: int) -> str:
        fmt = self.format
        if fmt == "email" or "email" in self.name.lower():
            value = SAMPLES["email"][variant % 2]
        elif fmt == "date":
            value = ["2030-01-15", "2030-02-20"][variant % 2]
        elif fmt == "date-time":
            value = ["2030-01-15T10:00:00Z", "2030-02-20T18:30:00Z"][variant % 2]
        elif fmt == "uri":
            value = ["https://example.com/first", "https://example.com/second"][variant % 2]
        elif fmt == "time" or (self.pattern and self.pattern.startswith("^([01]")):
            value = ["19:30", "12:00"][variant % 2]
        elif self.name in SAMPLES:
            value = SAMPLES[self.name][variant % 2]
        elif "phone" in self.name.lower():
            value = SAMPLES["phone"][variant % 2]
        elif "password" in self.name.lower():
            value = SAMPLES["password"][variant % 2]
        elif self.name.endswith("Id"):
            value = ["ref-1", "ref-2"][variant % 2]
        else:
            value = f"{['Example', 'Another'][variant % 2]} {self.words}"
        if self.min_length is not None and len(value) < self.min_length:
            value = value + "x" * (self.min_length - len(value))
        if self.max_length is not None and len(value) > self.max_length:
            value = value[: self.max_length]
        return str(value)

    def invalid(self) -> tuple[Any, str]:
        """A value the schema refuses, and how a test name says why."""
        w = self.words
        if self.format == "email":
            return "not-an-email", f"a bad {w}"
        if self.format == "date":
            return "someday", f"a bad {w}"
        if self.format == "date-time":
            return "tomorrow morning", f"a bad {w}"
        if self.format == "uri":
            return "not a link", f"a bad {w}"
        if self.enum:
            return "not-a-choice", f"an unknown {w}"
        if self.type in {"integer", "number"}:
            if self.maximum is not None:
                return self.maximum + 1, f"a {w} that is too large"
            if self.minimum is not None:
                return self.minimum - 1, f"a {w} that is too small"
            return "lots", f"a {w} that is not a number"
        if self.type == "boolean":
            return "maybe", f"a {w} that is not true or false"
        if self.type == "array":
            return "not-a-list", f"a {w} that is not a list"
        if self.type == "object":
            return "not-an-object", f"a {w} that is not an object"
        if self.pattern:
            return "!!", f"a bad {w}"
        if self.min_length is not None and self.min_length > 1:
            return "x" * (self.min_length - 1), f"a short {w}"
        if self.max_length is not None and self.max_length <= 300:
            return "x" * (self.max_length + 1), f"a {w} that is too long"
        return 12345, f"a {w} that is not text"

    def describe(self) -> str:
        """``email (an email address, required, unique)``."""
        bits = [self.kind_words(), "required" if self.required else "optional"]
        if self.unique:
            bits.append("unique")
        return f"{self.name} ({', '.join(bits)})"

    def kind_words(self) -> str:
        if self.secret:
            return f"a password, at least {self.min_length or 1} characters, stored hashed"
        if self.enum:
            return "one of " + ", ".join(str(v) for v in self.enum)
        if self.format:
            return {
                "email": "an email address",
                "date": "a date",
                "date-time": "a date and time",
                "uri": "an https URL" if (self.pattern or "").startswith("^https") else "a URL",
                "time": "a time",
            }.get(self.format, self.format)
        if self.type in {"integer", "number"}:
            kind = "a whole number" if self.type == "integer" else "a number"
            if self.minimum is not None and self.maximum is not None:
                return f"{kind} from {_num(self.minimum)} to {_num(self.maximum)}"
            if self.minimum is not None:
                return f"{kind}, at least {_num(self.minimum)}"
            if self.maximum is not None:
                return f"{kind}, at most {_num(self.maximum)}"
            return kind
        if self.type == "boolean":
            return "true or false"
        if self.type == "array":
            return f"a list of {self.items}s"
        if self.type == "object":
            return "an object"
        if self.pattern and "phone" in self.name.lower():
            return "a phone number"
        return "text"

    def length_words(self) -> str:
        """``, 10 to 5000 characters`` for text with a length range; empty otherwise."""
        if self.type != "string" or self.secret or self.enum or self.format:
            return ""
        low = self.min_length if self.min_length and self.min_length > 1 else None
        if low is not None and self.max_length is not None:
            if low == self.max_length:
                return f", exactly {low} characters"
            return f", {low} to {self.max_length} characters"
        if low is not None:
            return f", at least {low} characters"
        if self.max_length is not None:
            return f", at most {self.max_length} characters"
        return ""


def _num(value: float | int) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


PHONE_PATTERN = r"^\+?[0-9 ()-]{7,20}$"
TIME_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
USERNAME_PATTERN = r"^[A-Za-z0-9_.-]+$"


def infer(name: str, hint_words: list[str] | None = None) -> FieldSpec:
    """What a field name suggests: ``dueDate`` is a date, ``price`` a number of at least 0."""
    parts = split_camel(name)
    last = parts[-1] if parts else name
    whole = name.lower()
    spec = FieldSpec(name=name)
    hints = set(hint_words or [])
    if "email" in whole:
        return replace(spec, format="email", max_length=254)
    if "password" in whole or last == "passcode":
        return replace(spec, min_length=8, max_length=128, secret=True)
    if "phone" in whole or last in {"mobile", "tel", "telephone"}:
        return replace(spec, pattern=PHONE_PATTERN)
    if last in {"date", "birthday", "dob", "deadline", "birthdate"} or whole.endswith("date"):
        return replace(spec, format="date")
    if last == "time" and len(parts) <= 2 and "date" not in hints:
        return replace(spec, pattern=TIME_PATTERN)
    if (name.endswith("At") and len(parts) > 1) or last in {"datetime", "timestamp"}:
        return replace(spec, format="date-time")
    if last in LINKS or whole.endswith("url"):
        return replace(spec, format="uri", max_length=2048)
    if last in MONEY:
        return replace(spec, type="number", minimum=0)
    if last in {"rating", "stars"}:
        return replace(spec, type="integer", minimum=1, maximum=5)
    if last == "age":
        return replace(spec, type="integer", minimum=0, maximum=150)
    if last in MEASURES:
        return replace(spec, type="number")
    if last in COUNTS or last in {"guests", "partysize"} or whole == "partysize":
        return replace(spec, type="integer", minimum=0)
    if last in FLAGS or (parts and parts[0] in {"is", "has", "can"} and len(parts) > 1):
        return replace(spec, type="boolean")
    if last in LISTS:
        return replace(spec, type="array")
    if last == "priority":
        return replace(spec, enum=["low", "medium", "high"], default="medium")
    if last in LONG_TEXT:
        return replace(spec, max_length=5000)
    if last == "username" or last == "handle":
        return replace(spec, min_length=3, max_length=32, pattern=USERNAME_PATTERN)
    if last in {"zip", "postcode", "zipcode"}:
        return replace(spec, max_length=12)
    if last in {"name", "title", "subject", "label", "sku", "code", "slug"}:
        return replace(spec, min_length=1, max_length=200)
    return replace(spec, max_length=500)

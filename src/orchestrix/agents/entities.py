"""Things people store, with the fields they usually have when the request names none."""

from __future__ import annotations

from dataclasses import dataclass, replace

from orchestrix.agents.fields import FieldSpec, infer
from orchestrix.agents.text import article, camel, plural, snake, title


def _f(name: str, *flags: str, **overrides: object) -> FieldSpec:
    spec = infer(name)
    spec = replace(spec, required="req" in flags or "unique" in flags, unique="unique" in flags)
    if overrides:
        spec = replace(spec, **overrides)  # type: ignore[arg-type]  # FieldSpec field values
    if spec.type == "boolean" and spec.default is None:
        spec = replace(spec, default=False, required=False)
    return spec


STATUS = ["open", "in_progress", "closed"]

KNOWN: dict[str, list[FieldSpec]] = {
    "product": [_f("name", "req"), _f("price", "req"), _f("sku", "unique"), _f("description")],
    "todo": [_f("title", "req"), _f("done"), _f("priority"), _f("dueDate")],
    "task": [_f("title", "req"), _f("done"), _f("priority"), _f("dueDate")],
    "note": [_f("title", "req"), _f("body")],
    "post": [_f("title", "req"), _f("body", "req"), _f("author"), _f("published"), _f("tags")],
    "article": [_f("title", "req"), _f("body", "req"), _f("author"), _f("tags")],
    "comment": [_f("postId", "req"), _f("author", "req"), _f("text", "req")],
    "book": [_f("title", "req"), _f("author", "req"), _f("isbn"), _f("year")],
    "customer": [_f("name", "req"), _f("email", "unique"), _f("phone")],
    "order": [
        _f("productId", "req"),
        _f("quantity", "req", minimum=1),
        _f("customerEmail", "req"),
        _f("notes"),
    ],
    "event": [_f("title", "req"), _f("date", "req"), _f("location"), _f("capacity")],
    "ticket": [
        _f("title", "req"),
        _f("description"),
        _f("priority"),
        _f("status", enum=STATUS, default="open"),
    ],
    "issue": [
        _f("title", "req"),
        _f("description"),
        _f("priority"),
        _f("status", enum=STATUS, default="open"),
    ],
    "review": [_f("productId", "req"), _f("rating", "req"), _f("comment"), _f("author")],
    "recipe": [
        _f("title", "req"),
        _f("ingredients", "req"),
        _f("instructions", "req"),
        _f("servings"),
    ],
    "employee": [_f("name", "req"), _f("email", "unique"), _f("role"), _f("startDate")],
    "movie": [_f("title", "req"), _f("year"), _f("director"), _f("rating")],
    "contact": [_f("name", "req"), _f("email", "req"), _f("phone"), _f("company")],
    "invoice": [
        _f("customerEmail", "req"),
        _f("amount", "req"),
        _f("dueDate", "req"),
        _f("paid"),
    ],
    "project": [_f("name", "req"), _f("description"), _f("deadline")],
    "bookmark": [_f("url", "req"), _f("title"), _f("tags")],
    "expense": [_f("amount", "req"), _f("category", "req"), _f("date", "req"), _f("note")],
    "user": [_f("name", "req"), _f("email", "unique")],
    "company": [_f("name", "req"), _f("website"), _f("industry")],
    "category": [_f("name", "unique"), _f("description")],
    "song": [_f("title", "req"), _f("artist", "req"), _f("album"), _f("duration")],
    "student": [_f("name", "req"), _f("email", "unique"), _f("grade")],
    "course": [_f("title", "req"), _f("description"), _f("credits")],
    "pet": [_f("name", "req"), _f("species", "req"), _f("age")],
    "car": [_f("make", "req"), _f("model", "req"), _f("year"), _f("price")],
    "item": [_f("name", "req"), _f("quantity"), _f("description")],
    "lead": [_f("name", "req"), _f("email", "req"), _f("company"), _f("source")],
    "job": [_f("title", "req"), _f("company", "req"), _f("location"), _f("salary")],
    "question": [_f("question", "req"), _f("answer")],
    "faq": [_f("question", "req"), _f("answer", "req")],
    "transaction": [_f("amount", "req"), _f("description"), _f("date", "req")],
    "meal": [_f("name", "req"), _f("calories"), _f("date")],
    "workout": [_f("type", "req"), _f("duration", "req"), _f("date")],
    "mood": [
        _f("rating", "req", minimum=1, maximum=5),
        _f("date", "req"),
        _f("mood", enum=["great", "good", "okay", "low", "bad"]),
        _f("note"),
    ],
    "habit": [_f("name", "req"), _f("frequency", enum=["daily", "weekly"], default="daily")],
    "goal": [_f("title", "req"), _f("targetDate"), _f("done")],
    "place": [_f("name", "req"), _f("address"), _f("city")],
    "room": [_f("name", "req"), _f("capacity")],
    "document": [_f("title", "req"), _f("url")],
    "message": [_f("sender", "req"), _f("text", "req")],
    "photo": [_f("url", "req"), _f("caption")],
    "playlist": [_f("name", "req"), _f("description")],
    "supplier": [_f("name", "req"), _f("email", "req"), _f("phone")],
    "vehicle": [_f("make", "req"), _f("model", "req"), _f("year")],
    "device": [_f("name", "req"), _f("serialNumber", "unique")],
    "subscriber": [_f("email", "unique"), _f("name")],
    "registration": [_f("name", "req"), _f("email", "unique"), _f("notes")],
}
GENERIC = [_f("name", "req"), _f("description")]


@dataclass
class Entity:
    """A thing the request names: ``["blog", "post"]`` -> collection ``blog_posts``."""

    words: list[str]

    @property
    def head(self) -> str:
        return self.words[-1]

    @property
    def name(self) -> str:
        return camel(self.words)

    @property
    def label(self) -> str:
        return " ".join(self.words)

    @property
    def a_label(self) -> str:
        """``a todo``, ``an expense``."""
        return f"{article(self.label)} {self.label}"

    @property
    def plural_label(self) -> str:
        return " ".join([*self.words[:-1], plural(self.head)])

    @property
    def collection(self) -> str:
        return snake([*self.words[:-1], plural(self.head)])

    @property
    def title(self) -> str:
        return title(self.label)

    @property
    def plural_title(self) -> str:
        return title(self.plural_label)

    @property
    def id_prefix(self) -> str:
        return "-".join(self.words)

    def known(self) -> bool:
        return self.head in KNOWN or self.words[0] in KNOWN

    def default_fields(self) -> list[FieldSpec]:
        fields = KNOWN.get(self.head) or KNOWN.get(self.words[0]) or GENERIC
        return [replace(f) for f in fields]

    def step(self, verb: str, *, many: bool = False) -> str:
        """A tool id: ``createProduct``, ``listProducts``."""
        words = [*self.words[:-1], plural(self.head) if many else self.head]
        return camel([verb, *words])

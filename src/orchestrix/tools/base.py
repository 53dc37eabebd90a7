"""What a tool type is, what it may use while it runs, and the registry that finds it.

A tool type is one class in one module: a ``type`` name, a pydantic ``Config`` and ``Output``,
and ``async def run(ctx, config)``. Subclassing registers it; a second class with the same
``type`` fails loudly. The services a tool uses (data store, secrets, mail, rate limits, HTTP)
are described here as protocols and provided by :mod:`orchestrix.runtime`.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

if TYPE_CHECKING:
    import httpx

    from orchestrix.settings import Settings
    from orchestrix.spec.models import Workflow


class ToolConfig(BaseModel):
    """Base of every tool's config: camelCase on the wire, unknown keys refused."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class ToolOutput(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class Document(ToolOutput):
    """A stored record: its fields plus ``id``, ``createdAt`` and ``updatedAt``."""

    model_config = ConfigDict(extra="allow")


# --- services a tool may use -------------------------------------------------------------


class DataStore(Protocol):
    """Collections of JSON documents with unique fields enforced by the database."""

    async def insert(
        self,
        namespace: str,
        collection: str,
        document: Mapping[str, Any],
        unique: list[str],
        *,
        record_id: str | None = None,
    ) -> dict[str, Any]:
        """Store a document; returns it with ``id``, ``createdAt``, ``updatedAt``.
        Raises ``Conflict`` when a unique field's value is taken. ``record_id`` sets the id
        (test seeds only; tools never pass it)."""
        ...

    async def find_one(
        self, namespace: str, collection: str, where: Mapping[str, Any]
    ) -> dict[str, Any] | None: ...

    async def query(
        self,
        namespace: str,
        collection: str,
        where: Mapping[str, Any],
        *,
        limit: int = 50,
        offset: int = 0,
        sort: str | None = None,
        descending: bool = False,
    ) -> tuple[list[dict[str, Any]], int]:
        """Matching documents (a page) and the total count."""
        ...

    async def update(
        self,
        namespace: str,
        collection: str,
        where: Mapping[str, Any],
        changes: Mapping[str, Any],
        unique: list[str],
        *,
        increment: Mapping[str, int | float] | None = None,
        expect_version: int | None = None,
    ) -> dict[str, Any] | None:
        """Update the first match atomically (``increment`` adds to numbers); returns it
        updated, or None. Raises ``Conflict`` on a taken unique value or, with
        ``expect_version``, when the record's version moved on."""
        ...

    async def delete(
        self, namespace: str, collection: str, where: Mapping[str, Any], *, many: bool = False
    ) -> int: ...


class SecretStore(Protocol):
    async def get_or_create(self, namespace: str, name: str) -> str:
        """A random secret kept outside the spec, created on first use."""
        ...

    async def named(self, namespace: str) -> dict[str, str]:
        """The named secrets (``{{ secrets.NAME }}``) a deployment gave this namespace."""
        ...

    async def replace_named(self, namespace: str, values: Mapping[str, str]) -> None:
        """Set the namespace's named secrets to ``values`` (encrypted at rest)."""
        ...


class Mailer(Protocol):
    async def send(self, message: EmailMessageData) -> dict[str, Any]:
        """Send (or keep in the outbox); returns ``{messageId, delivered, via}``."""
        ...


class RateLimiter(Protocol):
    async def hit(
        self, namespace: str, key: str, limit: int, window_seconds: int, strategy: str
    ) -> tuple[bool, int, float]:
        """Count one hit; returns (allowed, remaining, reset_at_epoch_seconds)."""
        ...


@dataclass
class EmailMessageData:
    to: list[str]
    subject: str
    text: str
    html: str | None = None
    sender: str | None = None
    cc: list[str] = field(default_factory=list)
    reply_to: str | None = None
    namespace: str = ""


@dataclass
class Services:
    """Everything a run may touch outside the graph; built once per process."""

    settings: Settings
    datastore: DataStore
    secrets: SecretStore
    mailer: Mailer
    limiter: RateLimiter
    http: httpx.AsyncClient


@dataclass
class RunContext:
    """The state of one run: the request, the outputs so far and the services."""

    workflow: Workflow
    input: dict[str, Any]
    services: Services
    namespace: str
    headers: dict[str, str] = field(default_factory=dict)
    steps: dict[str, Any] = field(default_factory=dict)

    def scope(self) -> dict[str, Any]:
        """What expressions can see: ``input``, ``steps`` and ``headers`` (the executor adds
        ``secrets``, the ones the spec reads)."""
        return {"input": self.input, "steps": self.steps, "headers": self.headers}


# --- the tool class and its registry -------------------------------------------------------


class Tool:
    """Base of every tool type. Subclasses set the class variables and implement ``run``."""

    type: ClassVar[str]
    summary: ClassVar[str] = ""
    # ``builtins.type``: inside this class, ``type`` names the class variable above.
    Config: ClassVar[builtins.type[ToolConfig]] = ToolConfig
    Output: ClassVar[builtins.type[BaseModel] | None] = None
    #: True when the tool changes nothing outside the run (for MCP's readOnlyHint).
    read_only: ClassVar[bool] = True
    #: True for ``response``: a run that reaches it ends there.
    ends_run: ClassVar[bool] = False
    #: Config fields (wire names) that take a secret: never logged, whatever they hold.
    sensitive: ClassVar[frozenset[str]] = frozenset()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "type" in cls.__dict__:
            register(cls)

    async def run(self, ctx: RunContext, config: Any) -> Any:
        raise NotImplementedError

    @classmethod
    def config_schema(cls) -> dict[str, Any]:
        return cls.Config.model_json_schema(by_alias=True)


_REGISTRY: dict[str, type[Tool]] = {}


def register(cls: type[Tool]) -> None:
    existing = _REGISTRY.get(cls.type)
    if existing is not None and (existing.__module__, existing.__qualname__) != (
        cls.__module__,
        cls.__qualname__,
    ):
        raise RuntimeError(
            f"tool type {cls.type!r} is registered twice: {existing.__module__}.{existing.__name__}"
            f" and {cls.__module__}.{cls.__name__}"
        )
    _REGISTRY[cls.type] = cls


def get_tool(type_name: str) -> type[Tool] | None:
    return _REGISTRY.get(type_name)


def registry() -> dict[str, type[Tool]]:
    return dict(_REGISTRY)

"""The API model: what the user asked for, typed, between the words and the graph.

Both planners produce it (the rules planner from its patterns, the llm planner as structured
output), chat edits change it, and the compilers turn it into a graph and its tests. It is kept
in the spec as ``metadata.apiModel``. Descriptions are short on purpose: the JSON Schema is part
of the llm planner's prompt.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

MODEL_VERSION = 1

Kind = Literal[
    "signup",
    "login",
    "profile",
    "profileUpdate",
    "passwordReset",
    "passwordResetConfirm",
    "passwordChange",
    "logout",
    "crud",
    "form",
    "webhook",
    "outbound",
    "shortener",
    "resolver",
    "health",
    "ping",
    "hello",
    "echo",
    "time",
    "unsubscribe",
    "accountDelete",
    "compute",
]
Action = Literal["create", "get", "list", "update", "delete"]
FieldType = Literal["string", "integer", "number", "boolean", "array", "object"]


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    def wire(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True, exclude_none=True, exclude_defaults=True)


class ApiField(_Part):
    name: str = Field(description="Exactly as the user named it.")
    type: FieldType = "string"
    format: str | None = Field(None, description="email, date, date-time, uri, time")
    required: bool = False
    unique: bool = False
    default: Any = None
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: float | None = Field(None, alias="exclusiveMinimum")
    exclusive_maximum: float | None = Field(None, alias="exclusiveMaximum")
    min_length: int | None = Field(None, alias="minLength")
    max_length: int | None = Field(None, alias="maxLength")
    pattern: str | None = None
    enum: list[str | int | float] | None = None
    items: FieldType | None = Field(None, description="Item type of an array.")
    secret: bool = Field(False, description="A password: hashed, never returned.")


class Filter(_Part):
    field: str
    op: Literal["eq", "ne", "gt", "gte", "lt", "lte"] = "eq"
    param: str | None = Field(None, description="Input field holding the value.")
    value: str | int | float | bool | None = Field(None, description="A fixed value instead.")


class Operation(_Part):
    action: Action
    key: str | None = Field(None, description="Lookup field; default id.")
    filters: list[Filter] = Field(default_factory=list)
    sort: str | None = None
    order: Literal["asc", "desc"] = "asc"
    page_size: int | None = Field(None, alias="pageSize")


class Relation(_Part):
    field: str = Field(description="Input field holding the other record's key.")
    collection: str = Field(description="Where that record must exist (404 otherwise).")
    key: str = Field("id", description="The other record's field matched.")


class Auth(_Part):
    required: bool = True
    roles: list[str] = Field(default_factory=list, description="Role claim needed (403 else).")


class RateLimit(_Part):
    limit: int = Field(ge=1)
    window: int = Field(60, ge=1, description="Seconds.")
    key: Literal["ip", "subject", "field", "global"] = "ip"
    field: str | None = Field(None, description="Input field when key is field.")


class Email(_Part):
    to: str | None = Field(None, description="A fixed address.")
    to_field: str | None = Field(None, alias="toField", description="Input field with the address.")
    purpose: Literal["welcome", "notify", "message"] = "notify"
    subject: str | None = None
    text: str | None = None


class Outbound(_Part):
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"] = "GET"
    url: str = Field(description="May hold {field} placeholders.")
    url_field: str | None = Field(None, alias="urlField", description="Input field with the URL.")
    query: dict[str, str] = Field(default_factory=dict, description="Param -> input field.")
    body: list[str] = Field(default_factory=list, description="Input fields sent as JSON.")
    returns: list[str] = Field(default_factory=list, description="Answer fields to return.")
    guard: str | None = Field(None, description="Answer field that must be truthy.")


class Webhook(_Part):
    source: str | None = None
    secret_header: str | None = Field(None, alias="secretHeader")


class Answer(_Part):
    status: int | None = None
    fields: list[str] = Field(default_factory=list)
    message: str | None = None


class ApiModel(_Part):
    """One API as asked; ``notCovered`` lists, in the user's words, what nothing handles."""

    version: int = MODEL_VERSION
    kind: Kind
    name: str | None = None
    form: str | None = Field(None, description="contact, feedback, newsletter, waitlist, ...")
    entity: str | None = None
    collection: str | None = None
    fields: list[ApiField] = Field(default_factory=list)
    operations: list[Operation] = Field(default_factory=list)
    relations: list[Relation] = Field(default_factory=list)
    ownership: bool = Field(False, description="Records belong to the token's subject.")
    owner_status: Literal[403, 404] = Field(
        404, alias="ownerStatus", description="Answer for another owner's record."
    )
    auth: Auth | None = None
    rate_limits: list[RateLimit] = Field(default_factory=list, alias="rateLimits")
    emails: list[Email] = Field(default_factory=list)
    outbound: Outbound | None = None
    webhook: Webhook | None = None
    response: Answer | None = None
    token: bool | None = Field(None, description="Answer with a JWT.")
    cascade: list[str] = Field(
        default_factory=list, description="Owner's collections deleted with the account."
    )
    not_covered: list[str] = Field(default_factory=list, alias="notCovered")

    def field(self, name: str) -> ApiField | None:
        return next((f for f in self.fields if f.name == name), None)

    def actions(self) -> list[str]:
        return [op.action for op in self.operations]

    def to_wire(self) -> dict[str, Any]:
        out = self.model_dump(by_alias=True, exclude_none=True, mode="json")
        out["fields"] = [f.wire() | {"name": f.name} for f in self.fields]
        for key in ("operations", "relations", "rateLimits", "emails", "notCovered", "cascade"):
            if not out.get(key):
                out.pop(key, None)
        if not self.ownership:
            out.pop("ownership", None)
            out.pop("ownerStatus", None)
        for op in out.get("operations") or []:
            for key, empty in (("filters", []), ("order", "asc")):
                if op.get(key) == empty:
                    op.pop(key)
        return out


def model_json_schema() -> dict[str, Any]:
    """The JSON Schema the llm planner answers."""
    return ApiModel.model_json_schema(by_alias=True)

"""The model of a graph after an edit: what the graph now takes and does, read back from it.

Chat edits change the graph through :mod:`edits`; the model kept in ``metadata.apiModel`` is
brought in step here, so the canvas and the next edit see what the graph really does.
"""

from __future__ import annotations

from typing import Any

from orchestrix.agents.graph import Draft
from orchestrix.agents.model.fieldspec import from_spec
from orchestrix.agents.model.schema import ApiModel, Auth, Email, Operation, RateLimit

_PLUMBING = {"action", "limit", "offset"}


def model_of_graph(old: dict[str, Any], draft: Draft) -> ApiModel:
    model = ApiModel.model_validate(old)
    model.fields = [from_spec(s) for s in draft.fields() if s.name not in _PLUMBING]
    if model.kind == "crud":
        action = draft.properties.get("action")
        if isinstance(action, dict) and isinstance(action.get("enum"), list):
            kept = {o.action: o for o in model.operations}
            model.operations = [kept.get(a) or Operation(action=a) for a in action["enum"]]
        else:
            intent = (draft.data.get("metadata", {}).get("builder") or {}).get("intent")
            ops = [o for o in model.operations if o.action == intent]
            if intent in {"create", "get", "list", "update", "delete"}:
                model.operations = ops or [Operation(action=intent)]
    has_auth = draft.first("jwtVerify") is not None
    if has_auth and model.auth is None:
        model.auth = Auth(required=True)
    elif not has_auth:
        model.auth = None
    limits = []
    for tool in draft.of_type("rateLimit"):
        config = tool.get("config", {})
        key = str(config.get("key", ""))
        kind = "field" if "input." in key else "subject" if ".subject" in key else "ip"
        field = key.split("input.", 1)[1].split(" ", 1)[0] if kind == "field" else None
        limits.append(
            RateLimit.model_validate(
                {
                    "limit": int(config.get("limit") or 1),
                    "window": int(config.get("window") or 60),
                    "key": kind,
                    "field": field,
                }
            )
        )
    model.rate_limits = limits
    emails = []
    for tool in draft.of_type("sendEmail"):
        to = tool.get("config", {}).get("to")
        text = str(to[0] if isinstance(to, list) and to else to or "")
        if "input." in text:
            emails.append(
                Email.model_validate(
                    {
                        "purpose": "welcome",
                        "toField": text.split("input.", 1)[1].split(" ", 1)[0].rstrip("}"),
                    }
                )
            )
        else:
            emails.append(Email(purpose="notify", to=text or None))
    model.emails = emails
    return model

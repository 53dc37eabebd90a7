"""The endpoints a built workflow offers, named as a developer would (``signup``,
``createTodo``, ``listTodos``), read from the API model it keeps in its metadata."""

from __future__ import annotations

from orchestrix.agents.text import camel, plural
from orchestrix.spec.models import Workflow

_KIND_NAMES = {
    "signup": "signup",
    "login": "login",
    "profile": "profile",
    "profileUpdate": "updateProfile",
    "passwordReset": "resetPassword",
    "passwordResetConfirm": "confirmPasswordReset",
    "passwordChange": "changePassword",
    "logout": "logout",
    "health": "health",
    "ping": "ping",
    "shortener": "createLink",
    "resolver": "resolveLink",
}


def endpoint_names(workflow: Workflow) -> list[str]:
    model = (workflow.metadata or {}).get("apiModel") or {}
    kind = model.get("kind")
    if kind == "crud":
        words = str(model.get("entity") or "item").split()
        names = []
        for op in model.get("operations") or []:
            action = op.get("action")
            if action == "list":
                names.append(camel(["list", *words[:-1], plural(words[-1])]))
            elif action:
                names.append(camel([action, *words]))
        return names
    if kind == "form":
        form = str(model.get("form") or "form")
        return ["subscribe"] if form == "newsletter" else [camel(["create", form])]
    if kind in _KIND_NAMES:
        return [_KIND_NAMES[kind]]
    return [str(kind)] if kind else []

"""A loopback Archestra 1.2.x for the ``archestra-platform`` tests.

:class:`LoopbackArchestra` is a real HTTP server (Starlette under uvicorn) that answers the
operations the target uses from Archestra's own API description (``archestra_api.py``). Every
request is checked against that description: what Archestra refuses (a missing ``scope``, an
enum value it does not know, an id that is not a UUID) is answered ``400`` with its error body,
and what it would silently drop (an undescribed property or query parameter, an undescribed
route) is recorded in ``problems``. Its own answers are checked against the response schemas,
so the records it hands out have the shape the real ones have. Tests end by asserting that
``problems`` is empty.

It behaves as a live Archestra 1.2.76 was seen to behave (issue 14), not only as its
description says:

- catalog names are not unique: a second item with the same name answers 200;
- a duplicate tool assignment answers 200 and changes nothing (the assignment keeps its
  installation: whether the live one moves it was not observed, so the target must not rely on
  it);
- a tool of a local or remote server cannot be assigned without an installation
  (``mcpServerId``): 400 with the live message;
- a remote install is synchronous: Archestra connects to the server over MCP during the
  request and answers ``success`` with the tools found, or answers 500 naming the server;
- a local install is asynchronous: ``pending``, ``discovering-tools``, then ``success`` or
  ``error``, polled on ``installation-status``;
- tools belong to the catalog item (named ``<item>__<tool>``), so a second installation of one
  item finds the same tool ids;
- items and installations default to ``personal`` scope, and a personal installation is also
  assigned to the installer's personal gateway;
- removing an installation removes the assignments that run on it.

``timeline`` holds, after each request, which tool names each gateway serves through a
running installation: a redeploy that removes the old installation before the new one is
assigned shows up there as a gap.
"""

from __future__ import annotations

import copy
import inspect
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from mcp import Client
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from orchestrix.deploy.archestra_platform import SPEC_ENV
from orchestrix.runtime.mcp import tool_name
from orchestrix.spec.io import loads_workflow
from tests.deploy.archestra_api import BY_ID, VERSION, check_request, response_problems

API_KEY = "arch_3f2b9c0e7d4a4e1f8a6b5c4d3e2f1a0b"
USER_ID = "user-ada"
ORG_ID = "org-1"
ASSIGN_NEEDS_INSTALLATION = (
    "An MCP server installation or non-static credential resolution is required for remote MCP "
    "server tools"
)

_ERROR_TYPES = {
    400: "api_validation_error",
    401: "api_authentication_error",
    403: "api_authorization_error",
    404: "api_not_found_error",
    409: "api_conflict_error",
    500: "api_internal_server_error",
}
_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def filled(operation_id: str, given: dict[str, Any], *, status: str = "200") -> dict[str, Any]:
    """A record of the operation's answer: ``given``, and for every other required property
    the plainest value its schema allows (null where nullable, [] for arrays, false, the first
    enum value, now for a date-time, "" else)."""
    schema = BY_ID[operation_id].responses[status]
    if schema.get("type") == "array":
        schema = schema["items"]
    if "data" in schema.get("properties", {}):  # a page: the record is an item of `data`
        schema = schema["properties"]["data"]["items"]
    return _fill(schema, given)


def _fill(schema: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
    out = dict(given)
    for key in schema.get("required", []):
        if key not in out:
            out[key] = _plain(schema["properties"][key])
    return out


def _plain(schema: dict[str, Any]) -> Any:
    if "anyOf" in schema and {"type": "null"} in schema["anyOf"]:
        return None
    if "allOf" in schema:
        return _plain(schema["allOf"][0])
    if "anyOf" in schema:
        return _plain(schema["anyOf"][0])
    if "default" in schema:
        return copy.deepcopy(schema["default"])
    kind = schema.get("type")
    if "enum" in schema:
        return schema["enum"][0]
    if kind == "array":
        return []
    if kind == "boolean":
        return False
    if kind in {"number", "integer"}:
        return 0
    if kind == "object":
        return _fill(schema, {})
    if schema.get("format") == "date-time":
        return _now()
    return ""


@dataclass
class Call:
    method: str
    path: str
    operation_id: str | None
    query: dict[str, str]
    body: Any
    status: int = 0


@dataclass
class LoopbackArchestra:
    """Archestra's API for one organisation and one user (the API key's), in memory."""

    api_key: str = API_KEY
    version: str = VERSION
    install_steps: tuple[str, ...] = ("pending", "discovering-tools", "success")
    install_error: str | None = None  # the runtime cannot start a local server
    calls: list[Call] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    agents: dict[str, dict[str, Any]] = field(default_factory=dict)
    catalog: dict[str, dict[str, Any]] = field(default_factory=dict)
    servers: dict[str, dict[str, Any]] = field(default_factory=dict)
    tools: dict[str, dict[str, Any]] = field(default_factory=dict)
    agent_tools: dict[str, dict[str, Any]] = field(default_factory=dict)
    timeline: list[dict[str, set[str]]] = field(default_factory=list)
    _polls: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        personal = self._agent(
            {"name": "Ada's gateway", "scope": "personal", "agentType": "mcp_gateway"}
        )
        personal["isPersonalGateway"] = True

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/{path:path}", self._endpoint, methods=_METHODS)])

    # -- what tests read ----------------------------------------------------------------------

    def operations(self) -> list[str]:
        return [c.operation_id or f"{c.method} {c.path}" for c in self.calls]

    def agent(self, name: str) -> dict[str, Any]:
        return next(a for a in self.agents.values() if a["name"] == name)

    @property
    def personal_gateway(self) -> dict[str, Any]:
        return next(a for a in self.agents.values() if a["isPersonalGateway"])

    def assignments(self, agent_id: str | None = None) -> list[dict[str, Any]]:
        return [a for a in self.agent_tools.values() if agent_id in (None, a["agentId"])]

    def served(self) -> dict[str, set[str]]:
        """Tool names each gateway serves through an installation that runs."""
        out: dict[str, set[str]] = {}
        for link in self.agent_tools.values():
            server = self.servers.get(link["mcpServerId"] or "")
            if server is not None and server["localInstallationStatus"] == "success":
                out.setdefault(link["agentId"], set()).add(self.tools[link["toolId"]]["name"])
        return out

    # -- plumbing -----------------------------------------------------------------------------

    async def _endpoint(self, request: Request) -> Response:
        raw = await request.body()
        body: Any = None
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                self.problems.append(f"{request.method} {request.url.path}: body is not JSON")
                return _fail(400, "Body is not valid JSON")
        query = dict(request.query_params)
        call = Call(request.method, request.url.path, None, query, body)
        self.calls.append(call)
        response = await self._dispatch(request, call, body, bool(raw))
        call.status = response.status_code
        self.timeline.append(self.served())
        return response

    async def _dispatch(self, request: Request, call: Call, body: Any, has_body: bool) -> Response:
        where = f"{request.method} {request.url.path}"
        check = check_request(request.method, request.url.path, call.query, body, has_body)
        if check.operation is None:
            self.problems.append(f"{where}: no such operation in the API description")
            return JSONResponse(  # what Fastify answers for an unknown route
                {
                    "message": f"Route {request.method}:{request.url.path} not found",
                    "error": "Not Found",
                    "statusCode": 404,
                },
                status_code=404,
            )
        op = check.operation
        call.operation_id = op.operation_id
        handler = getattr(self, "_" + op.operation_id.replace(" /", "_").lower(), None)
        if handler is None:
            self.problems.append(f"{where}: {op.operation_id} is not modelled by the loopback")
            return _fail(500, f"{op.operation_id} is not modelled")
        if (
            op.operation_id != "GET /health"
            and request.headers.get("authorization") != self.api_key
        ):
            return self._answer(op.operation_id, 401, "Unauthenticated")
        if has_body and request.headers.get("content-type", "").split(";")[0] != "application/json":
            self.problems.append(f"{where}: body sent without Content-Type: application/json")
        if check.refused:
            self.problems.append(f"{where}: refused by the description: {check.refused}")
            return self._answer(op.operation_id, 400, check.refused[0])
        for undescribed in check.undescribed:
            self.problems.append(f"{where}: {undescribed}")
        result = handler(body, check.query, **check.path_params)
        if inspect.isawaitable(result):
            result = await result
        status, answer = result
        return self._answer(op.operation_id, status, answer)

    def _answer(self, operation_id: str, status: int, answer: Any) -> JSONResponse:
        if status != 200:
            answer = {"error": {"message": answer, "type": _ERROR_TYPES[status]}}
        wrong = response_problems(operation_id, status, answer)
        if wrong:
            self.problems.append(
                f"{operation_id}: the loopback answer {status} is off-schema: {wrong}"
            )
        return JSONResponse(answer, status_code=status)

    # -- health -------------------------------------------------------------------------------

    def _get_health(self, _body: Any, _query: Any) -> tuple[int, Any]:
        return 200, {"name": "Archestra", "status": "ok", "version": self.version}

    # -- agents (profiles, MCP gateways) and their tools --------------------------------------

    def _agent(self, body: dict[str, Any]) -> dict[str, Any]:
        now = _now()
        agent = filled(
            "createAgent",
            {
                "id": str(uuid.uuid4()),
                "organizationId": ORG_ID,
                "authorId": USER_ID,
                "name": body["name"],
                "scope": body["scope"],
                "agentType": body.get("agentType", "mcp_gateway"),
                "slug": body["name"].lower().replace(" ", "-"),
                "teams": [{"id": t, "name": f"team {t}"} for t in body.get("teams", [])],
                "createdAt": now,
                "updatedAt": now,
                "toolExposureMode": "full",
            },
        )
        self.agents[agent["id"]] = agent
        return agent

    def _getagents(self, _body: Any, query: dict[str, Any]) -> tuple[int, Any]:
        name = str(query.get("name", "")).lower()
        limit = int(query.get("limit", 20))
        found = [
            a
            for a in self.agents.values()
            if name in a["name"].lower()
            and query.get("agentType") in (None, a["agentType"])
            and query.get("scope") in (None, a["scope"])
        ]
        pages = (len(found) + limit - 1) // limit
        return 200, {
            "data": found[:limit],
            "pagination": {
                "currentPage": 1,
                "limit": limit,
                "total": len(found),
                "totalPages": pages,
                "hasNext": pages > 1,
                "hasPrev": False,
            },
        }

    def _createagent(self, body: dict[str, Any], _query: Any) -> tuple[int, Any]:
        if body["scope"] == "team" and not body.get("teams"):
            return 400, "A team-scoped agent needs at least one team"
        return 200, self._agent(body)

    def _link(self, link_id: str) -> dict[str, Any]:
        return self.agent_tools[link_id]

    def _assigntooltoagent(
        self, body: Any, _query: Any, *, agentId: str, toolId: str
    ) -> tuple[int, Any]:
        if agentId not in self.agents:
            return 404, "Agent not found"
        if toolId not in self.tools:
            return 404, "Tool not found"
        body = body or {}
        server_id = body.get("mcpServerId")
        mode = body.get("credentialResolutionMode", "static")
        if any(
            a["agentId"] == agentId and a["toolId"] == toolId for a in self.agent_tools.values()
        ):
            return 200, {"success": True}  # live: a duplicate answers 200, nothing changes
        if server_id is None and mode == "static":
            return 400, ASSIGN_NEEDS_INSTALLATION
        if server_id is not None and server_id not in self.servers:
            return 404, "MCP server not found"
        self._assign(agentId, toolId, server_id, mode)
        return 200, {"success": True}

    def _assign(self, agent_id: str, tool_id: str, server_id: str | None, mode: str) -> None:
        now = _now()
        link = {
            "id": str(uuid.uuid4()),
            "agentId": agent_id,
            "toolId": tool_id,
            "mcpServerId": server_id,
            "credentialResolutionMode": mode,
            "createdAt": now,
            "updatedAt": now,
        }
        self.agent_tools[link["id"]] = link

    def _unassigntoolfromagent(
        self, _body: Any, _query: Any, *, agentId: str, toolId: str
    ) -> tuple[int, Any]:
        for key, link in list(self.agent_tools.items()):
            if link["agentId"] == agentId and link["toolId"] == toolId:
                del self.agent_tools[key]
                return 200, {"success": True}
        return 404, "Agent tool not found"

    def _getallagenttools(self, _body: Any, query: dict[str, Any]) -> tuple[int, Any]:
        found = [
            link
            for link in self.agent_tools.values()
            if query.get("agentId") in (None, link["agentId"])
            and query.get("origin") in (None, self.tools[link["toolId"]]["catalogId"])
        ]
        limit = int(query.get("limit", 20))
        page = found if query.get("skipPagination") else found[:limit]
        data = []
        for link in page:
            agent, tool = self.agents[link["agentId"]], self.tools[link["toolId"]]
            data.append(
                {
                    **{k: link[k] for k in ("id", "mcpServerId", "credentialResolutionMode")},
                    "createdAt": link["createdAt"],
                    "updatedAt": link["updatedAt"],
                    "agent": {"id": agent["id"], "name": agent["name"]},
                    "tool": {
                        k: tool[k] for k in ("id", "name", "description", "parameters", "catalogId")
                    }
                    | {"createdAt": tool["createdAt"], "updatedAt": tool["createdAt"]},
                }
            )
        pages = max(1, (len(found) + limit - 1) // limit)
        return 200, {
            "data": data,
            "pagination": {
                "currentPage": 1,
                "limit": limit,
                "total": len(found),
                "totalPages": pages,
                "hasNext": len(page) < len(found),
                "hasPrev": False,
            },
        }

    def _updateagenttool(self, body: dict[str, Any], _query: Any, *, id: str) -> tuple[int, Any]:
        link = self.agent_tools.get(id)
        if link is None:
            return 404, "Agent tool not found"
        if "mcpServerId" in body:
            if body["mcpServerId"] is not None and body["mcpServerId"] not in self.servers:
                return 404, "MCP server not found"
            link["mcpServerId"] = body["mcpServerId"]
        if "credentialResolutionMode" in body:
            link["credentialResolutionMode"] = body["credentialResolutionMode"]
        link["updatedAt"] = _now()
        return 200, dict(link)

    # -- the private MCP registry -------------------------------------------------------------

    def _item(self, body: dict[str, Any], item_id: str, created: str) -> dict[str, Any]:
        given = {k: copy.deepcopy(v) for k, v in body.items() if k not in {"teams"}}
        given.update(
            id=item_id,
            organizationId=ORG_ID,
            authorId=USER_ID,
            scope=body.get("scope", "personal"),  # live: items default to personal
            teams=[{"id": t, "name": f"team {t}"} for t in body.get("teams", [])],
            labels=body.get("labels", []),
            createdAt=created,
            updatedAt=_now(),
        )
        for key in ("version", "description", "instructions", "serverUrl", "localConfig"):
            given.setdefault(key, None)
        return filled("createInternalMcpCatalogItem", given)

    def _getinternalmcpcatalog(self, _body: Any, _query: Any) -> tuple[int, Any]:
        return 200, [
            filled(
                "getInternalMcpCatalog",
                {
                    **item,
                    "toolCount": sum(t["catalogId"] == item["id"] for t in self.tools.values()),
                },
            )
            for item in self.catalog.values()
        ]

    def _createinternalmcpcatalogitem(self, body: dict[str, Any], _query: Any) -> tuple[int, Any]:
        # Live: names are not unique; a second item with a taken name answers 200.
        item = self._item(body, str(uuid.uuid4()), _now())
        self.catalog[item["id"]] = item
        return 200, item

    def _getinternalmcpcatalogitem(self, _body: Any, _query: Any, *, id: str) -> tuple[int, Any]:
        item = self.catalog.get(id)
        return (200, item) if item else (404, "Catalog item not found")

    def _updateinternalmcpcatalogitem(
        self, body: dict[str, Any], _query: Any, *, id: str
    ) -> tuple[int, Any]:
        old = self.catalog.get(id)
        if old is None:
            return 404, "Catalog item not found"
        merged = {**old, **body}
        if "teams" not in body:
            merged["teams"] = [t["id"] for t in old["teams"]]
        self.catalog[id] = self._item(merged, id, old["createdAt"])
        return 200, self.catalog[id]

    def _deleteinternalmcpcatalogitem(self, _body: Any, _query: Any, *, id: str) -> tuple[int, Any]:
        if self.catalog.pop(id, None) is None:
            return 404, "Catalog item not found"
        for server_id in [s for s, v in self.servers.items() if v["catalogId"] == id]:
            self._uninstall(server_id)
        for tool_id in [t for t, v in self.tools.items() if v["catalogId"] == id]:
            del self.tools[tool_id]
            for key in [k for k, a in self.agent_tools.items() if a["toolId"] == tool_id]:
                del self.agent_tools[key]
        return 200, {"success": True}

    # -- installations ------------------------------------------------------------------------

    def _getmcpservers(self, _body: Any, query: dict[str, Any]) -> tuple[int, Any]:
        wanted = query.get("catalogId")
        return 200, [s for s in self.servers.values() if wanted in (None, s["catalogId"])]

    async def _installmcpserver(self, body: dict[str, Any], _query: Any) -> tuple[int, Any]:
        item = self.catalog.get(body["catalogId"])
        if item is None:
            return 404, "Catalog item not found"
        scope = body.get("scope", "personal")  # live: installs default to personal
        if scope == "team" and not body.get("teamId"):
            return 400, "teamId is required for a team installation"
        now = _now()
        server = filled(
            "installMcpServer",
            {
                "id": str(uuid.uuid4()),
                "name": body["name"],
                "catalogId": item["id"],
                "catalogName": item["name"],
                "serverType": item["serverType"],
                "environmentValues": {},
                "ownerId": USER_ID,
                "teamId": body.get("teamId"),
                "scope": scope,
                "localInstallationStatus": self.install_steps[0],
                "createdAt": now,
                "updatedAt": now,
            },
        )
        if item["serverType"] == "remote":
            # Live: synchronous. Archestra runs initialize and tools/list during the request.
            try:
                async with Client(item["serverUrl"]) as client:
                    listed = (await client.list_tools()).tools
            except Exception as e:
                return (
                    500,
                    f"Failed to connect to MCP server {item['name']} at {item['serverUrl']}: {e!r}",
                )
            server["localInstallationStatus"] = "success"
            self.servers[server["id"]] = server
            self._discovered(
                server, [(t.name, t.description, dict(t.input_schema)) for t in listed]
            )
        else:
            self.servers[server["id"]] = server
            self._polls[server["id"]] = 1  # the answer was the first step
        return 200, server

    def _discovered(
        self, server: dict[str, Any], listed: list[tuple[str, str | None, dict[str, Any]]]
    ) -> None:
        """Tools of the item, named ``<item>__<tool>``; one id per name across installations.
        A personal installation is also assigned to the installer's personal gateway."""
        item = self.catalog[server["catalogId"]]
        for name, description, parameters in listed:
            full = f"{item['name']}__{name}"
            tool = next(
                (
                    t
                    for t in self.tools.values()
                    if t["catalogId"] == item["id"] and t["name"] == full
                ),
                None,
            )
            if tool is None:
                tool = {
                    "id": str(uuid.uuid4()),
                    "catalogId": item["id"],
                    "name": full,
                    "createdAt": _now(),
                }
                self.tools[tool["id"]] = tool
            tool.update(description=description, parameters=parameters)
            if server["scope"] == "personal":
                self._assign(self.personal_gateway["id"], tool["id"], server["id"], "static")

    def _getmcpserver(self, _body: Any, _query: Any, *, id: str) -> tuple[int, Any]:
        server = self.servers.get(id)
        return (200, server) if server else (404, "MCP server not found")

    def _deletemcpserver(self, _body: Any, _query: Any, *, id: str) -> tuple[int, Any]:
        if id not in self.servers:
            return 404, "MCP server not found"
        self._uninstall(id)
        return 200, {"success": True}

    def _uninstall(self, server_id: str) -> None:
        self.servers.pop(server_id, None)
        for key in [k for k, a in self.agent_tools.items() if a["mcpServerId"] == server_id]:
            del self.agent_tools[key]

    def _getmcpserverinstallationstatus(
        self, _body: Any, _query: Any, *, id: str
    ) -> tuple[int, Any]:
        server = self.servers.get(id)
        if server is None:
            return 404, "MCP server not found"
        if server["serverType"] == "local":
            step = min(self._polls[id], len(self.install_steps) - 1)
            self._polls[id] += 1
            status = self.install_steps[step]
            if status == "success" and self.install_error is not None:
                status = "error"
                server["localInstallationError"] = self.install_error
            if status == "success" and server["localInstallationStatus"] != "success":
                self._discover_local(server)
            server["localInstallationStatus"] = status
        return 200, {
            "localInstallationStatus": server["localInstallationStatus"],
            "localInstallationError": server["localInstallationError"],
        }

    def _discover_local(self, server: dict[str, Any]) -> None:
        """What the runtime finds in a local server: here, read from the inline spec (the
        launch tests start the real command)."""
        item = self.catalog[server["catalogId"]]
        env = {e["key"]: e.get("value") for e in item["localConfig"]["environment"]}
        workflow = loads_workflow(env[SPEC_ENV])
        self._discovered(
            server,
            [(tool_name(workflow), workflow.description or workflow.name, workflow.input_schema)],
        )

    def _getmcpservertools(self, _body: Any, _query: Any, *, id: str) -> tuple[int, Any]:
        server = self.servers.get(id)
        if server is None:
            return 404, "MCP server not found"
        answer = []
        for tool in self.tools.values():
            if tool["catalogId"] != server["catalogId"]:
                continue
            holders = [a["agentId"] for a in self.agent_tools.values() if a["toolId"] == tool["id"]]
            answer.append(
                {
                    **{
                        k: tool[k] for k in ("id", "name", "description", "parameters", "createdAt")
                    },
                    "assignedAgentCount": len(holders),
                    "assignedAgents": [{"id": a, "name": self.agents[a]["name"]} for a in holders],
                }
            )
        return 200, answer


def _fail(status: int, message: str) -> JSONResponse:
    return JSONResponse(
        {"error": {"message": message, "type": _ERROR_TYPES[status]}}, status_code=status
    )
